//! The parser's floats, ints and ASCII strs made in place (CPython 3.11's,
//! 3.12's and 3.13's layouts): the object's memory is taken from `PyObject_Malloc`, as the
//! interpreter's own constructors take it, and its header and value are
//! written directly. `PyFloat_FromDouble`, `PyLong_FromLongLong` and
//! `PyUnicode_New` spend most of their ~60-100 instructions on the checks
//! and branches of their general cases (free lists, digit counting, the
//! four string kinds).
//!
//! The layouts are checked once, against objects the C API makes, before
//! the first object is made this way; where a check fails (or on another
//! interpreter, or a build that traces references) every object comes from
//! the C API, as in the builds before.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::prelude::*;

/// The layouts are CPython 3.11's to 3.13's, the object header the plain one.
#[cfg(all(
    rjson_cpython_layouts,
    not(Py_LIMITED_API),
    not(py_sys_config = "Py_TRACE_REFS")
))]
mod in_place {
    use std::sync::OnceLock;

    use pyo3::ffi;
    use pyo3::prelude::*;

    use crate::phase1::layout::cpython::{int_size, INT_DIGITS};

    /// What the one-time check found: the state word of a compact ASCII str
    /// (its bit-field), or `None` where a layout is not the expected one.
    static STR_STATE: OnceLock<Option<u32>> = OnceLock::new();

    /// Proof that the float, int and str layouts hold, with the state word
    /// to give new ASCII strs.
    #[derive(Clone, Copy)]
    pub struct Layouts {
        str_state: u32,
    }

    /// The layouts, when they hold (checked on the first call).
    #[inline(always)]
    pub fn layouts(_py: Python<'_>) -> Option<Layouts> {
        // SAFETY (of the closure): the GIL is held (the `Python` token).
        let str_state = (*STR_STATE.get_or_init(|| unsafe { check_layouts() }))?;
        Some(Layouts { str_state })
    }

    /// Compares the layouts this module writes with objects from the C API.
    ///
    /// # Safety
    /// The GIL is held.
    unsafe fn check_layouts() -> Option<u32> {
        // SAFETY: the GIL is held; each object made here is read within its
        // allocated size (checked first) and released.
        unsafe {
            let float_type = std::ptr::addr_of_mut!(ffi::PyFloat_Type);
            let long_type = std::ptr::addr_of_mut!(ffi::PyLong_Type);
            if (*float_type).tp_basicsize as usize != std::mem::size_of::<ffi::PyFloatObject>()
                || (*long_type).tp_basicsize as usize != std::mem::size_of::<ffi::PyVarObject>()
                || (*long_type).tp_itemsize != 4
            {
                return None;
            }
            // 2^40 + 3: two 30-bit digits, 3 and 2^10.
            let int = ffi::PyLong_FromLongLong((1 << 40) + 3);
            if int.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            let digits = int.cast::<u8>().add(INT_DIGITS).cast::<u32>();
            let int_ok = int_size(int) == 2
                && (*int.cast::<ffi::PyVarObject>()).ob_size == int_size_word(2, false)
                && *digits == 3
                && *digits.add(1) == 1 << 10;
            ffi::Py_DECREF(int);
            let text = ffi::PyUnicode_New(1, 127);
            if text.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            let ascii = &*text.cast::<ffi::PyASCIIObject>();
            let str_ok = ffi::PyUnicode_DATA(text).cast::<u8>()
                == text
                    .cast::<u8>()
                    .add(std::mem::size_of::<ffi::PyASCIIObject>())
                && ascii.length == 1
                && ascii.hash == -1
                && no_wstr(ascii)
                && ascii.kind() == ffi::PyUnicode_1BYTE_KIND
                && ascii.compact() == 1
                && ascii.ascii() == 1
                && ascii.interned() == 0;
            let state = ascii.state;
            ffi::Py_DECREF(text);
            (int_ok && str_ok).then_some(state)
        }
    }

