//! How decoders make Python values, with the `loads` hooks applied the way the
//! standard library applies them. Every decoder goes through this, so hooks
//! behave the same in every build.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PySet, PyTuple};

use crate::api::memory;

pub struct Builder<'py> {
    py: Python<'py>,
    object_hook: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
    pub(crate) parse_float: Option<Bound<'py, PyAny>>,
    pub(crate) parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    /// What an incomplete document gives (`allow_partial`).
    partial: Partial,
    /// A key repeated within one object is a syntax fault.
    reject_duplicate_keys: bool,
    /// Equal keys of one document are one str object (json's `memo`).
    memo: Option<Bound<'py, PyDict>>,
}

/// `loads(allow_partial=...)`, with the semantics of jiter's `partial_mode`:
/// an incomplete document gives the value of its complete part.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Partial {
    /// Incomplete documents are errors (the default).
    Off,
    /// Open containers are closed and an incomplete last value is dropped.
    On,
    /// As `On`, but an incomplete last string value is kept, cut before
    /// the escape or character that the input ends inside.
    TrailingStrings,
}

impl Partial {
    /// `False`/`None`/`"off"`, `True`/`"on"` or `"trailing-strings"`;
    /// another str is a ValueError, another type a TypeError.
    pub fn from_option(value: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        use pyo3::exceptions::{PyTypeError, PyValueError};
        use pyo3::types::{PyBool, PyString};
        const EXPECTED: &str = "allow_partial must be False, True or 'trailing-strings'";
        let Some(value) = value.filter(|v| !v.is_none()) else {
            return Ok(Partial::Off);
        };
        if let Ok(flag) = value.cast::<PyBool>() {
            return Ok(if flag.is_true() {
                Partial::On
            } else {
                Partial::Off
            });
        }
        let Ok(name) = value.cast::<PyString>() else {
            let type_name = value.get_type().name()?;
            return Err(PyTypeError::new_err(format!("{EXPECTED}, not {type_name}")));
        };
        match name.to_str()? {
            "off" => Ok(Partial::Off),
            "on" => Ok(Partial::On),
            "trailing-strings" => Ok(Partial::TrailingStrings),
            other => Err(PyValueError::new_err(format!("{EXPECTED}, not {other:?}"))),
        }
    }
}

fn given<'py>(hook: Option<Bound<'py, PyAny>>) -> Option<Bound<'py, PyAny>> {
    hook.filter(|h| !h.is_none())
}

impl<'py> Builder<'py> {
    pub fn new(
        py: Python<'py>,
        object_hook: Option<Bound<'py, PyAny>>,
        object_pairs_hook: Option<Bound<'py, PyAny>>,
        parse_float: Option<Bound<'py, PyAny>>,
        parse_int: Option<Bound<'py, PyAny>>,
        parse_constant: Option<Bound<'py, PyAny>>,
    ) -> Self {
        // `parse_float=float` and `parse_int=int` are what happens anyway.
        let parse_float = given(parse_float).filter(|h| !h.is(py.get_type::<PyFloat>()));
        let parse_int = given(parse_int).filter(|h| !h.is(py.get_type::<PyInt>()));
        Builder {
            py,
            object_hook: given(object_hook),
            object_pairs_hook: given(object_pairs_hook),
            parse_float,
            parse_int,
            parse_constant: given(parse_constant),
            partial: Partial::Off,
            reject_duplicate_keys: false,
            memo: None,
        }
    }

    /// The same builder, making equal keys of a document one str object,
    /// as the standard library's decoder does (`rjson.compat`'s).
    pub fn with_memo_keys(mut self, memo: bool) -> Self {
        self.memo = memo.then(|| PyDict::new(self.py));
        self
    }

    /// A decoded object key: the first equal key of the document when keys
    /// are memoized, else `key`.
    #[inline]
    pub fn key(&self, key: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match &self.memo {
            None => Ok(key),
            // SAFETY: the GIL is held and both objects are live; the call
            // returns a borrowed reference (the memo's value) or NULL with
            // an error set.
            Some(memo) => unsafe {
                let found = ffi::PyDict_SetDefault(memo.as_ptr(), key.as_ptr(), key.as_ptr());
                Bound::from_borrowed_ptr_or_err(self.py, found)
            },
        }
    }

    /// The same builder for documents read with `allow_partial` and
    /// `reject_duplicate_keys`.
    pub fn with_document_options(mut self, partial: Partial, reject_duplicate_keys: bool) -> Self {
        self.partial = partial;
        self.reject_duplicate_keys = reject_duplicate_keys;
        self
    }

