//! A str's own units (CPython's kinds: latin-1, UCS-2, UCS-4) written as a
//! JSON string in UTF-8, for `dumps_bytes` of a str whose UTF-8 CPython has
//! not made: asking CPython for it (`PyUnicode_AsUTF8AndSize`) would make
//! the str keep a UTF-8 copy for its lifetime (a 12-character Japanese str
//! grows from 98 to 133 bytes). Characters are escaped as every writer
//! escapes them (`escape.rs`): control characters, `"` and `\`, lone
//! surrogate halves as `\uXXXX`, and with `ensure_ascii` everything from
//! U+007F on.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use super::escape::{u_escape, utf16_units, ASCII_ESCAPES};
use super::sink::Sink;
#[cfg(test)]
use super::unit_escapes::escape_mask;
#[cfg(target_arch = "x86_64")]
use super::unit_escapes::HALF;
use super::unit_escapes::{UnitEscapes, BLOCK};

/// Units written per reservation: at most 12 bytes each (a surrogate pair's
/// escapes), so a long str reserves a little at a time, not 12 bytes a unit.
const CHUNK: usize = 64;
const MAX_BYTES_PER_UNIT: usize = 12;

/// Appends `units` as a JSON string in quotes. Blocks of 16 characters
/// that are ASCII with nothing to escape are stored at once (most text in
/// Latin scripts, and the ASCII around other text), as are blocks of
/// characters of two UTF-8 bytes each (Cyrillic, Greek, Hebrew, Arabic)
/// or three (CJK, most of the rest); any other block a character at a time.
///
/// UCS-2 text of more than a block without `ensure_ascii` (the most common
/// kind past Latin-1) takes those forms and, for any other block, byte
/// shuffles 8 characters at a time where the CPU has SSSE3
/// (`StrUnit::write_by_shuffles`).
pub fn write_units<S: Sink, U: StrUnit>(units: &[U], ensure_ascii: bool, out: &mut S) {
    if !ensure_ascii && U::write_by_shuffles(units, out) {
        return;
    }
    write_blocks(units, ensure_ascii, out);
}

/// `write_units` by blocks of 16 characters in the forms `write_block` tries.
fn write_blocks<S: Sink, U: StrUnit>(units: &[U], ensure_ascii: bool, out: &mut S) {
    // SAFETY: `write_block` writes within 12 bytes a unit of its block.
    unsafe { write_padded_blocks(units, out, BlockForms { ensure_ascii }) }
}

/// How `write_padded_blocks` writes one block: `write_block`'s forms, or
/// `ssse3::write_ucs2`'s. A trait rather than a closure, so that the block
/// writer is inlined at both of its calls (a closure was left as a call).
trait WriteBlock<U> {
    /// Writes the first `count` characters of `block` at `dst` (the rest
    /// are copies of the last of them): how many bytes they take.
    ///
    /// # Safety
    /// `dst` has room for 12 bytes a unit of the block.
    unsafe fn write(&self, block: &[U; BLOCK], count: usize, dst: *mut u8) -> usize;
}

/// `write_block` in the given mode.
struct BlockForms {
    ensure_ascii: bool,
}

impl<U: StrUnit> WriteBlock<U> for BlockForms {
    #[inline(always)]
    unsafe fn write(&self, block: &[U; BLOCK], count: usize, dst: *mut u8) -> usize {
        // SAFETY: the caller's room.
        unsafe { write_block(block, count, self.ensure_ascii, dst) }
    }
}

/// Appends `units` in quotes, each block of 16 written at its place by
/// `write`. The last partial block is padded with copies of its last
/// character, which leave the block's form (ASCII, two-byte, three-byte,
/// mixed) as it is; `write` does not count their bytes.
///
/// # Safety
/// `write`'s own contract is all (it may need a CPU feature).
#[inline(always)]
unsafe fn write_padded_blocks<S: Sink, U: StrUnit>(
    units: &[U],
    out: &mut S,
    write: impl WriteBlock<U>,
) {
    out.push(b'"');
    for chunk in units.chunks(CHUNK) {
        // Room for a block more than the chunk: the last, partial block is
        // written as a whole one.
        out.reserve((chunk.len() + BLOCK) * MAX_BYTES_PER_UNIT);
        let dst = out.as_mut_ptr();
        let mut len = out.len();
        let mut blocks = chunk.chunks_exact(BLOCK);
        for block in &mut blocks {
            let block: &[U; BLOCK] = block.try_into().expect("a block");
            // SAFETY: the reservation leaves 12 bytes of room per unit of
            // the chunk, and a block more.
            len += unsafe { write.write(block, BLOCK, dst.wrapping_add(len)) };
        }
        if let Some(&last) = blocks.remainder().last() {
            let rest = blocks.remainder();
            let mut block = [last; BLOCK];
            block[..rest.len()].copy_from_slice(rest);
            // SAFETY: as above.
            len += unsafe { write.write(&block, rest.len(), dst.wrapping_add(len)) };
        }
        // SAFETY: every byte up to `len` was written above (the caller's `write`).
        unsafe { out.set_len(len) };
    }
    out.push(b'"');
}

/// Writes the first `count` characters of `block` at `dst`: how many bytes
/// they take. The rest are copies of the last of them, which the block
/// forms write too (their bytes are not counted) and the character loops
/// skip.
///
/// # Safety
/// `dst` has room for 12 bytes a unit of the block.
#[inline(always)]
unsafe fn write_block<U: StrUnit>(
    block: &[U; BLOCK],
    count: usize,
    ensure_ascii: bool,
    dst: *mut u8,
) -> usize {
    // The padding's bytes in the block forms, which write only characters
    // JSON does not escape (and no surrogate half).
    let padding = (BLOCK - count) * plain_width(block[BLOCK - 1].into());
    // SAFETY: each form writes within the block's room.
    unsafe {
        if U::ascii_block(block, ensure_ascii, dst) {
            return BLOCK - padding;
        }
        if !ensure_ascii {
            let written = U::multibyte_block(block, dst);
            if written != 0 {
                return written - padding;
            }
            if U::block_mask(block) == 0 {
                let written = U::mixed_block(block, dst);
                if written != 0 {
                    return written - padding;
                }
                let mut len = 0;
                for &unit in &block[..count] {
                    len += write_plain_char(unit.into(), dst.add(len));
                }
                return len;
            }
        }
        let mut len = 0;
        for &unit in &block[..count] {
            len += write_char(unit.into(), ensure_ascii, dst.add(len));
        }
        len
    }
}

