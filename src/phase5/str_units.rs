//! `dumps`' str result takes a non-ASCII str's characters from the str's
//! own units (kind 1, 2 or 4), widened to the result's kind and escaped
//! where JSON needs it (`str_result.rs`). The builds before write the
//! str's UTF-8 (which CPython makes and keeps on first use) and decode the
//! whole text back into a str.

use std::ffi::c_void;

use pyo3::ffi;

use super::utf8_str::Unit;
use crate::text::escape::{u_escape, ASCII_ESCAPES};

/// The units of a non-ASCII str.
pub struct StrUnits {
    data: *const c_void,
    /// The largest character the str's kind holds: 0xFF, 0xFFFF or 0x10FFFF.
    max_char: u32,
    len: usize,
}

impl StrUnits {
    /// `str`'s units; `None` for an ASCII str (the writer's own path) or
    /// one not ready (a legacy str, which only its UTF-8 reads safely).
    ///
    /// # Safety
    /// `str` is a live str, which holds its units for the borrow's time
    /// (the writer runs no Python code while it copies them).
    #[inline]
    pub unsafe fn of(str: *mut ffi::PyObject) -> Option<Self> {
        // SAFETY: the caller's live str; its kind and data are read only
        // once it is ready.
        unsafe {
            if ffi::PyUnicode_IS_READY(str) == 0 || ffi::PyUnicode_IS_ASCII(str) != 0 {
                return None;
            }
            let max_char = match ffi::PyUnicode_KIND(str) {
                ffi::PyUnicode_1BYTE_KIND => 0xFF,
                ffi::PyUnicode_2BYTE_KIND => 0xFFFF,
                _ => 0x10FFFF,
            };
            Some(StrUnits {
                data: ffi::PyUnicode_DATA(str),
                max_char,
                len: ffi::PyUnicode_GET_LENGTH(str) as usize,
            })
        }
    }

    /// The largest character the str's kind holds. A str is made at the
    /// narrowest kind its characters fit, so a result holding its
    /// characters needs this kind, no wider.
    pub fn max_char(&self) -> u32 {
        self.max_char
    }

    pub fn chars(&self) -> usize {
        self.len
    }

    /// Whether the str's kind is owed to lone surrogate halves, which are
    /// written escaped (a kind-2 str whose characters above FF are all
    /// surrogates): then its text does not need its kind. (A kind-1
    /// str's characters from 80 on, and a kind-4 str's above FFFF, are
    /// never escaped.)
    pub fn kind_from_surrogates(&self) -> bool {
        // SAFETY: `len` units of the str's kind at `data`.
        self.max_char == 0xFFFF
            && unsafe { self.units::<u16>() }
                .iter()
                .all(|&u| u <= 0xFF || u & !0x7FF == 0xD800)
    }

    /// Copies the units to `to`, widened to the kind of `to_max_char` (at
    /// least the str's), up to the first block of 16 that holds a
    /// character JSON escapes: how many it copied (`len` when none does).
    ///
    /// # Safety
    /// `to` has room for `len` units of its kind, ours to write.
    #[inline(always)]
    pub unsafe fn copy_plain(&self, to: *mut c_void, to_max_char: u32) -> usize {
        // SAFETY: the str's units and the caller's room, typed by kind.
        unsafe { by_kinds!(self, to, to_max_char, copy_plain) }
    }

    /// How many units the unit at `at` takes: 1, or its escape's 2 or 6.
    pub fn escaped_len_at(&self, at: usize) -> usize {
        // SAFETY: `len` units of the str's kind at `data`.
        escaped_len(unsafe {
            match self.max_char {
                0xFF => self.units::<u8>()[at] as u32,
                0xFFFF => self.units::<u16>()[at] as u32,
                _ => self.units::<u32>()[at],
            }
        })
    }

    /// Copies the units from `from` on to `to` as `copy_plain`, with the
    /// characters JSON escapes escaped as every writer writes them
    /// (`text/escape.rs`), as far as `room` units go: how many units it
    /// read and how many it wrote.
    ///
    /// # Safety
    /// `to` has room for `room` units of its kind.
    #[inline(never)]
    pub unsafe fn copy_escaped(
        &self,
        from: usize,
        to: *mut c_void,
        to_max_char: u32,
        room: usize,
    ) -> (usize, usize) {
        // SAFETY: as `copy_plain`.
        unsafe { by_kinds!(self, to, to_max_char, copy_escaped, from, room) }
    }

