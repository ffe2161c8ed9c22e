//! `dumps_bytes` and `dumps` write their JSON straight into the object they
//! return, a `bytes` or a compact ASCII `str`: the object is made first,
//! with room for as much as this thread's previous result of its type held,
//! grown (by a realloc) if the text outgrows it, and cut to the text's
//! length at the end. The builds before copy a finished buffer into the
//! object, a second pass over the whole output. A `str` result that turns
//! out not to be ASCII is transcoded from the text into a str of its kind
//! (`utf8_str.rs`), 64 KiB at a time while the text is still in cache
//! (`StrOut`); that costs the one copy the builds before pay anyway. A
//! large one is transcoded by a second thread while the writer goes on
//! (`transcode_thread.rs`).

use std::cell::Cell;
use std::thread::LocalKey;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::str_units::{self, StrUnits};
use super::transcode_thread::{self, Transcoder};
use super::utf8_str::{self, GrowingStr};
use crate::api::memory::out_of_memory;
use crate::api::options::DumpOptions;
use crate::phase3::writer;
use crate::text::sink::Sink;

/// Room for the first result on a thread; later ones start at the size of
/// the one before plus 1/16 and `MARGIN` (writers reserve a little past
/// what they write: 32 bytes for a number, so an exact fit would grow, a
/// copy, at the very end), at most `MAX_START`: one huge result must not
/// make every later call reserve as much. A small result then keeps its
/// block: cut by less than a quarter, CPython's small-object allocator
/// resizes it in place (from 256 bytes of room, a 90-byte result was
/// copied to a smaller block on every call). 1 KiB of room, beyond that
/// allocator (512 bytes with the header), went to glibc's `malloc`, which
/// merged its free lists on every call (`malloc_consolidate`, a fifth of
/// `dumps_bytes(1)`'s time).
const MIN_START: usize = 64;
const MARGIN: usize = 32;
const MAX_START: usize = 1 << 24;

thread_local! {
    static LAST_BYTES_LEN: Cell<usize> = const { Cell::new(0) };
    static LAST_STR_LEN: Cell<usize> = const { Cell::new(0) };
    /// The characters of this thread's previous non-ASCII `dumps` result,
    /// and its kind (as its largest character: 0xFF, 0xFFFF or 0x10FFFF).
    static LAST_WIDE_CHARS: Cell<usize> = const { Cell::new(0) };
    static LAST_WIDE_MAX_CHAR: Cell<u32> = const { Cell::new(0) };
    /// Whether at least half of that result's characters came from dense
    /// strs (`str_units::dense`).
    static LAST_WIDE_DENSE: Cell<bool> = const { Cell::new(false) };
}

extern "C" {
    /// CPython's resize of a `bytes` object nobody else holds (exported by
    /// libpython; pyo3-ffi keeps its declaration private).
    fn _PyBytes_Resize(bytes: *mut *mut ffi::PyObject, size: ffi::Py_ssize_t) -> std::ffi::c_int;
}

/// `obj` as JSON in UTF-8 `bytes`.
pub fn encode_bytes<'py>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
) -> PyResult<Bound<'py, PyBytes>> {
    let py = obj.py();
    let out = ResultOut::<BytesResult>::new(py)?;
    let (mut out, written) = writer::encode_into(obj, opts, out);
    written?;
    out.cut(py)?;
    // SAFETY: the object is a complete bytes object, ours alone.
    Ok(unsafe { Bound::from_owned_ptr(py, out.release()).cast_into_unchecked() })
}

/// `obj` as JSON in a `str`.
pub fn encode_str<'py>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    // Not for text that is mostly dense strs: those the writer copies from
    // their units faster than the worker decodes their UTF-8 (`non_ascii`:
    // 0.20x the time), but only while no worker runs.
    let thread_expected = LAST_WIDE_CHARS.with(Cell::get) >= transcode_thread::thread_min()
        && !LAST_WIDE_DENSE.with(Cell::get);
    let mut out = StrOut {
        transcoder: None,
        py,
        text: ResultOut::<AsciiStrResult>::new(py)?,
        checked: 0,
        check_at: 0,
        wide: None,
        moved: 0,
        failed: None,
        thread_again: true,
        thread_expected,
        dense_chars: 0,
    };
    out.set_checked(0);
    let (out, written) = writer::encode_into(obj, opts, out);
    written?;
    out.finish()
}