/// A unit of a str's data: u8 (kind 1), u16 (kind 2) or u32 (kind 4).
pub trait StrUnit: UnitEscapes {
    /// Stores the 16 characters of `block` at `dst` as bytes when they are
    /// all ASCII with nothing to escape; false (something may have been
    /// stored) otherwise. SSE2 on x86-64 (`sse2`), `ascii_block_scalar`
    /// elsewhere.
    ///
    /// # Safety
    /// `dst` has room for 16 bytes.
    #[inline(always)]
    unsafe fn ascii_block(block: &[Self; BLOCK], ensure_ascii: bool, dst: *mut u8) -> bool {
        // SAFETY: the caller's room.
        unsafe { ascii_block_scalar(block, ensure_ascii, dst) }
    }

    /// Stores the 16 characters of `block` at `dst` as UTF-8 when they all
    /// take two bytes (U+0080 to U+07FF) or all three (U+0800 to U+FFFF,
    /// not a surrogate half): how many bytes; 0 (something may have been
    /// stored) otherwise. SSE2 on x86-64,
    /// `multibyte_block_scalar` elsewhere.
    ///
    /// # Safety
    /// `dst` has room for 52 bytes (the last three-byte character is
    /// stored as four).
    #[inline(always)]
    unsafe fn multibyte_block(block: &[Self; BLOCK], dst: *mut u8) -> usize {
        // SAFETY: the caller's room.
        unsafe { multibyte_block_scalar(block, dst) }
    }

    /// Stores the 16 characters of `block`, none of which JSON escapes, as
    /// UTF-8 at `dst` when the CPU has SSSE3 (`ssse3`: 8 characters at a
    /// time, or 4 in a block with four-byte ones): how many bytes; 0
    /// otherwise, for `write_plain_char` a character at a time.
    ///
    /// # Safety
    /// `dst` has room for 64 bytes; no unit of `block` is escaped.
    #[inline(always)]
    unsafe fn mixed_block(_block: &[Self; BLOCK], _dst: *mut u8) -> usize {
        0
    }

    /// Appends `units` as a JSON string in quotes, as `write_units` does
    /// without `ensure_ascii`, by `ssse3::write_ucs2`: true for UCS-2 of
    /// more than a block on a CPU with SSSE3; false, nothing written,
    /// otherwise.
    #[inline(always)]
    fn write_by_shuffles<S: Sink>(_units: &[Self], _out: &mut S) -> bool {
        false
    }
}

/// The UTF-8 length of a character (not a surrogate half).
#[inline(always)]
fn plain_width(c: u32) -> usize {
    1 + usize::from(c >= 0x80) + usize::from(c >= 0x800) + usize::from(c >= 0x1_0000)
}

/// Writes a character JSON does not escape (not a surrogate half) at `dst`
/// without a branch on its width: how many bytes it took. Text that mixes
/// widths at random (scripts, emoji, spaces) mispredicts such a branch at
/// every change (`non_ascii`: 12.1x orjson's time with a branch for ASCII,
/// 8.9x without; Cyrillic words between spaces: 3.3x with, 3.8x without).
///
/// # Safety
/// `dst` has room for 4 bytes.
#[inline(always)]
unsafe fn write_plain_char(c: u32, dst: *mut u8) -> usize {
    let two = 0x80C0 | c >> 6 | (c & 0x3F) << 8;
    let three = 0x80_80E0 | c >> 12 | (c >> 6 & 0x3F) << 8 | (c & 0x3F) << 16;
    let four =
        0x8080_80F0 | c >> 18 | (c >> 12 & 0x3F) << 8 | (c >> 6 & 0x3F) << 16 | (c & 0x3F) << 24;
    let (wide2, wide3, wide4) = (c >= 0x80, c >= 0x800, c >= 0x1_0000);
    let width = plain_width(c);
    // Chosen by masks, not by comparisons the compiler makes branches of.
    let pick = |word: u32, other: u32, take: bool| {
        let mask = 0u32.wrapping_sub(u32::from(take));
        (word & !mask) | (other & mask)
    };
    let word = pick(pick(pick(c, two, wide2), three, wide3), four, wide4);
    // SAFETY: the caller's 4 bytes of room.
    unsafe { dst.cast::<u32>().write_unaligned(word.to_le()) };
    width
}

/// `StrUnit::multibyte_block` a character at a time.
///
/// # Safety
/// `dst` has room for 52 bytes.
#[inline(always)]
unsafe fn multibyte_block_scalar<U: StrUnit>(block: &[U; BLOCK], dst: *mut u8) -> usize {
    let chars = block.map(|u| u.into());
    let width = if chars.iter().all(|c| (0x80..0x800).contains(c)) {
        2
    } else if chars
        .iter()
        .all(|&c| (0x800..0x1_0000).contains(&c) && c & !0x7FF != 0xD800)
    {
        3
    } else {
        return 0;
    };
    for (i, &c) in chars.iter().enumerate() {
        // SAFETY: the caller's room: at most 15 * 3 + 4 bytes.
        unsafe { write_char(c, false, dst.add(i * width)) };
    }
    BLOCK * width
}

/// `StrUnit::ascii_block` a character at a time.
///
/// # Safety
/// `dst` has room for 16 bytes.
#[inline(always)]
unsafe fn ascii_block_scalar<U: StrUnit>(
    block: &[U; BLOCK],
    ensure_ascii: bool,
    dst: *mut u8,
) -> bool {
    let plain = |c: u32| {
        (0x20..0x7F).contains(&c) && c != 0x22 && c != 0x5C || (c == 0x7F && !ensure_ascii)
    };
    if !block.iter().all(|&u| plain(u.into())) {
        return false;
    }
    for (i, &u) in block.iter().enumerate() {
        let c: u32 = u.into();
        // SAFETY: the caller's 16 bytes of room.
        unsafe { dst.add(i).write(c as u8) };
    }
    true
}