    /// # Safety
    /// `T` is the str's unit.
    unsafe fn units<T>(&self) -> &[T] {
        // SAFETY: the caller's kind; `len` units at `data`.
        unsafe { std::slice::from_raw_parts(self.data.cast::<T>(), self.len) }
    }
}

/// `$f(units, to, ...)` for the str's unit type and the (as wide or wider)
/// unit type of `to`.
macro_rules! by_kinds {
    ($str:expr, $to:expr, $to_max_char:expr, $f:ident $(, $arg:expr)*) => {
        match ($str.max_char, $to_max_char) {
            (0xFF, 0xFF) => $f($str.units::<u8>(), $to.cast::<u8>() $(, $arg)*),
            (0xFF, 0xFFFF) => $f($str.units::<u8>(), $to.cast::<u16>() $(, $arg)*),
            (0xFF, _) => $f($str.units::<u8>(), $to.cast::<u32>() $(, $arg)*),
            (0xFFFF, 0xFFFF) => $f($str.units::<u16>(), $to.cast::<u16>() $(, $arg)*),
            (0xFFFF, _) => $f($str.units::<u16>(), $to.cast::<u32>() $(, $arg)*),
            _ => $f($str.units::<u32>(), $to.cast::<u32>() $(, $arg)*),
        }
    };
}
use by_kinds;

/// Whether JSON escapes `c`: a control character, `"`, `\`, or (as rjson
/// writes them, so that any result encodes to UTF-8) a lone surrogate half.
#[inline(always)]
fn escaped(c: u32) -> bool {
    // `|`, not `||`: no branches, so that blocks of it are vector code.
    (c < 0x20) | (c == b'"' as u32) | (c == b'\\' as u32) | (c & !0x7FF == 0xD800)
}

const BLOCK: usize = 16;
const HALF: usize = BLOCK / 2;

/// Copies (widened) the units before the first one JSON escapes: how many.
/// A block of 16 at a time, copied whole and then checked, so that the
/// copy is vector code; the tail is the block ending at the end, copied
/// over units already copied (with no escape between, they are the same).
/// Strs of 8 to 15 units as two half blocks, shorter ones a unit at a time. Units stored past an escape are in the
/// room, written over later.
///
/// # Safety
/// `to` has room for `src.len()` units.
#[inline(always)]
unsafe fn copy_plain<S: SourceUnit, D: Unit>(src: &[S], to: *mut D) -> usize {
    // SAFETY: the caller's room.
    let to = unsafe { std::slice::from_raw_parts_mut(to, src.len()) };
    let copy_block = |to: &mut [D], at: usize| -> u32 {
        let block: &[S; BLOCK] = src[at..at + BLOCK].try_into().expect("a block");
        for (d, &s) in to[at..at + BLOCK].iter_mut().zip(block) {
            *d = D::from_char(s.into());
        }
        S::block_mask(block)
    };
    let len = src.len();
    let mut at = 0;
    while at + BLOCK <= len {
        let mask = copy_block(to, at);
        if mask != 0 {
            return at + mask.trailing_zeros() as usize;
        }
        at += BLOCK;
    }
    if at == len {
        return len;
    }
    if len >= BLOCK {
        let start = len - BLOCK;
        let mask = copy_block(to, start) >> (at - start);
        return if mask != 0 {
            at + mask.trailing_zeros() as usize
        } else {
            len
        };
    }
    if len >= HALF {
        // Two half blocks, the second ending at the end (most keys and
        // short values: CJK labels, names).
        let copy_half = |to: &mut [D], at: usize| -> u32 {
            let half: &[S; HALF] = src[at..at + HALF].try_into().expect("a half block");
            for (d, &s) in to[at..at + HALF].iter_mut().zip(half) {
                *d = D::from_char(s.into());
            }
            S::half_mask(half)
        };
        let mask = copy_half(to, 0) | copy_half(to, len - HALF) << (len - HALF);
        return if mask != 0 {
            mask.trailing_zeros() as usize
        } else {
            len
        };
    }
    for (d, &s) in to[at..].iter_mut().zip(&src[at..]) {
        let c = s.into();
        if escaped(c) {
            break;
        }
        *d = D::from_char(c);
        at += 1;
    }
    at
}