/// Text past the last checkpoint from which it is surveyed (and, once the
/// result is known not to be ASCII, transcoded): small enough to be still
/// in a core's L2 cache (512 KiB and more on current x86-64 servers).
const CHECK_EVERY: usize = 64 << 10;
/// The pieces handed to the second thread: small, so that little is left
/// for the writer at the end, but not so small that the worker falls
/// `RING` pieces behind (16-64 KiB time alike: `benches/ab_thread.py`).
const THREAD_PIECE: usize = 32 << 10;

/// Text from which `make_wide` does not guess the result's kind.
const GUESS_MAX: usize = 128 << 10;

/// `dumps`' result: the writer writes into a compact ASCII str, which is
/// the result as long as the text stays ASCII (surveyed at checkpoints,
/// while it is in cache). From the first non-ASCII text on, the result is
/// a `GrowingStr` the text is transcoded onto at each checkpoint, and the
/// ASCII str only a buffer written from its start again. The text is thus
/// transcoded while it is in cache, not read back from memory after it is
/// all written.
///
/// A large wide result (the thread's previous one from `thread_min()`
/// characters) is transcoded by a second thread (`transcode_thread.rs`)
/// while the writer goes on: pieces are then handed over as they are
/// written, one after another through the buffer, which is neither reused
/// nor moved until the thread is stopped.
struct StrOut<'py> {
    /// First, so that it is dropped first: a writer that failed ends the
    /// thread before the str it writes and the text it reads are released.
    transcoder: Option<Transcoder>,
    py: Python<'py>,
    text: ResultOut<AsciiStrResult>,
    /// Bytes of `text` known to be ASCII (while there is no `wide`); after,
    /// where the text not yet moved into `wide` starts.
    checked: usize,
    /// Where the next checkpoint catches up: `checked` plus a chunk, or
    /// never again after an error.
    check_at: usize,
    wide: Option<GrowingStr>,
    /// Bytes already moved into `wide` (handed to the thread included).
    moved: usize,
    /// An error making `wide` (out of memory), raised at the end.
    failed: Option<PyErr>,
    /// Whether a thread may be started (again).
    thread_again: bool,
    /// Whether the previous result was large and wide enough for a thread:
    /// the text is then checked a piece at a time from the start, so that
    /// the thread starts soon after the first wide character rather than at
    /// the first 64 KiB checkpoint.
    thread_expected: bool,
    /// Characters of dense strs written so far (`str_units::dense`).
    dense_chars: usize,
}

impl<'py> StrOut<'py> {
    /// Surveys the text past `checked`; from the first non-ASCII text on,
    /// moves all of it into the wide result. `last`: no more text follows.
    #[cold]
    #[inline(never)]
    fn catch_up(&mut self, last: bool) -> PyResult<()> {
        // SAFETY: `len` bytes of the object's data are written.
        let text = unsafe { std::slice::from_raw_parts(self.text.data, self.text.len) };
        if self.wide.is_none() {
            if utf8_str::is_ascii(&text[self.checked..]) {
                self.set_checked(text.len());
                return Ok(());
            }
            self.make_wide(last);
        }
        let piece = &text[self.checked..];
        self.moved += piece.len();
        if let Some(transcoder) = &mut self.transcoder {
            // SAFETY: the piece stays as it is until the thread is stopped:
            // the writer writes after it, and the buffer is not reused or
            // moved while a thread runs (`make_room`).
            if !last && unsafe { transcoder.send(piece.as_ptr(), piece.len()) } {
                self.set_checked(text.len());
                return Ok(());
            }
            // The last piece the writer transcodes itself, after the thread.
            self.take_back()?;
        }
        let wide = self.wide.as_mut().expect("a wide str");
        wide.append(self.py, piece)?;
        self.text.len = 0;
        if !last && self.thread_again && self.thread_expected {
            self.start_thread();
        }
        self.set_checked(0);
        Ok(())
    }