#[cfg(not(target_arch = "x86_64"))]
impl StrUnit for u8 {}
#[cfg(not(target_arch = "x86_64"))]
impl StrUnit for u16 {}
#[cfg(not(target_arch = "x86_64"))]
impl StrUnit for u32 {}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use super::{Sink, StrUnit, BLOCK};

    // SAFETY (every block below): SSE2 is part of x86-64; each load reads
    // 16 bytes within the block, each store the caller's 16 bytes of room.

    /// Whether the 16 bytes of `x` (characters below 0x100) are plain ASCII:
    /// from 0x20 to 0x7E (0x7F too without `ensure_ascii`), not `"` or `\`.
    #[inline(always)]
    fn plain_bytes(x: __m128i, ensure_ascii: bool) -> bool {
        unsafe {
            // Signed: bytes from 0x80 are negative, below 0x20.
            let low = _mm_cmplt_epi8(x, _mm_set1_epi8(0x20));
            let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            let del = _mm_cmpeq_epi8(
                x,
                _mm_set1_epi8(if ensure_ascii { 0x7F } else { b'"' as i8 }),
            );
            let bad = _mm_or_si128(_mm_or_si128(low, del), _mm_or_si128(quote, backslash));
            _mm_movemask_epi8(bad) == 0
        }
    }

    /// Whether every unit of the 8 in `x` is at most `max`.
    #[inline(always)]
    fn all_at_most(x: __m128i, max: u16) -> bool {
        unsafe {
            let over = _mm_subs_epu16(x, _mm_set1_epi16(max as i16));
            _mm_movemask_epi8(_mm_cmpeq_epi16(over, _mm_setzero_si128())) == 0xFFFF
        }
    }

    /// Whether no unit of the 8 in `x` is at most `max`.
    #[inline(always)]
    fn none_at_most(x: __m128i, max: u16) -> bool {
        unsafe {
            let over = _mm_subs_epu16(x, _mm_set1_epi16(max as i16));
            _mm_movemask_epi8(_mm_cmpeq_epi16(over, _mm_setzero_si128())) == 0
        }
    }

    /// Whether any unit of the 8 in `x` is a surrogate half.
    #[inline(always)]
    fn any_surrogate(x: __m128i) -> bool {
        unsafe {
            let masked = _mm_and_si128(x, _mm_set1_epi16(0xF800u16 as i16));
            _mm_movemask_epi8(_mm_cmpeq_epi16(masked, _mm_set1_epi16(0xD800u16 as i16))) != 0
        }
    }

    /// The 8 units of `x` (U+0080 to U+07FF) as 16 bytes of UTF-8: in each
    /// 16-bit lane the lead byte, then the continuation byte.
    #[inline(always)]
    fn two_byte(x: __m128i) -> __m128i {
        unsafe {
            let lead = _mm_or_si128(_mm_srli_epi16(x, 6), _mm_set1_epi16(0xC0));
            let cont = _mm_or_si128(_mm_and_si128(x, _mm_set1_epi16(0x3F)), _mm_set1_epi16(0x80));
            _mm_or_si128(lead, _mm_slli_epi16(cont, 8))
        }
    }

    /// Stores the 8 units of `x` (U+0800 to U+FFFF, no surrogate half) as
    /// 24 bytes of UTF-8 at `dst`, writing 4 bytes past them.
    #[inline(always)]
    unsafe fn store_three_byte(x: __m128i, dst: *mut u8) {
        unsafe {
            let zero = _mm_setzero_si128();
            for (half, v) in [_mm_unpacklo_epi16(x, zero), _mm_unpackhi_epi16(x, zero)]
                .into_iter()
                .enumerate()
            {
                // Each 32-bit lane: lead, two continuation bytes, zero.
                let lead = _mm_srli_epi32(v, 12);
                let middle =
                    _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(v, 6), _mm_set1_epi32(0x3F)), 8);
                let last = _mm_slli_epi32(_mm_and_si128(v, _mm_set1_epi32(0x3F)), 16);
                let words = _mm_or_si128(
                    _mm_or_si128(lead, middle),
                    _mm_or_si128(last, _mm_set1_epi32(0x80_80E0)),
                );
                let low = _mm_cvtsi128_si64(words) as u64;
                let high = _mm_cvtsi128_si64(_mm_unpackhi_epi64(words, words)) as u64;
                // In order: each store's zero byte is overwritten by the next.
                let out = dst.add(half * 12);
                out.cast::<u32>().write_unaligned(low as u32);
                out.add(3).cast::<u32>().write_unaligned((low >> 32) as u32);
                out.add(6).cast::<u32>().write_unaligned(high as u32);
                out.add(9)
                    .cast::<u32>()
                    .write_unaligned((high >> 32) as u32);
            }
        }
    }

    /// The 16 characters in `a` and `b` (8 units of 16 bits each; no
    /// surrogate half, nothing escaped) as UTF-8 at `dst` by
    /// `ssse3::mixed_units` when the CPU has SSSE3; 0 otherwise.
    #[inline(always)]
    unsafe fn mixed_units(a: __m128i, b: __m128i, dst: *mut u8) -> usize {
        if !std::is_x86_feature_detected!("ssse3") {
            return 0;
        }
        // SAFETY: SSSE3 is there; the caller's room.
        unsafe {
            let first = super::ssse3::mixed_units(a, dst);
            first + super::ssse3::mixed_units(b, dst.add(first))
        }
    }

    impl StrUnit for u8 {
        #[inline(always)]
        unsafe fn mixed_block(block: &[u8; BLOCK], dst: *mut u8) -> usize {
            unsafe {
                let x = _mm_loadu_si128(block.as_ptr().cast());
                let zero = _mm_setzero_si128();
                mixed_units(_mm_unpacklo_epi8(x, zero), _mm_unpackhi_epi8(x, zero), dst)
            }
        }

        #[inline(always)]
        unsafe fn ascii_block(block: &[u8; BLOCK], ensure_ascii: bool, dst: *mut u8) -> bool {
            unsafe {
                let x = _mm_loadu_si128(block.as_ptr().cast());
                _mm_storeu_si128(dst.cast(), x);
                plain_bytes(x, ensure_ascii)
            }
        }

        #[inline(always)]
        unsafe fn multibyte_block(block: &[u8; BLOCK], dst: *mut u8) -> usize {
            unsafe {
                let x = _mm_loadu_si128(block.as_ptr().cast());
                // Two bytes each only when every byte is from 0x80.
                if _mm_movemask_epi8(x) != 0xFFFF {
                    return 0;
                }
                let zero = _mm_setzero_si128();
                _mm_storeu_si128(dst.cast(), two_byte(_mm_unpacklo_epi8(x, zero)));
                _mm_storeu_si128(dst.add(16).cast(), two_byte(_mm_unpackhi_epi8(x, zero)));
                32
            }
        }
    }

    /// The 16 units of a UCS-2 block as two vectors of 8.
    #[inline(always)]
    fn halves(block: &[u16; BLOCK]) -> (__m128i, __m128i) {
        // SAFETY: each load reads 8 units of the block.
        unsafe {
            (
                _mm_loadu_si128(block.as_ptr().cast()),
                _mm_loadu_si128(block.as_ptr().add(8).cast()),
            )
        }
    }

    impl StrUnit for u16 {
        #[inline(always)]
        fn write_by_shuffles<S: Sink>(units: &[u16], out: &mut S) -> bool {
            // A str of one block stays inline (`write_blocks`): the call
            // costs more than the halves save there.
            if units.len() <= BLOCK || !std::is_x86_feature_detected!("ssse3") {
                return false;
            }
            // SAFETY: the CPU has SSSE3.
            unsafe { super::ssse3::write_ucs2(units, out) };
            true
        }

        #[inline(always)]
        unsafe fn mixed_block(block: &[u16; BLOCK], dst: *mut u8) -> usize {
            unsafe {
                let (a, b) = halves(block);
                mixed_units(a, b, dst)
            }
        }

        #[inline(always)]
        unsafe fn ascii_block(block: &[u16; BLOCK], ensure_ascii: bool, dst: *mut u8) -> bool {
            unsafe {
                let (a, b) = halves(block);
                // Units above 0xFF saturate to 0xFF (not plain); the rest
                // keep their byte.
                let x = _mm_packus_epi16(a, b);
                _mm_storeu_si128(dst.cast(), x);
                plain_bytes(x, ensure_ascii)
            }
        }

        #[inline(always)]
        unsafe fn multibyte_block(block: &[u16; BLOCK], dst: *mut u8) -> usize {
            unsafe {
                let (a, b) = halves(block);
                multibyte_units(a, b, dst)
            }
        }
    }

    /// `StrUnit::multibyte_block` of the 16 characters in `a` and `b` (8
    /// units of 16 bits each).
    #[inline(always)]
    unsafe fn multibyte_units(a: __m128i, b: __m128i, dst: *mut u8) -> usize {
        unsafe {
            if none_at_most(a, 0x7FF) && none_at_most(b, 0x7FF) {
                if any_surrogate(a) || any_surrogate(b) {
                    return 0;
                }
                store_three_byte(a, dst);
                store_three_byte(b, dst.add(24));
                return 48;
            }
            if none_at_most(a, 0x7F)
                && none_at_most(b, 0x7F)
                && all_at_most(a, 0x7FF)
                && all_at_most(b, 0x7FF)
            {
                _mm_storeu_si128(dst.cast(), two_byte(a));
                _mm_storeu_si128(dst.add(16).cast(), two_byte(b));
                return 32;
            }
            0
        }
    }

    /// The 16 units of a UCS-4 block as two vectors of 8 units of 16 bits,
    /// when every character is below U+10000; None otherwise.
    #[inline(always)]
    fn narrow_units(block: &[u32; BLOCK]) -> Option<(__m128i, __m128i)> {
        unsafe {
            let load = |at: usize| _mm_loadu_si128(block.as_ptr().add(at).cast());
            let (q0, q1, q2, q3) = (load(0), load(4), load(8), load(12));
            let high = _mm_or_si128(_mm_or_si128(q0, q1), _mm_or_si128(q2, q3));
            if _mm_movemask_epi8(_mm_cmpeq_epi16(
                _mm_srli_epi32(high, 16),
                _mm_setzero_si128(),
            )) != 0xFFFF
            {
                return None;
            }
            // Shifted into the signed range, packed with signed saturation
            // (exact there), and shifted back.
            let bias32 = _mm_set1_epi32(0x8000);
            let bias16 = _mm_set1_epi16(0x8000u16 as i16);
            let pack = |a: __m128i, b: __m128i| {
                let packed = _mm_packs_epi32(_mm_sub_epi32(a, bias32), _mm_sub_epi32(b, bias32));
                _mm_add_epi16(packed, bias16)
            };
            Some((pack(q0, q1), pack(q2, q3)))
        }
    }

    impl StrUnit for u32 {
        #[inline(always)]
        unsafe fn mixed_block(block: &[u32; BLOCK], dst: *mut u8) -> usize {
            unsafe {
                if let Some((a, b)) = narrow_units(block) {
                    return mixed_units(a, b, dst);
                }
                // Four-byte characters: 4 characters at a time.
                if !std::is_x86_feature_detected!("ssse3") {
                    return 0;
                }
                let mut len = 0;
                for at in (0..BLOCK).step_by(4) {
                    let q = _mm_loadu_si128(block.as_ptr().add(at).cast());
                    len += super::ssse3::any_width_chars(q, dst.add(len));
                }
                len
            }
        }

        #[inline(always)]
        unsafe fn multibyte_block(block: &[u32; BLOCK], dst: *mut u8) -> usize {
            match narrow_units(block) {
                // SAFETY: the caller's room.
                Some((a, b)) => unsafe { multibyte_units(a, b, dst) },
                None => 0,
            }
        }

        #[inline(always)]
        unsafe fn ascii_block(block: &[u32; BLOCK], ensure_ascii: bool, dst: *mut u8) -> bool {
            unsafe {
                let load = |at: usize| _mm_loadu_si128(block.as_ptr().add(at).cast());
                // Signed saturation: characters (at most 0x10FFFF) above
                // 0x7FFF become 0x7FFF, then above 0xFF become 0xFF.
                let low = _mm_packs_epi32(load(0), load(4));
                let high = _mm_packs_epi32(load(8), load(12));
                let x = _mm_packus_epi16(low, high);
                _mm_storeu_si128(dst.cast(), x);
                plain_bytes(x, ensure_ascii)
            }
        }
    }
}

