//! The parser's dicts filled in place (CPython 3.11's to 3.13's layout, the
//! same in the three): the key table
//! is allocated at its final size, as a table of str keys (the compact kind
//! CPython gives dicts whose keys are all str), and each pair is placed at
//! the slot CPython's own lookup probes first, taking over the parser's
//! references. Through the C API each insert costs ~230 instructions
//! (`PyDict_SetItem`: a lookup for a duplicate, reference counting, version
//! and GC bookkeeping), and `_PyDict_NewPresized` makes the general, larger
//! kind of table; here an insert is a probe and two stores.
//!
//! The layout is read from `phase1::layout`; other interpreters (and the
//! builds before phase3) use `PyDict_SetItem`.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;

use crate::phase1::layout::cpython::{DictKeys, UnicodeEntry};

/// `PyDict_LOG_MINSIZE`: the smallest table has 8 slots.
const LOG2_MIN_SIZE: u8 = 3;
/// `DICT_KEYS_UNICODE`: a table whose keys are all str (entries without hashes).
const DICT_KEYS_UNICODE: u8 = 1;

/// The dict of `pairs` (key, value, key, value, ...): keys exact `str`, in
/// document order; a repeated key keeps its first position and last value.
/// Returns a new reference, or NULL with an exception set.
///
/// # Safety
/// The GIL is held; `pairs` are owned references, which are consumed:
/// stored in the dict or released, also when this fails.
pub unsafe fn from_pairs(pairs: &[*mut ffi::PyObject]) -> *mut ffi::PyObject {
    // SAFETY: the caller's contract; see each step.
    unsafe {
        let dict = ffi::PyDict_New();
        if dict.is_null() || pairs.is_empty() {
            release(pairs);
            return dict;
        }
        let count = pairs.len() / 2;
        let keys = new_table(count);
        if keys.is_null() {
            release(pairs);
            ffi::Py_DECREF(dict);
            return ffi::PyErr_NoMemory();
        }
        // A new dict shares CPython's empty table, holding a count on it
        // (3.11; from 3.12 that table is immortal and not counted): give
        // that back and put ours in its place.
        let object = dict.cast::<ffi::PyDictObject>();
        #[cfg(not(rjson_cpython_312_on))]
        {
            (*(*object).ma_keys.cast::<DictKeys>()).refcnt -= 1;
        }
        (*object).ma_keys = keys.cast();
        let filled = match (*keys).log2_index_bytes - (*keys).log2_size {
            0 => fill::<i8>(object, keys, pairs),
            1 => fill::<i16>(object, keys, pairs),
            2 => fill::<i32>(object, keys, pairs),
            _ => fill::<i64>(object, keys, pairs),
        };
        if let Err(rest) = filled {
            release(rest);
            ffi::Py_DECREF(dict);
            return std::ptr::null_mut();
        }
        dict
    }
}

/// An empty str-keys table with room for `count` entries, sized as
/// `_PyDict_NewPresized` sizes it (3/2 of the entries, rounded up to a power
/// of two, at least 8 slots); NULL when out of memory.
///
/// # Safety
/// The GIL is held.
unsafe fn new_table(count: usize) -> *mut DictKeys {
    let wanted = (count * 3 + 1) >> 1;
    let log2_size =
        (usize::BITS - (wanted.max(1) - 1).leading_zeros()).max(LOG2_MIN_SIZE as u32) as u8;
    let size = 1usize << log2_size;
    let usable = (size << 1) / 3;
    // Indices are 1, 2, 4 or 8 bytes wide as the table grows.
    let log2_index_bytes = log2_size
        + match log2_size {
            0..=7 => 0,
            8..=15 => 1,
            16..=31 => 2,
            _ => 3,
        };
    let index_bytes = 1usize << log2_index_bytes;
    let entry_bytes = usable * std::mem::size_of::<UnicodeEntry>();
    // The size `new_keys_object` allocates: CPython's free list of 8-slot
    // str-key tables takes ours back and hands it out again as its own.
    let total = std::mem::size_of::<DictKeys>() + index_bytes + entry_bytes;
    // SAFETY: the allocator needs the GIL (held); the header is written
    // field by field, the indices set to DKIX_EMPTY (-1, all one bits) and
    // the entries zeroed, all inside the `total` bytes allocated.
    unsafe {
        let keys = table_malloc(total).cast::<DictKeys>();
        if keys.is_null() {
            return keys;
        }
        keys.write(DictKeys {
            refcnt: 1,
            log2_size,
            log2_index_bytes,
            kind: DICT_KEYS_UNICODE,
            version: 0,
            usable: usable as ffi::Py_ssize_t,
            nentries: 0,
            indices: [],
        });
        let indices = (*keys).indices.as_mut_ptr();
        std::ptr::write_bytes(indices, 0xFF, index_bytes);
        std::ptr::write_bytes(indices.add(index_bytes), 0, entry_bytes);
        keys
    }
}

/// Memory for a key table from the allocator CPython frees it with:
/// `PyObject_Malloc` to 3.12, `PyMem_Malloc` from 3.13 (a debug allocator
/// checks that the two match).
///
/// # Safety
/// The GIL is held.
#[inline(always)]
unsafe fn table_malloc(size: usize) -> *mut std::ffi::c_void {
    // SAFETY: the GIL is held.
    unsafe {
        #[cfg(Py_3_13)]
        return ffi::PyMem_Malloc(size);
        #[cfg(not(Py_3_13))]
        return ffi::PyObject_Malloc(size);
    }
}

