//! Which units of a block of a str's characters JSON escapes: control
//! characters, `"`, `\\` and lone surrogate halves (every writer escapes
//! those; `ensure_ascii` adds more, which its callers check themselves).
//! Per kind of str (u8, u16, u32 units), 16 units or 8 at once: SSE2 on
//! x86-64 (part of every such CPU), one unit at a time elsewhere
//! (`escape_mask`, which the tests hold the vector forms to). Used by the
//! `str` result's copy (`phase5/str_units.rs`) and by UTF-8 from units
//! (`units_utf8.rs`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

/// Whether JSON escapes `c`: a control character, `"`, `\`, or (as rjson
/// writes them, so that any result encodes to UTF-8) a lone surrogate half.
#[inline(always)]
pub fn escaped(c: u32) -> bool {
    // `|`, not `||`: no branches, so that blocks of it are vector code.
    (c < 0x20) | (c == b'"' as u32) | (c == b'\\' as u32) | (c & !0x7FF == 0xD800)
}

/// Units a block holds, and half a block.
pub const BLOCK: usize = 16;
pub const HALF: usize = BLOCK / 2;

/// A str's unit, checked a block at a time (SSE2 on x86-64, where the
/// compiler's own vector code for the check took ~1.3 cycles a unit on
/// gsoc-2018.json).
pub trait UnitEscapes: Copy + Into<u32> {
    /// The units JSON escapes, bit `i` for unit `i`.
    fn block_mask(block: &[Self; BLOCK]) -> u32 {
        escape_mask(block)
    }

    /// As `block_mask`, for half a block.
    fn half_mask(half: &[Self; HALF]) -> u32 {
        escape_mask(half)
    }
}

/// The units of `units` JSON escapes, bit `i` for unit `i`, one at a time:
/// `UnitEscapes`' scalar form.
pub fn escape_mask<S: Copy + Into<u32>>(units: &[S]) -> u32 {
    units
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &s)| mask | u32::from(escaped(s.into())) << i)
}

