//! The document handed to `loads`, as UTF-8 bytes, plus what an error needs to
//! report a position the way the standard library does (a character index into
//! the decoded text).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PyString};

use super::build::decoded_str;
use super::errors::decode_error_type;
use super::memory;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the engine checks the UTF-8 of bytes input (`engine::UTF8_CHECKS`).
#[derive(Clone, Copy)]
pub struct Utf8Checks {
    /// Whether the engine's parser checks the strings of an input of this
    /// length as it reads them, so that the input is not checked first.
    pub by_parser: fn(usize) -> bool,
    /// The first byte that is not UTF-8, if any.
    pub validate: for<'py> fn(Python<'py>, &[u8]) -> Result<(), usize>,
}

pub struct Input<'a, 'py> {
    /// The object passed to `loads`.
    source: &'a Bound<'py, PyAny>,
    /// The document's text. UTF-8, except that `surrogates` allows the encoded
    /// surrogates ("WTF-8") a Python `str` may hold.
    pub data: Cow<'a, [u8]>,
    /// The text may contain encoded lone surrogates.
    pub surrogates: bool,
    /// Bytes input: the `doc` of an error is the decoded text.
    is_bytes: bool,
    /// Bytes input whose UTF-8 the parser checks as it reads it: the bytes
    /// outside strings are ASCII or a syntax error, so it checks the strings
    /// that are not ASCII, and the whole input when it fails (`check_utf8`).
    pub utf8_unchecked: bool,
    /// The engine's check of the whole input.
    validate_utf8: for<'p> fn(Python<'p>, &[u8]) -> Result<(), usize>,
    /// For one line of a JSON Lines document (`line`): the whole document,
    /// and where in it `data` starts, so that an error's `doc` and position
    /// are the whole document's.
    whole: Option<(&'a [u8], usize)>,
}