/// A slot of the index table: an entry's number, or -1 for empty.
trait Index: Copy {
    fn from_entry(entry: usize) -> Self;
    fn entry(self) -> Option<usize>;
}

macro_rules! index {
    ($($ty:ty),*) => {$(
        impl Index for $ty {
            #[inline(always)]
            fn from_entry(entry: usize) -> Self {
                entry as $ty
            }
            #[inline(always)]
            fn entry(self) -> Option<usize> {
                usize::try_from(self).ok()
            }
        }
    )*};
}
index!(i8, i16, i32, i64);

/// Places each pair in `keys` (the dict's table, `I`-wide indices); on
/// failure the pairs not yet placed, for the caller to release.
///
/// # Safety
/// The GIL is held; `keys` is `object`'s new, empty table with room for all
/// pairs; the pairs are owned references, keys exact str.
#[inline(always)]
unsafe fn fill<I: Index>(
    object: *mut ffi::PyDictObject,
    keys: *mut DictKeys,
    pairs: &[*mut ffi::PyObject],
) -> Result<(), &[*mut ffi::PyObject]> {
    // SAFETY: the table was laid out by `new_table`: `1 << log2_size`
    // indices of `I`, then `usable` entries, and `count` <= usable pairs
    // fill at most `count` entries. Slots are probed in the order CPython's
    // lookup probes them, so it finds every key where this put it.
    unsafe {
        let mask = (1usize << (*keys).log2_size) - 1;
        let indices = (*keys).indices.as_mut_ptr().cast::<I>();
        let entries = (*keys)
            .indices
            .as_mut_ptr()
            .add(1 << (*keys).log2_index_bytes)
            .cast::<UnicodeEntry>();
        let usable = (*keys).usable;
        let mut used = 0usize;
        let mut track = false;
        for (at, pair) in pairs.chunks_exact(2).enumerate() {
            let (key, value) = (pair[0], pair[1]);
            let hash = str_hash(key);
            if hash == -1 {
                // The entries placed so far stay, counted, for the dict's release.
                set_counts(object, keys, usable, used);
                return Err(&pairs[2 * at..]);
            }
            let mut perturb = hash as usize;
            let mut slot = perturb & mask;
            loop {
                match (*indices.add(slot)).entry() {
                    None => {
                        indices.add(slot).write(I::from_entry(used));
                        entries.add(used).write(UnicodeEntry { key, value });
                        used += 1;
                        break;
                    }
                    Some(entry) => {
                        let old = &mut *entries.add(entry);
                        if same_key(old.key, key, hash) {
                            // A repeated key: first position, last value.
                            ffi::Py_DECREF(old.value);
                            old.value = value;
                            ffi::Py_DECREF(key);
                            break;
                        }
                    }
                }
                perturb >>= 5; // PERTURB_SHIFT
                slot = (slot * 5 + perturb + 1) & mask;
            }
            // As `insertdict` keeps it: tracked once it may hold a container.
            track |= ffi::PyType_IS_GC(ffi::Py_TYPE(value)) != 0;
        }
        set_counts(object, keys, usable, used);
        if track && ffi::PyObject_GC_IsTracked(object.cast()) == 0 {
            ffi::PyObject_GC_Track(object.cast());
        }
        Ok(())
    }
}

/// Records `used` entries in the dict and its table (of `usable` at first).
///
/// # Safety
/// `keys` is `object`'s table, with `used` entries filled.
#[inline(always)]
unsafe fn set_counts(
    object: *mut ffi::PyDictObject,
    keys: *mut DictKeys,
    usable: ffi::Py_ssize_t,
    used: usize,
) {
    // SAFETY: the caller's contract.
    unsafe {
        (*keys).nentries = used as ffi::Py_ssize_t;
        (*keys).usable = usable - used as ffi::Py_ssize_t;
        (*object).ma_used = used as ffi::Py_ssize_t;
    }
}

/// A str's hash (cached in the object, else computed and cached); -1 with
/// an exception set on failure.
///
/// # Safety
/// `key` is a live exact str; the GIL is held.
#[inline(always)]
unsafe fn str_hash(key: *mut ffi::PyObject) -> ffi::Py_hash_t {
    // SAFETY: a str object starts with PyASCIIObject, whose `hash` is -1
    // until computed.
    unsafe {
        let cached = (*key.cast::<ffi::PyASCIIObject>()).hash;
        if cached != -1 {
            return cached;
        }
        ffi::PyObject_Hash(key)
    }
}

/// Whether the str `old` (already in the table) equals `key` of hash `hash`.
///
/// # Safety
/// Both are live exact str; the GIL is held.
#[inline(always)]
unsafe fn same_key(old: *mut ffi::PyObject, key: *mut ffi::PyObject, hash: ffi::Py_hash_t) -> bool {
    // SAFETY: comparing two exact str runs no Python code and cannot fail.
    unsafe {
        old == key
            || ((*old.cast::<ffi::PyASCIIObject>()).hash == hash
                && ffi::PyUnicode_Compare(old, key) == 0)
    }
}

/// Releases owned references.
///
/// # Safety
/// The GIL is held; each pointer is an owned reference, released once.
unsafe fn release(items: &[*mut ffi::PyObject]) {
    for &item in items {
        // SAFETY: the caller's contract.
        unsafe { ffi::Py_DECREF(item) };
    }
}
