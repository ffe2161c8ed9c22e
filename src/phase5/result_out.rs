//! `dumps_bytes` and `dumps` write their JSON straight into the object they
//! return, a `bytes` or a compact ASCII `str` (`str_result.rs` carries on
//! in a wider kind when the text is not ASCII): the object is made first,
//! with room for as much as this thread's previous result of its type held,
//! grown (by a realloc) if the text outgrows it, and cut to the text's
//! length at the end. The builds before copy a finished buffer into the
//! object, a second pass over the whole output.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::cell::Cell;
use std::thread::LocalKey;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::result_memory::{advise_huge_pages, keeps_room, HUGE_PAGES_FROM};
use super::wide_str;
use crate::api::memory::out_of_memory;
use crate::api::options::DumpOptions;
use crate::phase3::writer;
use crate::text::sink::Sink;

/// Room for the first result on a thread; later ones start at the size of
/// the one before plus 1/16 and `MARGIN` (writers reserve a little past
/// what they write: 32 bytes for a number, so an exact fit would grow, a
/// copy, at the very end), at most `MAX_START` (64 MiB): one huge result
/// must not make every later call reserve as much. Not less: a result
/// larger than its start grows to twice the room, a block glibc maps
/// afresh, every page faulted in on every call (a 19 MB result started at
/// 16 MiB: 4,700 page faults and a third of its time). A small result then keeps its
/// block: cut by less than a quarter, CPython's small-object allocator
/// resizes it in place (from 256 bytes of room, a 90-byte result was
/// copied to a smaller block on every call). 1 KiB of room, beyond that
/// allocator (512 bytes with the header), went to glibc's `malloc`, which
/// merged its free lists on every call (`malloc_consolidate`, a fifth of
/// `dumps_bytes(1)`'s time).
const MIN_START: usize = 64;
const MARGIN: usize = 32;
pub(super) const MAX_START: usize = 1 << 26;

thread_local! {
    static LAST_BYTES_LEN: Cell<usize> = const { Cell::new(0) };
    static LAST_STR_LEN: Cell<usize> = const { Cell::new(0) };
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
    let out = ResultOut::<BytesResult>::new(py)?;
    let (mut out, written) = writer::encode_into(obj, opts, out);
    written?;
    out.cut(py)?;
    // SAFETY: the object is a complete bytes object, ours alone.
    Ok(unsafe { Bound::from_owned_ptr(py, out.release()).cast_into_unchecked() })
}

/// A kind of result object: how it is made, where its data is, how it is
/// resized (all with the GIL held, on an object nobody else holds).
pub(super) trait ResultKind {
    /// The length of this thread's previous result of this kind.
    const LAST_LEN: &'static LocalKey<Cell<usize>>;
    /// A new object with room for `cap` bytes, or NULL with an error set.
    unsafe fn make(cap: usize) -> *mut ffi::PyObject;
    unsafe fn data(object: *mut ffi::PyObject) -> *mut u8;
    /// Resizes `*object` to `len` bytes; on failure sets an error, and
    /// either releases the object and sets it to NULL (`bytes`) or leaves it
    /// as it was (`str`).
    unsafe fn resize(object: &mut *mut ffi::PyObject, len: usize) -> bool;
    /// Sets the object's length to `len` (at most its room), keeping its room.
    unsafe fn set_len(object: *mut ffi::PyObject, len: usize);
}

struct BytesResult;

impl ResultKind for BytesResult {
    const LAST_LEN: &'static LocalKey<Cell<usize>> = &LAST_BYTES_LEN;

    unsafe fn make(cap: usize) -> *mut ffi::PyObject {
        // SAFETY: a NULL source makes an uninitialized bytes object of `cap` bytes.
        unsafe { ffi::PyBytes_FromStringAndSize(std::ptr::null(), cap as ffi::Py_ssize_t) }
    }

    unsafe fn data(object: *mut ffi::PyObject) -> *mut u8 {
        // SAFETY: the caller's `object` is a live bytes object; its data starts at ob_sval.
        unsafe { ffi::PyBytes_AS_STRING(object).cast::<u8>().cast_mut() }
    }

    unsafe fn resize(object: &mut *mut ffi::PyObject, len: usize) -> bool {
        // SAFETY: the caller holds the only reference; _PyBytes_Resize writes
        // the terminating NUL after `len`.
        unsafe { _PyBytes_Resize(object, len as ffi::Py_ssize_t) == 0 }
    }

    unsafe fn set_len(object: *mut ffi::PyObject, len: usize) {
        // SAFETY: the caller's bytes object, ours alone, has room for `len`
        // bytes and the NUL after them (as `_PyBytes_Resize` leaves it).
        unsafe {
            (*object.cast::<ffi::PyVarObject>()).ob_size = len as ffi::Py_ssize_t;
            Self::data(object).add(len).write(0);
        }
    }
}