    /// Starts the wide result, to which all the text so far is to move.
    fn make_wide(&mut self, last: bool) {
        // Room for exactly the text when it is all there; else for as
        // many characters as this thread's previous wide result had, or
        // as the ASCII str has bytes. Not more: glibc maps a large block
        // freshly (page faults on every page) when it is larger than the
        // last one freed, which a result cut from more room always is
        // (gsoc-2018.json: 3x the time).
        let cap = match (last, LAST_WIDE_CHARS.with(Cell::get)) {
            (true, _) => 0,
            (false, 0) => self.text.cap,
            (false, chars) => chars.min(MAX_START),
        };
        self.wide = Some(GrowingStr::new(cap));
        self.checked = 0;
        if last && self.text.len < GUESS_MAX && LAST_WIDE_MAX_CHAR.with(Cell::get) == 0xFF {
            // All the text at once, after a latin-1 result: made latin-1
            // (the narrowest kind there is for text that is not ASCII) with
            // room for a character a byte, it is transcoded without the
            // survey that sizes it exactly, unless it turns out wider.
            // Only for text below glibc's first `mmap` threshold: a large
            // block cut to its characters would be mapped afresh by the
            // next call (`keeps_room`).
            // (Out of memory, it is left to the survey's try to raise.)
            let wide = self.wide.as_mut().expect("a wide str");
            wide.room_for(self.py, 0xFF, self.text.len).ok();
        }
    }

    /// `Sink::str_units` (without a thread: it writes the wide str): the
    /// text so far moves into the wide result, then the str's units.
    /// `dense`: `str_units::dense(str)`, which the caller has counted.
    #[inline(never)]
    fn take_str(&mut self, str: *mut ffi::PyObject, dense: bool) -> bool {
        // SAFETY: the writer's live str, which no Python code runs to free
        // or change while its units are copied.
        // Dense strs whose UTF-8 is made too, unless a worker is expected:
        // the writer would then move the text itself, and no checkpoint
        // would come to start the worker (twitter.json: 1.03-1.27x the time).
        let Some(units) = (unsafe { StrUnits::of(str, dense && !self.thread_expected) }) else {
            return false;
        };
        // The result's kind must be its widest character's: a str that
        // would make or widen it for lone surrogate halves, which are
        // written escaped, is left to the writer before it does.
        let widens = self
            .wide
            .as_ref()
            .is_none_or(|wide| wide.max_char() < units.max_char());
        if widens && units.kind_from_surrogates() {
            return false;
        }
        if self.wide.is_none() {
            self.make_wide(false);
        }
        let wide = self.wide.as_mut().expect("a wide str");
        // SAFETY: `len` bytes of the object's data are written.
        let piece = unsafe {
            std::slice::from_raw_parts(
                self.text.data.add(self.checked),
                self.text.len - self.checked,
            )
        };
        // Made or widened at the str's kind before the text goes in: a
        // wide str the size of the previous result, made at a narrower kind
        // and widened, is a larger block than glibc last freed, freshly
        // mapped (gsoc-2018.json: ~1,500 page faults a call).
        let need = wide.chars() + piece.len() + units.chars() + 2;
        let taken = wide
            .room_for(self.py, units.max_char(), need)
            .and_then(|()| wide.append(self.py, piece))
            .and_then(|()| wide.append_quoted(self.py, &units));
        self.moved += piece.len();
        self.text.len = 0;
        self.set_checked(0);
        match taken {
            Ok(()) => {
                self.moved += units.chars() + 2;
                true
            }
            Err(err) => {
                self.defer(err);
                false
            }
        }
    }

    /// The text is handled up to `at`; the next catch-up is a chunk (or,
    /// with a thread, a piece) later.
    fn set_checked(&mut self, at: usize) {
        let step = if self.transcoder.is_some() || (self.wide.is_none() && self.thread_expected) {
            THREAD_PIECE
        } else {
            CHECK_EVERY
        };
        self.checked = at;
        self.check_at = at + step;
    }

