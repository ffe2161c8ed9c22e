//! UTF-8 text transcoded into a str's own units without
//! `PyUnicode_DecodeUTF8`: a survey finds the widest character (its lead
//! byte fixes the str's kind) and counts the characters, then the text is
//! written into units of that kind (`fill_units`), for the parser's strs
//! (`parsed_str.rs`) and the wide `dumps` result (`wide_str.rs`).
//! ASCII runs go 32 bytes at a time (plain loops the
//! compiler vectorizes: AVX2 where the CPU has it, the baseline's SSE2 or
//! NEON otherwise); multi-byte characters are decoded one by one. CPython's
//! decoder guesses the kind as it goes (widening what it wrote when a wider
//! character turns up) and shrinks its result at the end.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use crate::phase4::kernels;
#[cfg(target_arch = "x86_64")]
use crate::phase4::kernels::Isa;

/// Transcodes `text` into units from `at` of a str's `data` of the kind
/// `max_char` calls for, with room for `room` of them; how many it wrote
/// (`fill`).
///
/// # Safety
/// `data` holds at least `at + room` units of that kind, ours to write.
pub(super) unsafe fn fill_units(
    data: *mut std::ffi::c_void,
    max_char: u32,
    at: usize,
    room: usize,
    text: &[u8],
) -> Option<usize> {
    // SAFETY: the caller's units, typed by the kind.
    unsafe {
        match max_char {
            0xFF => fill(
                text,
                std::slice::from_raw_parts_mut(data.cast::<u8>().add(at), room),
            ),
            0xFFFF => fill(
                text,
                std::slice::from_raw_parts_mut(data.cast::<u16>().add(at), room),
            ),
            _ => fill(
                text,
                std::slice::from_raw_parts_mut(data.cast::<u32>().add(at), room),
            ),
        }
    }
}

const BLOCK: usize = 32;

pub(super) struct Survey {
    /// The largest byte of the text.
    max_byte: u8,
    /// How many bytes are UTF-8 continuation bytes (80-BF).
    pub(super) continuations: usize,
}

impl Survey {
    /// The largest character the text can hold, as a str's kind needs it.
    /// Lead bytes C2-C3 start U+0080-U+00FF, C4-EF up to U+FFFF, F0-F4
    /// beyond: the widest character has the largest lead byte (continuation
    /// bytes, 80-BF, are below every lead byte), so the kind is exactly
    /// right, as CPython requires of a str (ASCII text gives kind 1's 0xFF).
    pub(super) fn max_char(&self) -> u32 {
        match self.max_byte {
            0..=0xC3 => 0xFF,
            0xC4..=0xEF => 0xFFFF,
            _ => 0x10FFFF,
        }
    }
}

