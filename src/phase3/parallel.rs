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
use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyList;
use rayon::prelude::*;

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
    use std::cell::RefCell;
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::phase3::worker_writer::{Layout, WorkerWriter};
    use pyo3::ffi;

    /// Lists at least this long are measured for parallel writing; shorter
    /// ones cost the writer one comparison.
    pub const LIST_MIN: usize = 256;

    /// Items the writer writes first, by which the list's text is measured.
    pub const SAMPLE_ITEMS: usize = 64;

    /// The text a chunk aims at: small enough to be still in the core's
    /// cache when it is copied to its place, large enough that the turns
    /// cost nothing beside it.
    const CHUNK_BYTES: usize = 256 << 10;

    /// A chunk buffer larger than this is not kept by its thread.
    const MAX_KEPT: usize = 4 * CHUNK_BYTES;

    thread_local! {
        /// A worker thread's chunk buffer, kept from chunk to chunk and call
        /// to call: its pages stay mapped.
        static CHUNK: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    /// Text (estimated from the first items) from which a list's items are
    /// written in parallel (`RJSON_PARALLEL_MIN_BYTES` overrides, for
    /// measuring).
    fn parallel_min_bytes() -> usize {
        static MIN: OnceLock<usize> = OnceLock::new();
        size_switch(&MIN, "RJSON_PARALLEL_MIN_BYTES", 1 << 20)
    }

    /// Writes the items of an open list from `at` on (the `sample` before
    /// them written in `sample_bytes` bytes) on the pool's threads, when
    /// their text is large enough to pay; returns the index of the first
    /// item left to the writer (the list's length when all are written).
    /// `level` is the list's indentation level, `depth_left` the containers
    /// that may still be entered.
    ///
    /// The threads write chunks of items in turn into their own buffers
    /// and copy each to its place in `out` as soon as the chunks before it
    /// are placed. `out` is given room for the text estimated; a chunk that
    /// does not fit ends the round, and the next round (with room for the
    /// rest estimated by what is written) goes on from it. A chunk that
    /// needs the writer (`NeedsPython`) ends the parallel part.
    ///
    /// # Safety
    /// The GIL is held, `items` are the list's live items and no Python
    /// code runs during the call.
    pub unsafe fn write_list_items<S: Sink, const COMPACT: bool>(
        items: &[*mut ffi::PyObject],
        mut at: usize,
        (sample, sample_bytes): (usize, usize),
        layout: Layout<'_>,
        (level, depth_left): (usize, usize),
        out: &mut S,
    ) -> usize {
        let (mut measured, mut measured_bytes) = (sample, sample_bytes);
        while at < items.len() && measured > 0 {
            let rest = items.len() - at;
            let bytes_per_item = measured_bytes.div_ceil(measured);
            if bytes_per_item * rest < parallel_min_bytes() {
                break;
            }
            let Some(pool) = pool() else {
                break;
            };
            let round = Round {
                items: Items(&items[at..]),
                chunk_len: (CHUNK_BYTES / bytes_per_item.max(1)).clamp(1, rest),
                layout,
                indent: (level, depth_left),
                next: AtomicUsize::new(0),
                placed: AtomicUsize::new(0),
                end: AtomicUsize::new(0),
                stopped: AtomicBool::new(false),
                needs_python: AtomicBool::new(false),
            };
            // Room for the estimate and a chunk more: asking for more than
            // the output's room (sized by the previous result) reallocates
            // it, a copy of the whole room.
            let room = bytes_per_item * rest + CHUNK_BYTES;
            out.reserve(room);
            let len = out.len();
            // SAFETY: `room` bytes are reserved at `len`.
            let place = Place(unsafe { out.as_mut_ptr().add(len) }, room);
            pool.broadcast(|_| round.work::<COMPACT>(place));
            let (placed, end) = (round.placed.into_inner(), round.end.into_inner());
            // SAFETY: the placed chunks' text fills the first `end` bytes.
            unsafe { out.set_len(len + end) };
            out.checkpoint();
            let written = (placed * round.chunk_len).min(rest);
            at += written;
            if round.needs_python.into_inner() || written == 0 {
                break;
            }
            (measured, measured_bytes) = (written, end);
        }
        at
    }

    /// One round of chunks, shared by the pool's threads.
    struct Round<'a> {
        items: Items<'a>,
        chunk_len: usize,
        layout: Layout<'a>,
        /// The list's indentation level and the containers left to enter.
        indent: (usize, usize),
        /// The next chunk to take.
        next: AtomicUsize,
        /// The chunks placed (in order): the next one to place.
        placed: AtomicUsize,
        /// The bytes the placed chunks take.
        end: AtomicUsize,
        /// No more chunks are placed: one needs the writer, or does not fit.
        stopped: AtomicBool,
        needs_python: AtomicBool,
    }

    impl Round<'_> {
        /// A thread's part: takes chunks in order until none is left or the
        /// round stops.
        fn work<const COMPACT: bool>(&self, place: Place) {
            // A thread that unwinds (out of memory) stops the round, so that
            // no other waits for its chunk's turn; the unwind goes on in the
            // calling thread, which raises `MemoryError`.
            let _stop_on_unwind = StopOnUnwind(&self.stopped);
            CHUNK.with(|chunk| {
                let mut text = chunk.borrow_mut();
                loop {
                    let index = self.next.fetch_add(1, Ordering::Relaxed);
                    let start = index * self.chunk_len;
                    if start >= self.items.0.len() || self.stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    text.clear();
                    let fits = self.write_chunk::<COMPACT>(start, &mut text);
                    if !self.place(index, &text, fits, place) {
                        break;
                    }
                }
                if text.capacity() > MAX_KEPT {
                    *text = Vec::new();
                }
            });
        }

        /// Writes the chunk from item `start` into `text`; false when an
        /// item needs the writer.
        fn write_chunk<const COMPACT: bool>(&self, start: usize, text: &mut Vec<u8>) -> bool {
            let (level, depth_left) = self.indent;
            let mut writer = WorkerWriter::<_, COMPACT>::new(text, self.layout, level, depth_left);
            for &item in self.items.chunk(start, self.chunk_len) {
                // SAFETY: the list's live items, which nothing changes while
                // the pool writes (`write_list_items`' contract).
                if unsafe { writer.item(item, false) }.is_err() {
                    return false;
                }
            }
            true
        }

        /// Waits for the chunks before chunk `index` to be placed, then
        /// places `text` after them and copies it there; false (nothing
        /// placed, the round stopped) when `written` is false or the text
        /// does not fit the room, or when the round stopped meanwhile.
        fn place(&self, index: usize, text: &[u8], written: bool, place: Place) -> bool {
            let mut spins = 0u32;
            while self.placed.load(Ordering::Acquire) != index {
                if self.stopped.load(Ordering::Relaxed) {
                    return false;
                }
                spins += 1;
                if spins < 64 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
            // Our turn: only this thread changes `end` and `placed` now.
            let offset = self.end.load(Ordering::Relaxed);
            if !written || offset + text.len() > place.1 {
                self.needs_python.store(!written, Ordering::Relaxed);
                self.stopped.store(true, Ordering::Relaxed);
                return false;
            }
            self.end.store(offset + text.len(), Ordering::Relaxed);
            self.placed.store(index + 1, Ordering::Release);
            // SAFETY: `offset..offset + text.len()` is within the room and
            // is this chunk's alone.
            unsafe { place.copy(text, offset) };
            true
        }
    }

    /// Stops the round when dropped by an unwind.
    struct StopOnUnwind<'a>(&'a AtomicBool);

    impl Drop for StopOnUnwind<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                self.0.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Where the round's text goes in the output, and its room.
    #[derive(Clone, Copy)]
    struct Place(*mut u8, usize);
    // SAFETY: each thread writes its own disjoint range of the room, and
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
}
