//! The decoder's object construction through the C API: a cache of small
//! ints made once, lists created at their final size and filled in place.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;

/// Ints in this range are made once per process and shared (CPython itself
/// caches only -5..=256).
const SMALL_INTS: std::ops::RangeInclusive<i64> = -256..=1024;

static SMALL_INT_CACHE: PyOnceLock<Vec<Py<PyAny>>> = PyOnceLock::new();

/// Whether `new_int` shares one object for every int of this value.
#[allow(dead_code)] // phase5's
#[inline]
pub fn is_cached_int(value: i64) -> bool {
    SMALL_INTS.contains(&value)
}

/// A Python int; MemoryError when one cannot be allocated.
pub fn new_int(py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
    if is_cached_int(value) {
        let cache = SMALL_INT_CACHE.get_or_init(py, || {
            SMALL_INTS
                .map(|v| v.into_py_any(py).expect("small int"))
                .collect()
        });
        return Ok(cache[(value - SMALL_INTS.start()) as usize]
            .bind(py)
            .clone());
    }
    // SAFETY: PyLong_FromLongLong returns a new reference (or NULL on memory
    // exhaustion, which from_owned_ptr_or_err turns into MemoryError).
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyLong_FromLongLong(value)) }
}

/// A list made at its final size, taking ownership of `items`.
pub fn new_list<'py>(
    py: Python<'py>,
    items: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: PyList_New(n) returns a list of n NULL slots (or NULL with an
    // error set); each slot below n is filled exactly once with an owned
    // reference, which PyList_SET_ITEM steals.
    unsafe {
        let list =
            Bound::from_owned_ptr_or_err(py, ffi::PyList_New(items.len() as ffi::Py_ssize_t))?;
        for (i, item) in items.into_iter().enumerate() {
            ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, item.into_ptr());
        }
        Ok(list)
    }
}