/// Characters of one, two and three UTF-8 bytes mixed, 8 at a time, by
/// byte shuffles (SSSE3, chosen at run time): each 16-bit unit's possible
/// bytes are made in a 32-bit lane, and a table chosen by the units' widths
/// keeps the ones its width takes, in order. The method is simdutf's
/// (Lemire and Muła, "Transcoding Billions of Unicode Characters per Second
/// with SIMD Instructions", 2022).
#[cfg(target_arch = "x86_64")]
mod ssse3 {
    use std::arch::x86_64::*;

    use super::{
        plain_width, write_char, write_padded_blocks, Sink, StrUnit, UnitEscapes, WriteBlock,
        BLOCK, HALF,
    };

    /// `write_units` of UCS-2 text without `ensure_ascii`, by blocks of 16
    /// characters: a block of plain ASCII, or of characters of two UTF-8
    /// bytes each, or of three, at once (the forms `write_blocks` tries
    /// first); any other 8 characters at a time, by `mixed_units` (any mix
    /// of one-, two- and three-byte characters) where none is escaped, a
    /// character at a time where one is. Text with a character to escape
    /// (a newline in a tweet) keeps the shuffles for the 8 without it. The
    /// last partial block is padded with copies of its last character,
    /// whose bytes are not counted.
    ///
    /// # Safety
    /// The CPU has SSSE3.
    #[target_feature(enable = "ssse3")]
    pub unsafe fn write_ucs2<S: Sink>(units: &[u16], out: &mut S) {
        // SAFETY: `ucs2_block` writes within 12 bytes a unit of its block;
        // the CPU has SSSE3.
        unsafe { write_padded_blocks(units, out, Shuffles) }
    }

