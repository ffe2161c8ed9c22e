//! Out of memory as Python's `MemoryError`, as the standard library's
//! `json` raises it, where Rust's `Vec` would abort the whole process.
//!
//! The writers' and parsers' hot paths grow their buffers with no way to
//! return an error (`Sink::reserve`, an item pushed), so a growth that
//! fails unwinds with `OutOfMemory` instead, and the API catches it
//! (`memory_error_on_unwind`). Everything unwound through is plain Rust,
//! whose `Drop`s release what the call held. (Unwinding, not aborting:
//! `panic = "unwind"` in Cargo.toml.)

use pyo3::exceptions::PyMemoryError;
use pyo3::PyResult;

/// The payload of the unwind that ends a call whose memory ran out.
pub struct OutOfMemory;

/// Ends the call: no memory. (`resume_unwind` runs no panic hook, so
/// nothing is printed; the payload is a zero-sized box, which allocates
/// nothing.)
#[cold]
#[inline(never)]
pub fn out_of_memory() -> ! {
    std::panic::resume_unwind(Box::new(OutOfMemory))
}

/// `Vec::reserve`, but unwinding with `OutOfMemory` where that would abort.
#[inline(always)]
pub fn reserve<T>(vec: &mut Vec<T>, additional: usize) {
    if vec.capacity() - vec.len() < additional {
        grow(vec, additional);
    }
}

#[cold]
#[inline(never)]
fn grow<T>(vec: &mut Vec<T>, additional: usize) {
    if vec.try_reserve(additional).is_err() {
        out_of_memory();
    }
}

/// An empty `Vec` with room for `cap` items, or the out-of-memory unwind.
pub fn vec_with_room<T>(cap: usize) -> Vec<T> {
    let mut vec = Vec::new();
    grow(&mut vec, cap);
    vec
}

/// A copy of `bytes`, or the out-of-memory unwind.
pub fn copied(bytes: &[u8]) -> Vec<u8> {
    let mut vec = vec_with_room(bytes.len());
    vec.extend_from_slice(bytes);
    vec
}

/// Runs a `loads` or `dumps`: where its memory ran out (it unwinds with
/// `OutOfMemory`) this raises `MemoryError`; any other unwind goes on as it
/// was (PyO3 makes it a `PanicException`).
pub fn memory_error_on_unwind<T>(call: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(result) => result,
        Err(unwind) if unwind.is::<OutOfMemory>() => Err(PyMemoryError::new_err(
            "out of memory: no room for the JSON text or its values",
        )),
        Err(unwind) => std::panic::resume_unwind(unwind),
    }
}