/// A compact ASCII str: one byte a character, its data right after the header.
pub(super) struct AsciiStrResult;

impl ResultKind for AsciiStrResult {
    const LAST_LEN: &'static LocalKey<Cell<usize>> = &LAST_STR_LEN;

    unsafe fn make(cap: usize) -> *mut ffi::PyObject {
        // SAFETY: a new compact ASCII str of `cap` characters (contents
        // unset until written).
        unsafe { ffi::PyUnicode_New(cap as ffi::Py_ssize_t, 127) }
    }

    unsafe fn data(object: *mut ffi::PyObject) -> *mut u8 {
        // SAFETY: the caller's `object` is a live compact str.
        unsafe { ffi::PyUnicode_DATA(object).cast::<u8>() }
    }

    unsafe fn resize(object: &mut *mut ffi::PyObject, len: usize) -> bool {
        // SAFETY: the caller holds the only reference to a fresh str (no
        // hash, not interned), which PyUnicode_Resize reallocates in place
        // of; it writes the terminating NUL.
        unsafe { ffi::PyUnicode_Resize(object, len as ffi::Py_ssize_t) == 0 }
    }

    unsafe fn set_len(object: *mut ffi::PyObject, len: usize) {
        // SAFETY: the caller's fresh compact ASCII str (no hash; its data is
        // its UTF-8), with room for `len` characters.
        unsafe { wide_str::set_str_len(object, len) }
    }
}

/// A result object being filled: `len` bytes written of `cap`. Lives only
/// inside one call, with the GIL held; nobody else sees the object until
/// `release`.
pub(super) struct ResultOut<K> {
    object: *mut ffi::PyObject,
    pub(super) data: *mut u8,
    pub(super) len: usize,
    pub(super) cap: usize,
    kind: std::marker::PhantomData<K>,
}

impl<K: ResultKind> ResultOut<K> {
    pub(super) fn new(py: Python<'_>) -> PyResult<Self> {
        let last = K::LAST_LEN.with(Cell::get);
        let cap = (last + last / 16 + MARGIN).clamp(MIN_START, MAX_START);
        // SAFETY: `make` returns a fresh object of room `cap`, or NULL with an
        // error set.
        unsafe {
            let object = K::make(cap);
            if object.is_null() {
                return Err(PyErr::fetch(py));
            }
            if cap >= HUGE_PAGES_FROM {
                advise_huge_pages(K::data(object), cap);
            }
            Ok(ResultOut {
                object,
                data: K::data(object),
                len: 0,
                cap,
                kind: std::marker::PhantomData,
            })
        }
    }

    /// Sizes this thread's next result of this kind by `len` bytes.
    pub(super) fn remember_len(&self, len: usize) {
        K::LAST_LEN.with(|last| last.set(len));
    }

    /// Cuts the object to the bytes written. Room of at most an eighth
    /// more is kept (its length set in place): a realloc that shrinks a
    /// large block makes glibc serve the next, larger one with a fresh
    /// `mmap` (see `keeps_room`).
    pub(super) fn cut(&mut self, py: Python<'_>) -> PyResult<()> {
        self.remember_len(self.len);
        if keeps_room(self.cap, self.len) {
            // SAFETY: the object is ours, with room `cap` >= len + 1 (every
            // kind's `make` adds the NUL's byte).
            unsafe { K::set_len(self.object, self.len) };
            return Ok(());
        }
        // SAFETY: we hold the only reference; on failure `Drop` releases
        // what `resize` left (see `ResultKind::resize`).
        unsafe {
            if !K::resize(&mut self.object, self.len) {
                return Err(PyErr::fetch(py));
            }
        }
        Ok(())
    }

    /// The object, handed to the caller.
    pub(super) fn release(mut self) -> *mut ffi::PyObject {
        std::mem::replace(&mut self.object, std::ptr::null_mut())
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
        // SAFETY: we hold the only reference to the object, so it may be
        // resized.
        unsafe {
            if !K::resize(&mut self.object, cap) {
                // Out of memory: the encoder ends, and the API raises
                // `MemoryError` (`Drop` releases what is left of the object).
                ffi::PyErr_Clear();
                out_of_memory();
            }
            self.data = K::data(self.object);
        }
        if cap >= HUGE_PAGES_FROM {
            advise_huge_pages(self.data, cap);
        }
        self.cap = cap;
    }
}

impl<K: ResultKind> Sink for ResultOut<K> {
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

    fn spare(&self) -> usize {
        self.cap - self.len
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

impl<K> Drop for ResultOut<K> {
    fn drop(&mut self) {
        if !self.object.is_null() {
            // SAFETY: an unfinished result (the encoder failed, or a str
            // was transcoded instead): our only reference, released with the
            // GIL held (inside the call).
            unsafe { ffi::Py_DECREF(self.object) };
        }
    }
}