    /// `ucs2_block`, for a CPU with SSSE3.
    struct Shuffles;

    impl WriteBlock<u16> for Shuffles {
        #[inline(always)]
        unsafe fn write(&self, block: &[u16; BLOCK], count: usize, dst: *mut u8) -> usize {
            // SAFETY: the caller's room; `write_ucs2`'s caller's CPU.
            unsafe { ucs2_block(block, count, dst) }
        }
    }

    /// Writes the first `count` characters of `block` at `dst` (the rest
    /// are copies of the last of them): how many bytes they take.
    ///
    /// # Safety
    /// The CPU has SSSE3; `dst` has room for 12 bytes a unit of the block.
    #[inline]
    #[target_feature(enable = "ssse3")]
    unsafe fn ucs2_block(block: &[u16; BLOCK], count: usize, dst: *mut u8) -> usize {
        // SAFETY: the caller's room and CPU.
        unsafe {
            if u16::ascii_block(block, false, dst) {
                return count;
            }
            let written = u16::multibyte_block(block, dst);
            if written != 0 {
                return written - (BLOCK - count) * plain_width(block[BLOCK - 1].into());
            }
            let (low, high) = block.split_at(HALF);
            let first = write_eight(low.try_into().expect("8 units"), count.min(HALF), dst);
            if count <= HALF {
                return first;
            }
            first
                + write_eight(
                    high.try_into().expect("8 units"),
                    count - HALF,
                    dst.add(first),
                )
        }
    }

    /// Writes the first `count` of the 8 characters of `eight` at `dst`
    /// (the rest are copies of the last of them): how many bytes they take.
    ///
    /// # Safety
    /// The CPU has SSSE3; `dst` has room for 12 bytes a unit and 32 at least.
    #[inline]
    #[target_feature(enable = "ssse3")]
    unsafe fn write_eight(eight: &[u16; HALF], count: usize, dst: *mut u8) -> usize {
        // SAFETY: the load reads the 8 units; the caller's room and CPU.
        unsafe {
            if u16::half_mask(eight) == 0 {
                let x = _mm_loadu_si128(eight.as_ptr().cast());
                let padding = (HALF - count) * plain_width(eight[HALF - 1].into());
                return mixed_units(x, dst) - padding;
            }
            let mut len = 0;
            for &unit in &eight[..count] {
                len += write_char(unit.into(), false, dst.add(len));
            }
            len
        }
    }

    /// For 4 units' widths (2 bits each: 3 for one byte, 2 for two, 0 for
    /// three), the bytes kept: a count, then 16 shuffle indices into the 4
    /// lanes of [one byte, last byte, three-byte lead, two-byte lead or
    /// middle byte], 0x80 (a zero byte) past the count.
    static KEEP: [[u8; 17]; 256] = keep_table(false);

    /// The bytes one unit's 2 width bits keep, as shuffle indices into its
    /// lane (`4 * unit`) and how many. For `KEEP` (`any_width` false): 3 for
    /// one byte, 2 for two, else three, from [one byte, last byte, lead,
    /// two-byte lead or middle byte]; for `KEEP_ANY`: the width less one,
    /// the lane's last bytes.
    const fn picks(any_width: bool, bits: usize, unit: usize) -> ([u8; 4], usize) {
        let lane = 4 * unit as u8;
        if any_width {
            let width = 1 + bits;
            let mut picks = [0u8; 4];
            let mut i = 0;
            while i < width {
                picks[i] = lane + (4 - width + i) as u8;
                i += 1;
            }
            return (picks, width);
        }
        match bits {
            3 => ([lane, 0, 0, 0], 1),
            2 => ([lane + 3, lane + 1, 0, 0], 2),
            _ => ([lane + 2, lane + 3, lane + 1, 0], 3),
        }
    }

    /// `KEEP` or `KEEP_ANY`: for each mask of 4 units' width bits, the
    /// count of bytes kept, then their shuffle indices (`picks`) in order,
    /// 0x80 (a zero byte) past the count.
    const fn keep_table(any_width: bool) -> [[u8; 17]; 256] {
        let mut table = [[0x80u8; 17]; 256];
        let mut mask = 0;
        while mask < 256 {
            let mut len = 0;
            let mut unit = 0;
            while unit < 4 {
                let (picks, count) = picks(any_width, (mask >> (2 * unit)) & 3, unit);
                let mut i = 0;
                while i < count {
                    table[mask][1 + len] = picks[i];
                    len += 1;
                    i += 1;
                }
                unit += 1;
            }
            table[mask][0] = len as u8;
            mask += 1;
        }
        table
    }

    /// Stores the 8 characters of `x` (16-bit units; no surrogate half) as
    /// UTF-8 at `dst`, which has 32 bytes of room: how many bytes count.
    ///
    /// # Safety
    /// The CPU has SSSE3; `dst` has 32 writable bytes.
    #[target_feature(enable = "ssse3")]
    pub unsafe fn mixed_units(x: __m128i, dst: *mut u8) -> usize {
        // In each unit [aaaa bbbb bbcc cccc]:
        // low byte 0ccccccc masked to a one-byte character's byte, high
        // byte 10cccccc, every longer character's last byte.
        let low_twice = _mm_shuffle_epi8(
            x,
            _mm_setr_epi8(0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14),
        );
        let ends = _mm_or_si128(
            _mm_and_si128(low_twice, _mm_set1_epi16(0x3F7F)),
            _mm_set1_epi16(0x8000u16 as i16),
        );
        // Low byte 1110aaaa, a three-byte lead; high byte 11bbbbbb, which
        // is 110bbbbb (a two-byte lead) below U+0800 and becomes 10bbbbbb
        // (a middle byte) from it.
        let shifted = _mm_and_si128(_mm_srli_epi16(x, 4), _mm_set1_epi16(0x0FFC));
        let leads = _mm_or_si128(
            _mm_maddubs_epi16(shifted, _mm_set1_epi16(0x0140)),
            _mm_set1_epi16(0xC0E0u16 as i16),
        );
        let below_800 = _mm_cmpeq_epi16(
            _mm_and_si128(x, _mm_set1_epi16(0xF800u16 as i16)),
            _mm_setzero_si128(),
        );
        let below_80 = _mm_cmpeq_epi16(
            _mm_and_si128(x, _mm_set1_epi16(0xFF80u16 as i16)),
            _mm_setzero_si128(),
        );
        let leads = _mm_xor_si128(leads, _mm_andnot_si128(below_800, _mm_set1_epi16(0x4000)));
        let widths =
            (_mm_movemask_epi8(below_80) & 0x5555) | (_mm_movemask_epi8(below_800) & 0xAAAA);
        let lanes = [
            _mm_unpacklo_epi16(ends, leads),
            _mm_unpackhi_epi16(ends, leads),
        ];
        let mut len = 0;
        for (half, lanes) in lanes.into_iter().enumerate() {
            let keep = &KEEP[(widths >> (8 * half)) as usize & 0xFF];
            // SAFETY: each row is 17 bytes, read from its second; the
            // store's 16 bytes fit the 32 of room after at most 12.
            unsafe {
                let shuffle = _mm_loadu_si128(keep.as_ptr().add(1).cast());
                _mm_storeu_si128(dst.add(len).cast(), _mm_shuffle_epi8(lanes, shuffle));
            }
            len += usize::from(keep[0]);
        }
        len
    }

