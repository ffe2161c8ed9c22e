//! Strings of 16 bytes and more written straight into the output's reserved
//! room, 16 bytes at a time with SSE2 or NEON (part of x86-64 and aarch64,
//! so inline: no kernel call, no feature check per string): each block is
//! stored before its mask is looked at, and the tail is one block ending at
//! the string's end. At the first byte that needs an escape the rest goes
//! out of line, to the shared escaping writer. Shorter strings, other CPUs
//! and `RJSON_KERNELS=scalar` take the phase3/4 writer.

use crate::engine::copy_run;
use crate::phase4::kernels;
use crate::text::escape::{write_escaped_rest, write_json_string_with};
use crate::text::sink::Sink;

/// Appends `text` (UTF-8) as a JSON string literal, quotes included.
#[inline]
pub fn write_string<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if text.len() >= BLOCK && kernels::chosen().simd {
        return write_blocks(text, ensure_ascii, out);
    }
    write_json_string_with(text, ensure_ascii, out, copy_run)
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const BLOCK: usize = 16;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline]
fn write_blocks<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    let len = text.len();
    debug_assert!(len >= BLOCK);
    out.reserve(len + 2);
    let base = out.len();
    let src = text.as_ptr();
    // SAFETY: `reserve` made room for len + 2 bytes at `base`: the opening
    // quote at `base`, text bytes i at base + 1 + i for i < len, the closing
    // quote at base + 1 + len. Every load reads BLOCK bytes starting at
    // `at` or `len - BLOCK`, both with BLOCK bytes of `text` after them
    // (len >= BLOCK), and each store writes the same offsets of the room.
    // `set_len` covers only bytes written: the quote and the text before the
    // first escape (bytes stored past it are spare capacity, overwritten).
    unsafe {
        let dst = out.as_mut_ptr().add(base);
        dst.write(b'"');
        let body = dst.add(1);
        let copy_block = |start: usize| copy_block(src.add(start), body.add(start), ensure_ascii);
        let mut at = 0;
        let mut mask = 0;
        while at + BLOCK <= len {
            mask = copy_block(at);
            if mask != 0 {
                break;
            }
            at += BLOCK;
        }
        if mask == 0 && at < len {
            let start = len - BLOCK;
            mask = copy_block(start) >> (at - start);
        }
        if mask != 0 {
            let stop = at + mask.trailing_zeros() as usize;
            return escaped(text, stop, base, ensure_ascii, out);
        }
        body.add(len).write(b'"');
        out.set_len(base + len + 2);
    }
}

/// Copies BLOCK bytes from `src` to `dst` and returns the mask of those that
/// need an escape.
///
/// # Safety
/// BLOCK bytes readable at `src` and writable at `dst`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn copy_block(src: *const u8, dst: *mut u8, ensure_ascii: bool) -> u32 {
    use std::arch::x86_64::{_mm_loadu_si128, _mm_storeu_si128};
    // SAFETY: the caller's 16 bytes at each end; SSE2 is part of x86-64.
    unsafe {
        let block = _mm_loadu_si128(src.cast());
        _mm_storeu_si128(dst.cast(), block);
        crate::phase4::sse2::escapes(block, ensure_ascii)
    }
}

/// As the x86-64 one, with NEON.
///
/// # Safety
/// BLOCK bytes readable at `src` and writable at `dst`.
#[cfg(target_arch = "aarch64")]
#[inline(always)]
unsafe fn copy_block(src: *const u8, dst: *mut u8, ensure_ascii: bool) -> u32 {
    use std::arch::aarch64::{vld1q_u8, vst1q_u8};
    // SAFETY: the caller's 16 bytes at each end; NEON is part of aarch64.
    unsafe {
        let block = vld1q_u8(src);
        vst1q_u8(dst, block);
        crate::phase4::neon::escapes(block, ensure_ascii)
    }
}

/// The rest of the literal from the first byte that needs an escape, `at`;
/// the quote and `text[..at]` are in the room after `base`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[cold]
#[inline(never)]
fn escaped<S: Sink>(text: &[u8], at: usize, base: usize, ensure_ascii: bool, out: &mut S) {
    // SAFETY: the caller wrote the quote and text[..at] at base..base+1+at,
    // inside the reserved room.
    unsafe { out.set_len(base + 1 + at) };
    write_escaped_rest(text, at, ensure_ascii, out, copy_run);
}

#[cfg(test)]
mod tests {
    use super::write_string;
    use crate::text::escape::write_json_string;

    #[test]
    fn writes_what_the_shared_writer_writes() {
        let specials = ["\"", "\\", "\0", "\x1f", "\x7f", "\n", "z", "é", "😀"];
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 64, 65, 100] {
            for fill in ["a", "é"] {
                let mut samples = vec![fill.repeat(len)];
                for pos in 0..len {
                    for special in specials {
                        samples.push(format!(
                            "{}{special}{}",
                            fill.repeat(pos),
                            fill.repeat(len - pos - 1)
                        ));
                    }
                }
                for text in samples {
                    for ensure_ascii in [false, true] {
                        let (mut fast, mut slow) = (b"prefix".to_vec(), b"prefix".to_vec());
                        write_string(text.as_bytes(), ensure_ascii, &mut fast);
                        write_json_string(text.as_bytes(), ensure_ascii, &mut slow);
                        assert_eq!(fast, slow, "{text:?} ensure_ascii={ensure_ascii}");
                    }
                }
            }
        }
    }
}
