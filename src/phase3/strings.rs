//! Python strings made without a decoding pass where the text is known to be
//! ASCII: a compact ASCII `str` is allocated at its final length and filled
//! with one copy.

use pyo3::ffi;
use pyo3::prelude::*;

/// A `str` of ASCII `bytes` (the caller has checked every byte is < 0x80).
#[inline]
pub fn new_ascii_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(bytes.is_ascii());
    // SAFETY: PyUnicode_New(n, 127) returns a compact ASCII string with room
    // for exactly n one-byte characters (or NULL with an error set); we fill
    // all n with ASCII bytes before anyone else can see the object.
    unsafe {
        let text = Bound::from_owned_ptr_or_err(
            py,
            ffi::PyUnicode_New(bytes.len() as ffi::Py_ssize_t, 127),
        )?;
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            ffi::PyUnicode_DATA(text.as_ptr()).cast::<u8>(),
            bytes.len(),
        );
        Ok(text)
    }
}

/// A `str` of valid UTF-8 `bytes`; `ascii` says whether they are all ASCII.
#[inline]
pub fn new_str<'py>(py: Python<'py>, bytes: &[u8], ascii: bool) -> PyResult<Bound<'py, PyAny>> {
    if ascii {
        return new_ascii_str(py, bytes);
    }
    // SAFETY: `bytes` is a live slice; the call returns a new reference or
    // NULL with an error set.
    unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyUnicode_DecodeUTF8(
                bytes.as_ptr().cast(),
                bytes.len() as ffi::Py_ssize_t,
                std::ptr::null(),
            ),
        )
    }
}

/// The `str` of an encoder's output (valid UTF-8): ASCII output is copied
/// once into a compact ASCII string, the rest decoded.
pub fn output_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    new_str(py, bytes, bytes.is_ascii())
}

/// The UTF-8 text of a `str`, without a copy: a compact ASCII string's own
/// data, else the UTF-8 form CPython caches on the string. `None` when the
/// string holds lone surrogates (no UTF-8 form exists).
#[inline]
pub fn str_utf8<'a>(text: &'a Bound<'_, PyAny>) -> Option<&'a [u8]> {
    let ptr = text.as_ptr();
    // SAFETY: `text` is a live str (the caller classified it), borrowed for
    // 'a. A compact ASCII string's data and length are fixed for its life;
    // the UTF-8 cache, once made, lives as long as the string.
    unsafe {
        if ffi::PyUnicode_IS_COMPACT_ASCII(ptr) != 0 {
            let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
            return Some(std::slice::from_raw_parts(
                ffi::PyUnicode_DATA(ptr).cast::<u8>(),
                len,
            ));
        }
        let mut len: ffi::Py_ssize_t = 0;
        let data = ffi::PyUnicode_AsUTF8AndSize(ptr, &mut len);
        if data.is_null() {
            ffi::PyErr_Clear();
            return None;
        }
        Some(std::slice::from_raw_parts(data.cast::<u8>(), len as usize))
    }
}