    /// Starts the second thread onto the wide str (when no thread can be
    /// made, the writer goes on transcoding itself).
    fn start_thread(&mut self) {
        let Some(target) = self.wide.as_ref().and_then(GrowingStr::target) else {
            return;
        };
        // SAFETY: the str is ours and nobody reads or writes it until the
        // thread is stopped (`take_back`, or `Drop`).
        self.transcoder = unsafe { Transcoder::start(target) };
        // Not again in this call (the worker is busy elsewhere or left out).
        self.thread_again &= self.transcoder.is_some();
    }

    /// Stops the thread; what it did not transcode (a wider character, no
    /// room, or not yet taken) the writer transcodes itself, and goes on
    /// alone. The text from `checked` on stays in the buffer.
    #[cold]
    fn take_back(&mut self) -> PyResult<()> {
        let Some(transcoder) = self.transcoder.take() else {
            return Ok(());
        };
        let stopped = transcoder.stop();
        // A thread that stopped at a wider character or the end of the
        // room is started again, onto the widened or grown str.
        self.thread_again &= stopped.refused;
        let wide = self.wide.as_mut().expect("a wide str under a thread");
        // SAFETY: the thread wrote the str's units up to `chars`, and is
        // done with the str.
        unsafe { wide.set_chars(stopped.chars) };
        for (text, len) in stopped.undone {
            // SAFETY: pieces not done were left as they were handed over.
            wide.append(self.py, unsafe { std::slice::from_raw_parts(text, len) })?;
        }
        self.set_checked(self.checked);
        Ok(())
    }

    /// `reserve` past the buffer's room: with a thread, the thread is
    /// stopped first (the buffer moves when it grows).
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, additional: usize) {
        if let Err(err) = self.take_back() {
            self.defer(err);
        }
        self.text.reserve(additional);
    }

    /// An error met while the writer writes (it has no way to return one):
    /// raised at the end, and no more catching up until then.
    #[cold]
    fn defer(&mut self, err: PyErr) {
        self.failed.get_or_insert(err);
        self.check_at = usize::MAX;
    }

    fn finish(mut self) -> PyResult<Bound<'py, PyAny>> {
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        self.catch_up(true)?;
        match self.wide.take() {
            // The text, all ASCII, is the result.
            None => {
                self.text.cut(self.py)?;
                // SAFETY: the object is a complete str of ASCII text, ours alone.
                Ok(unsafe { Bound::from_owned_ptr(self.py, self.text.release()) })
            }
            Some(wide) => {
                // The next call's text is sized by all of this one's, all
                // of it moved into `wide` by the last catch-up.
                LAST_STR_LEN.with(|last| last.set(self.moved));
                LAST_WIDE_CHARS.with(|last| last.set(wide.chars()));
                LAST_WIDE_MAX_CHAR.with(|last| last.set(wide.max_char()));
                LAST_WIDE_DENSE.with(|last| last.set(self.dense_chars * 2 >= wide.chars()));
                wide.finish(self.py)
            }
        }
    }
}

impl Sink for StrOut<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.text.len()
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        if self.text.cap - self.text.len < additional {
            self.make_room(additional);
        }
    }

    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.text.as_mut_ptr()
    }

    #[inline(always)]
    unsafe fn set_len(&mut self, new_len: usize) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.text.set_len(new_len) }
    }

    #[inline(always)]
    fn str_units(&mut self, str: *mut ffi::PyObject) -> bool {
        // SAFETY: the writer's live str.
        let dense = unsafe { str_units::dense(str) };
        if dense {
            // SAFETY: as above.
            self.dense_chars += unsafe { ffi::PyUnicode_GET_LENGTH(str) } as usize;
        }
        self.transcoder.is_none() && self.failed.is_none() && self.take_str(str, dense)
    }

    #[inline(always)]
    fn checkpoint(&mut self) {
        if self.text.len >= self.check_at {
            if let Err(err) = self.catch_up(false) {
                self.defer(err);
            }
        }
    }
}

