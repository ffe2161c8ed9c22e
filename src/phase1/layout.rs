//! Reading a dict's entries and a small int's value straight from CPython
//! 3.11's, 3.12's and 3.13's object layouts, where a call (`PyDict_Next`,
//! `PyLong_AsLongLongAndOverflow`) costs several times the read. Other
//! interpreter versions, and the forms these readers do not handle (split
//! dicts, ints past 60 bits), take the C API.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;

/// The layouts below are those of CPython 3.11, 3.12 and 3.13 (with the
/// GIL) on 64-bit targets, where they are the same
/// (`Include/internal/pycore_dict.h`); build.rs sets `rjson_cpython_layouts`
/// for such an interpreter. The sizes are asserted against the
/// interpreter's own definitions at compile time where pyo3 has them.
#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
pub(crate) mod cpython {
    use pyo3::ffi;

    /// `struct _dictkeysobject` (Include/internal/pycore_dict.h).
    #[allow(dead_code)] // fields kept for the layout
    #[repr(C)]
    pub struct DictKeys {
        pub refcnt: ffi::Py_ssize_t,
        pub log2_size: u8,
        pub log2_index_bytes: u8,
        pub kind: u8,
        pub version: u32,
        pub usable: ffi::Py_ssize_t,
        pub nentries: ffi::Py_ssize_t,
        pub indices: [u8; 0],
    }

    /// `PyDictKeyEntry` (DICT_KEYS_GENERAL tables).
    #[allow(dead_code)] // fields kept for the layout
    #[repr(C)]
    pub struct GeneralEntry {
        pub hash: ffi::Py_hash_t,
        pub key: *mut ffi::PyObject,
        pub value: *mut ffi::PyObject,
    }

    /// `PyDictUnicodeEntry` (tables of str keys only).
    #[repr(C)]
    pub struct UnicodeEntry {
        pub key: *mut ffi::PyObject,
        pub value: *mut ffi::PyObject,
    }

    pub const DICT_KEYS_GENERAL: u8 = 0;

    // `dk_indices` follows the header at 32 bytes; the entries are three
    // and two pointers wide; the dict object's table pointer and values
    // pointer are where pyo3's definition of this version has them.
    const _: () = assert!(std::mem::size_of::<DictKeys>() == 32);
    const _: () = assert!(std::mem::size_of::<GeneralEntry>() == 24);
    const _: () = assert!(std::mem::size_of::<UnicodeEntry>() == 16);
    const _: () = assert!(std::mem::offset_of!(ffi::PyDictObject, ma_keys) == 32);
    const _: () = assert!(std::mem::offset_of!(ffi::PyDictObject, ma_values) == 40);

    /// Where an int's 30-bit digits start: after the object header and the
    /// size word (`ob_size` to 3.11, `lv_tag` from 3.12).
    pub const INT_DIGITS: usize = std::mem::size_of::<ffi::PyVarObject>();

    /// An int's signed digit count: `ob_size` to 3.11; from 3.12 the
    /// `lv_tag` word holds the count above three flag bits, whose low two
    /// are the sign (0 positive, 1 zero, 2 negative).
    ///
    /// # Safety
    /// `obj` is a live int.
    #[inline(always)]
    pub unsafe fn int_size(obj: *mut ffi::PyObject) -> isize {
        // SAFETY: an int starts with the PyVarObject-sized header whose last
        // word is ob_size (3.11) or lv_tag (3.12 on).
        let word = unsafe { (*obj.cast::<ffi::PyVarObject>()).ob_size };
        #[cfg(rjson_cpython_312_on)]
        {
            let count = (word as usize >> 3) as isize;
            if word & 3 == 2 {
                -count
            } else {
                count
            }
        }
        #[cfg(not(rjson_cpython_312_on))]
        word
    }

    /// The value of an int of at most two 30-bit digits, read in place;
    /// `None` for a longer one (which the C API reads).
    ///
    /// # Safety
    /// `obj` is a live int (an exact int or a subclass).
    #[inline(always)]
    pub unsafe fn small_int_value(obj: *mut ffi::PyObject) -> Option<i64> {
        // SAFETY: from 3.12 an int's tag word holds its digit count above
        // three flag bits, whose low two are the sign (0 positive, 1 zero,
        // 2 negative); an int of at most one digit ("compact") always has
        // its first digit stored (0 for zero) and is that digit times 1 -
        // the sign bits, as CPython's `_PyLong_CompactValue` computes it,
        // without a branch on the sign. Two digits are read only when the
        // int has them.
        #[cfg(rjson_cpython_312_on)]
        unsafe {
            let tag = (*obj.cast::<ffi::PyVarObject>()).ob_size as usize;
            let digits = obj.cast::<u8>().add(INT_DIGITS).cast::<u32>();
            if tag < 2 << 3 {
                return Some((1 - (tag & 3) as i64) * i64::from(*digits));
            }
            if tag >> 3 == 2 {
                let magnitude = i64::from(*digits) | i64::from(*digits.add(1)) << 30;
                return Some(if tag & 3 == 2 { -magnitude } else { magnitude });
            }
        }
        // SAFETY: an int's size word gives the signed count of its 30-bit
        // digits, which follow it (`int_size`); up to two digits
        // (60 bits) are read, only when the int has them.
        #[cfg(not(rjson_cpython_312_on))]
        unsafe {
            let size = int_size(obj);
            if (-2..=2).contains(&size) {
                let digits = obj.cast::<u8>().add(INT_DIGITS).cast::<u32>();
                let mut magnitude = 0i64;
                if size != 0 {
                    magnitude = i64::from(*digits);
                }
                if size.abs() == 2 {
                    magnitude |= i64::from(*digits.add(1)) << 30;
                }
                return Some(if size < 0 { -magnitude } else { magnitude });
            }
        }
        None
    }