    /// For 4 characters' widths less one (2 bits each), the bytes kept: a
    /// count, then 16 shuffle indices into 4 lanes of 4 bytes each holding
    /// a character's UTF-8 at the lane's end, 0x80 (a zero byte) past the
    /// count.
    static KEEP_ANY: [[u8; 17]; 256] = keep_table(true);

    /// Bit `i` of a 4-bit mask moved to bit `2 i`.
    static SPREAD: [u8; 16] = {
        let mut spread = [0u8; 16];
        let mut mask = 0;
        while mask < 16 {
            let mut bit = 0;
            while bit < 4 {
                spread[mask] |= (((mask >> bit) & 1) << (2 * bit)) as u8;
                bit += 1;
            }
            mask += 1;
        }
        spread
    };

    /// Stores the 4 characters of `x` (32-bit units, any width; no
    /// surrogate half) as UTF-8 at `dst`: how many bytes count.
    ///
    /// # Safety
    /// The CPU has SSSE3; `dst` has 16 writable bytes.
    #[target_feature(enable = "ssse3")]
    pub unsafe fn any_width_chars(x: __m128i, dst: *mut u8) -> usize {
        let six = _mm_set1_epi32(0x3F);
        // Each lane as four bytes, lead first: 11110www 10xxxxxx 10yyyyyy
        // 10zzzzzz.
        let four = _mm_or_si128(
            _mm_or_si128(
                _mm_srli_epi32(x, 18),
                _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(x, 12), six), 8),
            ),
            _mm_or_si128(
                _mm_slli_epi32(_mm_and_si128(_mm_srli_epi32(x, 6), six), 16),
                _mm_slli_epi32(_mm_and_si128(x, six), 24),
            ),
        );
        let four = _mm_or_si128(four, _mm_set1_epi32(0x8080_80F0u32 as i32));
        let from_80 = _mm_cmpgt_epi32(x, _mm_set1_epi32(0x7F));
        let from_800 = _mm_cmpgt_epi32(x, _mm_set1_epi32(0x7FF));
        let from_10000 = _mm_cmpgt_epi32(x, _mm_set1_epi32(0xFFFF));
        // Three bytes: the lead is 1110xxxx (the second byte's, 0x60
        // added); two bytes: 110yyyyy (the third's, 0x40 added).
        let three = _mm_andnot_si128(from_10000, from_800);
        let two = _mm_andnot_si128(from_800, from_80);
        let lanes = _mm_or_si128(
            four,
            _mm_or_si128(
                _mm_and_si128(three, _mm_set1_epi32(0x6000)),
                _mm_and_si128(two, _mm_set1_epi32(0x40_0000)),
            ),
        );
        // One byte: the character in the lane's last byte.
        let lanes = _mm_or_si128(
            _mm_and_si128(from_80, lanes),
            _mm_andnot_si128(from_80, _mm_slli_epi32(x, 24)),
        );
        let widths = usize::from(SPREAD[_mm_movemask_ps(_mm_castsi128_ps(from_80)) as usize])
            + usize::from(SPREAD[_mm_movemask_ps(_mm_castsi128_ps(from_800)) as usize])
            + usize::from(SPREAD[_mm_movemask_ps(_mm_castsi128_ps(from_10000)) as usize]);
        let keep = &KEEP_ANY[widths];
        // SAFETY: each row is 17 bytes, read from its second; the caller's
        // 16 bytes of room.
        unsafe {
            let shuffle = _mm_loadu_si128(keep.as_ptr().add(1).cast());
            _mm_storeu_si128(dst.cast(), _mm_shuffle_epi8(lanes, shuffle));
        }
        usize::from(keep[0])
    }
}

/// Writes one character at `dst`: how many bytes it took.
///
/// # Safety
/// `dst` has room for 12 bytes.
#[inline(always)]
unsafe fn write_char(c: u32, ensure_ascii: bool, dst: *mut u8) -> usize {
    // SAFETY: the caller's 12 bytes of room; each arm writes at most 12.
    unsafe {
        if c < 0x80 {
            // Plain ASCII first: one range check and two compares.
            if c >= 0x20 && c != 0x22 && c != 0x5C && (c != 0x7F || !ensure_ascii) {
                dst.write(c as u8);
                return 1;
            }
            if c == 0x7F {
                // With `ensure_ascii`, DEL is escaped (as the standard library does).
                dst.cast::<[u8; 6]>().write_unaligned(u_escape(c));
                return 6;
            }
            let entry = ASCII_ESCAPES[c as usize];
            dst.cast::<[u8; 8]>().write_unaligned(entry);
            return usize::from(entry[7]);
        }
        if !ensure_ascii {
            if c < 0x800 {
                let word = 0x80C0 | c >> 6 | (c & 0x3F) << 8;
                dst.cast::<u16>().write_unaligned((word as u16).to_le());
                return 2;
            }
            if c < 0x1_0000 {
                if c & !0x7FF != 0xD800 {
                    // Four bytes stored, three kept (the room allows it).
                    let word = 0x80_80E0 | c >> 12 | (c >> 6 & 0x3F) << 8 | (c & 0x3F) << 16;
                    dst.cast::<u32>().write_unaligned(word.to_le());
                    return 3;
                }
            } else {
                let word = 0x8080_80F0
                    | c >> 18
                    | (c >> 12 & 0x3F) << 8
                    | (c >> 6 & 0x3F) << 16
                    | (c & 0x3F) << 24;
                dst.cast::<u32>().write_unaligned(word.to_le());
                return 4;
            }
        }
        // `ensure_ascii`'s escapes, and a lone surrogate half's.
        let (first, second) = utf16_units(c);
        dst.cast::<[u8; 6]>().write_unaligned(u_escape(first));
        let Some(second) = second else { return 6 };
        dst.add(6)
            .cast::<[u8; 6]>()
            .write_unaligned(u_escape(second));
        12
    }
}

