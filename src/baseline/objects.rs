//! The baseline's ints and lists, by PyO3's generic conversions (phase1
//! makes them itself).

use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::IntoPyObjectExt;

/// A Python int (the baseline's generic conversion; phase1 replaces it).
#[allow(dead_code)] // engine.rs's before phase1
pub fn new_int(py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
    value.into_bound_py_any(py)
}

/// A Python list of `items` (the baseline's generic conversion; phase1 replaces it).
#[allow(dead_code)] // engine.rs's before phase1
pub fn new_list<'py>(
    py: Python<'py>,
    items: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyList::new(py, items)?.into_any())
}
