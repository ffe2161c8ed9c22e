//! `dumps`' str result takes a non-ASCII str's characters from the str's
//! own units (kind 1, 2 or 4), widened to the result's kind and escaped
//! where JSON needs it (`str_result.rs`). The builds before write the
//! str's UTF-8 (which CPython makes and keeps on first use) and decode the
//! whole text back into a str.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::ffi::c_void;

use pyo3::ffi;

use super::utf8_str::Unit;
use crate::text::escape::{u_escape, ASCII_ESCAPES};
use crate::text::unit_escapes::{escaped, UnitEscapes as SourceUnit, BLOCK, HALF};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
