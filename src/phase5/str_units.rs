//! `dumps`' str result takes a non-ASCII str's characters from the str's
//! own units (kind 1, 2 or 4), widened to the result's kind. The builds
//! before write the str's UTF-8 (which CPython makes and keeps on first
//! use) and decode the whole text back into a str: on mixed-script text
//! that decoding costs as much as CPython's decoder, many times orjson's
//! whole `dumps` (the benchmark's `non_ascii` case).

use std::ffi::c_void;

use pyo3::ffi;

use super::utf8_str::Unit;
use crate::text::escape::{u_escape, ASCII_ESCAPES};

/// Whether CPython has made and kept the ready, non-ASCII `str`'s UTF-8.
///
/// # Safety
/// `str` is a live, ready, non-ASCII str (a compact or legacy object, both
/// of which begin with `PyCompactUnicodeObject`).
#[inline(always)]
unsafe fn has_utf8(str: *mut ffi::PyObject) -> bool {
    // SAFETY: the caller's contract.
    unsafe { !(*str.cast::<ffi::PyCompactUnicodeObject>()).utf8.is_null() }
}

/// Whether `str` is dense text: non-ASCII, with at least 1.5 bytes of UTF-8
/// a character (mostly characters from 80 on, such as Cyrillic, Greek or
/// Japanese), whose UTF-8 decodes a character at a time. Known only once
/// its UTF-8 is made: false until then.
///
/// # Safety
/// `str` is a live str.
#[inline(always)]
pub unsafe fn dense(str: *mut ffi::PyObject) -> bool {
    // SAFETY: a ready non-ASCII str (compact or legacy) begins with
    // `PyCompactUnicodeObject`, whose UTF-8 length is read only then.
    unsafe {
        if ffi::PyUnicode_IS_READY(str) == 0 || ffi::PyUnicode_IS_ASCII(str) != 0 {
            return false;
        }
        let utf8_len = (*str.cast::<ffi::PyCompactUnicodeObject>()).utf8_length as usize;
        utf8_len * 2 >= ffi::PyUnicode_GET_LENGTH(str) as usize * 3
    }
}

/// The units of a non-ASCII str.
pub struct StrUnits {
    data: *const c_void,
    /// The largest character the str's kind holds: 0xFF, 0xFFFF or 0x10FFFF.
    max_char: u32,
    len: usize,
}

impl StrUnits {
    /// `str`'s units; `None` for an ASCII str (the writer's own path), one
    /// not ready (a legacy str, which only its UTF-8 reads safely), or one
    /// whose UTF-8 CPython has made (by `encode`, `dumps_bytes`, orjson):
    /// that is cheaper written by the writer's UTF-8 paths, vector code for
    /// its ASCII runs (on gsoc-2018.json the units take longer). A str
    /// without is cheaper from its units than made UTF-8 first, and keeps
    /// no UTF-8 copy (`benches/ab_fresh.py` measures both on fresh objects).
    /// With `utf8_made_too`, a str whose UTF-8 is made is taken as well
    /// (the caller's choice for a `dense` str: decoding its UTF-8 again
    /// costs a mispredicted branch a character or so).
    ///
    /// # Safety
    /// `str` is a live str, which holds its units for the borrow's time
    /// (the writer runs no Python code while it copies them).
    #[inline]
    pub unsafe fn of(str: *mut ffi::PyObject, utf8_made_too: bool) -> Option<Self> {
        // SAFETY: the caller's live str; its kind and data are read only
        // once it is ready.
        unsafe {
            if ffi::PyUnicode_IS_READY(str) == 0
                || ffi::PyUnicode_IS_ASCII(str) != 0
                || (has_utf8(str) && !utf8_made_too)
            {
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

/// Copies (widened) the units before the first one JSON escapes: how many.
/// A block of 16 at a time, copied whole and then checked, so that the
/// copy is vector code; the tail is the block ending at the end, copied
/// over units already copied (with no escape between, they are the same).
/// Shorter strs one unit at a time. Units stored past an escape are in the
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
        block
            .iter()
            .enumerate()
            .fold(0, |mask, (i, &s)| mask | u32::from(escaped(s.into())) << i)
    }
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

    use super::{SourceUnit, BLOCK};

    // SAFETY (every block below): SSE2 is part of x86-64; each load reads
    // 16 bytes within the block.

    impl SourceUnit for u8 {
        #[inline(always)]
        fn block_mask(block: &[u8; BLOCK]) -> u32 {
            unsafe {
                let x = _mm_loadu_si128(block.as_ptr().cast());
                let control =
                    _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
                let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
                _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) as u32
            }
        }
    }

    impl SourceUnit for u16 {
        #[inline(always)]
        fn block_mask(block: &[u16; BLOCK]) -> u32 {
            let escapes = |at: usize| unsafe {
                let x = _mm_loadu_si128(block.as_ptr().add(at).cast());
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
            };
            // Each unit's all-ones or zero, packed to a byte each.
            unsafe { _mm_movemask_epi8(_mm_packs_epi16(escapes(0), escapes(8))) as u32 }
        }
    }

    impl SourceUnit for u32 {
        #[inline(always)]
        fn block_mask(block: &[u32; BLOCK]) -> u32 {
            // Characters are at most 10FFFF: signed compares are right.
            let escapes = |at: usize| unsafe {
                let x = _mm_loadu_si128(block.as_ptr().add(at).cast());
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
            };
            // Each unit's all-ones or zero, packed to a byte each.
            unsafe {
                let low = _mm_packs_epi32(escapes(0), escapes(4));
                let high = _mm_packs_epi32(escapes(8), escapes(12));
                _mm_movemask_epi8(_mm_packs_epi16(low, high)) as u32
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