/// Whether `text` is all ASCII: it stops at the first chunk that is not
/// (a whole survey, before the transcoding's own, would read the text
/// twice).
pub fn is_ascii(text: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if kernels::chosen().isa == Isa::Avx2 {
        // SAFETY: the avx2 kernels are only chosen on a CPU that has AVX2.
        return unsafe { is_ascii_avx2(text) };
    }
    text[ascii_chunks(text)..].is_ascii()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn is_ascii_avx2(text: &[u8]) -> bool {
    text[ascii_chunks(text)..].is_ascii()
}

pub(super) fn survey(text: &[u8]) -> Survey {
    #[cfg(target_arch = "x86_64")]
    if kernels::chosen().isa == Isa::Avx2 {
        // SAFETY: the avx2 kernels are only chosen on a CPU that has AVX2.
        return unsafe { survey_avx2(text) };
    }
    survey_blocks(text)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn survey_avx2(text: &[u8]) -> Survey {
    survey_blocks(text)
}

/// The bytes of `text` in whole chunks before the first chunk with a byte
/// above 7F: chunks are only ORed together (the compiler makes that a few
/// vector instructions a chunk).
#[inline(always)]
fn ascii_chunks(text: &[u8]) -> usize {
    let chunks = text
        .chunks_exact(CHUNK)
        .position(|chunk| chunk.iter().fold(0u8, |acc, &b| acc | b) >= 0x80)
        .unwrap_or(text.len() / CHUNK);
    chunks * CHUNK
}

/// Most output is ASCII: its leading ASCII chunks are found first
/// (`ascii_chunks`); from the first chunk with a byte above 7F on, the
/// largest byte is kept and continuation bytes are counted, in byte lanes
/// summed once a chunk.
#[inline(always)]
fn survey_blocks(text: &[u8]) -> Survey {
    let rest = &text[ascii_chunks(text)..];
    let max_byte = rest.iter().fold(0u8, |m, &b| m.max(b));
    let continuations = if max_byte < 0x80 {
        0
    } else {
        rest.chunks(CHUNK)
            .map(|chunk| chunk.iter().fold(0u8, |n, &b| n + is_continuation(b) as u8) as usize)
            .sum()
    };
    Survey {
        max_byte,
        continuations,
    }
}

/// Bytes a survey chunk holds: few enough for a count in byte lanes.
const CHUNK: usize = 128;

#[inline(always)]
fn is_continuation(b: u8) -> bool {
    // 80-BF are exactly the bytes below -64 as i8.
    (b as i8) < -64
}

/// A unit of a str's data: u8 (kind 1), u16 (kind 2) or u32 (kind 4).
pub(super) trait Unit: Copy {
    /// The largest character a unit holds.
    const MAX: u32;
    fn from_char(c: u32) -> Self;
}

impl Unit for u8 {
    const MAX: u32 = 0xFF;

    #[inline(always)]
    fn from_char(c: u32) -> Self {
        c as u8
    }
}

impl Unit for u16 {
    const MAX: u32 = 0xFFFF;

    #[inline(always)]
    fn from_char(c: u32) -> Self {
        c as u16
    }
}

impl Unit for u32 {
    const MAX: u32 = 0x10FFFF;

    #[inline(always)]
    fn from_char(c: u32) -> Self {
        c
    }
}

/// Transcodes `text` into the start of `dst`: how many units it wrote, or
/// `None` when `dst` is too short, a character is too wide for `U` or the
/// text is not UTF-8.
fn fill<U: Unit>(text: &[u8], dst: &mut [U]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if kernels::chosen().isa == Isa::Avx2 {
        // SAFETY: the avx2 kernels are only chosen on a CPU that has AVX2.
        return unsafe { fill_avx2(text, dst) };
    }
    if kernels::chosen().simd() {
        return fill_blocks::<U, false>(text, dst);
    }
    fill_chars::<U, false>(text, 0, dst, 0)
}

/// `fill_blocks` compiled for AVX2, with runs of 3-byte characters decoded
/// four at a time (`three_byte_quads`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_avx2<U: Unit>(text: &[u8], dst: &mut [U]) -> Option<usize> {
    fill_blocks::<U, true>(text, dst)
}

/// Whole blocks of ASCII are widened in one loop; a block with a wider
/// character has its ASCII prefix widened, then the run of multi-byte
/// characters from there is decoded one by one (`QUADS`: only from
/// `fill_avx2`, runs of 3-byte characters four at a time).
#[inline(always)]
fn fill_blocks<U: Unit, const QUADS: bool>(text: &[u8], dst: &mut [U]) -> Option<usize> {
    let (mut at, mut to) = (0, 0);
    while at + BLOCK <= text.len() && to + BLOCK <= dst.len() {
        let block: &[u8; BLOCK] = text[at..at + BLOCK].try_into().expect("a block");
        let out: &mut [U; BLOCK] = (&mut dst[to..to + BLOCK]).try_into().expect("a block");
        for (o, &b) in out.iter_mut().zip(block) {
            *o = U::from_char(b as u32);
        }
        // An all-ASCII block steps by a constant: the next load's address
        // does not wait for this block's mask (that chain was ~13 cycles a
        // block on github_events.json).
        let ascii = ascii_prefix(block);
        if ascii == BLOCK {
            at += BLOCK;
            to += BLOCK;
            continue;
        }
        (at, to) = decode_run::<U, QUADS>(text, at + ascii, dst, to + ascii)?;
    }
    // A str shorter than a block with the quads too (short CJK strs); the
    // tail of a longer one without.
    if at == 0 {
        return fill_chars::<U, QUADS>(text, 0, dst, 0);
    }
    fill_chars::<U, false>(text, at, dst, to)
}

/// How many bytes of `block` come before its first byte above 7F.
#[inline(always)]
fn ascii_prefix(block: &[u8; BLOCK]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8};
        let top_bits = |half: &[u8]| {
            // SAFETY: SSE2 is part of x86-64; the load reads 16 bytes of `half`.
            unsafe { _mm_movemask_epi8(_mm_loadu_si128(half.as_ptr().cast::<__m128i>())) as u32 }
        };
        let high = top_bits(&block[..16]) | top_bits(&block[16..]) << 16;
        high.trailing_zeros() as usize
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut offset = 0;
        for word in block.chunks_exact(8) {
            let high =
                u64::from_le_bytes(word.try_into().expect("8 bytes")) & 0x8080_8080_8080_8080;
            if high != 0 {
                return offset + (high.trailing_zeros() / 8) as usize;
            }
            offset += 8;
        }
        BLOCK
    }
}

