//! Large documents written on several threads (the pool of `pool.rs`).
//!
//! - A long list whose items make a large text (records, rows): after the
//!   writer has written its first items and so measured their size, the
//!   rest is cut into chunks that the pool's threads write with the worker
//!   writer (`worker_writer.rs`) into their own buffers, each chunk's text
//!   then appended in order. The calling thread holds the GIL and waits, so
//!   no Python code runs and the objects stay as they are. A chunk with
//!   anything the worker writer does not write (`default`, a subclass, an
//!   int past `i64`...) stops the parallel part there: the writer goes on
//!   from that chunk's first item, as it would have, and the chunks after
//!   it are dropped (or never started). The text is the serial writer's.
//! - A long list of floats: the values are copied out of the float objects
//!   first, and the threads see only that `Vec<f64>` and their own buffers.
//!
//! Lists are written in parallel only where object layouts are read in
//! place (`rjson_cpython_layouts`); elsewhere the writer writes alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use pyo3::prelude::*;
use pyo3::types::PyList;
use rayon::prelude::*;
use rayon::ThreadPool;

use super::float_repr::write_float_repr;
use super::number_lists::{gather, RUN_CHUNK};
use super::pool::{pool, threads};
use crate::api::memory::vec_with_room;
use crate::api::options::size_switch;
use crate::phase1::dispatch::list_items;
use crate::text::sink::Sink;

/// Lists of at least this many floats are formatted in parallel
/// (`RJSON_THREADS_MIN` overrides, for measuring).
fn threads_min() -> usize {
    static MIN: OnceLock<usize> = OnceLock::new();
    size_switch(&MIN, "RJSON_THREADS_MIN", 32_768)
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
/// no brackets), formatted by the pool's threads (by this thread alone
/// when there is no pool).
pub fn write_floats<S: Sink>(values: &[f64], out: &mut S) {
    let write_part = |part: &[f64]| {
        let mut text = vec_with_room(part.len() * 20);
        for (i, &value) in part.iter().enumerate() {
            if i > 0 {
                Sink::push(&mut text, b',');
            }
            write_float_repr(value, &mut text);
        }
        text
    };
    let Some(pool) = pool() else {
        out.extend_from_slice(&write_part(values));
        return;
    };
    let chunk = values.len().div_ceil(threads());
    let parts: Vec<Vec<u8>> = pool.install(|| values.par_chunks(chunk).map(write_part).collect());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(part);
    }
}

#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
pub use lists::{write_list_items, LIST_MIN, SAMPLE_ITEMS};

#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
mod lists {
    use super::*;
    use crate::phase3::worker_writer::{Layout, WorkerWriter};
    use pyo3::ffi;

    /// Lists at least this long are measured for parallel writing; shorter
    /// ones cost the writer one comparison.
    pub const LIST_MIN: usize = 256;

    /// Items the writer writes first, by which the list's text is measured.
    pub const SAMPLE_ITEMS: usize = 64;

    /// Chunks a thread: more than one, so that a thread that ends early
    /// takes another.
    const CHUNKS_PER_THREAD: usize = 8;

    /// Text (estimated from the first items) from which a list's items are
    /// written in parallel (`RJSON_PARALLEL_MIN_BYTES` overrides, for
    /// measuring).
    fn parallel_min_bytes() -> usize {
        static MIN: OnceLock<usize> = OnceLock::new();
        size_switch(&MIN, "RJSON_PARALLEL_MIN_BYTES", 1 << 20)
    }

    /// Chunk buffers kept between calls, up to `KEPT_BYTES` of them: a
    /// buffer written before has its pages mapped, and a fresh one's page
    /// faults (two threads faulting in one process contend for its page
    /// tables) cost as much as the chunk's writing.
    static KEPT: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

    /// Most bytes of chunk buffers kept between calls.
    const KEPT_BYTES: usize = 64 << 20;

    /// An empty chunk buffer with room for about `len` bytes.
    fn chunk_buffer(len: usize) -> Vec<u8> {
        let kept = KEPT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let mut buffer = kept.unwrap_or_default();
        crate::api::memory::reserve(&mut buffer, len);
        buffer
    }

    /// Keeps `buffers` for the next calls, up to `KEPT_BYTES` in all.
    fn keep_buffers(buffers: impl Iterator<Item = Vec<u8>>) {
        let mut kept = KEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut total: usize = kept.iter().map(Vec::capacity).sum();
        for mut buffer in buffers {
            if total + buffer.capacity() > KEPT_BYTES {
                break;
            }
            total += buffer.capacity();
            buffer.clear();
            kept.push(buffer);
        }
    }

