//! Python strings made without a decoding pass where the text is known to be
//! ASCII: a compact ASCII `str` is allocated at its final length and filled
//! with one copy.

use pyo3::prelude::*;

use crate::api::build::decoded_str;

/// A `str` of ASCII `bytes` through the C API (phase5 makes it in place).
pub use crate::api::build::ascii_str as new_ascii_str;

/// A `str` of valid UTF-8 `bytes`; `ascii` says whether they are all ASCII.
/// (phase5 transcodes its own, and falls back to this.)
#[inline]
pub fn new_str<'py>(py: Python<'py>, bytes: &[u8], ascii: bool) -> PyResult<Bound<'py, PyAny>> {
    if ascii {
        return crate::engine::new_ascii_str(py, bytes);
    }
    decoded_str(py, bytes, c"strict")
}

/// The `str` of an encoder's output (valid UTF-8): ASCII output is copied
/// once into a compact ASCII string, the rest decoded.
#[allow(dead_code)] // engine.rs's `output_str` before phase5, which transcodes its own
pub fn output_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    new_str(py, bytes, bytes.is_ascii())
}