/// Decodes the multi-byte characters from `at` up to the next ASCII byte (or
/// the end), writing from `to`; where both stop, or `None` on a byte that
/// cannot lead a character, a character cut short or a `dst` too short.
/// (Other faults of invalid UTF-8 give wrong characters, never a fault of
/// memory; the text is valid by construction.)
#[inline(always)]
fn decode_run<U: Unit, const QUADS: bool>(
    text: &[u8],
    mut at: usize,
    dst: &mut [U],
    mut to: usize,
) -> Option<(usize, usize)> {
    while let Some(&lead) = text.get(at) {
        if lead < 0x80 {
            break;
        }
        #[cfg(target_arch = "x86_64")]
        // (Only where the next character starts with a 3-byte lead too:
        // text of mixed widths fails the quads at most 3-byte characters.)
        if QUADS
            && (0xE0..0xF0).contains(&lead)
            && std::mem::size_of::<U>() > 1
            && text.get(at + 3).is_some_and(|&next| next & 0xF0 == 0xE0)
        {
            // SAFETY: QUADS is set only in `fill_avx2`, run on a CPU with AVX2.
            let (quads_at, quads_to) = unsafe { three_byte_quads(text, at, dst, to) };
            if quads_at != at {
                (at, to) = (quads_at, quads_to);
                continue;
            }
        }
        let (c, len) = match text.get(at..at + 4) {
            Some(word) => decode_word(u32::from_le_bytes(word.try_into().expect("4 bytes")))?,
            None => decode_end(&text[at..])?,
        };
        if c > U::MAX {
            return None;
        }
        *dst.get_mut(to)? = U::from_char(c);
        at += len;
        to += 1;
    }
    Some((at, to))
}

/// From `at`, while the next 12 bytes are four 3-byte characters (CJK text:
/// twitter.json has 31,808), decodes them together: a shuffle puts each
/// character's bytes in a 32-bit lane, masks and shifts join them. Returns
/// where it stopped (`at` and `to` unchanged if the first 12 bytes are not
/// four such characters). `U` is u16 or u32.
///
/// # Safety
/// The CPU has AVX2 (SSSE3 and SSE4.1 with it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn three_byte_quads<U: Unit>(
    text: &[u8],
    mut at: usize,
    dst: &mut [U],
    mut to: usize,
) -> (usize, usize) {
    use std::arch::x86_64::*;
    // Lane i holds bytes 3i+2, 3i+1, 3i of the block (little-endian: the
    // last continuation byte lowest) and a zero.
    let order = _mm_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1);
    let byte = |b: u8| _mm_set1_epi8(b as i8);
    while at + 16 <= text.len() && to + 4 <= dst.len() {
        // SAFETY: 16 bytes of `text` from `at`.
        let block = unsafe { _mm_loadu_si128(text.as_ptr().add(at).cast()) };
        let has = |mask: u8, value: u8| {
            _mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_and_si128(block, byte(mask)),
                byte(value),
            )) & 0xFFF
        };
        // Leads E0-EF at 0, 3, 6, 9; continuation bytes 80-BF between.
        if has(0xF0, 0xE0) != 0b0010_0100_1001 || has(0xC0, 0x80) != 0b1101_1011_0110 {
            break;
        }
        let lanes = _mm_shuffle_epi8(block, order);
        let low = _mm_and_si128(lanes, _mm_set1_epi32(0x3F));
        let middle = _mm_and_si128(_mm_srli_epi32(lanes, 2), _mm_set1_epi32(0xFC0));
        let high = _mm_and_si128(_mm_srli_epi32(lanes, 4), _mm_set1_epi32(0xF000));
        let chars = _mm_or_si128(_mm_or_si128(low, middle), high);
        // SAFETY: dst[to..to + 4] is in bounds (checked above); four units
        // of 2 bytes (packed, every value below 0x10000) or of 4.
        unsafe {
            let out = dst.as_mut_ptr().add(to).cast::<__m128i>();
            if std::mem::size_of::<U>() == 2 {
                _mm_storel_epi64(out, _mm_packus_epi32(chars, chars));
            } else {
                _mm_storeu_si128(out, chars);
            }
        }
        at += 12;
        to += 4;
    }
    (at, to)
}

