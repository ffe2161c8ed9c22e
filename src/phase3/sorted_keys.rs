//! `sort_keys=True` for an exact dict whose keys are all exact, compact
//! strs: its entries are taken once (strong references, since writing a
//! value may run Python code) and sorted by comparing the keys' own code
//! units, which is Python's order for strs, with no Python call. Any other
//! key sends the dict to the general path (a snapshot sorted by Python,
//! which raises `TypeError` for keys that do not compare, as `json` does).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::cmp::Ordering;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::phase1::dispatch::{units_of, Units};
use crate::phase1::layout::dict_next;

/// A dict's entry with the key's place in the order: owned (`SortedEntry`,
/// the writer's: writing a value may run Python code), or borrowed
/// (`BorrowedEntry`, the parallel writer's, which runs none).
#[derive(Clone, Copy)]
pub struct Entry<K> {
    /// The key's first characters as a number whose order is theirs
    /// (`byte_prefix`, `code_point_prefix`): most comparisons end on it.
    order: u64,
    pub key: K,
    pub value: K,
}

pub type SortedEntry<'py> = Entry<Bound<'py, PyAny>>;
#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
pub type BorrowedEntry = Entry<*mut ffi::PyObject>;

/// An object an entry holds, as a pointer.
pub trait ObjectPtr {
    fn ptr(&self) -> *mut ffi::PyObject;
}

impl ObjectPtr for Bound<'_, PyAny> {
    #[inline(always)]
    fn ptr(&self) -> *mut ffi::PyObject {
        self.as_ptr()
    }
}

impl ObjectPtr for *mut ffi::PyObject {
    #[inline(always)]
    fn ptr(&self) -> *mut ffi::PyObject {
        *self
    }
}

/// Appends the entries of the exact dict `dict` to `stack`, sorted by
/// key, when every key is an exact compact str: true; otherwise false, with
/// `stack` as it was. One stack serves a whole `dumps`, nested dicts'
/// entries above their parent's, so that a dict costs no allocation.
pub fn push_sorted_str_entries<'py>(
    dict: &Bound<'py, PyDict>,
    stack: &mut Vec<SortedEntry<'py>>,
) -> bool {
    let py = dict.py();
    // SAFETY: the GIL is held and `dict` is an exact live dict, whose keys
    // and values are owned as they are taken.
    unsafe {
        push_sorted_entries(dict.as_ptr(), stack, |order, key, value| SortedEntry {
            order,
            key: Bound::from_borrowed_ptr(py, key),
            value: Bound::from_borrowed_ptr(py, value),
        })
    }
}

/// `push_sorted_str_entries` with borrowed entries.
///
/// # Safety
/// `dict` is an exact live dict, and no Python code runs while the
/// entries are used.
#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
pub unsafe fn push_sorted_borrowed_entries(
    dict: *mut ffi::PyObject,
    stack: &mut Vec<BorrowedEntry>,
) -> bool {
    // SAFETY: the caller's.
    unsafe {
        push_sorted_entries(dict, stack, |order, key, value| BorrowedEntry {
            order,
            key,
            value,
        })
    }
}

