//! Python strs made from UTF-8 text without `PyUnicode_DecodeUTF8`: the
//! parser's non-ASCII strings and `dumps`' result. A survey finds the widest
//! character (its lead byte fixes the str's kind) and counts the
//! characters, then the text is transcoded into a str allocated at its final
//! length and kind (or, for `dumps`, appended piece by piece onto a
//! `GrowingStr`, widened when a piece needs a wider kind). ASCII runs go 32 bytes at a time (plain loops the
//! compiler vectorizes: AVX2 where the CPU has it, the baseline's SSE2 or
//! NEON otherwise); multi-byte characters are decoded one by one. CPython's
//! decoder guesses the kind as it goes (widening what it wrote when a wider
//! character turns up) and shrinks its result at the end.

use pyo3::ffi;
use pyo3::prelude::*;

use super::str_units::StrUnits;
use super::transcode_thread::Target;
use crate::phase4::kernels;

/// A str of valid UTF-8 `text`; `ascii` says whether it is all ASCII.
#[inline]
pub fn new_str<'py>(py: Python<'py>, text: &[u8], ascii: bool) -> PyResult<Bound<'py, PyAny>> {
    if ascii {
        return crate::engine::new_ascii_str(py, text);
    }
    transcoded(py, text, survey(text))
}

/// The str of `text`, which has a byte above 7F.
#[inline(never)]
fn transcoded<'py>(py: Python<'py>, text: &[u8], survey: Survey) -> PyResult<Bound<'py, PyAny>> {
    let chars = text.len() - survey.continuations;
    let max_char = survey.max_char();
    // SAFETY: `new_object` returns a new compact str of `chars` characters
    // of the kind `max_char` calls for (our reference), which
    // `fill_units` writes in full before anyone else can see the object
    // (checked: on a mismatch, which valid UTF-8 never gives, the object is
    // dropped and the text decoded by CPython instead, which raises on
    // invalid UTF-8).
    unsafe {
        let result = Bound::from_owned_ptr(py, new_object(py, chars, max_char)?);
        if fill_units(
            ffi::PyUnicode_DATA(result.as_ptr()),
            max_char,
            0,
            chars,
            text,
        ) == Some(chars)
        {
            return Ok(result);
        }
    }
    crate::phase3::strings::new_str(py, text, false)
}

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

/// A str built from UTF-8 text that comes in pieces of whole characters
/// (`dumps`' result, a chunk at a time while the chunk is still in cache):
/// each piece is transcoded onto the end at the str's kind; a piece that
/// does not go (a wider character, or too little room) is surveyed, what
/// is there widened into a str of the wider kind or the str grown (at least
/// doubling), and the piece written again. `finish` cuts the str to its
/// characters. The object is ours alone until then.
pub struct GrowingStr {
    /// NULL until the first piece.
    object: *mut ffi::PyObject,
    /// The str's kind, as its largest character: 0xFF, 0xFFFF or 0x10FFFF
    /// (0 before the first piece).
    max_char: u32,
    /// Characters written, of room for `cap`.
    chars: usize,
    cap: usize,
}

impl GrowingStr {
    /// An empty str with room for `cap` characters, or for the first piece's
    /// if more (made at that piece's kind).
    pub fn new(cap: usize) -> Self {
        GrowingStr {
            object: std::ptr::null_mut(),
            max_char: 0,
            chars: 0,
            cap,
        }
    }

