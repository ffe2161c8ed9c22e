//! `dumps`' `str` result past its first non-ASCII character (`WideStr`),
//! and the str layout details a result written in place needs
//! (`set_str_len`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;
use pyo3::prelude::*;

use super::result_memory::{advise_huge_pages, keeps_room, HUGE_PAGES_FROM};
use super::str_units::StrUnits;
use super::utf8_str::{fill_units, survey, Unit};

/// `dumps`' result once it holds a character above 7F: a compact str of
/// the kind its widest character needs, written at the end. ASCII text
/// (the writer's) is widened onto it (`append_ascii`), non-ASCII strs are
/// copied from their own units (`append_quoted`); a str of a wider kind
/// widens what is there into a new object first, and a full one grows (at
/// least doubling). `finish` cuts it to its characters. The object is ours
/// alone until then.
pub struct WideStr {
    /// NULL until the first piece.
    object: *mut ffi::PyObject,
    /// The str's kind, as its largest character: 0xFF, 0xFFFF or 0x10FFFF
    /// (0 before the first piece).
    max_char: u32,
    /// Characters written, of room for `cap`.
    chars: usize,
    cap: usize,
}

impl WideStr {
    /// An empty str with room for `cap` characters, or for the first piece's
    /// if more (made at that piece's kind).
    pub fn new(cap: usize) -> Self {
        WideStr {
            object: std::ptr::null_mut(),
            max_char: 0,
            chars: 0,
            cap,
        }
    }

    /// Appends the ASCII `text`, each byte a character. Text with a byte
    /// above 7F (no writer path gives one for a `str` result, but a wrong
    /// guess must not corrupt it) is decoded as UTF-8 instead.
    #[inline]
    pub fn append_ascii(&mut self, py: Python<'_>, text: &[u8]) -> PyResult<()> {
        if self.object.is_null() || self.cap - self.chars < text.len() {
            return self.append_utf8(py, text);
        }
        // SAFETY: the object has room for `cap` units of its kind, and is
        // ours; units from `chars` on are not yet the str's, and `text`
        // fits in them (checked above).
        let ascii = unsafe {
            let to = unit_ptr(ffi::PyUnicode_DATA(self.object), self.max_char, self.chars);
            match self.max_char {
                0xFF => widen_ascii(text, to.cast::<u8>()),
                0xFFFF => widen_ascii(text, to.cast::<u16>()),
                _ => widen_ascii(text, to.cast::<u32>()),
            }
        };
        if !ascii {
            return self.append_utf8(py, text);
        }
        self.chars += text.len();
        Ok(())
    }

    /// Appends `text`, whole UTF-8 characters.
    #[cold]
    pub fn append_utf8(&mut self, py: Python<'_>, text: &[u8]) -> PyResult<()> {
        // Most pieces fit the str's kind and room: transcoded at once, with
        // no survey (a noticeable part of `dumps`' time on wide results).
        // A piece that does not is surveyed and written again.
        if !self.object.is_null() {
            // SAFETY: the object has room for `cap` units of its kind, and
            // is ours; units from `chars` on are not yet the str's.
            let written = unsafe {
                fill_units(
                    ffi::PyUnicode_DATA(self.object),
                    self.max_char,
                    self.chars,
                    self.cap - self.chars,
                    text,
                )
            };
            if let Some(count) = written {
                self.chars += count;
                return Ok(());
            }
        }
        let survey = survey(text);
        let count = text.len() - survey.continuations;
        let max_char = survey.max_char().max(self.max_char);
        let need = self.chars + count;
        self.room_for(py, max_char, need)?;
        // SAFETY: the object has room for `cap` >= chars + count units of
        // kind `max_char`, and is ours.
        let written = unsafe {
            fill_units(
                ffi::PyUnicode_DATA(self.object),
                self.max_char,
                self.chars,
                count,
                text,
            )
        };
        if written != Some(count) {
            return Err(pyo3::exceptions::PySystemError::new_err(
                "the encoder wrote invalid UTF-8",
            ));
        }
        self.chars = need;
        Ok(())
    }