    /// The size word of a new int of `count` digits: its signed count in
    /// `ob_size` to 3.11; from 3.12 `lv_tag`, the count above three flag
    /// bits whose low two are the sign (0 positive, 2 negative).
    #[inline(always)]
    fn int_size_word(count: usize, negative: bool) -> ffi::Py_ssize_t {
        #[cfg(rjson_cpython_312_on)]
        {
            ((count << 3) | if negative { 2 } else { 0 }) as ffi::Py_ssize_t
        }
        #[cfg(not(rjson_cpython_312_on))]
        {
            let size = count as ffi::Py_ssize_t;
            if negative {
                -size
            } else {
                size
            }
        }
    }

    /// Whether a str has no `wstr` (CPython 3.11's str has the field; 3.12
    /// removed it).
    fn no_wstr(ascii: &ffi::PyASCIIObject) -> bool {
        #[cfg(not(rjson_cpython_312_on))]
        return ascii.wstr.is_null();
        #[cfg(rjson_cpython_312_on)]
        {
            let _ = ascii;
            true
        }
    }

    #[cfg(py_sys_config = "Py_REF_DEBUG")]
    extern "C" {
        /// Sets the count to 1 and keeps a debug build's total of references.
        fn _Py_NewReference(op: *mut ffi::PyObject);
    }

    /// `size` bytes from the object allocator, made an object of type `ty`
    /// with one reference; NULL (with MemoryError set) when out of memory.
    ///
    /// # Safety
    /// The GIL is held; the caller fills in the rest of the object before
    /// anyone else sees it.
    #[inline(always)]
    unsafe fn new_object(size: usize, ty: *mut ffi::PyTypeObject) -> *mut ffi::PyObject {
        // SAFETY: the GIL is held; the allocation has room for the header.
        unsafe {
            let object = ffi::PyObject_Malloc(size).cast::<ffi::PyObject>();
            if object.is_null() {
                return ffi::PyErr_NoMemory();
            }
            // The three types used here are static, not heap types: no
            // reference on the type is taken (as `PyObject_Init` does it).
            (*object).ob_type = ty;
            #[cfg(py_sys_config = "Py_REF_DEBUG")]
            _Py_NewReference(object);
            #[cfg(all(not(py_sys_config = "Py_REF_DEBUG"), not(rjson_cpython_312_on)))]
            {
                (*object).ob_refcnt = 1;
            }
            // From 3.12 the count is a union (32-bit halves, immortality in
            // the upper one); a new object's count is 1 and mortal.
            #[cfg(all(not(py_sys_config = "Py_REF_DEBUG"), rjson_cpython_312_on))]
            {
                (*object).ob_refcnt.ob_refcnt = 1;
            }
            object
        }
    }

