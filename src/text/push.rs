//! Copying short byte strings (numbers' digits) without a `memcpy` call:
//! `extend_from_slice` of a length unknown at compile time calls `memcpy`,
//! which costs more than the copy itself for the 1-24 bytes of a number.
use super::sink::Sink;

/// Appends `bytes` (at most 32) to `out` with `copy_short`.
#[inline(always)]
pub fn push_short<S: Sink>(out: &mut S, bytes: &[u8]) {
    out.reserve(32);
    let at = out.len();
    // SAFETY: `reserve` left 32 >= bytes.len() bytes of room at `at`, which
    // `copy_short` writes exactly [at, at + len) of and `set_len` then covers.
    unsafe {
        copy_short(bytes, out.as_mut_ptr().add(at));
        out.set_len(at + bytes.len());
    }
}

/// Copies `bytes` (at most 32) to `dst` with two overlapping fixed-size
/// moves of the widest size that fits, every read inside `bytes`.
///
/// # Safety
/// `dst` has room for `bytes.len()` bytes and does not overlap `bytes`.
#[inline(always)]
pub unsafe fn copy_short(bytes: &[u8], dst: *mut u8) {
    let len = bytes.len();
    assert!(len <= 32);
    let src = bytes.as_ptr();
    // SAFETY: each pair of moves reads [0, n) and [len - n, len) of `bytes`
    // with n <= len, and writes the same offsets of `dst`, so together they
    // write exactly [0, len) of the caller's room.
    unsafe {
        macro_rules! two_moves {
            ($ty:ty) => {{
                let n = std::mem::size_of::<$ty>();
                let head = src.cast::<$ty>().read_unaligned();
                let tail = src.add(len - n).cast::<$ty>().read_unaligned();
                dst.cast::<$ty>().write_unaligned(head);
                dst.add(len - n).cast::<$ty>().write_unaligned(tail);
            }};
        }
        if len >= 16 {
            two_moves!(u128);
        } else if len >= 8 {
            two_moves!(u64);
        } else if len >= 4 {
            two_moves!(u32);
        } else if len >= 2 {
            two_moves!(u16);
        } else if len == 1 {
            dst.write(*src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_short;

    #[test]
    fn appends_every_length() {
        let source: Vec<u8> = (b'a'..=b'z').chain(b'0'..=b'5').collect();
        for len in 0..=32 {
            let mut out = b"head".to_vec();
            push_short(&mut out, &source[..len]);
            assert_eq!(&out[..4], b"head");
            assert_eq!(&out[4..], &source[..len], "length {len}");
        }
    }
}