impl<'a, 'py> Input<'a, 'py> {
    /// Reads `source` (str, bytes, bytearray or memoryview). Bytes input must be
    /// UTF-8 (a leading BOM is skipped, as `json.loads` does for bytes); it
    /// is checked here by `utf8.validate` unless `parser_may_check` (no hook
    /// runs Python code during the parse) and the engine's parser checks it
    /// (`utf8.by_parser`). With `partial` (`allow_partial`), bytes that end
    /// inside a character end before it.
    pub fn new(
        source: &'a Bound<'py, PyAny>,
        utf8: Utf8Checks,
        parser_may_check: bool,
        partial: bool,
    ) -> PyResult<Self> {
        if let Ok(text) = source.cast::<PyString>() {
            let input = match text.to_str() {
                Ok(text) => Self::text(source, Cow::Borrowed(text.as_bytes()), false, utf8),
                Err(_) => {
                    // Lone surrogates: Python's "surrogatepass" gives WTF-8.
                    let encoded = text.call_method1("encode", ("utf-8", "surrogatepass"))?;
                    let bytes = memory::copied(encoded.cast::<PyBytes>()?.as_bytes());
                    Self::text(source, Cow::Owned(bytes), true, utf8)
                }
            };
            if input.data.starts_with(UTF8_BOM) {
                // As json.loads: a str must not start with a byte-order mark.
                return Err(decode_error(
                    &input,
                    "Unexpected UTF-8 BOM (decode using utf-8-sig)",
                    0,
                ));
            }
            return Ok(input);
        }
        let data: Cow<'a, [u8]> = if let Ok(bytes) = source.cast::<PyBytes>() {
            Cow::Borrowed(bytes.as_bytes())
        } else if let Ok(array) = source.cast::<PyByteArray>() {
            // Copied: a hook could resize the bytearray while it is parsed.
            // SAFETY: the GIL is held and no Python code runs while it is copied.
            Cow::Owned(memory::copied(unsafe { array.as_bytes() }))
        } else if source.is_instance_of::<PyMemoryView>() {
            Cow::Owned(memory::copied(
                source
                    .call_method0("tobytes")?
                    .cast::<PyBytes>()?
                    .as_bytes(),
            ))
        } else {
            let name = source.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "the JSON object must be str, bytes, bytearray or memoryview, not {name}"
            )));
        };
        let data = match data {
            Cow::Borrowed(b) => Cow::Borrowed(b.strip_prefix(UTF8_BOM).unwrap_or(b)),
            Cow::Owned(b) if b.starts_with(UTF8_BOM) => {
                Cow::Owned(memory::copied(&b[UTF8_BOM.len()..]))
            }
            owned => owned,
        };
        let data = match data {
            Cow::Borrowed(b) if partial => Cow::Borrowed(&b[..whole_chars_end(b)]),
            Cow::Owned(mut b) if partial => {
                b.truncate(whole_chars_end(&b));
                Cow::Owned(b)
            }
            data => data,
        };
        let input = Input {
            utf8_unchecked: parser_may_check && (utf8.by_parser)(data.len()),
            validate_utf8: utf8.validate,
            source,
            data,
            surrogates: false,
            is_bytes: true,
            whole: None,
        };
        if !input.utf8_unchecked {
            input.utf8_fault()?;
        }
        Ok(input)
    }

    /// A `JSONDecodeError` at the first byte that is not UTF-8, if the
    /// input is not checked yet and has one (phase3's parser's: only
    /// phase5 leaves it unchecked).
    #[allow(dead_code)] // phase3's parser's
    pub fn check_utf8(&self) -> PyResult<()> {
        if self.utf8_unchecked {
            return self.utf8_fault();
        }
        Ok(())
    }

    /// A `JSONDecodeError` at the first byte that is not UTF-8, if any.
    fn utf8_fault(&self) -> PyResult<()> {
        if let Err(at) = (self.validate_utf8)(self.py(), &self.data) {
            let msg = format!("Invalid UTF-8 byte 0x{:02x}", self.data[at]);
            return Err(decode_error(self, &msg, at));
        }
        Ok(())
    }

    fn text(
        source: &'a Bound<'py, PyAny>,
        data: Cow<'a, [u8]>,
        surrogates: bool,
        utf8: Utf8Checks,
    ) -> Self {
        Input {
            source,
            data,
            surrogates,
            is_bytes: false,
            utf8_unchecked: false,
            validate_utf8: utf8.validate,
            whole: None,
        }
    }

    /// The bytes `start..end` of this (whole, checked) document as a
    /// document of their own, whose errors are placed in the whole.
    pub fn line(&self, start: usize, end: usize) -> Input<'_, 'py> {
        debug_assert!(self.whole.is_none());
        Input {
            source: self.source,
            data: Cow::Borrowed(&self.data[start..end]),
            surrogates: self.surrogates,
            is_bytes: self.is_bytes,
            utf8_unchecked: false,
            validate_utf8: self.validate_utf8,
            whole: Some((&self.data, start)),
        }
    }

    pub fn py(&self) -> Python<'py> {
        self.source.py()
    }

    /// The text as `&str`, when it holds no lone surrogates.
    #[allow(dead_code)] // the serde engine's
    pub fn as_str(&self) -> Option<&str> {
        if self.surrogates {
            return None;
        }
        // Validated in `new` (bytes) or produced by Python's UTF-8 encoder (str).
        std::str::from_utf8(&self.data).ok()
    }

    /// The `doc` attribute of a `JSONDecodeError`: the text that was parsed.
    pub fn doc(&self) -> PyResult<Bound<'py, PyAny>> {
        if !self.is_bytes {
            return Ok(self.source.clone());
        }
        // CPython's "replace" gives the U+FFFD of Rust's `from_utf8_lossy`
        // (one for each maximal invalid subpart), without a Rust copy.
        decoded_str(self.py(), self.whole_data(), c"replace")
    }

    /// The whole document's bytes (more than `data` for a `line`).
    fn whole_data(&self) -> &[u8] {
        self.whole.map_or(&self.data, |(whole, _)| whole)
    }

    /// The character index of byte offset `byte_pos` (UTF-8 and WTF-8 alike:
    /// every byte but a continuation byte starts a character).
    pub fn char_index(&self, byte_pos: usize) -> usize {
        let base = self.whole.map_or(0, |(_, start)| start);
        let data = self.whole_data();
        let end = (base + byte_pos.min(self.data.len())).min(data.len());
        if !self.is_bytes || std::str::from_utf8(&data[..end]).is_ok() {
            return data[..end].iter().filter(|&&b| (b & 0xC0) != 0x80).count();
        }
        // Invalid UTF-8 before the fault: count as the lossy `doc` does, a
        // U+FFFD for each invalid part.
        data[..end]
            .utf8_chunks()
            .map(|chunk| chunk.valid().chars().count() + usize::from(!chunk.invalid().is_empty()))
            .sum()
    }
}

/// Where the last whole character of `bytes` ends: before a UTF-8 sequence
/// that the bytes end inside, or at their end.
fn whole_chars_end(bytes: &[u8]) -> usize {
    // The last lead byte among the final four.
    let tail = bytes.len().saturating_sub(4);
    let Some(lead) = (tail..bytes.len()).rev().find(|&i| bytes[i] & 0xC0 != 0x80) else {
        return bytes.len();
    };
    match std::str::from_utf8(&bytes[lead..]) {
        Err(err) if err.error_len().is_none() => lead + err.valid_up_to(),
        _ => bytes.len(),
    }
}

/// A `JSONDecodeError` at byte offset `byte_pos` of the input; the exception's
/// `pos` is a character index into `doc`, as the standard library's is.
pub fn decode_error(input: &Input<'_, '_>, msg: &str, byte_pos: usize) -> PyErr {
    let py = input.py();
    let result = (|| {
        let doc = input.doc()?;
        let pos = input.char_index(byte_pos);
        let err = decode_error_type(py)?.call1((msg, doc, pos))?;
        Ok::<_, PyErr>(PyErr::from_value(err))
    })();
    result.unwrap_or_else(|e| e)
}
