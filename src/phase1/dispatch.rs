//! The encoder's view of Python objects, by type pointer: the exact built-in
//! types are recognised with one comparison each (the commonest first), and
//! everything else (subclasses, extra types) goes to the baseline's
//! isinstance chain on a cold path.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::Borrowed;

use super::layout;
use crate::api::options::DumpOptions;
use crate::api::to_json::{self, KeyBuffer, Kind, SnapshotEntries};

/// Classifies `obj`; the same answers as `api::to_json::classify`.
#[inline]
pub fn classify(obj: &Bound<'_, PyAny>) -> Kind {
    let ptr = obj.as_ptr();
    // SAFETY: `ptr` is a live object (borrowed from `obj`); the type objects
    // are statics of the interpreter, compared by address only.
    unsafe {
        let ty = ffi::Py_TYPE(ptr);
        if ty == addr_of_mut!(ffi::PyUnicode_Type) {
            Kind::Str
        } else if ty == addr_of_mut!(ffi::PyLong_Type) {
            Kind::Int
        } else if ty == addr_of_mut!(ffi::PyDict_Type) {
            Kind::Dict
        } else if ty == addr_of_mut!(ffi::PyList_Type) {
            Kind::List
        } else if ty == addr_of_mut!(ffi::PyFloat_Type) {
            Kind::Float
        } else if ty == addr_of_mut!(ffi::PyBool_Type) {
            Kind::Bool
        } else if ptr == ffi::Py_None() {
            Kind::Null
        } else if ty == addr_of_mut!(ffi::PyTuple_Type) {
            Kind::Tuple
        } else {
            classify_other(obj)
        }
    }
}

#[inline(never)]
fn classify_other(obj: &Bound<'_, PyAny>) -> Kind {
    to_json::classify(obj)
}

/// Item `at` of a list, borrowed (no reference taken), or `None` past its
/// current end. The caller must not let Python code run while it uses the
/// item, or must take a reference first.
#[allow(dead_code)] // phase3's writer's
#[inline]
pub fn list_item_borrowed<'a, 'py>(
    list: &'a Bound<'py, PyList>,
    at: usize,
) -> Option<Borrowed<'a, 'py, PyAny>> {
    let ptr = list.as_ptr();
    // SAFETY: `list` is a live list and the GIL is held; the index is checked
    // against the list's current size. The item is lent: see above.
    unsafe {
        if at >= ffi::PyList_GET_SIZE(ptr) as usize {
            return None;
        }
        Some(Borrowed::from_ptr(
            list.py(),
            ffi::PyList_GET_ITEM(ptr, at as ffi::Py_ssize_t),
        ))
    }
}

/// A list's items, borrowed (no references taken): valid only while no
/// Python code runs, which could change the list.
///
/// # Safety
/// The GIL is held, and the caller runs no Python code while it uses the slice.
#[allow(dead_code)] // phase3's writer's
#[inline]
pub unsafe fn list_items<'a>(list: &'a Bound<'_, PyList>) -> &'a [*mut ffi::PyObject] {
    let ptr = list.as_ptr();
    // SAFETY: a live list's `ob_item` holds `ob_size` items (and may be
    // NULL when it is empty); the caller keeps them from changing.
    unsafe {
        let len = ffi::PyList_GET_SIZE(ptr) as usize;
        if len == 0 {
            return &[];
        }
        std::slice::from_raw_parts((*ptr.cast::<ffi::PyListObject>()).ob_item, len)
    }
}

/// A dict's entries: read in place for a plain dict in insertion order, else
/// the baseline's snapshot (sorted keys, dict subclasses).
pub fn dict_entries<'py>(
    dict: &Bound<'py, PyDict>,
    opts: &DumpOptions<'py>,
) -> PyResult<DictEntries<'py>> {
    if !opts.sort_keys && dict.is_exact_instance_of::<PyDict>() {
        let size = dict_len(dict);
        return Ok(DictEntries::InPlace {
            dict: dict.clone(),
            position: 0,
            size,
        });
    }
    Ok(DictEntries::Snapshot(to_json::dict_entries(dict, opts)?))
}

/// A dict's size, read from the object (PyDict_GET_SIZE) without a call.
#[inline]
pub fn dict_len(dict: &Bound<'_, PyDict>) -> ffi::Py_ssize_t {
    // SAFETY: `dict` is a live dict (an exact one: the caller checked), whose
    // object is a PyDictObject.
    unsafe { (*dict.as_ptr().cast::<ffi::PyDictObject>()).ma_used }
}