/// How many units `c` takes in JSON: 1, or its escape's 2 or 6.
fn escaped_len(c: u32) -> usize {
    if escaped(c) {
        escape_of(c).1
    } else {
        1
    }
}

/// The escape of a character `escaped` flags, as every writer writes it
/// (`text/escape.rs`): its bytes, and how many.
fn escape_of(c: u32) -> ([u8; 8], usize) {
    match ASCII_ESCAPES.get(c as usize) {
        Some(entry) => (*entry, usize::from(entry[7])),
        None => {
            let mut escape = [0; 8];
            escape[..6].copy_from_slice(&u_escape(c));
            (escape, 6)
        }
    }
}

/// # Safety
/// `to` has room for `room` units.
unsafe fn copy_escaped<S: SourceUnit, D: Unit>(
    src: &[S],
    to: *mut D,
    mut from: usize,
    room: usize,
) -> (usize, usize) {
    let mut at = 0;
    loop {
        let run = &src[from..src.len().min(from + room - at)];
        // SAFETY: `run` fits the room left.
        let plain = unsafe { copy_plain(run, to.add(at)) };
        (from, at) = (from + plain, at + plain);
        let Some(&s) = src.get(from) else {
            return (from, at);
        };
        let c = s.into();
        if !escaped(c) {
            return (from, at); // out of room
        }
        let (escape, len) = escape_of(c);
        if at + len > room {
            return (from, at);
        }
        for &byte in &escape[..len] {
            // SAFETY: within the room (checked above).
            unsafe { to.add(at).write(D::from_char(byte as u32)) };
            at += 1;
        }
        from += 1;
    }
}

/// A str's unit as `copy_plain` reads it: a block of 16 checked at once
/// (SSE2 on x86-64, where the compiler's own vector code for the check
/// took ~1.3 cycles a unit on gsoc-2018.json).
trait SourceUnit: Copy + Into<u32> {
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
/// `SourceUnit`'s scalar form.
fn escape_mask<S: Copy + Into<u32>>(units: &[S]) -> u32 {
    units
        .iter()
        .enumerate()
        .fold(0, |mask, (i, &s)| mask | u32::from(escaped(s.into())) << i)
}

#[cfg(not(target_arch = "x86_64"))]
impl SourceUnit for u8 {}
#[cfg(not(target_arch = "x86_64"))]
impl SourceUnit for u16 {}
#[cfg(not(target_arch = "x86_64"))]
impl SourceUnit for u32 {}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    use super::{SourceUnit, BLOCK, HALF};

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

    impl SourceUnit for u8 {
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

    impl SourceUnit for u16 {
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

    impl SourceUnit for u32 {
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

    fn block_check_agrees<S: SourceUnit + TryFrom<u32>>() {
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

    /// `copy_plain` over every length to 40 with one escaped unit at each
    /// place (or none): how many units it copies, and those units.
    fn copy_plain_agrees<S: SourceUnit + TryFrom<u32> + std::fmt::Debug>() {
        for len in 0..40 {
            for bad in std::iter::once(None).chain((0..len).map(Some)) {
                let src: Vec<S> = (0..len)
                    .map(|i| {
                        S::try_from(if Some(i) == bad {
                            0x22
                        } else {
                            0x41 + (i % 20) as u32
                        })
                        .ok()
                        .unwrap()
                    })
                    .collect();
                let mut to = vec![0u32; len];
                // SAFETY: room for `len` units.
                let copied = unsafe { copy_plain(&src, to.as_mut_ptr()) };
                assert_eq!(
                    copied,
                    bad.unwrap_or(len),
                    "length {len}, escape at {bad:?}"
                );
                for i in 0..copied {
                    assert_eq!(to[i], src[i].into(), "length {len}, unit {i}");
                }
            }
        }
    }

    #[test]
    fn copy_plain_stops_at_the_first_escape() {
        copy_plain_agrees::<u8>();
        copy_plain_agrees::<u16>();
        copy_plain_agrees::<u32>();
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