    /// Appends `texts` to `out`, each copied by one of the pool's threads
    /// to its place: the output's fresh pages are faulted in (zeroed by
    /// the kernel) on every thread, not on the calling one alone, where
    /// they cost as much as the threads' writing.
    fn append_in_parallel<S: Sink>(pool: &ThreadPool, texts: &[Vec<u8>], out: &mut S) {
        let total = texts.iter().map(Vec::len).sum();
        if total == 0 {
            return;
        }
        out.reserve(total);
        let len = out.len();
        // SAFETY: `total` bytes are reserved at `len`.
        let start = Place(unsafe { out.as_mut_ptr().add(len) });
        let mut offsets = Vec::with_capacity(texts.len());
        offsets.extend(texts.iter().scan(0, |offset, text| {
            let at = *offset;
            *offset += text.len();
            Some(at)
        }));
        pool.install(|| {
            texts.par_iter().zip(&offsets).for_each(|(text, &offset)| {
                // SAFETY: the texts' places are disjoint and within the
                // reserved room.
                unsafe { start.copy(text, offset) }
            })
        });
        // SAFETY: every byte up to `len + total` is written.
        unsafe { out.set_len(len + total) };
        out.checkpoint();
    }

    /// Where the appended texts start in the output.
    #[derive(Clone, Copy)]
    struct Place(*mut u8);
    // SAFETY: each thread writes its own disjoint range of the place, and
    // the calling thread reads none of it until all are done.
    unsafe impl Sync for Place {}
    unsafe impl Send for Place {}

    impl Place {
        /// # Safety
        /// `offset..offset + text.len()` is within the room and no other
        /// thread writes it.
        unsafe fn copy(self, text: &[u8], offset: usize) {
            // SAFETY: the caller's.
            unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), self.0.add(offset), text.len()) }
        }
    }

    /// A list's items, shared with the pool's threads.
    struct Items<'a>(&'a [*mut ffi::PyObject]);
    // SAFETY: the threads only read the objects (the worker writer takes no
    // reference and calls no C API), while the thread that holds the GIL
    // waits for them: nothing changes the objects meanwhile.
    unsafe impl Sync for Items<'_> {}

    impl Items<'_> {
        /// The items from `start`, up to `len` of them.
        fn chunk(&self, start: usize, len: usize) -> &[*mut ffi::PyObject] {
            &self.0[start..(start + len).min(self.0.len())]
        }
    }

    /// Writes the items of an open list from `at` on (the first `sample`
    /// already written, in `sample_bytes` bytes), on the pool's threads,
    /// when the rest's text is large enough to pay; returns the index of
    /// the first item left to the writer (the list's length when all are
    /// written). `level` is the list's indentation level, `depth_left` the
    /// containers that may still be entered.
    ///
    /// # Safety
    /// The GIL is held, `items` are the list's live items and no Python
    /// code runs during the call.
    pub unsafe fn write_list_items<S: Sink, const COMPACT: bool>(
        items: &[*mut ffi::PyObject],
        at: usize,
        (sample, sample_bytes): (usize, usize),
        layout: Layout<'_>,
        (level, depth_left): (usize, usize),
        out: &mut S,
    ) -> usize {
        let rest = items.len().saturating_sub(at);
        if sample == 0 || rest == 0 || sample_bytes / sample * rest < parallel_min_bytes() {
            return at;
        }
        let Some(pool) = pool() else {
            return at;
        };
        let chunk_len = rest.div_ceil(threads() * CHUNKS_PER_THREAD);
        let bytes_per_item = sample_bytes.div_ceil(sample) + 1;
        let chunks = rest.div_ceil(chunk_len);
        let shared = Items(&items[at..]);
        // The first chunk that needs the writer: chunks after it are not written.
        let first_stopped = AtomicUsize::new(usize::MAX);
        let write_chunk = |index: usize| {
            if index > first_stopped.load(Ordering::Relaxed) {
                return None;
            }
            let chunk = shared.chunk(index * chunk_len, chunk_len);
            let mut text = chunk_buffer(chunk.len() * bytes_per_item * 9 / 8);
            let mut writer = WorkerWriter::<_, COMPACT>::new(&mut text, layout, level, depth_left);
            for &item in chunk {
                // SAFETY: the caller's items, which nothing changes while
                // the pool writes.
                if unsafe { writer.item(item, false) }.is_err() {
                    first_stopped.fetch_min(index, Ordering::Relaxed);
                    return None;
                }
            }
            Some(text)
        };
        let mut texts: Vec<Option<Vec<u8>>> =
            pool.install(|| (0..chunks).into_par_iter().map(write_chunk).collect());
        // The chunks before the first one left to the writer.
        let kept = texts.iter().position(Option::is_none).unwrap_or(chunks);
        let texts: Vec<Vec<u8>> = texts.drain(..kept).flatten().collect();
        append_in_parallel(pool, &texts, out);
        let written = if kept == chunks {
            items.len()
        } else {
            at + kept * chunk_len
        };
        keep_buffers(texts.into_iter());
        written
    }
}