#[cfg(test)]
mod tests {
    use super::{
        ascii_block_scalar, escape_mask, multibyte_block_scalar, write_blocks, write_units, StrUnit,
    };
    use crate::text::escape::write_json_string;

    /// Every edge character in every place of strs of several lengths:
    /// the same bytes as the UTF-8 writer's (`write_json_string`), in both
    /// `ensure_ascii` modes, from units of every kind that holds them.
    /// Strs of every length to 40 in each block form (ASCII, two-byte,
    /// three-byte, four-byte, mixed), ending in a character of each width
    /// or an escaped one: the last partial block is padded with its last
    /// character, whose bytes must not be counted.
    #[test]
    fn padded_last_blocks_write_their_characters_alone() {
        let runs: [&[u32]; 5] = [
            &[0x61, 0x62],
            &[0xE9, 0x416],
            &[0x3042, 0x4E2D],
            &[0x1F600, 0x2_0000],
            &[0x61, 0x416, 0x3042, 0x1F600],
        ];
        for run in runs {
            for last in [0x7A, 0x22, 0x0A, 0xFF, 0x7FF, 0x800, 0xFFFF, 0x10_FFFF] {
                for len in 1..=40 {
                    let mut chars: Vec<u32> = (0..len).map(|i| run[i % run.len()]).collect();
                    chars[len - 1] = last;
                    let text: String = chars.iter().map(|&u| char::from_u32(u).unwrap()).collect();
                    let mut want = Vec::new();
                    write_json_string(text.as_bytes(), false, &mut want);
                    let mut got = Vec::new();
                    write_units(&chars, false, &mut got);
                    assert_eq!(got, want, "{run:x?} ending {last:#x}, length {len}");
                    if chars.iter().all(|&c| c <= 0xFFFF) {
                        let units: Vec<u16> = chars.iter().map(|&u| u as u16).collect();
                        for (name, writer) in ucs2_writers(false) {
                            let mut got = Vec::new();
                            writer(&units, false, &mut got);
                            assert_eq!(
                                got, want,
                                "{run:x?} ending {last:#x}, length {len}, {name}"
                            );
                        }
                    }
                    if chars.iter().all(|&c| c <= 0xFF) {
                        let units: Vec<u8> = chars.iter().map(|&u| u as u8).collect();
                        let mut got = Vec::new();
                        write_units(&units, false, &mut got);
                        assert_eq!(
                            got, want,
                            "{run:x?} ending {last:#x}, length {len}, latin-1"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn units_write_as_the_utf8_writer_writes() {
        let edges = [
            0x00, 0x08, 0x1F, 0x20, 0x22, 0x2F, 0x5C, 0x7F, 0x80, 0xE9, 0xFF, 0x100, 0x7FF, 0x800,
            0x3042, 0xFFFF, 0x1_0000, 0x1F600, 0x10_FFFF,
        ];
        for &c in &edges {
            for len in [1, 2, 63, 64, 65, 130] {
                for at in [0, len / 2, len - 1] {
                    let mut chars: Vec<u32> = (0..len as u32).map(|i| 0x61 + i % 26).collect();
                    chars[at] = c;
                    let text: String = chars.iter().map(|&u| char::from_u32(u).unwrap()).collect();
                    for ensure_ascii in [false, true] {
                        let mut want = Vec::new();
                        write_json_string(text.as_bytes(), ensure_ascii, &mut want);
                        let mut got = Vec::new();
                        write_units(&chars, ensure_ascii, &mut got);
                        assert_eq!(
                            got, want,
                            "{c:#x} at {at} of {len}, ensure_ascii {ensure_ascii}"
                        );
                        if c <= 0xFFFF {
                            let units: Vec<u16> = chars.iter().map(|&u| u as u16).collect();
                            for (name, writer) in ucs2_writers(ensure_ascii) {
                                let mut got = Vec::new();
                                writer(&units, ensure_ascii, &mut got);
                                assert_eq!(got, want, "{c:#x} at {at} of {len}, {name}");
                            }
                        }
                        if c <= 0xFF {
                            let units: Vec<u8> = chars.iter().map(|&u| u as u8).collect();
                            let mut got = Vec::new();
                            write_units(&units, ensure_ascii, &mut got);
                            assert_eq!(got, want);
                        }
                    }
                }
            }
        }
    }

    /// `ascii_block` (SSE2 on x86-64) against `ascii_block_scalar`, with
    /// each edge character at each place of a block.
    #[test]
    fn ascii_blocks_agree_with_the_scalar_check() {
        fn check<U: StrUnit + TryFrom<u32> + std::fmt::Debug>() {
            for c in [
                0u32, 0x1F, 0x20, 0x21, 0x22, 0x5C, 0x7E, 0x7F, 0x80, 0xFF, 0x100, 0x17F, 0xFFFF,
                0x1_0000, 0x10_FFFF,
            ] {
                let Ok(unit) = U::try_from(c) else { continue };
                for at in 0..16 {
                    let mut block = [U::try_from(0x61).ok().unwrap(); 16];
                    block[at] = unit;
                    for ensure_ascii in [false, true] {
                        let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
                        // SAFETY: 16 bytes of room in each.
                        let (x, y) = unsafe {
                            (
                                U::ascii_block(&block, ensure_ascii, a.as_mut_ptr()),
                                ascii_block_scalar(&block, ensure_ascii, b.as_mut_ptr()),
                            )
                        };
                        assert_eq!(x, y, "{c:#x} at {at}, ensure_ascii {ensure_ascii}");
                        if x {
                            assert_eq!(a, b);
                        }
                    }
                }
            }
        }
        check::<u8>();
        check::<u16>();
        check::<u32>();
    }

    /// `multibyte_block` (SSE2 on x86-64) against
    /// `multibyte_block_scalar`: blocks of two- and three-byte characters,
    /// each with every edge character at each place.
    #[test]
    fn multibyte_blocks_agree_with_the_scalar_form() {
        fn check<U: StrUnit + TryFrom<u32> + std::fmt::Debug>() {
            let edges = [
                0x00, 0x1F, 0x20, 0x22, 0x5C, 0x41, 0x7F, 0x80, 0xE9, 0xFF, 0x100, 0x7FF, 0x800,
                0x3042, 0xD7FF, 0xD800, 0xDFFF, 0xE000, 0xFFFF, 0x1_0000, 0x1F600, 0x10_FFFF,
            ];
            for base in [0xE9u32, 0x416, 0x7FF, 0x3042, 0xFFFF, 0x1F600] {
                let Ok(base_unit) = U::try_from(base) else {
                    continue;
                };
                for &c in &edges {
                    let Ok(unit) = U::try_from(c) else { continue };
                    for at in 0..16 {
                        let mut block = [base_unit; 16];
                        block[at] = unit;
                        let (mut a, mut b) = ([0u8; 52], [0u8; 52]);
                        // SAFETY: 52 bytes of room in each.
                        let (x, y) = unsafe {
                            (
                                U::multibyte_block(&block, a.as_mut_ptr()),
                                multibyte_block_scalar(&block, b.as_mut_ptr()),
                            )
                        };
                        assert_eq!(x, y, "{c:#x} at {at} among {base:#x}");
                        assert_eq!(a[..x], b[..y], "{c:#x} at {at} among {base:#x}");
                        assert_eq!(
                            U::block_mask(&block),
                            escape_mask(&block),
                            "{c:#x} at {at} among {base:#x}"
                        );
                        if x != 0 {
                            let text: String = block
                                .iter()
                                .map(|&u| char::from_u32(u.into()).unwrap())
                                .collect();
                            assert_eq!(&a[..x], text.as_bytes());
                        }
                    }
                }
            }
        }
        check::<u8>();
        check::<u16>();
        check::<u32>();
    }

    /// Whether `mixed_block` has its vector form here (SSSE3 on x86-64).
    fn has_shuffles() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::is_x86_feature_detected!("ssse3");
        #[cfg(not(target_arch = "x86_64"))]
        return false;
    }

    /// `mixed_block` (SSSE3 on x86-64 where the CPU has it) against
    /// `write_plain_char` a character at a time: blocks whose every unit
    /// has a width drawn at random from the ones the kind holds, with the
    /// edges of each width.
    #[test]
    fn mixed_blocks_agree_with_the_character_loop() {
        fn check<U: StrUnit + TryFrom<u32> + std::fmt::Debug>(max: u32) {
            let picks = [
                0x20, 0x41, 0x7E, 0x7F, 0x80, 0xE9, 0xFF, 0x100, 0x416, 0x7FF, 0x800, 0x3042,
                0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x1_0000, 0x1F600, 0x10_FFFF,
            ];
            let picks: Vec<u32> = picks.into_iter().filter(|&c| c <= max).collect();
            let mut seed = 0x9E37_79B9_7F4A_7C15u64;
            let mut taken = 0;
            for _ in 0..20_000 {
                let block: [U; 16] = std::array::from_fn(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let c = picks[(seed % picks.len() as u64) as usize];
                    U::try_from(c).ok().unwrap()
                });
                let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
                let mut want = 0;
                // SAFETY: 64 bytes of room in each; no unit is escaped.
                let got = unsafe {
                    for &unit in &block {
                        want += super::write_plain_char(unit.into(), b.as_mut_ptr().add(want));
                    }
                    U::mixed_block(&block, a.as_mut_ptr())
                };
                if got == 0 {
                    assert!(
                        !has_shuffles() || block.iter().any(|&u| u.into() >= 0x1_0000),
                        "{block:?}"
                    );
                    continue;
                }
                taken += 1;
                assert_eq!(a[..got], b[..want], "{block:?}");
            }
            if has_shuffles() {
                assert!(taken > 0);
            }
        }
        check::<u8>(0xFF);
        check::<u16>(0xFFFF);
        check::<u32>(0xFFFF);
        check::<u32>(0x10_FFFF);
    }

    type Ucs2Writer = fn(&[u16], bool, &mut Vec<u8>);

    /// Every way this CPU can write UCS-2 text in the mode: the public
    /// entry, the blocks, and (without `ensure_ascii`, with SSSE3) the
    /// shuffles whatever the length.
    fn ucs2_writers(ensure_ascii: bool) -> Vec<(&'static str, Ucs2Writer)> {
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut writers: Vec<(&str, Ucs2Writer)> =
            vec![("write_units", write_units), ("write_blocks", write_blocks)];
        #[cfg(not(target_arch = "x86_64"))]
        let _ = ensure_ascii;
        #[cfg(target_arch = "x86_64")]
        if !ensure_ascii && has_shuffles() {
            // SAFETY: the CPU has SSSE3.
            writers.push(("shuffles", |u, _, o| unsafe {
                super::ssse3::write_ucs2(u, o)
            }));
        }
        writers
    }

    /// UCS-2 strs of random lengths and characters (every width, escapes,
    /// lone surrogate halves): every writer the same bytes as the blocks.
    #[test]
    fn ucs2_writers_agree_on_random_text() {
        let picks = [
            0x0A, 0x1F, 0x20, 0x22, 0x41, 0x5C, 0x7E, 0x7F, 0x80, 0xE9, 0x416, 0x7FF, 0x800,
            0x3042, 0xD800, 0xDFFF, 0xE000, 0xFFFF,
        ];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..5_000 {
            let len = (next() % 150) as usize;
            // Mostly one character repeated with others among it, so that
            // blocks of one form occur as well as mixed ones.
            let common = picks[(next() % picks.len() as u64) as usize];
            let units: Vec<u16> = (0..len)
                .map(|_| match next() % 4 {
                    0 => picks[(next() % picks.len() as u64) as usize],
                    _ => common,
                })
                .collect();
            for ensure_ascii in [false, true] {
                let mut want = Vec::new();
                write_blocks(&units, ensure_ascii, &mut want);
                for (name, writer) in ucs2_writers(ensure_ascii) {
                    let mut got = Vec::new();
                    writer(&units, ensure_ascii, &mut got);
                    assert_eq!(got, want, "{name}: {units:x?} ensure_ascii={ensure_ascii}");
                }
            }
        }
    }

    #[test]
    fn lone_surrogates_are_escaped() {
        for ensure_ascii in [false, true] {
            let mut got = Vec::new();
            write_units(&[0x61u16, 0xD800, 0xDFFF, 0x3042], ensure_ascii, &mut got);
            let want: &[u8] = if ensure_ascii {
                b"\"a\\ud800\\udfff\\u3042\""
            } else {
                "\"a\\ud800\\udfff\u{3042}\"".as_bytes()
            };
            assert_eq!(got, want);
        }
    }
}