    /// Appends the ASCII `text` (the writer's, since the last str), then a
    /// non-ASCII str's characters between quotes: the step a wide result
    /// is made of. One pass, typed once by the result's kind, for text
    /// that is ASCII and a str with nothing to escape; else `append_ascii`
    /// and `append_quoted` write it again over the same units.
    pub fn append_text_and_str(
        &mut self,
        py: Python<'_>,
        text: &[u8],
        str: &StrUnits,
    ) -> PyResult<()> {
        self.room_for(
            py,
            str.max_char(),
            self.chars + text.len() + str.chars() + 2,
        )?;
        // SAFETY: the object has room for `cap` units of its kind (at
        // least the str's), at least `chars` + the text + the str + two
        // quotes, and is ours; units from `chars` on are not yet the str's.
        let written = unsafe {
            let to = ffi::PyUnicode_DATA(self.object);
            match self.max_char {
                0xFF => text_and_str(text, str, to.cast::<u8>().add(self.chars)),
                0xFFFF => text_and_str(text, str, to.cast::<u16>().add(self.chars)),
                _ => text_and_str(text, str, to.cast::<u32>().add(self.chars)),
            }
        };
        match written {
            Some(units) => {
                self.chars += units;
                Ok(())
            }
            None => {
                self.append_ascii(py, text)?;
                self.append_quoted(py, str)
            }
        }
    }

    /// Appends a non-ASCII str's characters between quotes, escaped as
    /// JSON needs, from the str's own units (`str_units.rs`).
    pub fn append_quoted(&mut self, py: Python<'_>, str: &StrUnits) -> PyResult<()> {
        let start = self.chars + 1;
        self.room_for(py, str.max_char(), start + str.chars() + 1)?;
        // SAFETY: the object has room for `cap` units of kind `max_char`
        // (at least the str's), and is ours; units from `chars` on are not
        // yet the str's. Each copy writes within the room it is given,
        // before the closing quote's unit.
        unsafe {
            let body = |this: &Self, at: usize| {
                unit_ptr(ffi::PyUnicode_DATA(this.object), this.max_char, start + at)
            };
            let mut read = str.copy_plain(body(self, 0), self.max_char);
            let mut units = read;
            while read < str.chars() {
                // Room for what comes next, exactly: the result is sized by
                // the previous one, and a request past that room grows it
                // (a fresh `mmap`, every page faulted in).
                let next = start + units + str.escaped_len_at(read) + 1;
                self.room_for(py, self.max_char, next)?;
                let room = self.cap - 1 - start - units;
                let (now_read, wrote) =
                    str.copy_escaped(read, body(self, units), self.max_char, room);
                (read, units) = (now_read, units + wrote);
            }
            let data = ffi::PyUnicode_DATA(self.object);
            write_unit(data, self.max_char, self.chars, b'"');
            write_unit(data, self.max_char, start + units, b'"');
            self.chars = start + units + 1;
        }
        Ok(())
    }

    /// The kind's largest character (0 before the first piece).
    pub fn max_char(&self) -> u32 {
        self.max_char
    }

    /// Room for `need` characters up to `max_char`: the str widened to
    /// that kind, or grown (at least doubling).
    pub fn room_for(&mut self, py: Python<'_>, max_char: u32, need: usize) -> PyResult<()> {
        if max_char > self.max_char {
            self.widen(py, max_char, need.max(self.cap))
        } else if need > self.cap {
            self.grow(py, need.max(self.cap * 2))
        } else {
            Ok(())
        }
    }

    /// The characters written.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// The str, cut to the characters written (its room kept if little
    /// more, as `result_memory::keeps_room` says).
    pub fn finish(mut self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        if keeps_room(self.cap, self.chars) {
            // SAFETY: our str, with room for `cap` >= chars units.
            unsafe { set_str_len(self.object, self.chars) };
        } else {
            self.grow(py, self.chars)?;
        }
        let object = std::mem::replace(&mut self.object, std::ptr::null_mut());
        // SAFETY: a complete str of the right kind, ours alone.
        Ok(unsafe { Bound::from_owned_ptr(py, object) })
    }

