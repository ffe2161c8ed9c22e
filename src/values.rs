//! How the decoders' `Builder` (`api/build.rs`) makes numbers and lists:
//! through `parse_int` and `parse_float` when they are given, else with the
//! engine's constructors (`engine::new_int`, `new_float`, `new_list`). Kept
//! apart from `api`, which depends on no engine choice.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::prelude::*;
use pyo3::types::PyInt;
use pyo3::{ffi, IntoPyObjectExt};

use crate::api::build::{ascii_str, Builder};
use crate::engine;

impl<'py> Builder<'py> {
    /// An integer from its JSON text (`-?(0|[1-9][0-9]*)`).
    pub fn int(&self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(hook) = &self.parse_int {
            return call_with_text(hook, text);
        }
        match text.parse::<i64>() {
            Ok(value) => engine::new_int(self.py(), value),
            // Beyond 64 bits: Python's own conversion, which also enforces
            // the interpreter's int digit limit.
            Err(_) => self.py().get_type::<PyInt>().call1((text,)),
        }
    }

    #[allow(dead_code)] // the serde engine's
    pub fn int_i64(&self, value: i64) -> PyResult<Bound<'py, PyAny>> {
        match &self.parse_int {
            Some(hook) => hook.call1((value.to_string(),)),
            None => engine::new_int(self.py(), value),
        }
    }

    #[allow(dead_code)] // the serde engine's
    pub fn int_u64(&self, value: u64) -> PyResult<Bound<'py, PyAny>> {
        match &self.parse_int {
            Some(hook) => hook.call1((value.to_string(),)),
            None => value.into_bound_py_any(self.py()),
        }
    }

    /// A float from its JSON text, correctly rounded (`1e400` is `inf`).
    pub fn float(&self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(hook) = &self.parse_float {
            return call_with_text(hook, text);
        }
        let value: f64 = text.parse().expect("the parser checked the number syntax");
        engine::new_float(self.py(), value)
    }

    pub fn array(&self, items: Vec<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        engine::new_list(self.py(), items)
    }
}

/// `hook(text)`, by vectorcall: `parse_float=decimal.Decimal` on a
/// float-only document is mostly these calls (no argument tuple is made).
fn call_with_text<'py>(hook: &Bound<'py, PyAny>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = hook.py();
    let arg = ascii_str(py, text.as_bytes())?;
    // SAFETY: the GIL is held; `args` holds one live reference after a
    // slot the callee may use (PY_VECTORCALL_ARGUMENTS_OFFSET); the call
    // returns a new reference or NULL with an error set.
    unsafe {
        let mut args = [std::ptr::null_mut(), arg.as_ptr()];
        let result = ffi::PyObject_Vectorcall(
            hook.as_ptr(),
            args.as_mut_ptr().add(1),
            1 | ffi::PY_VECTORCALL_ARGUMENTS_OFFSET,
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, result)
    }
}