    /// What an incomplete document gives (the reference decoder's: every
    /// fast parser stops at the end of an incomplete document).
    pub fn partial(&self) -> Partial {
        self.partial
    }

    /// A key repeated within one object is a syntax fault.
    pub fn rejects_duplicate_keys(&self) -> bool {
        self.reject_duplicate_keys
    }

    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// `parse_float` must see each number's text exactly as written.
    pub fn has_float_hook(&self) -> bool {
        self.parse_float.is_some()
    }

    /// A failing int conversion is the user's exception, not a syntax fault.
    pub fn has_int_hook(&self) -> bool {
        self.parse_int.is_some()
    }

    /// `NaN`, `Infinity` and `-Infinity` are values only when `parse_constant` is given.
    pub fn has_constant_hook(&self) -> bool {
        self.parse_constant.is_some()
    }

    /// Some hook may run Python code during the parse.
    pub fn has_any_hook(&self) -> bool {
        self.has_object_hooks()
            || self.parse_float.is_some()
            || self.parse_int.is_some()
            || self.parse_constant.is_some()
    }

    /// Objects go through `object_hook` or `object_pairs_hook`.
    pub fn has_object_hooks(&self) -> bool {
        self.object_hook.is_some() || self.object_pairs_hook.is_some()
    }

    /// Objects go through `object_pairs_hook` (which takes precedence over
    /// `object_hook`), so their pairs are collected, not a dict made.
    #[allow(dead_code)] // phase3's parser's
    pub fn has_pairs_hook(&self) -> bool {
        self.object_pairs_hook.is_some()
    }

    /// Whether the parser keeps an object's pairs on its item stack: all
    /// but `object_pairs_hook` with `reject_duplicate_keys` (the builder's
    /// `ObjectBuilder::Pairs` keeps the set of keys seen).
    #[allow(dead_code)] // phase3's parser's
    pub fn stacks_pairs(&self) -> bool {
        !(self.has_pairs_hook() && self.rejects_duplicate_keys())
    }

    /// A decoded object's list of `(key, value)` pairs through
    /// `object_pairs_hook`.
    pub fn hooked_pairs(&self, pairs: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let hook = self
            .object_pairs_hook
            .as_ref()
            .expect("pairs are only made for the hook");
        hook.call1((pairs,))
    }

    /// A decoded object's dict through `object_hook`, if there is one.
    pub fn hooked_dict(&self, dict: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        match &self.object_hook {
            Some(hook) => hook.call1((dict,)),
            None => Ok(dict),
        }
    }

    pub fn string(&self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        decoded_str(self.py, text.as_bytes(), c"strict")
    }

    /// A string from WTF-8 that may hold lone surrogates.
    pub fn wtf8_string(&self, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return self.string(text);
        }
        decoded_str(self.py, bytes, c"surrogatepass")
    }

    /// `NaN`, `Infinity` or `-Infinity`, through `parse_constant`.
    pub fn constant(&self, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let hook = self
            .parse_constant
            .as_ref()
            .expect("checked by has_constant_hook");
        hook.call1((name,))
    }

    pub fn null(&self) -> Bound<'py, PyAny> {
        // SAFETY: None is a live object for the interpreter's lifetime.
        unsafe { singleton(self.py, ffi::Py_None()) }
    }

    pub fn bool(&self, value: bool) -> Bound<'py, PyAny> {
        // SAFETY: as None, True and False.
        unsafe {
            singleton(
                self.py,
                if value {
                    ffi::Py_True()
                } else {
                    ffi::Py_False()
                },
            )
        }
    }

    pub fn object(&self) -> PyResult<ObjectBuilder<'py>> {
        let reject = self.rejects_duplicate_keys();
        Ok(if self.object_pairs_hook.is_some() {
            let seen = if reject {
                Some(PySet::empty(self.py)?)
            } else {
                None
            };
            ObjectBuilder::Pairs(Vec::new(), seen)
        } else {
            ObjectBuilder::Dict(PyDict::new(self.py), reject)
        })
    }

    /// The finished object: the pairs hook's result, or the dict through `object_hook`.
    pub fn finish_object(&self, object: ObjectBuilder<'py>) -> PyResult<Bound<'py, PyAny>> {
        match object {
            ObjectBuilder::Pairs(pairs, _) => {
                self.hooked_pairs(PyList::new(self.py, pairs)?.into_any())
            }
            ObjectBuilder::Dict(dict, _) => self.hooked_dict(dict.into_any()),
        }
    }
}