    /// Resizes the str to room for `cap` characters of its kind.
    fn grow(&mut self, py: Python<'_>, cap: usize) -> PyResult<()> {
        // SAFETY: we hold the only reference to a fresh str (no hash, not
        // interned), which PyUnicode_Resize reallocates in place of; on
        // failure it is released, set to NULL and an error set.
        unsafe {
            if ffi::PyUnicode_Resize(&mut self.object, cap as ffi::Py_ssize_t) != 0 {
                return Err(PyErr::fetch(py));
            }
            advise_large_data(self.object, cap, self.max_char);
        }
        self.cap = cap;
        Ok(())
    }

    /// Replaces the str (if any) with one of the wider kind `max_char` and
    /// room for `cap`, holding the same characters.
    fn widen(&mut self, py: Python<'_>, max_char: u32, cap: usize) -> PyResult<()> {
        let wider = new_object(py, cap, max_char)?;
        if !self.object.is_null() {
            // SAFETY: the old str's first `chars` units are written, the new
            // one has room for `cap` >= chars units of the wider kind; both
            // are ours.
            unsafe {
                let (from, to) = (ffi::PyUnicode_DATA(self.object), ffi::PyUnicode_DATA(wider));
                let n = self.chars;
                match (self.max_char, max_char) {
                    (0xFF, 0xFFFF) => widen_units(from.cast::<u8>(), to.cast::<u16>(), n),
                    (0xFF, _) => widen_units(from.cast::<u8>(), to.cast::<u32>(), n),
                    _ => widen_units(from.cast::<u16>(), to.cast::<u32>(), n),
                }
                ffi::Py_DECREF(self.object);
            }
        }
        self.object = wider;
        self.max_char = max_char;
        self.cap = cap;
        Ok(())
    }
}

impl Drop for WideStr {
    fn drop(&mut self) {
        if !self.object.is_null() {
            // SAFETY: an unfinished str (the encoder failed): our only
            // reference, released with the GIL held (inside the call).
            unsafe { ffi::Py_DECREF(self.object) };
        }
    }
}

/// Sets a fresh compact str's length to `len`, keeping its room: the
/// length, the NUL after the characters and, before 3.12, the length of
/// its `wchar_t` view where the data is that view too (kind 4 on Linux:
/// a debug CPython checks the two agree).
///
/// # Safety
/// `object` is a compact str nobody else holds, with no hash or UTF-8
/// copy made yet, and room for at least `len` characters.
pub(super) unsafe fn set_str_len(object: *mut ffi::PyObject, len: usize) {
    // SAFETY: the caller's str; its data has room for len + 1 units.
    unsafe {
        let ascii = object.cast::<ffi::PyASCIIObject>();
        (*ascii).length = len as ffi::Py_ssize_t;
        #[cfg(not(Py_3_12))]
        if !(*ascii).wstr.is_null() {
            (*object.cast::<ffi::PyCompactUnicodeObject>()).wstr_length = len as ffi::Py_ssize_t;
        }
        let data = ffi::PyUnicode_DATA(object);
        match ffi::PyUnicode_KIND(object) {
            ffi::PyUnicode_1BYTE_KIND => data.cast::<u8>().add(len).write(0),
            ffi::PyUnicode_2BYTE_KIND => data.cast::<u16>().add(len).write(0),
            _ => data.cast::<u32>().add(len).write(0),
        }
    }
}

/// Where unit `at` of a str's `data` of the kind `max_char` calls for is.
///
/// # Safety
/// `data` holds more than `at` units of that kind.
unsafe fn unit_ptr(data: *mut std::ffi::c_void, max_char: u32, at: usize) -> *mut std::ffi::c_void {
    // SAFETY: the caller's units, typed by the kind.
    unsafe {
        match max_char {
            0xFF => data.cast::<u8>().add(at).cast(),
            0xFFFF => data.cast::<u16>().add(at).cast(),
            _ => data.cast::<u32>().add(at).cast(),
        }
    }
}