#[cfg(not(target_arch = "x86_64"))]
impl UnitEscapes for u8 {}
#[cfg(not(target_arch = "x86_64"))]
impl UnitEscapes for u16 {}
#[cfg(not(target_arch = "x86_64"))]
impl UnitEscapes for u32 {}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use super::{UnitEscapes, BLOCK, HALF};

    // SAFETY (every block below): SSE2 is part of x86-64; each load reads
    // 8 or 16 bytes within the block or half block.

    /// All-ones bytes where the 16 bytes of `x` are escaped.
    #[inline(always)]
    fn escapes_u8(x: __m128i) -> __m128i {
        unsafe {
            let control = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
            let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            _mm_or_si128(control, _mm_or_si128(quote, backslash))
        }
    }

    /// All-ones units where the 8 units of `x` are escaped.
    #[inline(always)]
    fn escapes_u16(x: __m128i) -> __m128i {
        unsafe {
            let control =
                _mm_cmpeq_epi16(_mm_subs_epu16(x, _mm_set1_epi16(0x1F)), _mm_setzero_si128());
            let quote = _mm_cmpeq_epi16(x, _mm_set1_epi16(b'"' as i16));
            let backslash = _mm_cmpeq_epi16(x, _mm_set1_epi16(b'\\' as i16));
            let surrogate = _mm_cmpeq_epi16(
                _mm_and_si128(x, _mm_set1_epi16(0xF800u16 as i16)),
                _mm_set1_epi16(0xD800u16 as i16),
            );
            _mm_or_si128(
                _mm_or_si128(control, surrogate),
                _mm_or_si128(quote, backslash),
            )
        }
    }

    /// All-ones units where the 4 units of `x` are escaped. Characters are
    /// at most 10FFFF: signed compares are right.
    #[inline(always)]
    fn escapes_u32(x: __m128i) -> __m128i {
        unsafe {
            let control = _mm_cmplt_epi32(x, _mm_set1_epi32(0x20));
            let quote = _mm_cmpeq_epi32(x, _mm_set1_epi32(b'"' as i32));
            let backslash = _mm_cmpeq_epi32(x, _mm_set1_epi32(b'\\' as i32));
            let surrogate = _mm_cmpeq_epi32(
                _mm_and_si128(x, _mm_set1_epi32(!0x7FF)),
                _mm_set1_epi32(0xD800),
            );
            _mm_or_si128(
                _mm_or_si128(control, surrogate),
                _mm_or_si128(quote, backslash),
            )
        }
    }

    /// The 16 bytes of `units` at `at`.
    #[inline(always)]
    fn load<T>(units: &[T], at: usize) -> __m128i {
        debug_assert!((at + 16 / std::mem::size_of::<T>()) <= units.len());
        unsafe { _mm_loadu_si128(units.as_ptr().add(at).cast()) }
    }

    impl UnitEscapes for u8 {
        #[inline(always)]
        fn block_mask(block: &[u8; BLOCK]) -> u32 {
            unsafe { _mm_movemask_epi8(escapes_u8(load(block, 0))) as u32 }
        }

        #[inline(always)]
        fn half_mask(half: &[u8; HALF]) -> u32 {
            unsafe {
                let x = _mm_loadl_epi64(half.as_ptr().cast());
                _mm_movemask_epi8(escapes_u8(x)) as u32 & 0xFF
            }
        }
    }

    impl UnitEscapes for u16 {
        #[inline(always)]
        fn block_mask(block: &[u16; BLOCK]) -> u32 {
            // Each unit's all-ones or zero, packed to a byte each.
            unsafe {
                let (low, high) = (escapes_u16(load(block, 0)), escapes_u16(load(block, 8)));
                _mm_movemask_epi8(_mm_packs_epi16(low, high)) as u32
            }
        }

        #[inline(always)]
        fn half_mask(half: &[u16; HALF]) -> u32 {
            unsafe {
                let packed = _mm_packs_epi16(escapes_u16(load(half, 0)), _mm_setzero_si128());
                _mm_movemask_epi8(packed) as u32
            }
        }
    }

    impl UnitEscapes for u32 {
        #[inline(always)]
        fn block_mask(block: &[u32; BLOCK]) -> u32 {
            let escapes = |at| escapes_u32(load(block, at));
            unsafe {
                let low = _mm_packs_epi32(escapes(0), escapes(4));
                let high = _mm_packs_epi32(escapes(8), escapes(12));
                _mm_movemask_epi8(_mm_packs_epi16(low, high)) as u32
            }
        }

        #[inline(always)]
        fn half_mask(half: &[u32; HALF]) -> u32 {
            let escapes = |at| escapes_u32(load(half, at));
            unsafe {
                let low = _mm_packs_epi32(escapes(0), escapes(4));
                _mm_movemask_epi8(_mm_packs_epi16(low, _mm_setzero_si128())) as u32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDGES: [u32; 19] = [
        0x00, 0x1F, 0x20, 0x21, 0x22, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0xFF, 0x100, 0xD7FF, 0xD800,
        0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0x10FFFF,
    ];

    fn block_check_agrees<S: UnitEscapes + TryFrom<u32>>() {
        for &c in &EDGES {
            let Ok(unit) = S::try_from(c) else { continue };
            for at in 0..BLOCK {
                let mut block = [S::try_from(b'a' as u32).ok().unwrap(); BLOCK];
                block[at] = unit;
                let expected = u32::from(escaped(c)) << at;
                assert_eq!(S::block_mask(&block), expected, "{c:#x} at {at}");
                assert_eq!(escape_mask(&block), expected, "{c:#x} at {at}");
                if at < HALF {
                    let half: [S; HALF] = block[..HALF].try_into().ok().unwrap();
                    assert_eq!(S::half_mask(&half), expected, "{c:#x} at {at} (half)");
                }
            }
        }
    }

    /// The block check (SSE2 on x86-64, the default fold elsewhere) flags
    /// exactly the units `escaped` flags, at every place in a block.
    #[test]
    fn block_check_flags_exactly_the_escaped_units() {
        block_check_agrees::<u8>();
        block_check_agrees::<u16>();
        block_check_agrees::<u32>();
    }
}
