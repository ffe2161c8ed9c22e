//! Long lists of floats formatted by several threads. Formatting a float is
//! the writer's most expensive leaf (~100 instructions), and a list of
//! floats is plain data once read: the values are copied out of the float
//! objects first, with the GIL held, and the worker threads see only that
//! `Vec<f64>` and their own output buffers, never a Python object or a
//! reference count. Threads are scoped to the call (std::thread::scope), not
//! a pool: a pool's threads would not survive `fork`, and nothing outlives
//! the call.
//!
//! Threads pay only from tens of thousands of floats (`RJSON_THREADS_MIN`
//! moves the threshold for measuring); below `threads_min()` the list is written inline as usual.

use crate::api::memory::vec_with_room;
use crate::text::sink::Sink;
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyList;

use super::float_repr::write_float_repr;
use super::number_lists::{gather, RUN_CHUNK};
use crate::api::options::size_switch;
use crate::phase1::dispatch::list_items;

/// Lists of at least this many floats are formatted in parallel
/// (`RJSON_THREADS_MIN` overrides, for measuring).
fn threads_min() -> usize {
    static MIN: OnceLock<usize> = OnceLock::new();
    size_switch(&MIN, "RJSON_THREADS_MIN", 32_768)
}

/// The threads to format on: the CPUs this process may use (up to 8), found
/// once.
fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
    })
}

/// Whether `len` floats are formatted on several threads.
pub fn is_long(len: usize) -> bool {
    len >= threads_min() && threads() >= 2
}

/// The values of `list` when it is long enough and holds only exact, finite
/// floats; `None` otherwise (the caller writes it item by item).
#[inline(always)]
pub fn float_values(list: &Bound<'_, PyList>) -> Option<Vec<f64>> {
    if list.len() < threads_min() {
        return None;
    }
    collect_float_values(list)
}

#[inline(never)]
fn collect_float_values(list: &Bound<'_, PyList>) -> Option<Vec<f64>> {
    if threads() < 2 {
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

/// Appends `values` as the items of a compact JSON array (`,` between them,
/// no brackets), formatted by `threads()` threads.
pub fn write_floats<S: Sink>(values: &[f64], out: &mut S) {
    let chunk = values.len().div_ceil(threads());
    let parts: Vec<std::thread::Result<Vec<u8>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = values
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut text = vec_with_room(part.len() * 20);
                    for (i, &value) in part.iter().enumerate() {
                        if i > 0 {
                            Sink::push(&mut text, b',');
                        }
                        write_float_repr(value, &mut text);
                    }
                    text
                })
            })
            .collect();
        // Every worker joined before any unwind goes on: the scope would
        // otherwise panic again, over a worker's unwind (an abort).
        workers.into_iter().map(|worker| worker.join()).collect()
    });
    for (i, part) in parts.into_iter().enumerate() {
        // A worker's unwind (out of memory) goes on in the writer's thread.
        let part = part.unwrap_or_else(|unwind| std::panic::resume_unwind(unwind));
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&part);
    }
}
