//! rjson's exception types and the helpers that raise them.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyType};

static DECODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENCODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `rjson.JSONDecodeError`, a subclass of `json.JSONDecodeError`.
pub fn decode_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let ty = DECODE_ERROR.get_or_try_init(py, || {
        let base = py.import("json")?.getattr("JSONDecodeError")?;
        new_exception(py, c"rjson.JSONDecodeError", &PyTuple::new(py, [base])?)
    })?;
    Ok(ty.bind(py))
}

/// `rjson.JSONEncodeError`, a subclass of both `TypeError` and `ValueError`.
pub fn encode_error_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    let ty = ENCODE_ERROR.get_or_try_init(py, || {
        let bases = PyTuple::new(
            py,
            [
                py.get_type::<PyTypeError>(),
                py.get_type::<pyo3::exceptions::PyValueError>(),
            ],
        )?;
        new_exception(py, c"rjson.JSONEncodeError", &bases)
    })?;
    Ok(ty.bind(py))
}

fn new_exception(
    py: Python<'_>,
    name: &std::ffi::CStr,
    bases: &Bound<'_, PyTuple>,
) -> PyResult<Py<PyType>> {
    // SAFETY: `name` is NUL-terminated, `bases` is a live tuple of exception
    // types; PyErr_NewException returns a new reference or NULL with an error set.
    let ty = unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyErr_NewException(name.as_ptr(), bases.as_ptr(), std::ptr::null_mut()),
        )?
    };
    Ok(ty.cast_into::<PyType>()?.unbind())
}

/// A `JSONEncodeError` with `msg`.
pub fn encode_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    let msg: String = msg.into();
    match encode_error_type(py).and_then(|ty| ty.call1((msg,))) {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

/// A `JSONEncodeError` whose cause is `cause` (used when a Python conversion
/// such as `str(int)` fails under the int digit limit).
pub fn encode_error_from(py: Python<'_>, cause: PyErr) -> PyErr {
    let err = encode_error(py, cause.value(py).to_string());
    err.set_cause(py, Some(cause));
    err
}

/// `"Object of type X is not JSON serializable"`, the standard library's wording.
pub fn not_serializable(obj: &Bound<'_, PyAny>) -> PyErr {
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    encode_error(
        obj.py(),
        format!("Object of type {name} is not JSON serializable"),
    )
}