/// Writes the ASCII `byte` as unit `at` of a str's `data` of the kind `max_char` calls for.
///
/// # Safety
/// As `unit_ptr`, the unit ours to write.
unsafe fn write_unit(data: *mut std::ffi::c_void, max_char: u32, at: usize, byte: u8) {
    // SAFETY: the caller's unit, typed by the kind.
    unsafe {
        let unit = unit_ptr(data, max_char, at);
        match max_char {
            0xFF => unit.cast::<u8>().write(byte),
            0xFFFF => unit.cast::<u16>().write(byte as u16),
            _ => unit.cast::<u32>().write(byte as u32),
        }
    }
}

/// A new compact str with room for `cap` characters up to `max_char`.
pub(super) fn new_object(
    py: Python<'_>,
    cap: usize,
    max_char: u32,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: returns a new str (contents unset) or NULL with an error set.
    let object = unsafe { ffi::PyUnicode_New(cap as ffi::Py_ssize_t, max_char as ffi::Py_UCS4) };
    if object.is_null() {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: a new compact str, whose data holds `cap` units of its kind.
    unsafe { advise_large_data(object, cap, max_char) };
    Ok(object)
}

/// Asks for huge pages under a large str's data (`result_out`'s rule).
///
/// # Safety
/// `object` is a compact str with room for `cap` units of `max_char`'s kind.
unsafe fn advise_large_data(object: *mut ffi::PyObject, cap: usize, max_char: u32) {
    let width = match max_char {
        0..=0xFF => 1,
        0x100..=0xFFFF => 2,
        _ => 4,
    };
    if cap * width >= HUGE_PAGES_FROM {
        // SAFETY: the caller's str; its data spans `cap * width` bytes.
        advise_huge_pages(unsafe { ffi::PyUnicode_DATA(object) }.cast(), cap * width);
    }
}

/// Copies `n` units from `from` to `to`, each widened.
///
/// # Safety
/// `n` units readable at `from` and writable at `to`, not overlapping.
unsafe fn widen_units<F: Copy + Into<u32>, T: Unit>(from: *const F, to: *mut T, n: usize) {
    // SAFETY: the caller's `n` units at each.
    let (from, to) = unsafe {
        (
            std::slice::from_raw_parts(from, n),
            std::slice::from_raw_parts_mut(to, n),
        )
    };
    for (t, &f) in to.iter_mut().zip(from) {
        *t = T::from_char(f.into());
    }
}

/// `WideStr::append_text_and_str`'s one pass: the units written, or
/// `None` (what was written to be written again) when the text is not
/// ASCII or the str holds a character to escape.
///
/// # Safety
/// `to` has room for the text, the str and two quotes, of the str's kind
/// or wider (`D`).
#[inline(always)]
unsafe fn text_and_str<D: Unit>(text: &[u8], str: &StrUnits, to: *mut D) -> Option<usize> {
    // SAFETY: the caller's room, `text.len() + str.chars() + 2` units.
    unsafe {
        if !widen_ascii(text, to) {
            return None;
        }
        let open = to.add(text.len());
        open.write(D::from_char(b'"' as u32));
        if str.copy_plain(open.add(1).cast(), D::MAX) != str.chars() {
            return None;
        }
        open.add(1 + str.chars()).write(D::from_char(b'"' as u32));
    }
    Some(text.len() + str.chars() + 2)
}

/// Bytes `widen_ascii` widens at once.
const BLOCK: usize = 16;

/// Copies the bytes of `text` to `to`, each widened to a unit; whether they
/// were all ASCII (the units are then the text's characters). Blocks of 16
/// (the last one ending at the end, over units already written); shorter
/// text a byte at a time.
///
/// # Safety
/// `to` has room for `text.len()` units, ours to write.
#[inline(always)]
unsafe fn widen_ascii<U: Unit>(text: &[u8], to: *mut U) -> bool {
    let len = text.len();
    if len < BLOCK {
        // SAFETY: the caller's room for `len` units.
        return unsafe { widen_bytes(text, to) };
    }
    let block = |at: usize| -> bool {
        let bytes: &[u8; BLOCK] = text[at..at + BLOCK].try_into().expect("a block");
        // SAFETY: units `at..at + BLOCK` are within the caller's room.
        unsafe { widen_block(bytes, to.add(at)) }
    };
    let mut ascii = true;
    let mut at = 0;
    while at + BLOCK <= len {
        ascii &= block(at);
        at += BLOCK;
    }
    if at < len {
        ascii &= block(len - BLOCK);
    }
    ascii
}

/// `widen_ascii` a byte at a time: whether the bytes were all ASCII.
///
/// # Safety
/// `to` has room for `text.len()` units, ours to write.
#[inline(always)]
unsafe fn widen_bytes<U: Unit>(text: &[u8], to: *mut U) -> bool {
    let mut high = 0;
    for (i, &b) in text.iter().enumerate() {
        // SAFETY: unit `i` is within the caller's room.
        unsafe { to.add(i).write(U::from_char(b as u32)) };
        high |= b;
    }
    high < 0x80
}

/// One block of `widen_ascii`: SSE2 (part of x86-64) zero-extends the 16
/// bytes to units in registers; elsewhere `widen_bytes`.
///
/// # Safety
/// `to` has room for 16 units, ours to write.
#[inline(always)]
unsafe fn widen_block<U: Unit>(block: &[u8; BLOCK], to: *mut U) -> bool {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64; the load reads the 16 bytes of
    // `block`, the stores write the caller's 16 units (16 x U bytes).
    unsafe {
        use std::arch::x86_64::*;
        let x = _mm_loadu_si128(block.as_ptr().cast());
        let zero = _mm_setzero_si128();
        let out = to.cast::<__m128i>();
        match std::mem::size_of::<U>() {
            1 => _mm_storeu_si128(out, x),
            2 => {
                _mm_storeu_si128(out, _mm_unpacklo_epi8(x, zero));
                _mm_storeu_si128(out.add(1), _mm_unpackhi_epi8(x, zero));
            }
            _ => {
                let (low, high) = (_mm_unpacklo_epi8(x, zero), _mm_unpackhi_epi8(x, zero));
                _mm_storeu_si128(out, _mm_unpacklo_epi16(low, zero));
                _mm_storeu_si128(out.add(1), _mm_unpackhi_epi16(low, zero));
                _mm_storeu_si128(out.add(2), _mm_unpacklo_epi16(high, zero));
                _mm_storeu_si128(out.add(3), _mm_unpackhi_epi16(high, zero));
            }
        }
        _mm_movemask_epi8(x) == 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: the caller's room.
    unsafe {
        widen_bytes(block, to)
    }
}

#[cfg(test)]
mod tests {
    use super::{widen_ascii, widen_bytes, Unit};

    /// `widen_ascii` (the vector blocks on x86-64) against `widen_bytes`
    /// for every length up to 80, every kind, with and without a byte
    /// above 7F at each place.
    fn check<U: Unit + PartialEq + std::fmt::Debug + Default>() {
        for len in 0..80 {
            let text: Vec<u8> = (0..len).map(|i| b' ' + (i * 7 % 95) as u8).collect();
            for high_at in std::iter::once(None).chain((0..len).map(Some)) {
                let mut text = text.clone();
                if let Some(at) = high_at {
                    text[at] = 0x80 | text[at];
                }
                let mut vector = vec![U::default(); len + 1];
                let mut scalar = vec![U::default(); len + 1];
                // SAFETY: room for `len` units in each.
                let (a, b) = unsafe {
                    (
                        widen_ascii(&text, vector.as_mut_ptr()),
                        widen_bytes(&text, scalar.as_mut_ptr()),
                    )
                };
                assert_eq!(
                    a,
                    high_at.is_none(),
                    "length {len}, high byte at {high_at:?}"
                );
                assert_eq!(b, high_at.is_none());
                if high_at.is_none() {
                    assert_eq!(vector, scalar, "length {len}");
                }
                assert_eq!(
                    vector[len],
                    U::default(),
                    "length {len}: wrote past the end"
                );
            }
        }
    }

    #[test]
    fn widening_matches_the_bytes_for_every_kind() {
        check::<u8>();
        check::<u16>();
        check::<u32>();
    }
}