    /// Appends `text`, whole UTF-8 characters.
    pub fn append(&mut self, py: Python<'_>, text: &[u8]) -> PyResult<()> {
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

    /// Where another thread may go on writing characters (`None` before
    /// the first piece).
    pub fn target(&self) -> Option<Target> {
        // SAFETY: a live compact str of ours.
        (!self.object.is_null()).then(|| Target {
            data: unsafe { ffi::PyUnicode_DATA(self.object) },
            max_char: self.max_char,
            chars: self.chars,
            cap: self.cap,
        })
    }

    /// Takes over the characters written onto `target()`.
    ///
    /// # Safety
    /// Units up to `chars` (at most the room) are written, at the str's kind.
    pub unsafe fn set_chars(&mut self, chars: usize) {
        debug_assert!(chars <= self.cap);
        self.chars = chars;
    }

    /// The str, cut to the characters written (its room kept if little
    /// more, as `result_out::keeps_room` says).
    pub fn finish(mut self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        if super::result_out::keeps_room(self.cap, self.chars) {
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

impl Drop for GrowingStr {
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
fn new_object(py: Python<'_>, cap: usize, max_char: u32) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: returns a new str (contents unset) or NULL with an error set.
    let object = unsafe { ffi::PyUnicode_New(cap as ffi::Py_ssize_t, max_char as ffi::Py_UCS4) };
    if object.is_null() {
        return Err(PyErr::fetch(py));
    }
    Ok(object)
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

const BLOCK: usize = 32;

struct Survey {
    /// The largest byte of the text.
    max_byte: u8,
    /// How many bytes are UTF-8 continuation bytes (80-BF).
    continuations: usize,
}

impl Survey {
    /// The largest character the text can hold, as a str's kind needs it.
    /// Lead bytes C2-C3 start U+0080-U+00FF, C4-EF up to U+FFFF, F0-F4
    /// beyond: the widest character has the largest lead byte (continuation
    /// bytes, 80-BF, are below every lead byte), so the kind is exactly
    /// right, as CPython requires of a str (ASCII text gives kind 1's 0xFF).
    fn max_char(&self) -> u32 {
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
    if kernels::chosen().name == "avx2" {
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

fn survey(text: &[u8]) -> Survey {
    #[cfg(target_arch = "x86_64")]
    if kernels::chosen().name == "avx2" {
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
    if kernels::chosen().name == "avx2" {
        // SAFETY: the avx2 kernels are only chosen on a CPU that has AVX2.
        return unsafe { fill_avx2(text, dst) };
    }
    if kernels::chosen().simd() {
        return fill_blocks::<U, false>(text, dst);
    }
    fill_chars(text, 0, dst, 0)
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
    fill_chars(text, at, dst, to)
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
        if QUADS && (0xE0..0xF0).contains(&lead) && std::mem::size_of::<U>() > 1 {
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
/// tail); how many units of `dst` are written in all, or `None`.
fn fill_chars<U: Unit>(text: &[u8], mut at: usize, dst: &mut [U], mut to: usize) -> Option<usize> {
    while let Some(&lead) = text.get(at) {
        if lead < 0x80 {
            *dst.get_mut(to)? = U::from_char(lead as u32);
            at += 1;
            to += 1;
        } else {
            (at, to) = decode_run::<U, false>(text, at, dst, to)?;
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
    /// into more room (as `GrowingStr` fills): both must say how many
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
            let chars = transcode(&text, |t, d: &mut [u32]| fill_chars(t, 0, d, 0));
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
        assert_eq!(fill_chars(text.as_bytes(), 0, &mut dst, 0), None);
        let mut dst = vec![0u32; 1];
        assert_eq!(fill_blocks::<u32, false>(&[0xFF], &mut dst), None);
        assert_eq!(fill_blocks::<u32, false>(&[0xE2, 0x82], &mut dst), None);
    }

    #[test]
    fn a_character_too_wide_for_the_unit_is_refused() {
        // `GrowingStr` fills at its kind first and surveys only when that fails.
        for pos in [0, 1, 31, 32, 33, 100] {
            let two = format!("{}ж", "a".repeat(pos));
            let four = format!("{}😀", "日本語".repeat(pos));
            let mut bytes = vec![0u8; 400];
            let mut units = vec![0u16; 400];
            assert_eq!(fill_blocks::<u8, false>(two.as_bytes(), &mut bytes), None);
            assert_eq!(fill_chars(two.as_bytes(), 0, &mut bytes, 0), None);
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
