//! Large documents written on several threads (the pool of `pool.rs`).
//!
//! - A list or dict whose first items put its text at `parallel_min_bytes`
//!   or more (records, rows, a dict of records; in insertion order or
//!   sorted): its first `SAMPLE_ITEMS` are written by the worker writer
//!   (`worker_writer.rs`) on the calling thread, which measures them; the
//!   rest is cut into chunks of about `CHUNK_BYTES` of text, which the
//!   pool's threads take in order and write with the worker writer into
//!   their own buffers, each copying its chunk to its place in the output
//!   as soon as the chunks before it are placed. The calling thread holds
//!   the GIL and waits, so no Python code runs and the objects stay as they
//!   are. At an item the worker writer does not write (`default`, a
//!   subclass, an int past `i64`...) the round ends, the items before it
//!   placed: the writer writes it, as it would have, and (for a list) starts
//!   another round after it when the threads' text before it paid. The
//!   text is the serial writer's.
//! - A long list of floats: the values are copied out of the float objects
//!   first (`number_lists::float_values`), and the threads see only that
//!   `Vec<f64>` and their own buffers.
//!
//! Lists and dicts are written in parallel only where object layouts are
//! read in place (`rjson_cpython_layouts`); elsewhere the writer writes
//! alone.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::sync::OnceLock;

use rayon::prelude::*;

use super::float_repr::write_float_repr;
use super::pool::{pool, threads};
use crate::api::memory::vec_with_room;
use crate::api::options::size_switch;
use crate::text::sink::Sink;

/// Lists of at least this many floats are formatted in parallel
/// (`RJSON_THREADS_MIN` overrides, for measuring).
pub fn threads_min() -> usize {
    static MIN: OnceLock<usize> = OnceLock::new();
    size_switch(&MIN, "RJSON_THREADS_MIN", 32_768)
}

