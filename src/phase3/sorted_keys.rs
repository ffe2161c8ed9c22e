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

use crate::phase1::dispatch::{ready_units, Units};
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
            if !key.is_exact_instance_of::<PyString>()
                || ffi::PyUnicode_IS_COMPACT(key.as_ptr()) == 0
            {
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
    // Both are compact (`sorted_str_entries` takes no other key).
    let (Some(a), Some(b)) = (ready_units(a), ready_units(b)) else {
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