    /// Whether the exact dict `dict` keeps its entries in its own table
    /// (a combined table), which `dict_next` reads in place; an instance's
    /// `__dict__` may share its keys (a split table).
    ///
    /// # Safety
    /// `dict` is a live exact dict.
    #[allow(dead_code)] // phase3's parallel writer's
    #[inline(always)]
    pub unsafe fn has_combined_table(dict: *mut ffi::PyObject) -> bool {
        // SAFETY: the caller's dict is a PyDictObject.
        unsafe { (*dict.cast::<ffi::PyDictObject>()).ma_values.is_null() }
    }

    /// The positions `dict_next` takes in a combined table: its entries,
    /// deleted ones included.
    ///
    /// # Safety
    /// `dict` is a live exact dict with a combined table.
    #[allow(dead_code)] // phase3's parallel writer's
    #[inline(always)]
    pub unsafe fn table_len(dict: *mut ffi::PyObject) -> usize {
        // SAFETY: the caller's dict; its table's header.
        unsafe {
            (*(*dict.cast::<ffi::PyDictObject>())
                .ma_keys
                .cast::<DictKeys>())
            .nentries as usize
        }
    }

    /// A table entry of either kind.
    pub trait Entry {
        fn key_value(&self) -> (*mut ffi::PyObject, *mut ffi::PyObject);
    }

    impl Entry for GeneralEntry {
        fn key_value(&self) -> (*mut ffi::PyObject, *mut ffi::PyObject) {
            (self.key, self.value)
        }
    }

    impl Entry for UnicodeEntry {
        fn key_value(&self) -> (*mut ffi::PyObject, *mut ffi::PyObject) {
            (self.key, self.value)
        }
    }

    /// The first live entry (value not NULL) of `entries[*position..count]`,
    /// advancing `*position` past it (or to `count`).
    ///
    /// # Safety
    /// `entries` points to at least `count` entries of the table.
    #[inline(always)]
    pub unsafe fn next_live<E: Entry>(
        entries: *const E,
        count: ffi::Py_ssize_t,
        position: &mut ffi::Py_ssize_t,
    ) -> Option<(*mut ffi::PyObject, *mut ffi::PyObject)> {
        while *position < count {
            // SAFETY: *position < count, the caller's bound.
            let (key, value) = unsafe { (*entries.offset(*position)).key_value() };
            *position += 1;
            if !value.is_null() {
                if *position < count {
                    // SAFETY: *position < count, the caller's bound; its
                    // value (NULL if deleted) is only prefetched.
                    crate::engine::prefetch(unsafe { (*entries.offset(*position)).key_value().1 });
                }
                return Some((key, value));
            }
        }
        None
    }
}

/// The next entry of `dict` at or after `*position` (which it advances), as
/// borrowed key and value, or `None` at the end: `PyDict_Next`'s contract.
///
/// # Safety
/// `dict` is a live exact dict and the GIL is held. The entries are lent:
/// the caller takes references before letting Python code run.
#[inline(always)]
pub unsafe fn dict_next(
    dict: *mut ffi::PyObject,
    position: &mut ffi::Py_ssize_t,
) -> Option<(*mut ffi::PyObject, *mut ffi::PyObject)> {
    #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
    {
        use cpython::*;
        // SAFETY: `dict` is a PyDictObject (exact dict); a combined table
        // (ma_values NULL) keeps its entries in ma_keys, after the indices,
        // `nentries` of them, deleted ones with a NULL value. The table is
        // read afresh on every call and `position` checked against it, so a
        // dict changed between calls is read safely, as PyDict_Next reads it.
        unsafe {
            let object = dict.cast::<ffi::PyDictObject>();
            if (*object).ma_values.is_null() {
                let keys = (*object).ma_keys.cast::<DictKeys>();
                let entries = (*keys).indices.as_ptr().add(1 << (*keys).log2_index_bytes);
                let count = (*keys).nentries;
                return if (*keys).kind == DICT_KEYS_GENERAL {
                    next_live(entries.cast::<GeneralEntry>(), count, position)
                } else {
                    next_live(entries.cast::<UnicodeEntry>(), count, position)
                };
            }
        }
    }
    let (mut key, mut value) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: the caller's contract; PyDict_Next bounds-checks `position`.
    unsafe { (ffi::PyDict_Next(dict, position, &mut key, &mut value) != 0).then_some((key, value)) }
}

/// The value of the int `obj` when it fits an `i64`, else `None` (with no
/// exception set).
///
/// # Safety
/// `obj` is a live int (an exact int or a subclass) and the GIL is held.
#[inline(always)]
pub unsafe fn int_value(obj: *mut ffi::PyObject) -> Option<i64> {
    #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
    // SAFETY: the caller's int.
    if let Some(value) = unsafe { cpython::small_int_value(obj) } {
        return Some(value);
    }
    let mut overflow = 0;
    // SAFETY: the caller's contract; on overflow the call sets the flag and
    // no exception.
    let value = unsafe { ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow) };
    (overflow == 0).then_some(value)
}
