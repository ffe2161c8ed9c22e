//! Copying short byte strings (a float's repr) without a `memcpy` call:
//! `extend_from_slice` of a length unknown at compile time calls `memcpy`,
//! which costs more than the copy itself for the 1-24 bytes of a number.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

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
    use super::copy_short;

    #[test]
    fn copies_every_length_and_nothing_more() {
        let source: Vec<u8> = (b'a'..=b'z').chain(b'0'..=b'5').collect();
        for len in 0..=32 {
            let mut out = [b'.'; 40];
            // SAFETY: 40 bytes of room for at most 32.
            unsafe { copy_short(&source[..len], out.as_mut_ptr()) };
            assert_eq!(&out[..len], &source[..len], "length {len}");
            assert!(out[len..].iter().all(|&b| b == b'.'), "length {len}");
        }
    }
}
