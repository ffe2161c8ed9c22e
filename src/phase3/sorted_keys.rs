//! `sort_keys=True` for an exact dict whose keys are all exact, compact
//! strs: its entries are taken once (strong references, since writing a
//! value may run Python code) and sorted by comparing the keys' own code
//! units, which is Python's order for strs, with no Python call. Any other
//! key sends the dict to the general path (a snapshot sorted by Python,
//! which raises `TypeError` for keys that do not compare, as `json` does).

use std::cmp::Ordering;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::phase1::layout::dict_next;

/// A dict's entries, owned.
pub type Entries<'py> = Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

/// The entries of the exact dict `dict` sorted by key, when every key is an
/// exact compact str; `None` (and nothing changed) otherwise.
pub fn sorted_str_entries<'py>(dict: &Bound<'py, PyDict>) -> Option<Entries<'py>> {
    let py = dict.py();
    let mut entries = Entries::with_capacity(dict.len());
    let mut position = 0;
    // SAFETY: the GIL is held and `dict` is an exact live dict; `dict_next`
    // lends each key and value, which are owned at once, and no Python code
    // runs while the table is read.
    unsafe {
        while let Some((key, value)) = dict_next(dict.as_ptr(), &mut position) {
            let key = Bound::from_borrowed_ptr(py, key);
            if !key.is_exact_instance_of::<PyString>() || ffi::PyUnicode_IS_COMPACT(key.as_ptr()) == 0 {
                return None;
            }
            entries.push((key, Bound::from_borrowed_ptr(py, value)));
        }
    }
    // A dict's keys are distinct, so the order is total and the sort needs
    // no stability.
    entries.sort_unstable_by(|a, b| compare_strs(&a.0, &b.0));
    Some(entries)
}

/// The order of two compact strs by code point, as Python compares strs.
fn compare_strs(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> Ordering {
    let (a, b) = (units(a), units(b));
    match (a, b) {
        (Units::One(a), Units::One(b)) => a.cmp(b),
        (Units::Two(a), Units::Two(b)) => a.cmp(b),
        (Units::Four(a), Units::Four(b)) => a.cmp(b),
        _ => a.code_points().cmp(b.code_points()),
    }
}

/// A compact str's characters in its own kind.
#[derive(Clone, Copy)]
enum Units<'a> {
    One(&'a [u8]),
    Two(&'a [u16]),
    Four(&'a [u32]),
}

impl<'a> Units<'a> {
    fn code_points(self) -> impl Iterator<Item = u32> + 'a {
        let (one, two, four) = match self {
            Units::One(units) => (units, &[][..], &[][..]),
            Units::Two(units) => (&[][..], units, &[][..]),
            Units::Four(units) => (&[][..], &[][..], units),
        };
        one.iter()
            .map(|&u| u32::from(u))
            .chain(two.iter().map(|&u| u32::from(u)))
            .chain(four.iter().copied())
    }
}

/// The units of `text`, an exact compact str (checked by the caller).
fn units<'a>(text: &'a Bound<'_, PyAny>) -> Units<'a> {
    let ptr = text.as_ptr();
    // SAFETY: a compact str's data follows its header, `length` units of
    // its kind's width, alive as long as the str (borrowed for 'a).
    unsafe {
        let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
        let data = ffi::PyUnicode_DATA(ptr);
        match ffi::PyUnicode_KIND(ptr) {
            ffi::PyUnicode_1BYTE_KIND => Units::One(std::slice::from_raw_parts(data.cast(), len)),
            ffi::PyUnicode_2BYTE_KIND => Units::Two(std::slice::from_raw_parts(data.cast(), len)),
            _ => Units::Four(std::slice::from_raw_parts(data.cast(), len)),
        }
    }
}