/// Whether `len` floats are formatted on several threads.
pub fn is_long(len: usize) -> bool {
    len >= threads_min() && threads() >= 2
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
pub use containers::{parallel_min_bytes, write_dict_entries, write_items, DICT_MIN, LIST_MIN};

#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
mod containers {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;
    use crate::phase1::layout::cpython::{has_combined_table, table_len};
    use crate::phase1::layout::dict_next;
    use crate::phase3::worker_writer::{Layout, WorkerWriter};
    use pyo3::ffi;

    /// Lists at least this long are measured for parallel writing; shorter
    /// ones cost the writer one comparison.
    pub const LIST_MIN: usize = 256;

    /// Dicts of at least this many entries are measured for parallel
    /// writing.
    pub const DICT_MIN: usize = 256;

    /// Items (or entries) written first, by which the text is measured.
    const SAMPLE_ITEMS: usize = 64;

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

    /// Text (estimated from the first items) from which a container's
    /// items are written in parallel (`RJSON_PARALLEL_MIN_BYTES`
    /// overrides, for measuring). On 2 cores, lists of small records
    /// (`benches/parallel.py`, threads at every size against one): 0.29 MB
    /// 0.71x, 0.57 MB 1.37x, 1.15 MB 1.62x.
    pub fn parallel_min_bytes() -> usize {
        static MIN: OnceLock<usize> = OnceLock::new();
        size_switch(&MIN, "RJSON_PARALLEL_MIN_BYTES", 1 << 20)
    }

    /// Where a container's items are, as positions a round cuts into
    /// chunks.
    trait Positions: Sync {
        /// The positions from `at` on, which the rounds' chunks count from.
        fn from(&self, at: usize) -> Self;
        fn len(&self) -> usize;
        /// Writes the items of positions `start..start + len` (after their
        /// separators); at one that needs the writer, its position, the
        /// items before it written.
        fn write<S: Sink, const COMPACT: bool>(
            &self,
            writer: &mut WorkerWriter<'_, S, COMPACT>,
            start: usize,
            len: usize,
        ) -> Result<(), usize>;
    }

    /// What a slice written in parallel holds: a list's items, or a dict's
    /// entries as (key, value) pairs in the order they are written
    /// (`sort_keys`).
    pub trait SliceItem: Copy {
        /// Writes it with its separator (none if `first`); false, with
        /// nothing written, when it needs the writer.
        ///
        /// # Safety
        /// The objects are live, and no Python code runs meanwhile.
        unsafe fn write<S: Sink, const COMPACT: bool>(
            self,
            writer: &mut WorkerWriter<'_, S, COMPACT>,
            first: bool,
        ) -> bool;
    }

    impl SliceItem for *mut ffi::PyObject {
        unsafe fn write<S: Sink, const COMPACT: bool>(
            self,
            writer: &mut WorkerWriter<'_, S, COMPACT>,
            first: bool,
        ) -> bool {
            // SAFETY: the caller's item.
            unsafe { writer.item(self, first) }.is_ok()
        }
    }

    impl SliceItem for (*mut ffi::PyObject, *mut ffi::PyObject) {
        unsafe fn write<S: Sink, const COMPACT: bool>(
            self,
            writer: &mut WorkerWriter<'_, S, COMPACT>,
            first: bool,
        ) -> bool {
            // SAFETY: the caller's key and value.
            unsafe { writer.dict_item(self.0, self.1, first) }.is_ok()
        }
    }

    /// A slice's items from the first of a round.
    struct Slice<'a, T>(&'a [T]);
    // SAFETY: the threads only read the objects (the worker writer takes no
    // reference and calls no C API), while the thread that holds the GIL
    // waits for them: nothing changes the objects meanwhile.
    unsafe impl<T: SliceItem> Sync for Slice<'_, T> {}

    impl<T: SliceItem> Positions for Slice<'_, T> {
        fn from(&self, at: usize) -> Self {
            Slice(&self.0[at..])
        }
        fn len(&self) -> usize {
            self.0.len()
        }
        fn write<S: Sink, const COMPACT: bool>(
            &self,
            writer: &mut WorkerWriter<'_, S, COMPACT>,
            start: usize,
            len: usize,
        ) -> Result<(), usize> {
            let end = (start + len).min(self.0.len());
            for (at, &item) in self.0[start..end].iter().enumerate() {
                // SAFETY: the slice's live objects, which nothing changes
                // while the pool writes.
                if !unsafe { item.write(writer, false) } {
                    return Err(start + at);
                }
            }
            Ok(())
        }
    }

    /// A combined dict table's entries from position `from` to `to`.
    struct DictEntries {
        dict: *mut ffi::PyObject,
        from: usize,
        to: usize,
    }
    // SAFETY: as `Slice`: the table and its objects are only read,
    // while nothing changes them.
    unsafe impl Sync for DictEntries {}

    impl Positions for DictEntries {
        fn from(&self, at: usize) -> Self {
            DictEntries {
                dict: self.dict,
                from: at,
                to: self.to,
            }
        }
        fn len(&self) -> usize {
            self.to - self.from
        }
        fn write<S: Sink, const COMPACT: bool>(
            &self,
            writer: &mut WorkerWriter<'_, S, COMPACT>,
            start: usize,
            len: usize,
        ) -> Result<(), usize> {
            let end = (self.from + start + len).min(self.to);
            let mut position = (self.from + start) as ffi::Py_ssize_t;
            // SAFETY: a live exact dict with a combined table, which nothing
            // changes while the pool writes; `dict_next` reads it in place
            // and leaves `position` after the entry it lends. An entry found
            // past `end` is the next chunk's.
            unsafe {
                while let Some((key, value)) = dict_next(self.dict, &mut position) {
                    if position as usize > end {
                        break;
                    }
                    if writer.dict_item(key, value, false).is_err() {
                        return Err(position as usize - 1 - self.from);
                    }
                }
            }
            Ok(())
        }
    }

    /// Writes the `items` of an open list, or a dict's entries in order,
    /// from `at` on: the first `SAMPLE_ITEMS` with the worker writer on
    /// this thread, by which the text is measured, and the rest on the
    /// pool's threads when it is large enough to pay. Returns the index of
    /// the first item left to the writer (the length when all are written),
    /// and whether that item needs the writer (else the rest is too small
    /// to pay).
    ///
    /// # Safety
    /// The GIL is held, `items` are live objects and no Python code runs
    /// during the call.
    pub unsafe fn write_items<S: Sink, T: SliceItem, const COMPACT: bool>(
        items: &[T],
        at: usize,
        layout: Layout<'_>,
        indent: (usize, usize),
        out: &mut S,
    ) -> (usize, bool) {
        let mark = out.len();
        let end = (at + SAMPLE_ITEMS).min(items.len());
        let mut done = at;
        {
            let (level, depth_left) = indent;
            let mut writer = WorkerWriter::<S, COMPACT>::new(out, layout, level, depth_left);
            while done < end {
                // SAFETY: the caller's items.
                if !unsafe { items[done].write(&mut writer, done == 0) } {
                    return (done, true);
                }
                done += 1;
            }
        }
        if done == at {
            return (at, false);
        }
        let sample = (done - at, out.len() - mark);
        let items = Slice(items);
        // SAFETY: the caller's.
        unsafe { write_rounds::<S, _, COMPACT>(&items, done, sample, layout, indent, out) }
    }

    /// Writes the entries of the open exact dict `dict` (none written yet),
    /// its first `SAMPLE_ITEMS` with the worker writer on this thread, by
    /// which the text is measured, and the rest on the pool's threads when
    /// it is large enough to pay. Returns where the writer goes on: the
    /// position in the table for `dict_next`, and whether no entry is
    /// written yet.
    ///
    /// # Safety
    /// The GIL is held, `dict` is a live exact dict, and no Python code
    /// runs during the call.
    pub unsafe fn write_dict_entries<S: Sink, const COMPACT: bool>(
        dict: *mut ffi::PyObject,
        layout: Layout<'_>,
        indent: (usize, usize),
        out: &mut S,
    ) -> (ffi::Py_ssize_t, bool) {
        // SAFETY: the caller's dict, read in place where its table is its own.
        unsafe {
            if !has_combined_table(dict) {
                return (0, true);
            }
            let mark = out.len();
            let (mut position, mut sampled) = (0, 0);
            {
                let (level, depth_left) = indent;
                let mut writer = WorkerWriter::<S, COMPACT>::new(out, layout, level, depth_left);
                while sampled < SAMPLE_ITEMS {
                    let before = position;
                    let Some((key, value)) = dict_next(dict, &mut position) else {
                        break;
                    };
                    if writer.dict_item(key, value, sampled == 0).is_err() {
                        return (before, sampled == 0);
                    }
                    sampled += 1;
                }
            }
            if sampled == 0 {
                return (position, true);
            }
            let entries = DictEntries {
                dict,
                from: 0,
                to: table_len(dict),
            };
            let sample = (sampled, out.len() - mark);
            let at = position as usize;
            let (done, _) =
                write_rounds::<S, _, COMPACT>(&entries, at, sample, layout, indent, out);
            (done as ffi::Py_ssize_t, false)
        }
    }

    /// The rounds of a container's positions from `at` on: each cuts the
    /// rest into chunks that the threads write in turn into their own
    /// buffers, copying each to its place in `out` as soon as the chunks
    /// before it are placed. `out` is given room for the text estimated (by
    /// `measured`: items, bytes); a chunk that does not fit ends the round,
    /// and the next round (with room for the rest estimated by what is
    /// written) goes on from it. An item that needs the writer
    /// (`NeedsPython`) ends the parallel part, the items before it placed.
    /// Returns the first position left to the writer, and whether its item
    /// needs the writer.
    ///
    /// # Safety
    /// As `write_items`.
    unsafe fn write_rounds<S: Sink, P: Positions, const COMPACT: bool>(
        positions: &P,
        mut at: usize,
        mut measured: (usize, usize),
        layout: Layout<'_>,
        indent: (usize, usize),
        out: &mut S,
    ) -> (usize, bool) {
        let total = positions.len();
        while at < total && measured.0 > 0 {
            let rest = total - at;
            let bytes_per_item = measured.1.div_ceil(measured.0).max(1);
            let estimate = bytes_per_item.saturating_mul(rest);
            if estimate < parallel_min_bytes() {
                break;
            }
            let Some(pool) = pool() else {
                break;
            };
            let round = Round {
                positions: positions.from(at),
                chunk_len: (CHUNK_BYTES / bytes_per_item).clamp(1, rest),
                layout,
                indent,
                next: AtomicUsize::new(0),
                placed: AtomicUsize::new(0),
                end: AtomicUsize::new(0),
                stopped: AtomicBool::new(false),
                needs_python: AtomicUsize::new(usize::MAX),
            };
            // The output's room when it holds the estimate (it is sized by
            // the previous result: growing it would reallocate it, a copy
            // of the whole room into fresh pages), else the estimate and a
            // chunk more. A chunk that does not fit starts the next round.
            let room = if out.spare() >= estimate {
                out.spare()
            } else {
                estimate.saturating_add(CHUNK_BYTES)
            };
            out.reserve(room);
            let len = out.len();
            // SAFETY: `room` bytes are reserved at `len`.
            let place = Place(unsafe { out.as_mut_ptr().add(len) }, room);
            pool.broadcast(|_| round.work::<COMPACT>(place));
            let (placed, end) = (round.placed.into_inner(), round.end.into_inner());
            // SAFETY: the placed chunks' text fills the first `end` bytes.
            unsafe { out.set_len(len + end) };
            out.checkpoint();
            let needs_python = round.needs_python.into_inner();
            if needs_python != usize::MAX {
                return (at + needs_python, true);
            }
            let written = (placed * round.chunk_len).min(rest);
            at += written;
            if written == 0 {
                break;
            }
            measured = (written, end);
        }
        (at, false)
    }

    /// One round of chunks, shared by the pool's threads.
    struct Round<'a, P> {
        positions: P,
        chunk_len: usize,
        layout: Layout<'a>,
        /// The container's indentation level and the containers left to
        /// enter.
        indent: (usize, usize),
        /// The next chunk to take.
        next: AtomicUsize,
        /// The chunks placed (in order): the next one to place.
        placed: AtomicUsize,
        /// The bytes the placed chunks take.
        end: AtomicUsize,
        /// No more chunks are placed: one needs the writer, or does not fit.
        stopped: AtomicBool,
        /// The position of the item that needs the writer (`usize::MAX`:
        /// none).
        needs_python: AtomicUsize,
    }

    impl<P: Positions> Round<'_, P> {
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
                    if start >= self.positions.len() || self.stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    text.clear();
                    let (level, depth_left) = self.indent;
                    let mut writer =
                        WorkerWriter::<_, COMPACT>::new(&mut *text, self.layout, level, depth_left);
                    let written = self.positions.write(&mut writer, start, self.chunk_len);
                    if !self.place(index, &text, written, place) {
                        break;
                    }
                }
                if text.capacity() > MAX_KEPT {
                    *text = Vec::new();
                }
            });
        }

        /// Waits for the chunks before chunk `index` to be placed, then
        /// places `text` after them and copies it there. False when the
        /// round stops: at an item that needs the writer (`written`'s
        /// error; the items before it placed), when the text does not fit
        /// the room (nothing placed), or when it stopped meanwhile.
        fn place(
            &self,
            index: usize,
            text: &[u8],
            written: Result<(), usize>,
            place: Place,
        ) -> bool {
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
            if offset + text.len() > place.1 {
                self.stopped.store(true, Ordering::Relaxed);
                return false;
            }
            self.end.store(offset + text.len(), Ordering::Relaxed);
            if let Err(position) = written {
                self.needs_python.store(position, Ordering::Relaxed);
                self.stopped.store(true, Ordering::Relaxed);
            } else {
                self.placed.store(index + 1, Ordering::Release);
            }
            // SAFETY: `offset..offset + text.len()` is within the room and
            // is this chunk's alone.
            unsafe { place.copy(text, offset) };
            written.is_ok()
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
}
