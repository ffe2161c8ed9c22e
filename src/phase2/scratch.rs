//! The decoder's item stack, pooled per thread: its allocation survives from
//! call to call (bounded, so one huge document does not pin memory), instead
//! of growing from nothing on every call.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::cell::RefCell;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::api::memory;

/// Keep at most this many slots' worth of allocation between calls.
const MAX_POOLED: usize = 1 << 16;

thread_local! {
    static POOL: RefCell<Vec<*mut ffi::PyObject>> = const { RefCell::new(Vec::new()) };
}

/// Owned references to the items of the lists being decoded, innermost last.
pub struct ItemStack<'py> {
    /// Proof that the GIL is held while references are released in `drop`.
    _py: Python<'py>,
    items: Vec<*mut ffi::PyObject>,
}

impl<'py> ItemStack<'py> {
    pub fn new(py: Python<'py>) -> Self {
        // A re-entrant call (a hook that calls loads) finds the pool empty.
        let items = POOL.with(|pool| std::mem::take(&mut *pool.borrow_mut()));
        ItemStack { _py: py, items }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn push(&mut self, item: Bound<'py, PyAny>) {
        memory::reserve(&mut self.items, 1);
        self.items.push(item.into_ptr());
    }

    /// The list of the items pushed since `mark`, made at its final size.
    pub fn pop_list(&mut self, py: Python<'py>, mark: usize) -> PyResult<Bound<'py, PyAny>> {
        let count = self.items.len() - mark;
        // SAFETY: PyList_New(count) returns a list of `count` empty slots (or
        // NULL with an error set); each is filled once with an owned
        // reference from the stack, which PyList_SET_ITEM steals, and the
        // stack forgets them (set_len) without releasing them again.
        unsafe {
            let list = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(count as ffi::Py_ssize_t))?;
            for (i, &item) in self.items[mark..].iter().enumerate() {
                ffi::PyList_SET_ITEM(list.as_ptr(), i as ffi::Py_ssize_t, item);
            }
            self.items.set_len(mark);
            Ok(list)
        }
    }
}

impl<'py> ItemStack<'py> {
    /// The list of `(key, value)` tuples of the pairs pushed since `mark`
    /// (key first, in document order, repeats kept), for
    /// `object_pairs_hook`: the list and each tuple made at their final size.
    #[allow(dead_code)] // phase3's parser's
    pub fn pop_pairs(&mut self, py: Python<'py>, mark: usize) -> PyResult<Bound<'py, PyAny>> {
        let count = (self.items.len() - mark) / 2;
        // SAFETY: PyList_New and PyTuple_New return containers of empty
        // slots (or NULL with an error set); each slot is filled once with
        // an owned reference, which the SET_ITEM macros steal. The stack's
        // references from `mark` are each given to a tuple or, past a
        // failure, released; the stack then forgets them (set_len).
        unsafe {
            let list = ffi::PyList_New(count as ffi::Py_ssize_t);
            let mut failed = list.is_null();
            for (i, pair) in self.items[mark..].chunks_exact(2).enumerate() {
                let tuple = if failed {
                    std::ptr::null_mut()
                } else {
                    ffi::PyTuple_New(2)
                };
                if tuple.is_null() {
                    failed = true;
                    ffi::Py_DECREF(pair[0]);
                    ffi::Py_DECREF(pair[1]);
                    continue;
                }
                ffi::PyTuple_SET_ITEM(tuple, 0, pair[0]);
                ffi::PyTuple_SET_ITEM(tuple, 1, pair[1]);
                ffi::PyList_SET_ITEM(list, i as ffi::Py_ssize_t, tuple);
            }
            self.items.set_len(mark);
            if failed {
                // A list with empty slots left is released as it is (its
                // dealloc skips NULL slots).
                if !list.is_null() {
                    ffi::Py_DECREF(list);
                }
                return Err(PyErr::fetch(py));
            }
            Ok(Bound::from_owned_ptr(py, list))
        }
    }
}

extern "C" {
    /// CPython's dict made with room for `minused` entries (exported by
    /// libpython; pyo3-ffi leaves the private API out).
    fn _PyDict_NewPresized(minused: ffi::Py_ssize_t) -> *mut ffi::PyObject;
}

impl<'py> ItemStack<'py> {
    /// The dict of the key/value pairs pushed since `mark` (key first, in
    /// document order: a repeated key keeps its first position and last
    /// value), made with room for all of them by the engine's
    /// `dict_from_pairs`, so it never grows. Used by phase3's parser (the
    /// serde engine of phase2 builds makes its dicts).
    #[allow(dead_code)] // phase3's parser's
    pub fn pop_dict(&mut self, py: Python<'py>, mark: usize) -> PyResult<Bound<'py, PyAny>> {
        // SAFETY: the stack holds owned references, keys (exact str) and
        // values in pairs from `mark`; `dict_from_pairs` consumes them
        // (stored or released) and the stack forgets them (set_len). The
        // GIL is held (`py`).
        unsafe {
            let dict = crate::engine::dict_from_pairs(&self.items[mark..]);
            self.items.set_len(mark);
            Bound::from_owned_ptr_or_err(py, dict)
        }
    }
}

/// The dict of `pairs` (key, value, key, value, ...; keys str, in document
/// order) through the C API, presized for all of them: a new reference, or
/// NULL with an exception set. The engine's `dict_from_pairs` where the
/// interpreter's dict layout is not written in place.
///
/// # Safety
/// The GIL is held; `pairs` are owned references, which are consumed:
/// stored in the dict or released, also when this fails.
#[allow(dead_code)] // engine.rs's choice
pub unsafe fn dict_from_pairs(pairs: &[*mut ffi::PyObject]) -> *mut ffi::PyObject {
    // SAFETY: the caller's contract. PyDict_SetItem takes its own
    // references, so each of ours is released once afterwards, whether or
    // not an insert failed.
    unsafe {
        let dict = _PyDict_NewPresized((pairs.len() / 2) as ffi::Py_ssize_t);
        let mut status = if dict.is_null() { -1 } else { 0 };
        for pair in pairs.chunks_exact(2) {
            if status == 0 {
                status = ffi::PyDict_SetItem(dict, pair[0], pair[1]);
            }
            ffi::Py_DECREF(pair[0]);
            ffi::Py_DECREF(pair[1]);
        }
        if status != 0 && !dict.is_null() {
            ffi::Py_DECREF(dict);
            return std::ptr::null_mut();
        }
        dict
    }
}

impl Drop for ItemStack<'_> {
    fn drop(&mut self) {
        // After an error, release what the unfinished lists held.
        for &item in &self.items {
            // SAFETY: each pointer is an owned reference pushed by `push`,
            // released once here; the GIL is held (`_py`).
            unsafe { ffi::Py_DECREF(item) };
        }
        self.items.clear();
        if self.items.capacity() <= MAX_POOLED {
            let items = std::mem::take(&mut self.items);
            POOL.with(|pool| *pool.borrow_mut() = items);
        }
    }
}