/// The character at the start of the four bytes `word` (little-endian) and
/// its length, from its lead byte.
#[inline(always)]
fn decode_word(word: u32) -> Option<(u32, usize)> {
    Some(match word & 0xFF {
        0xC0..=0xDF => ((word & 0x1F) << 6 | (word >> 8) & 0x3F, 2),
        0xE0..=0xEF => (
            (word & 0x0F) << 12 | (word >> 2) & 0xFC0 | (word >> 16) & 0x3F,
            3,
        ),
        0xF0..=0xF7 => (
            (word & 0x07) << 18
                | (word << 4) & 0x3F000
                | (word >> 10) & 0xFC0
                | (word >> 24) & 0x3F,
            4,
        ),
        _ => return None,
    })
}

/// `decode_word` for the last 1-3 bytes of the text.
#[cold]
fn decode_end(rest: &[u8]) -> Option<(u32, usize)> {
    let mut word = [0u8; 4];
    word[..rest.len()].copy_from_slice(rest);
    let (c, len) = decode_word(u32::from_le_bytes(word))?;
    (len <= rest.len()).then_some((c, len))
}

/// One character at a time from `at` (the scalar path, and every path's
/// tail; `QUADS` as in `decode_run`); how many units of `dst` are written
/// in all, or `None`.
fn fill_chars<U: Unit, const QUADS: bool>(
    text: &[u8],
    mut at: usize,
    dst: &mut [U],
    mut to: usize,
) -> Option<usize> {
    while let Some(&lead) = text.get(at) {
        if lead < 0x80 {
            *dst.get_mut(to)? = U::from_char(lead as u32);
            at += 1;
            to += 1;
        } else {
            (at, to) = decode_run::<U, QUADS>(text, at, dst, to)?;
        }
    }
    Some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<String> {
        let mut out = vec![String::new()];
        let wide = [
            "é",
            "ÿ",
            "Ā",
            "ж",
            "€",
            "\u{FFFF}",
            "😀",
            "\u{10FFFF}",
            "\u{80}",
        ];
        for len in [0, 1, 7, 8, 31, 32, 33, 63, 64, 65, 100] {
            out.push("a".repeat(len));
            for w in wide {
                for pos in 0..=len {
                    let mut s = "a".repeat(pos);
                    s.push_str(w);
                    s.push_str(&"b".repeat(len - pos));
                    out.push(s);
                }
                out.push(w.repeat(len));
                out.push(format!("{}{}", "x".repeat(len), w.repeat(40)));
            }
            // Runs of 3-byte characters (decoded four at a time under AVX2)
            // broken by every other width at every place, and ending at
            // every distance from the end.
            for other in ["a", "é", "😀", "\u{FFFF}"] {
                for pos in 0..len.min(40) {
                    let mut s: String = "€ж中".chars().cycle().take(pos).collect();
                    s.push_str(other);
                    s.push_str(&"日本語".repeat(len / 3 + 1));
                    out.push(s);
                }
            }
        }
        out
    }

    /// `text` through `fill`, into room of exactly its characters and
    /// into more room (as `WideStr` fills): both must say how many
    /// units they wrote and write the same.
    fn transcode<U: Unit + From<u8> + PartialEq + std::fmt::Debug>(
        text: &str,
        fill: impl Fn(&[u8], &mut [U]) -> Option<usize>,
    ) -> Vec<U> {
        let chars = text.len() - survey(text.as_bytes()).continuations;
        let mut dst = vec![U::from(0); chars];
        assert_eq!(fill(text.as_bytes(), &mut dst), Some(chars), "{text:?}");
        let mut roomy = vec![U::from(0); chars + 37];
        assert_eq!(fill(text.as_bytes(), &mut roomy), Some(chars), "{text:?}");
        assert_eq!(roomy[..chars], dst[..], "{text:?}");
        dst
    }

    #[test]
    fn survey_finds_the_widest_lead_and_the_characters() {
        for text in samples() {
            let s = survey(text.as_bytes());
            assert_eq!(
                text.len() - s.continuations,
                text.chars().count(),
                "{text:?}"
            );
            assert_eq!(s.max_byte, text.bytes().max().unwrap_or(0), "{text:?}");
            assert_eq!(s.max_byte < 0x80, text.is_ascii(), "{text:?}");
            assert_eq!(is_ascii(text.as_bytes()), text.is_ascii(), "{text:?}");
        }
        // One non-ASCII character at every place, in and past the chunks.
        for len in [0, 1, 127, 128, 129, 300] {
            for at in 0..=len {
                let text = format!("{}é{}", "a".repeat(at), "b".repeat(len - at));
                assert!(!is_ascii(text.as_bytes()), "{len} {at}");
                assert!(is_ascii(&text.as_bytes()[..at]), "{len} {at}");
            }
        }
    }

    #[test]
    fn every_path_transcodes_as_the_standard_library() {
        for text in samples() {
            let wide: Vec<u32> = text.chars().map(|c| c as u32).collect();
            assert_eq!(
                transcode(&text, fill_blocks::<u32, false>),
                wide,
                "blocks {text:?}"
            );
            let chars = transcode(&text, |t, d: &mut [u32]| fill_chars::<_, false>(t, 0, d, 0));
            assert_eq!(chars, wide, "chars {text:?}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                let avx2 = transcode(&text, |t, d: &mut [u32]| unsafe { fill_avx2(t, d) });
                assert_eq!(avx2, wide, "avx2 {text:?}");
                if text.chars().all(|c| (c as u32) < 0x10000) {
                    let narrow: Vec<u16> = wide.iter().map(|&c| c as u16).collect();
                    // SAFETY: the CPU has AVX2.
                    let avx2 = transcode(&text, |t, d: &mut [u16]| unsafe { fill_avx2(t, d) });
                    assert_eq!(avx2, narrow, "avx2 u16 {text:?}");
                }
            }
            if text.chars().all(|c| (c as u32) < 0x10000) {
                let narrow: Vec<u16> = wide.iter().map(|&c| c as u16).collect();
                assert_eq!(
                    transcode(&text, fill_blocks::<u16, false>),
                    narrow,
                    "u16 {text:?}"
                );
            }
            if text.chars().all(|c| (c as u32) < 0x100) {
                let bytes: Vec<u8> = wide.iter().map(|&c| c as u8).collect();
                assert_eq!(
                    transcode(&text, fill_blocks::<u8, false>),
                    bytes,
                    "u8 {text:?}"
                );
            }
        }
    }

    #[test]
    fn a_short_destination_or_a_stray_byte_is_refused() {
        let text = "aé😀".repeat(20);
        let chars = text.chars().count();
        let mut dst = vec![0u32; chars - 1];
        assert_eq!(fill_blocks::<u32, false>(text.as_bytes(), &mut dst), None);
        assert_eq!(
            fill_chars::<_, false>(text.as_bytes(), 0, &mut dst, 0),
            None
        );
        let mut dst = vec![0u32; 1];
        assert_eq!(fill_blocks::<u32, false>(&[0xFF], &mut dst), None);
        assert_eq!(fill_blocks::<u32, false>(&[0xE2, 0x82], &mut dst), None);
    }

    #[test]
    fn a_character_too_wide_for_the_unit_is_refused() {
        // `WideStr` fills at its kind first and surveys only when that fails.
        for pos in [0, 1, 31, 32, 33, 100] {
            let two = format!("{}ж", "a".repeat(pos));
            let four = format!("{}😀", "日本語".repeat(pos));
            let mut bytes = vec![0u8; 400];
            let mut units = vec![0u16; 400];
            assert_eq!(fill_blocks::<u8, false>(two.as_bytes(), &mut bytes), None);
            assert_eq!(
                fill_chars::<_, false>(two.as_bytes(), 0, &mut bytes, 0),
                None
            );
            assert_eq!(fill_blocks::<u16, false>(four.as_bytes(), &mut units), None);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                unsafe {
                    assert_eq!(fill_avx2(two.as_bytes(), &mut bytes), None);
                    assert_eq!(fill_avx2(four.as_bytes(), &mut units), None);
                }
            }
        }
    }
}
