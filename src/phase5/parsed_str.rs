//! The parser's non-ASCII strs: made at their final length and kind
//! (`wide_str::new_object`) and filled from the UTF-8 text
//! (`utf8_str.rs`); ASCII ones by the engine's `new_ascii_str`.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;
use pyo3::prelude::*;

use super::utf8_str::{fill_units, survey, Survey};
use super::wide_str::new_object;

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