/// Whether a result of `len` units in room for `cap` keeps its room (its
/// length set in place) instead of being reallocated to its length: when
/// the room is at most an eighth more. glibc serves a large block (from
/// 128 KiB) with a fresh `mmap` when it is larger than the last such block
/// freed, and a result sized by the previous one plus room, then cut,
/// always is: every call then faults in every page (a 1.1 MB
/// `dumps_bytes` result: 270 page faults a call instead of 0; a 6 MB wide
/// str: 3x the time).
pub(super) fn keeps_room(cap: usize, len: usize) -> bool {
    cap - len <= len / 8
}

/// A kind of result object: how it is made, where its data is, how it is
/// resized (all with the GIL held, on an object nobody else holds).
trait ResultKind {
    /// The length of this thread's previous result of this kind.
    const LAST_LEN: &'static LocalKey<Cell<usize>>;
    /// A new object with room for `cap` bytes, or NULL with an error set.
    unsafe fn make(cap: usize) -> *mut ffi::PyObject;
    unsafe fn data(object: *mut ffi::PyObject) -> *mut u8;
    /// Resizes `*object` to `len` bytes; on failure sets an error, and
    /// either releases the object and sets it to NULL (`bytes`) or leaves it
    /// as it was (`str`).
    unsafe fn resize(object: &mut *mut ffi::PyObject, len: usize) -> bool;
    /// Sets the object's length to `len` (at most its room), keeping its room.
    unsafe fn set_len(object: *mut ffi::PyObject, len: usize);
}

struct BytesResult;

impl ResultKind for BytesResult {
    const LAST_LEN: &'static LocalKey<Cell<usize>> = &LAST_BYTES_LEN;

    unsafe fn make(cap: usize) -> *mut ffi::PyObject {
        // SAFETY: a NULL source makes an uninitialized bytes object of `cap` bytes.
        unsafe { ffi::PyBytes_FromStringAndSize(std::ptr::null(), cap as ffi::Py_ssize_t) }
    }

    unsafe fn data(object: *mut ffi::PyObject) -> *mut u8 {
        // SAFETY: the caller's `object` is a live bytes object; its data starts at ob_sval.
        unsafe { ffi::PyBytes_AS_STRING(object).cast::<u8>().cast_mut() }
    }

    unsafe fn resize(object: &mut *mut ffi::PyObject, len: usize) -> bool {
        // SAFETY: the caller holds the only reference; _PyBytes_Resize writes
        // the terminating NUL after `len`.
        unsafe { _PyBytes_Resize(object, len as ffi::Py_ssize_t) == 0 }
    }

    unsafe fn set_len(object: *mut ffi::PyObject, len: usize) {
        // SAFETY: the caller's bytes object, ours alone, has room for `len`
        // bytes and the NUL after them (as `_PyBytes_Resize` leaves it).
        unsafe {
            (*object.cast::<ffi::PyVarObject>()).ob_size = len as ffi::Py_ssize_t;
            Self::data(object).add(len).write(0);
        }
    }
}

/// A compact ASCII str: one byte a character, its data right after the header.
struct AsciiStrResult;

impl ResultKind for AsciiStrResult {
    const LAST_LEN: &'static LocalKey<Cell<usize>> = &LAST_STR_LEN;

    unsafe fn make(cap: usize) -> *mut ffi::PyObject {
        // SAFETY: a new compact ASCII str of `cap` characters (contents
        // unset until written).
        unsafe { ffi::PyUnicode_New(cap as ffi::Py_ssize_t, 127) }
    }

    unsafe fn data(object: *mut ffi::PyObject) -> *mut u8 {
        // SAFETY: the caller's `object` is a live compact str.
        unsafe { ffi::PyUnicode_DATA(object).cast::<u8>() }
    }

