//! `dumps_bytes` writes its JSON straight into the `bytes` object it returns:
//! the object is made first, with room for as much as this thread's previous
//! result held, grown (by `_PyBytes_Resize`, a realloc) if the text outgrows
//! it, and cut to the text's length at the end. The builds before copy a
//! finished buffer into the object, a second pass over the whole output.

use std::cell::Cell;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::api::options::DumpOptions;
use crate::phase3::writer;
use crate::text::sink::Sink;

/// Room for the first result on a thread; later ones start at the size of
/// the one before plus 1/16 (writers reserve a little past what they write:
/// 32 bytes for a number, so an exact fit would grow, a copy, at the very
/// end), at most `MAX_START`: one huge result must not make every later call
/// reserve as much.
const MIN_START: usize = 1024;
const MAX_START: usize = 1 << 24;

fn start_capacity() -> usize {
    let last = LAST_LEN.with(Cell::get);
    (last + last / 16).clamp(MIN_START, MAX_START)
}

thread_local! {
    static LAST_LEN: Cell<usize> = const { Cell::new(0) };
}

extern "C" {
    /// CPython's resize of a `bytes` object nobody else holds (exported by
    /// libpython; pyo3-ffi keeps its declaration private).
    fn _PyBytes_Resize(bytes: *mut *mut ffi::PyObject, size: ffi::Py_ssize_t) -> std::ffi::c_int;
}

/// `obj` as JSON in UTF-8 `bytes`.
pub fn encode_bytes<'py>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = obj.py();
    let out = BytesOut::new(py, start_capacity())?;
    let (out, written) = writer::encode_into(obj, opts, out);
    written?;
    out.finish(py)
}

/// A `bytes` object being filled: `len` bytes written of `cap`. Lives only
/// inside one `dumps_bytes` call, with the GIL held; nobody else sees the
/// object until `finish`.
struct BytesOut {
    bytes: *mut ffi::PyObject,
    data: *mut u8,
    len: usize,
    cap: usize,
}

impl BytesOut {
    fn new(py: Python<'_>, cap: usize) -> PyResult<Self> {
        // SAFETY: a NULL source makes an uninitialized bytes object of `cap`
        // bytes (or returns NULL with an error set); its data starts at ob_sval.
        unsafe {
            let bytes = ffi::PyBytes_FromStringAndSize(std::ptr::null(), cap as ffi::Py_ssize_t);
            if bytes.is_null() {
                return Err(PyErr::fetch(py));
            }
            let data = ffi::PyBytes_AS_STRING(bytes).cast::<u8>().cast_mut();
            Ok(BytesOut {
                bytes,
                data,
                len: 0,
                cap,
            })
        }
    }

    /// The object, cut to the bytes written.
    fn finish(mut self, py: Python<'_>) -> PyResult<Bound<'_, PyBytes>> {
        LAST_LEN.with(|last| last.set(self.len));
        let mut bytes = std::mem::replace(&mut self.bytes, std::ptr::null_mut());
        // SAFETY: we hold the only reference; on failure _PyBytes_Resize
        // releases the object, sets `bytes` to NULL and sets an error. It
        // writes the terminating NUL after `len`.
        unsafe {
            if _PyBytes_Resize(&mut bytes, self.len as ffi::Py_ssize_t) != 0 {
                return Err(PyErr::fetch(py));
            }
            Ok(Bound::from_owned_ptr(py, bytes).cast_into_unchecked())
        }
    }

    /// Room for `additional` more bytes: at least double, as `Vec` grows.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) {
        let need = self
            .len
            .checked_add(additional)
            .expect("output size overflows");
        let cap = need.max(self.cap.saturating_mul(2));
        // SAFETY: we hold the only reference to `bytes`, so it may be resized;
        // on failure it is released and set to NULL.
        unsafe {
            if _PyBytes_Resize(&mut self.bytes, cap as ffi::Py_ssize_t) != 0 {
                // Out of memory, as a `Vec` that cannot grow: abort the same way.
                ffi::PyErr_Clear();
                std::alloc::handle_alloc_error(std::alloc::Layout::array::<u8>(cap).expect("size"));
            }
            self.data = ffi::PyBytes_AS_STRING(self.bytes).cast::<u8>().cast_mut();
        }
        self.cap = cap;
    }
}

impl Sink for BytesOut {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        if self.cap - self.len < additional {
            self.grow(additional);
        }
    }

    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.data
    }

    #[inline(always)]
    unsafe fn set_len(&mut self, new_len: usize) {
        debug_assert!(new_len <= self.cap);
        self.len = new_len;
    }
}

impl Drop for BytesOut {
    fn drop(&mut self) {
        if !self.bytes.is_null() {
            // SAFETY: an unfinished result (the encoder failed): our only
            // reference, released with the GIL held (inside the call).
            unsafe { ffi::Py_DECREF(self.bytes) };
        }
    }
}
