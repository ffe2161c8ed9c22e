//! Lists of numbers written without the writer's per-item dispatch: a
//! list's leading run of floats (numbers.json, mesh's vertex arrays), a
//! short list of nothing but floats (GeoJSON coordinate pairs), and an int
//! or a float among a list's items (`item_runs`). The floats are gathered first, then
//! formatted in one loop with one reservation. Such runs hold no container,
//! so no Python code runs and no cycle can form while they are written.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyList;

use super::breaks::{ItemBreak, LineBreak};
use super::float_repr::{format_values, repr_into, MAX_REPR};
use super::parallel::{is_long, threads_min};
use crate::api::memory::vec_with_room;
use crate::phase1::dispatch::list_items;
use crate::phase1::layout::int_value;
use crate::text::int_repr::write_i64_at;
use crate::text::sink::{store_comma, Sink};

/// Appends finite `values` as the items of a compact array (`,` between
/// them, no brackets): a chunk per reservation, a long slice on several
/// threads (`parallel::write_floats`). numpy's float64 rows.
pub fn write_finite_floats<S: Sink>(values: &[f64], out: &mut S) {
    if super::parallel::is_long(values.len()) {
        super::parallel::write_floats(values, out);
        return;
    }
    for (i, chunk) in values.chunks(RUN_CHUNK).enumerate() {
        out.reserve(chunk.len() * (MAX_REPR + 1));
        let len = out.len();
        // SAFETY: room for every value and its comma, reserved; the values
        // are finite (the caller's contract).
        unsafe {
            let written = format_values(chunk, i > 0, out.as_mut_ptr().add(len));
            out.set_len(len + written);
        }
    }
}

/// Floats gathered at a time (and formatted per reservation by `write_float_run`).
pub(super) const RUN_CHUNK: usize = 64;

/// Appends the leading run of exact, finite floats among `items` (the
/// items of a list, whose `[` was just written) as array items, with `,`
/// between them; returns how many it wrote. The values are gathered a
/// chunk at a time and formatted in one loop, saving the writer's dispatch,
/// reservation and comma per float (`benches/callgrind.py dumps_bytes numbers.json`).
///
/// # Safety
/// The GIL is held and `items` are live objects, which this reads without
/// running Python code.
#[inline(always)]
pub unsafe fn write_float_run<S: Sink>(items: &[*mut ffi::PyObject], out: &mut S) -> usize {
    let mut done = 0;
    let mut values = [0.0f64; RUN_CHUNK];
    for chunk in items.chunks(RUN_CHUNK) {
        // SAFETY: the caller's items.
        let count = unsafe { gather(chunk, &mut values) };
        out.reserve(count * (MAX_REPR + 1));
        let len = out.len();
        // SAFETY: room for every value and its comma, reserved.
        unsafe {
            let written = format_values(&values[..count], done > 0, out.as_mut_ptr().add(len));
            out.set_len(len + written);
        }
        done += count;
        if count < chunk.len() {
            break;
        }
    }
    done
}

/// Stores a list item at `dst` (after a comma if `comma`) when `item` is
/// an exact int that fits an `i64` (past one: the writer's own path);
/// returns how many bytes, or None.
///
/// # Safety
/// `item` is a live object, and `dst` has `int_repr::ROOM + 1` writable bytes.
#[inline(always)]
pub(super) unsafe fn write_int_item(
    item: *mut ffi::PyObject,
    comma: bool,
    dst: *mut u8,
) -> Option<usize> {
    // SAFETY: an exact int's value is read; it fits the room after the comma.
    unsafe {
        if ffi::Py_TYPE(item) != std::ptr::addr_of_mut!(ffi::PyLong_Type) {
            return None;
        }
        let value = int_value(item)?;
        Some(usize::from(comma) + write_i64_at(value, store_comma(comma, dst)))
    }
}

/// Stores a list item at `dst` (after a comma if `comma`) when `item` is
/// a finite float (NaN and infinity follow `allow_nan`: the writer's own
/// path); returns how many bytes, or None.
///
/// # Safety
/// `item` is a live exact float, and `dst` has `MAX_REPR + 1` writable bytes.
#[inline(always)]
pub(super) unsafe fn write_float_item(
    item: *mut ffi::PyObject,
    comma: bool,
    dst: *mut u8,
) -> Option<usize> {
    // SAFETY: an exact float's value is its field; its repr fits the room
    // after the comma.
    unsafe {
        let value = ffi::PyFloat_AS_DOUBLE(item);
        if !value.is_finite() {
            return None;
        }
        Some(usize::from(comma) + repr_into(value, store_comma(comma, dst)))
    }
}

/// The longest list `write_short_float_list` takes; longer ones go through
/// the writer's loop (and `write_float_run`).
pub const SHORT_LIST: usize = 7;