pub enum DictEntries<'py> {
    InPlace {
        dict: Bound<'py, PyDict>,
        position: ffi::Py_ssize_t,
        size: ffi::Py_ssize_t,
    },
    Snapshot(SnapshotEntries<'py>),
}

impl<'py> Iterator for DictEntries<'py> {
    type Item = PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            DictEntries::Snapshot(entries) => entries.next(),
            DictEntries::InPlace {
                dict,
                position,
                size,
            } => {
                let py = dict.py();
                if dict_len(dict) != *size {
                    *size = -1;
                    return Some(Err(to_json::dict_changed_size()));
                }
                if *size < 0 {
                    return None;
                }
                // SAFETY: the GIL is held and `dict` is an exact live dict.
                // `dict_next` bounds-checks `position` against the current
                // table, and the borrowed key and value are made owned at
                // once, so a `default=` that mutates the dict cannot free them
                // under us.
                unsafe {
                    let (key, value) = layout::dict_next(dict.as_ptr(), position)?;
                    Some(Ok((
                        Bound::from_borrowed_ptr(py, key),
                        Bound::from_borrowed_ptr(py, value),
                    )))
                }
            }
        }
    }
}

/// The UTF-8 text of a `str`, without a copy: a compact ASCII string's own
/// data (no call into Python), else the UTF-8 form CPython caches on the
/// string. `None` when the string holds lone surrogates (no UTF-8 form).
#[inline]
pub fn str_utf8<'a>(text: &'a Bound<'_, PyAny>) -> Option<&'a str> {
    let ptr = text.as_ptr();
    // SAFETY: `text` is a live str (the caller classified it), borrowed for
    // 'a. A compact ASCII string's data and length are fixed for its life,
    // and ASCII is UTF-8; the UTF-8 cache, once made, lives as long as the
    // string, and CPython writes only valid UTF-8 there.
    unsafe {
        let bytes = if ffi::PyUnicode_IS_COMPACT_ASCII(ptr) != 0 {
            let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
            std::slice::from_raw_parts(ffi::PyUnicode_DATA(ptr).cast::<u8>(), len)
        } else if let Some(utf8) = cached_utf8(ptr) {
            utf8
        } else {
            let mut len: ffi::Py_ssize_t = 0;
            let data = ffi::PyUnicode_AsUTF8AndSize(ptr, &mut len);
            if data.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            std::slice::from_raw_parts(data.cast::<u8>(), len as usize)
        };
        Some(std::str::from_utf8_unchecked(bytes))
    }
}