/// An object being decoded: a dict filled in document order (a repeated key
/// keeps its first position and its last value, as in the standard library),
/// or the `(key, value)` pairs for `object_pairs_hook`, repeats included.
/// With `reject_duplicate_keys`, the dict's flag is set and the pairs keep
/// the set of their keys.
pub enum ObjectBuilder<'py> {
    Dict(Bound<'py, PyDict>, bool),
    Pairs(Vec<Bound<'py, PyAny>>, Option<Bound<'py, PySet>>),
}

impl<'py> ObjectBuilder<'py> {
    /// Adds a pair; false when its key repeats one of this object's and
    /// repeats are rejected (the caller reports the fault).
    pub fn push(&mut self, key: Bound<'py, PyAny>, value: Bound<'py, PyAny>) -> PyResult<bool> {
        match self {
            ObjectBuilder::Dict(dict, reject) => {
                let before = if *reject { dict.len() } else { 0 };
                dict.set_item(key, value)?;
                Ok(!*reject || dict.len() > before)
            }
            ObjectBuilder::Pairs(pairs, seen) => {
                if let Some(seen) = seen {
                    let before = seen.len();
                    seen.add(&key)?;
                    if seen.len() == before {
                        return Ok(false);
                    }
                }
                let pair = PyTuple::new(key.py(), [key, value])?.into_any();
                memory::reserve(pairs, 1);
                pairs.push(pair);
                Ok(true)
            }
        }
    }
}

/// A Python float; MemoryError when one cannot be allocated (phase5
/// replaces it).
#[allow(dead_code)]
pub fn new_float(py: Python<'_>, value: f64) -> PyResult<Bound<'_, PyAny>> {
    // SAFETY: PyFloat_FromDouble returns a new reference or NULL with an
    // error set.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyFloat_FromDouble(value)) }
}

/// A `str` of ASCII `bytes` (the caller has checked every byte is < 0x80),
/// allocated at its final length as a compact ASCII str and filled with one
/// copy: no decoding pass. (Numbers' text for `parse_float`/`parse_int`:
/// `parse_float=Decimal` on canada.json makes 111,000 of them; phase3's
/// ASCII strs where phase5's in-place layouts do not hold.)
#[inline]
pub fn ascii_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(bytes.is_ascii());
    // SAFETY: PyUnicode_New(n, 127) returns a compact ASCII str with room
    // for exactly n one-byte characters (or NULL with an error set); all n
    // are filled with ASCII bytes before anyone else can see the object.
    unsafe {
        let str = Bound::from_owned_ptr_or_err(
            py,
            ffi::PyUnicode_New(bytes.len() as ffi::Py_ssize_t, 127),
        )?;
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            ffi::PyUnicode_DATA(str.as_ptr()).cast::<u8>(),
            bytes.len(),
        );
        Ok(str)
    }
}

/// The str CPython decodes from UTF-8 `bytes` with the error handler
/// `errors` ("strict", "replace", "surrogatepass"); a `MemoryError` where
/// it cannot be made (PyO3's `PyString::new` panics instead).
pub fn decoded_str<'py>(
    py: Python<'py>,
    bytes: &[u8],
    errors: &std::ffi::CStr,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `bytes` is a live slice and `errors` is NUL-terminated; the
    // call returns a new reference or NULL with an error set.
    unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyUnicode_DecodeUTF8(
                bytes.as_ptr().cast(),
                bytes.len() as ffi::Py_ssize_t,
                errors.as_ptr(),
            ),
        )
    }
}

/// A reference to one of the interpreter's singletons (None, True, False).
/// From CPython 3.12 they are immortal: `Py_INCREF` and `Py_DECREF` leave
/// their count alone, so the reference is made without touching it.
///
/// # Safety
/// `ptr` is None, True or False.
#[inline(always)]
unsafe fn singleton(py: Python<'_>, ptr: *mut ffi::PyObject) -> Bound<'_, PyAny> {
    // SAFETY: an immortal object's count is never changed by the
    // interpreter (nor by dropping the reference); the object lives on.
    #[cfg(all(Py_3_12, not(Py_LIMITED_API), not(Py_GIL_DISABLED)))]
    unsafe {
        Bound::from_owned_ptr(py, ptr)
    }
    // SAFETY: the caller's live object; the reference takes a count.
    #[cfg(not(all(Py_3_12, not(Py_LIMITED_API), not(Py_GIL_DISABLED))))]
    unsafe {
        Bound::from_borrowed_ptr(py, ptr)
    }
}