    /// A float made in place.
    #[inline(always)]
    pub fn float(_: Layouts, py: Python<'_>, value: f64) -> PyResult<Bound<'_, PyAny>> {
        // SAFETY: the layout check passed, so a float is a header and the
        // double; the object is complete before it is handed out.
        unsafe {
            let object = new_object(
                std::mem::size_of::<ffi::PyFloatObject>(),
                std::ptr::addr_of_mut!(ffi::PyFloat_Type),
            );
            if !object.is_null() {
                (*object.cast::<ffi::PyFloatObject>()).ob_fval = value;
            }
            Bound::from_owned_ptr_or_err(py, object)
        }
    }

    /// An int made in place: one to three 30-bit digits (any i64).
    #[inline(always)]
    pub fn int(_: Layouts, py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
        let magnitude = value.unsigned_abs();
        let count: usize = if magnitude < 1 << 30 {
            1
        } else if magnitude < 1 << 60 {
            2
        } else {
            3
        };
        // SAFETY: the layout check passed, so an int is the header and a
        // size word (`int_size_word`) followed by its 30-bit digits; `count`
        // digits are allocated and written.
        unsafe {
            let object = new_object(
                INT_DIGITS + 4 * count,
                std::ptr::addr_of_mut!(ffi::PyLong_Type),
            );
            if !object.is_null() {
                (*object.cast::<ffi::PyVarObject>()).ob_size = int_size_word(count, value < 0);
                let digits = object.cast::<u8>().add(INT_DIGITS).cast::<u32>();
                for i in 0..count {
                    *digits.add(i) = ((magnitude >> (30 * i)) & ((1 << 30) - 1)) as u32;
                }
            }
            Bound::from_owned_ptr_or_err(py, object)
        }
    }

    /// A non-empty ASCII str made in place.
    #[inline(always)]
    pub fn ascii_str<'py>(
        layouts: Layouts,
        py: Python<'py>,
        bytes: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        let state = layouts.str_state;
        debug_assert!(!bytes.is_empty());
        let header = std::mem::size_of::<ffi::PyASCIIObject>();
        // SAFETY: the layout check passed, so a compact ASCII str is the
        // PyASCIIObject header, then its characters and a NUL; all of it is
        // allocated and written (the state word copied from a str the C API
        // made).
        unsafe {
            let object = new_object(
                header + bytes.len() + 1,
                std::ptr::addr_of_mut!(ffi::PyUnicode_Type),
            );
            if !object.is_null() {
                let text = object.cast::<ffi::PyASCIIObject>();
                (*text).length = bytes.len() as ffi::Py_ssize_t;
                (*text).hash = -1;
                (*text).state = state;
                #[cfg(not(rjson_cpython_312_on))]
                {
                    (*text).wstr = std::ptr::null_mut();
                }
                let data = object.cast::<u8>().add(header);
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
                *data.add(bytes.len()) = 0;
            }
            Bound::from_owned_ptr_or_err(py, object)
        }
    }
}

/// Elsewhere nothing is made in place: every object comes from the C API.
#[cfg(not(all(
    rjson_cpython_layouts,
    not(Py_LIMITED_API),
    not(py_sys_config = "Py_TRACE_REFS")
)))]
mod in_place {
    use pyo3::prelude::*;

    /// Never made: no layout holds here.
    #[derive(Clone, Copy)]
    pub enum Layouts {}

    #[inline(always)]
    pub fn layouts(_py: Python<'_>) -> Option<Layouts> {
        None
    }

    pub fn float(never: Layouts, _: Python<'_>, _: f64) -> PyResult<Bound<'_, PyAny>> {
        match never {}
    }

    pub fn int(never: Layouts, _: Python<'_>, _: i64) -> PyResult<Bound<'_, PyAny>> {
        match never {}
    }

    pub fn ascii_str<'py>(never: Layouts, _: Python<'py>, _: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        match never {}
    }
}

/// Whether this build makes the parser's scalars in place on this
/// interpreter (its layouts were checked and hold).
pub fn made_in_place(py: Python<'_>) -> bool {
    in_place::layouts(py).is_some()
}

/// A Python float; MemoryError when one cannot be allocated.
#[inline(always)]
pub fn new_float(py: Python<'_>, value: f64) -> PyResult<Bound<'_, PyAny>> {
    match in_place::layouts(py) {
        Some(layouts) => in_place::float(layouts, py, value),
        None => crate::api::build::new_float(py, value),
    }
}

/// A Python int (small ones shared, as in phase1); MemoryError when one
/// cannot be allocated.
#[inline(always)]
pub fn new_int(py: Python<'_>, value: i64) -> PyResult<Bound<'_, PyAny>> {
    if !crate::phase1::objects::is_cached_int(value) {
        if let Some(layouts) = in_place::layouts(py) {
            return in_place::int(layouts, py, value);
        }
    }
    crate::phase1::objects::new_int(py, value)
}

/// A `str` of ASCII `bytes` (the caller has checked every byte is < 0x80).
#[inline]
pub fn new_ascii_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    debug_assert!(bytes.is_ascii());
    // (The empty str is the interpreter's singleton: the C API's.)
    if !bytes.is_empty() {
        if let Some(layouts) = in_place::layouts(py) {
            return in_place::ascii_str(layouts, py, bytes);
        }
    }
    crate::phase3::strings::new_ascii_str(py, bytes)
}
