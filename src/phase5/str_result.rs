//! `dumps`' `str` result, written in its final kind as the writer goes.
//!
//! The writer writes ASCII text into a compact ASCII str
//! (`result_out::ResultOut`), which is the result as long as no character
//! above 7F comes. Every non-ASCII str it meets (value or key) is handed to
//! the sink (`Sink::str_units`): from the first one on, the result is a
//! `WideStr` of the kind its widest character needs, the ASCII text written
//! since the last str is widened onto it, and the str's own units (1, 2 or
//! 4 bytes each) are copied after it, escaped where JSON needs it. No UTF-8
//! is made or decoded on the way, and the caller's strs keep no UTF-8 copy.
//! The ASCII text is checked (`is_ascii`) or moved every `CHECK_EVERY`
//! bytes at the end of a container, while it is still in cache.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::cell::Cell;

use pyo3::ffi;
use pyo3::prelude::*;

use super::result_out::{AsciiStrResult, ResultOut, MAX_START};
use super::str_units::StrUnits;
use super::utf8_str;
use super::wide_str::WideStr;
use crate::api::options::DumpOptions;
use crate::phase3::writer;
use crate::text::sink::Sink;

/// ASCII text after which it is checked or moved at the next container's
/// end: small enough to be still in a core's L2 cache.
const CHECK_EVERY: usize = 64 << 10;

thread_local! {
    /// The characters of this thread's previous non-ASCII result: the room
    /// the next one's `WideStr` starts with. A result sized by less grows,
    /// and a block larger than the one glibc last freed is mapped afresh
    /// (every page faulted in: `keeps_room`).
    static LAST_WIDE_CHARS: Cell<usize> = const { Cell::new(0) };
}

/// `obj` as JSON in a `str`.
pub fn encode_str<'py>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let out = StrResult {
        py,
        text: ResultOut::<AsciiStrResult>::new(py)?,
        checked: 0,
        check_at: CHECK_EVERY,
        wide: None,
        largest_piece: 0,
        failed: None,
    };
    let (out, written) = writer::encode_into(obj, opts, out);
    written?;
    out.finish()
}

struct StrResult<'py> {
    py: Python<'py>,
    /// The result while it is all ASCII; once there is `wide`, the ASCII
    /// text written since the last move onto it.
    text: ResultOut<AsciiStrResult>,
    /// Bytes of `text` known to be ASCII (while there is no `wide`).
    checked: usize,
    /// The length of `text` from which the next container's end checks or
    /// moves it; `usize::MAX` after an error.
    check_at: usize,
    wide: Option<WideStr>,
    /// The longest text moved onto `wide` at once: the room the next
    /// call's `text` starts with, once the result is wide.
    largest_piece: usize,
    /// An error met while the writer writes (it has no way to return one),
    /// raised at the end.
    failed: Option<PyErr>,
}

impl<'py> StrResult<'py> {
    /// The text written so far (since the last move).
    fn written(&self) -> &[u8] {
        // SAFETY: `len` bytes of the object's data are written, and stay
        // as they are while the slice is borrowed (the writer is not
        // writing while the sink runs).
        unsafe { std::slice::from_raw_parts(self.text.data, self.text.len) }
    }

    /// The wide result, made (empty) on first use.
    fn wide(&mut self) -> &mut WideStr {
        let text_cap = self.text.cap;
        self.wide.get_or_insert_with(|| {
            let last = LAST_WIDE_CHARS.with(Cell::get);
            WideStr::new(if last == 0 {
                text_cap
            } else {
                last.min(MAX_START)
            })
        })
    }

    /// Moves the text written so far onto the wide result (made if need be).
    fn move_text(&mut self) -> PyResult<()> {
        let (py, len) = (self.py, self.text.len);
        let text: *const [u8] = self.written();
        // SAFETY: `text` is `self.text`'s data, which `wide` does not touch.
        let moved = self.wide().append_ascii(py, unsafe { &*text });
        self.text_moved(len);
        moved
    }

    /// The `len` bytes of text written are on the wide result now: the text
    /// starts again.
    fn text_moved(&mut self, len: usize) {
        self.largest_piece = self.largest_piece.max(len);
        self.text.len = 0;
        self.check_at = CHECK_EVERY;
    }

    /// `checkpoint` past `check_at`: an ASCII result so far is checked up
    /// to here; a wide one takes the text.
    #[cold]
    #[inline(never)]
    fn catch_up(&mut self) {
        if self.wide.is_none() && utf8_str::is_ascii(&self.written()[self.checked..]) {
            self.checked = self.text.len;
            self.check_at = self.text.len + CHECK_EVERY;
            return;
        }
        if let Err(err) = self.move_text() {
            self.defer(err);
        }
    }

    /// `Sink::str_units`: the text so far and then the str's characters
    /// onto the wide result. False, with nothing written, for a str the
    /// writer writes itself (an ASCII or a legacy str, or one whose kind
    /// comes from lone surrogates alone, which are written escaped: its
    /// kind must not widen the result).
    #[inline(never)]
    fn take_str(&mut self, str: *mut ffi::PyObject) -> bool {
        if self.failed.is_some() {
            return false;
        }
        // SAFETY: the writer's live str, which no Python code runs to free
        // or change while its units are copied.
        let Some(units) = (unsafe { StrUnits::of(str) }) else {
            return false;
        };
        let widens = self
            .wide
            .as_ref()
            .is_none_or(|wide| wide.max_char() < units.max_char());
        if widens && units.kind_from_surrogates() {
            return false;
        }
        let py = self.py;
        let len = self.text.len;
        let text: *const [u8] = self.written();
        // SAFETY: `text` is `self.text`'s data, which `wide` does not touch.
        let taken = self
            .wide()
            .append_text_and_str(py, unsafe { &*text }, &units);
        self.text_moved(len);
        if let Err(err) = taken {
            self.defer(err);
        }
        true
    }

    #[cold]
    fn defer(&mut self, err: PyErr) {
        self.failed.get_or_insert(err);
        self.check_at = usize::MAX;
    }

    fn finish(mut self) -> PyResult<Bound<'py, PyAny>> {
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        if self.wide.is_none() && utf8_str::is_ascii(&self.written()[self.checked..]) {
            self.text.cut(self.py)?;
            // SAFETY: the object is a complete str of ASCII text, ours alone.
            return Ok(unsafe { Bound::from_owned_ptr(self.py, self.text.release()) });
        }
        self.move_text()?;
        // The next call's text is sized by the longest piece moved.
        self.text.remember_len(self.largest_piece);
        let wide = self.wide.take().expect("a wide result");
        LAST_WIDE_CHARS.with(|last| last.set(wide.chars()));
        wide.finish(self.py)
    }
}

impl Sink for StrResult<'_> {
    const TAKES_UTF8: bool = false;

    #[inline(always)]
    fn len(&self) -> usize {
        self.text.len()
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        self.text.reserve(additional)
    }

    fn spare(&self) -> usize {
        self.text.spare()
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
        self.take_str(str)
    }

    #[inline(always)]
    fn checkpoint(&mut self) {
        if self.text.len >= self.check_at {
            self.catch_up();
        }
    }
}