    unsafe fn resize(object: &mut *mut ffi::PyObject, len: usize) -> bool {
        // SAFETY: the caller holds the only reference to a fresh str (no
        // hash, not interned), which PyUnicode_Resize reallocates in place
        // of; it writes the terminating NUL.
        unsafe { ffi::PyUnicode_Resize(object, len as ffi::Py_ssize_t) == 0 }
    }

    unsafe fn set_len(object: *mut ffi::PyObject, len: usize) {
        // SAFETY: the caller's fresh compact ASCII str (no hash; its data is
        // its UTF-8), with room for `len` characters.
        unsafe { utf8_str::set_str_len(object, len) }
    }
}

/// A result object being filled: `len` bytes written of `cap`. Lives only
/// inside one call, with the GIL held; nobody else sees the object until
/// `release`.
struct ResultOut<K> {
    object: *mut ffi::PyObject,
    data: *mut u8,
    len: usize,
    cap: usize,
    kind: std::marker::PhantomData<K>,
}

impl<K: ResultKind> ResultOut<K> {
    fn new(py: Python<'_>) -> PyResult<Self> {
        let last = K::LAST_LEN.with(Cell::get);
        let cap = (last + last / 16 + MARGIN).clamp(MIN_START, MAX_START);
        // SAFETY: `make` returns a fresh object of room `cap`, or NULL with an
        // error set.
        unsafe {
            let object = K::make(cap);
            if object.is_null() {
                return Err(PyErr::fetch(py));
            }
            Ok(ResultOut {
                object,
                data: K::data(object),
                len: 0,
                cap,
                kind: std::marker::PhantomData,
            })
        }
    }

    /// Sizes this thread's next result of this kind by this one.
    fn remember_len(&self) {
        K::LAST_LEN.with(|last| last.set(self.len));
    }

    /// Cuts the object to the bytes written. Room of at most an eighth
    /// more is kept (its length set in place): a realloc that shrinks a
    /// large block makes glibc serve the next, larger one with a fresh
    /// `mmap` (see `keeps_room`).
    fn cut(&mut self, py: Python<'_>) -> PyResult<()> {
        self.remember_len();
        if keeps_room(self.cap, self.len) {
            // SAFETY: the object is ours, with room `cap` >= len + 1 (every
            // kind's `make` adds the NUL's byte).
            unsafe { K::set_len(self.object, self.len) };
            return Ok(());
        }
        // SAFETY: we hold the only reference; on failure `Drop` releases
        // what `resize` left (see `ResultKind::resize`).
        unsafe {
            if !K::resize(&mut self.object, self.len) {
                return Err(PyErr::fetch(py));
            }
        }
        Ok(())
    }

    /// The object, handed to the caller.
    fn release(mut self) -> *mut ffi::PyObject {
        std::mem::replace(&mut self.object, std::ptr::null_mut())
    }

    /// Room for `additional` more bytes: at least double, as `Vec` grows.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) {
        let need = self
            .len
            .checked_add(additional)
            .expect("output size overflows");
        let cap = need.max(self.cap.saturating_mul(2));
        // SAFETY: we hold the only reference to the object, so it may be
        // resized.
        unsafe {
            if !K::resize(&mut self.object, cap) {
                // Out of memory: the encoder ends, and the API raises
                // `MemoryError` (`Drop` releases what is left of the object).
                ffi::PyErr_Clear();
                out_of_memory();
            }
            self.data = K::data(self.object);
        }
        self.cap = cap;
    }
}

impl<K: ResultKind> Sink for ResultOut<K> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        if self.cap - self.len < additional {
            self.grow(additional);
        }
    }

    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.data
    }

    #[inline(always)]
    unsafe fn set_len(&mut self, new_len: usize) {
        debug_assert!(new_len <= self.cap);
        self.len = new_len;
    }
}

impl<K> Drop for ResultOut<K> {
    fn drop(&mut self) {
        if !self.object.is_null() {
            // SAFETY: an unfinished result (the encoder failed, or a str
            // was transcoded instead): our only reference, released with the
            // GIL held (inside the call).
            unsafe { ffi::Py_DECREF(self.object) };
        }
    }
}
