//! `rjson.Fragment`: JSON text that `dumps` and `dumps_bytes` write as it
//! is, in place of a value (a document serialized earlier, a cached
//! response). Its text is not checked as JSON, as orjson's `Fragment` is
//! not; it must be UTF-8 (a `str` result is made of it).

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Pre-serialized JSON, written verbatim: `Fragment(str_or_bytes)`.
#[pyclass(frozen, module = "rjson", name = "Fragment")]
pub struct Fragment {
    /// The text, as UTF-8.
    utf8: Py<PyBytes>,
    /// What the caller passed, a `str` or `bytes`.
    contents: Py<PyAny>,
}

#[pymethods]
impl Fragment {
    #[new]
    fn new(contents: &Bound<'_, PyAny>) -> PyResult<Self> {
        let utf8 = if let Ok(text) = contents.cast::<PyString>() {
            // A new bytes object: the caller's str keeps no UTF-8 copy.
            text.call_method1("encode", ("utf-8",))?
                .cast_into::<PyBytes>()?
        } else if let Ok(bytes) = contents.cast::<PyBytes>() {
            if std::str::from_utf8(bytes.as_bytes()).is_err() {
                return Err(PyValueError::new_err("Fragment contents must be UTF-8"));
            }
            bytes.clone()
        } else {
            let name = contents.get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "Fragment contents must be str or bytes, not {name}"
            )));
        };
        Ok(Fragment {
            utf8: utf8.unbind(),
            contents: contents.clone().unbind(),
        })
    }

    /// The `str` or `bytes` the fragment was made from.
    #[getter]
    fn contents(&self, py: Python<'_>) -> Py<PyAny> {
        self.contents.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "rjson.Fragment({})",
            self.contents.bind(py).repr()?
        ))
    }
}

impl Fragment {
    /// A fragment of `text` (rjson's own: a Decimal's number text).
    pub fn of_text<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, Fragment>> {
        let contents = PyString::new(py, text);
        let fragment = Fragment {
            utf8: PyBytes::new(py, text.as_bytes()).unbind(),
            contents: contents.into_any().unbind(),
        };
        Bound::new(py, fragment)
    }

    /// The fragment's text as UTF-8 (valid: checked when it was made).
    pub fn utf8<'a>(&'a self, py: Python<'a>) -> &'a [u8] {
        self.utf8.bind(py).as_bytes()
    }
}

/// The UTF-8 text of `obj`, a `Fragment` (the caller classified it).
pub fn fragment_text<'a>(obj: &'a Bound<'_, PyAny>) -> &'a [u8] {
    let fragment = obj.cast::<Fragment>().expect("classified as a Fragment");
    let fragment: &'a Fragment = fragment.get();
    fragment.utf8(obj.py())
}