/// The sort of both: `entry` makes an entry of a key's order, the key and
/// the value.
///
/// # Safety
/// `dict` is an exact live dict, whose table does not change meanwhile.
#[inline(always)]
unsafe fn push_sorted_entries<K: ObjectPtr>(
    dict: *mut ffi::PyObject,
    stack: &mut Vec<Entry<K>>,
    entry: impl Fn(u64, *mut ffi::PyObject, *mut ffi::PyObject) -> Entry<K>,
) -> bool {
    let base = stack.len();
    // SAFETY: the caller's dict; `dict_next` lends each key and value, and
    // the keys' units are read while they live.
    unsafe {
        stack.reserve((*dict.cast::<ffi::PyDictObject>()).ma_used as usize);
        let mut latin1 = true;
        let mut position = 0;
        while let Some((key, value)) = dict_next(dict, &mut position) {
            if ffi::Py_TYPE(key) != std::ptr::addr_of_mut!(ffi::PyUnicode_Type)
                || ffi::PyUnicode_IS_COMPACT(key) == 0
            {
                stack.truncate(base);
                return false;
            }
            let order = match units_of(key) {
                Some(Units::One(units)) => byte_prefix(units),
                _ => {
                    latin1 = false;
                    0
                }
            };
            stack.push(entry(order, key, value));
        }
        let entries = &mut stack[base..];
        if !latin1 {
            // Byte prefixes do not compare with other kinds' characters.
            for entry in entries.iter_mut() {
                entry.order = units_of(entry.key.ptr()).map_or(0, code_point_prefix);
            }
        }
        // A dict's keys are distinct, so the order is total and the sort
        // needs no stability. Equal prefixes say nothing (a shorter key is
        // padded with zeros, as "a\0" would be): the whole keys decide.
        entries.sort_unstable_by(|a, b| {
            a.order
                .cmp(&b.order)
                .then_with(|| compare_strs(a.key.ptr(), b.key.ptr()))
        });
    }
    true
}

/// The first 8 latin-1 characters of a key, big-endian and padded with
/// zeros: numbers in the keys' order wherever they differ. A key shorter
/// than 8 is read by two loads that overlap (4 to 7 characters) or three
/// (1 to 3), not a character at a time: a loop over short keys of mixed
/// lengths mispredicts its end at most keys.
#[inline(always)]
fn byte_prefix(units: &[u8]) -> u64 {
    let len = units.len();
    if let Some(head) = units.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    if len >= 4 {
        let word = |at: usize| u64::from(u32::from_be_bytes(units[at..at + 4].try_into().unwrap()));
        // The last 4 characters shifted to end at character `len - 1`.
        return word(0) << 32 | word(len - 4) << (8 * (8 - len));
    }
    if len == 0 {
        return 0;
    }
    let at = |i: usize| u64::from(units[i]) << (56 - 8 * i);
    at(0) | at(len / 2) | at(len - 1)
}

/// The first 3 characters of a key of any kind, 21 bits each (every code
/// point fits), padded with zeros: as `byte_prefix`, for dicts whose keys
/// are not all latin-1.
fn code_point_prefix(units: Units<'_>) -> u64 {
    code_points(units)
        .chain(std::iter::repeat(0))
        .take(3)
        .fold(0, |prefix, c| prefix << 21 | u64::from(c))
}
/// The order of two compact strs by code point, as Python compares strs.
fn compare_strs(a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> Ordering {
    // SAFETY: both are live compact strs (`push_sorted_entries` takes no
    // other key), read while they live.
    let (Some(a), Some(b)) = (unsafe { units_of(a) }, unsafe { units_of(b) }) else {
        return Ordering::Equal;
    };
    match (a, b) {
        (Units::One(a), Units::One(b)) => a.cmp(b),
        (Units::Two(a), Units::Two(b)) => a.cmp(b),
        (Units::Four(a), Units::Four(b)) => a.cmp(b),
        _ => code_points(a).cmp(code_points(b)),
    }
}

fn code_points(units: Units<'_>) -> impl Iterator<Item = u32> + '_ {
    let (one, two, four) = match units {
        Units::One(units) => (units, &[][..], &[][..]),
        Units::Two(units) => (&[][..], units, &[][..]),
        Units::Four(units) => (&[][..], &[][..], units),
    };
    one.iter()
        .map(|&u| u32::from(u))
        .chain(two.iter().map(|&u| u32::from(u)))
        .chain(four.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::byte_prefix;

    /// The overlapping loads give the first 8 characters padded with zeros,
    /// at every length, for characters with every bit pattern.
    #[test]
    fn byte_prefixes_are_the_padded_first_eight() {
        let text: Vec<u8> = (0..12u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(0x81))
            .collect();
        for len in 0..=text.len() {
            let units = &text[..len];
            let mut head = [0u8; 8];
            for (slot, &unit) in head.iter_mut().zip(units) {
                *slot = unit;
            }
            assert_eq!(byte_prefix(units), u64::from_be_bytes(head), "length {len}");
        }
    }
}