/// Appends `[...]` for a short list (1 to SHORT_LIST items) of nothing but exact,
/// finite floats, `items` its items; false, with nothing written, for any
/// other list. A GeoJSON coordinate pair written this way skips the list
/// writer's frame, its item dispatch and a reservation per float
/// (`benches/callgrind.py dumps_bytes canada.json`).
///
/// # Safety
/// The GIL is held and `items` are live objects, which this reads without
/// running Python code.
#[inline(never)]
pub unsafe fn write_short_float_list<S: Sink>(items: &[*mut ffi::PyObject], out: &mut S) -> bool {
    let mut values = [0.0f64; SHORT_LIST];
    if items.len() > SHORT_LIST {
        return false;
    }
    // SAFETY: the caller's items.
    let count = unsafe { gather(items, &mut values) };
    if count < items.len() {
        return false;
    }
    out.reserve(2 + count * (MAX_REPR + 1));
    let len = out.len();
    // SAFETY: room for the brackets, every value and its comma, reserved.
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        dst.write(b'[');
        let written = format_values(&values[..count], false, dst.add(1));
        dst.add(1 + written).write(b']');
        out.set_len(len + written + 2);
    }
    true
}

/// `write_short_float_list` in the other layouts: each value after the
/// break `inner` (without its separator before the first), and the `]`
/// after `outer` (the list's own level, without its separator).
///
/// # Safety
/// As `write_short_float_list`.
#[inline(never)]
pub unsafe fn write_broken_short_float_list<S: Sink>(
    items: &[*mut ffi::PyObject],
    inner: LineBreak,
    outer: LineBreak,
    out: &mut S,
) -> bool {
    let mut values = [0.0f64; SHORT_LIST];
    if items.len() > SHORT_LIST {
        return false;
    }
    // SAFETY: the caller's items.
    let count = unsafe { gather(items, &mut values) };
    if count < items.len() {
        return false;
    }
    out.reserve(2 + count * (MAX_REPR + LineBreak::ROOM) + LineBreak::ROOM);
    let len = out.len();
    // SAFETY: room for the brackets, every value and every break, reserved.
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        dst.write(b'[');
        let mut end = 1;
        for (i, &value) in values[..count].iter().enumerate() {
            end += inner.store(i > 0, dst.add(end));
            end += repr_into(value, dst.add(end));
        }
        end += outer.store(false, dst.add(end));
        dst.add(end).write(b']');
        out.set_len(len + end + 1);
    }
    true
}

/// Copies the values of the leading exact, finite floats of `items` into
/// `values` (as many as fit); returns how many.
///
/// # Safety
/// The GIL is held and `items` are live objects.
#[inline(always)]
pub(super) unsafe fn gather(items: &[*mut ffi::PyObject], values: &mut [f64]) -> usize {
    let mut count = 0;
    for (&item, slot) in items.iter().zip(values.iter_mut()) {
        // SAFETY: a live object's type is read; an exact float's value is its field.
        let value = unsafe {
            if ffi::Py_TYPE(item) != std::ptr::addr_of_mut!(ffi::PyFloat_Type) {
                break;
            }
            ffi::PyFloat_AS_DOUBLE(item)
        };
        if !value.is_finite() {
            break; // NaN and infinity follow `allow_nan`: the usual path
        }
        *slot = value;
        count += 1;
    }
    count
}

/// The values of `list` when it is long enough to be formatted on the
/// threads (`parallel::write_floats`) and holds only exact, finite floats;
/// `None` otherwise (the caller writes it item by item).
#[inline(always)]
pub fn float_values(list: &Bound<'_, PyList>) -> Option<Vec<f64>> {
    if list.len() < threads_min() {
        return None;
    }
    collect_float_values(list)
}

#[inline(never)]
fn collect_float_values(list: &Bound<'_, PyList>) -> Option<Vec<f64>> {
    if !is_long(list.len()) {
        return None;
    }
    // SAFETY: the GIL is held (`list` is bound) and reading the values runs
    // no Python code.
    let items = unsafe { list_items(list) };
    // Gathered a chunk at a time into the vector's unzeroed capacity: a
    // `vec![0.0; n]` to gather into would have `calloc` zero a reused block
    // first.
    let mut values = vec_with_room(items.len());
    let mut chunk_values = [0.0; RUN_CHUNK];
    for chunk in items.chunks(RUN_CHUNK) {
        // SAFETY: as above. `gather` stops at the first item that is not an
        // exact, finite float (NaN and infinity follow `allow_nan`: the
        // usual path).
        let count = unsafe { gather(chunk, &mut chunk_values) };
        values.extend_from_slice(&chunk_values[..count]);
        if count < chunk.len() {
            return None;
        }
    }
    Some(values)
}
