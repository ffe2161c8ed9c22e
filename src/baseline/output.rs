//! The baseline's output: a fresh vector a call (phase2 keeps one a
//! thread), made a `str` by CPython's UTF-8 decoder (phase3 copies ASCII).

use pyo3::prelude::*;

/// Where an encoder writes (the baseline's: a fresh small vector each call;
/// phase2 keeps one per thread).
#[allow(dead_code)] // engine.rs's before phase2
pub struct OutputBuffer;

#[allow(dead_code)]
impl OutputBuffer {
    pub fn take() -> Vec<u8> {
        Vec::with_capacity(128)
    }

    /// Called once the output has been copied into its Python object.
    pub fn give_back(buffer: Vec<u8>) {
        drop(buffer);
    }
}

/// The `str` of an encoder's output (the baseline's: a UTF-8 decode).
pub fn output_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    crate::api::build::decoded_str(py, bytes, c"strict")
}