/// A compact str's characters in its own kind (1, 2 or 4 bytes each).
#[derive(Clone, Copy)]
pub enum Units<'a> {
    One(&'a [u8]),
    Two(&'a [u16]),
    Four(&'a [u32]),
}

/// The units of the str `text`, borrowed; `None` for a str whose data is
/// not ready (a legacy str of the deprecated `wchar_t` API, before 3.12).
pub fn ready_units<'a>(text: &'a Bound<'_, PyAny>) -> Option<Units<'a>> {
    // SAFETY: `text` is a live str (the caller classified it), borrowed for 'a.
    unsafe { units_of(text.as_ptr()) }
}

/// `ready_units` of a str known by its pointer (a worker thread's, which
/// holds no `Bound`).
///
/// # Safety
/// `ptr` is a live str that outlives 'a and no Python code runs meanwhile.
pub unsafe fn units_of<'a>(ptr: *mut ffi::PyObject) -> Option<Units<'a>> {
    // SAFETY: a ready str's data (after a compact str's header, or its own
    // block for a str subclass's instance) is `length` units of its kind's
    // width, fixed for its life (the caller's 'a).
    unsafe {
        if ffi::PyUnicode_IS_READY(ptr) == 0 {
            return None;
        }
        let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
        let data = ffi::PyUnicode_DATA(ptr);
        Some(match ffi::PyUnicode_KIND(ptr) {
            ffi::PyUnicode_1BYTE_KIND => Units::One(std::slice::from_raw_parts(data.cast(), len)),
            ffi::PyUnicode_2BYTE_KIND => Units::Two(std::slice::from_raw_parts(data.cast(), len)),
            _ => Units::Four(std::slice::from_raw_parts(data.cast(), len)),
        })
    }
}

/// Whether `units` hold a lone surrogate half (only kinds 2 and 4 can).
#[allow(dead_code)] // phase3's writer's
pub fn has_surrogate_halves(units: Units<'_>) -> bool {
    match units {
        Units::One(_) => false,
        Units::Two(units) => units.iter().any(|&u| u & 0xF800 == 0xD800),
        Units::Four(units) => units.iter().any(|&u| u & !0x7FF == 0xD800),
    }
}

/// The units of a non-ASCII ready str whose UTF-8 CPython has not made
/// (and keeps once made); `None` for any other str.
#[allow(dead_code)] // phase3's writer's
pub fn units_without_utf8<'a>(text: &'a Bound<'_, PyAny>) -> Option<Units<'a>> {
    let ptr = text.as_ptr();
    // SAFETY: `text` is a live str (the caller classified it), borrowed for 'a.
    unsafe {
        if ffi::PyUnicode_IS_COMPACT_ASCII(ptr) != 0 || cached_utf8(ptr).is_some() {
            return None;
        }
    }
    ready_units(text)
}

/// The UTF-8 CPython keeps in a str that is not compact ASCII, once made
/// (by `PyUnicode_AsUTF8AndSize`, or a peer library's call); `None` before.
///
/// # Safety
/// `ptr` is a live str that is not compact ASCII (it begins with
/// `PyCompactUnicodeObject`), outliving 'a.
#[allow(dead_code)] // phase3's writers'
pub unsafe fn cached_utf8<'a>(ptr: *mut ffi::PyObject) -> Option<&'a [u8]> {
    // SAFETY: the caller's str; `utf8` is NULL until CPython makes the
    // UTF-8, which then lives, unchanged, as long as the str, its length
    // in `utf8_length`.
    unsafe {
        let compact = &*ptr.cast::<ffi::PyCompactUnicodeObject>();
        (!compact.utf8.is_null()).then(|| {
            std::slice::from_raw_parts(compact.utf8.cast::<u8>(), compact.utf8_length as usize)
        })
    }
}

/// Appends `units` to `text` as UTF-8; false (with `text` part written)
/// at a lone surrogate, which has no UTF-8 form.
fn push_utf8(units: Units<'_>, text: &mut String) -> bool {
    match units {
        Units::One(units) => text.extend(units.iter().map(|&u| char::from(u))),
        Units::Two(units) => {
            for &u in units {
                let Some(c) = char::from_u32(u32::from(u)) else {
                    return false;
                };
                text.push(c);
            }
        }
        Units::Four(units) => {
            for &u in units {
                let Some(c) = char::from_u32(u) else {
                    return false;
                };
                text.push(c);
            }
        }
    }
    true
}

/// A non-ASCII compact str key as UTF-8 in `buffer`; false for a compact
/// ASCII str (its own data is its UTF-8), a legacy str or one with lone
/// surrogates. Out of line: such keys are rare.
#[inline(never)]
fn non_ascii_key_text(key: &Bound<'_, PyAny>, buffer: &mut KeyBuffer) -> bool {
    // SAFETY: `key` is a live str (the caller classified it).
    if unsafe { ffi::PyUnicode_IS_COMPACT_ASCII(key.as_ptr()) } != 0 {
        return false;
    }
    let Some(units) = ready_units(key) else {
        return false;
    };
    buffer.text.clear();
    push_utf8(units, &mut buffer.text)
}

/// A key as text: exact compact-ASCII str keys borrowed; other exact str
/// keys, for a `str` result, encoded from their own units into `buffer` (so
/// that `dumps` never makes CPython keep a UTF-8 copy inside a key), else
/// their UTF-8 as CPython caches it; exact int keys
/// formatted with itoa into `buffer` (no allocation), the rest as the
/// baseline converts them.
pub fn key_text<'a>(
    key: &'a Bound<'_, PyAny>,
    opts: &DumpOptions<'_>,
    buffer: &'a mut KeyBuffer,
) -> PyResult<Option<&'a str>> {
    match classify(key) {
        Kind::Str => {
            if opts.str_result && non_ascii_key_text(key, buffer) {
                return Ok(Some(&buffer.text));
            }
            if let Some(text) = str_utf8(key) {
                return Ok(Some(text));
            }
        }
        Kind::Int => {
            // SAFETY: `key` is a live int (classified above); the GIL is held.
            if let Some(value) = unsafe { layout::int_value(key.as_ptr()) } {
                buffer.text.clear();
                buffer.text.push_str(itoa::Buffer::new().format(value));
                return Ok(Some(&buffer.text));
            }
        }
        _ => {}
    }
    to_json::key_text(key, opts, buffer)
}
