//! What goes between items and after keys in the layouts other than the
//! compact one (`indent`, `separators`), prepared once a call, and the
//! break before each item of a run (`ItemBreak`): a comma in the compact
//! layout, a slice of the prepared run in the others.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use crate::api::options::DumpOptions;
use crate::text::sink::Sink;

/// Levels of indentation prepared in the break run; deeper lines add the
/// rest one level at a time.
pub const NEWLINE_LEVELS: usize = 32;

/// What goes between items when the layout is not compact, prepared once
/// a call: the item separator, then with `indent` a newline and
/// `NEWLINE_LEVELS` levels of indentation, as one run; a break is one slice
/// of it (without the separator before a container's first item and its
/// closing bracket).
pub struct Breaks {
    /// The run, followed by `LINE_BREAK_ROOM` bytes of padding: most breaks
    /// (a separator, a newline and up to 31 levels of two spaces) are one
    /// fixed-size copy, a few vector moves, instead of a `memcpy` call.
    pub run: Vec<u8>,
    /// The item separator's length.
    pub separator: usize,
    /// Whether items start new lines (`indent`).
    pub lines: bool,
    /// One level of indentation's length.
    pub width: usize,
    /// The key separator, followed by `LINE_BREAK_ROOM` bytes of padding.
    pub key: Vec<u8>,
    pub key_len: usize,
}

impl Breaks {
    pub fn new(opts: &DumpOptions<'_>) -> Self {
        let separator = opts.item_separator.as_bytes();
        let indent = opts.indent.as_deref();
        let width = indent.map_or(0, str::len);
        let mut run =
            Vec::with_capacity(separator.len() + 1 + width * NEWLINE_LEVELS + LINE_BREAK_ROOM);
        run.extend_from_slice(separator);
        if let Some(indent) = indent {
            run.push(b'\n');
            for _ in 0..NEWLINE_LEVELS {
                run.extend_from_slice(indent.as_bytes());
            }
        }
        run.resize(run.len() + LINE_BREAK_ROOM, 0);
        let mut key = opts.key_separator.as_bytes().to_vec();
        let key_len = key.len();
        key.resize(key_len + LINE_BREAK_ROOM, 0);
        Breaks {
            run,
            separator: separator.len(),
            lines: indent.is_some(),
            width,
            key,
            key_len,
        }
    }

    /// Writes the item separator if `separated`, then with `indent` a
    /// newline and the indentation of `level`.
    #[inline(always)]
    pub fn write_line_break<S: Sink>(&self, level: usize, separated: bool, out: &mut S) {
        let start = if separated { 0 } else { self.separator };
        let levels = level.min(NEWLINE_LEVELS);
        let end = self.separator + usize::from(self.lines) * (1 + self.width * levels);
        padded_copy(&self.run[start..], end - start, out);
        if self.lines && levels < level {
            self.deep_indent(level - levels, out);
        }
    }

    /// Writes the key separator.
    #[inline(always)]
    pub fn write_key_separator<S: Sink>(&self, out: &mut S) {
        padded_copy(&self.key, self.key_len, out);
    }

    /// `levels` more levels of indentation, past the ones the run holds,
    /// up to `NEWLINE_LEVELS` levels a copy.
    #[inline(never)]
    fn deep_indent<S: Sink>(&self, mut levels: usize, out: &mut S) {
        let start = self.separator + 1;
        while levels > 0 {
            let copied = levels.min(NEWLINE_LEVELS);
            out.extend_from_slice(&self.run[start..start + self.width * copied]);
            levels -= copied;
        }
    }

    /// The break before an item at indentation level `level`, when it fits
    /// one copy (`LINE_BREAK_ROOM` bytes).
    #[inline(always)]
    pub fn at(&self, level: usize) -> Option<LineBreak> {
        let levels = usize::from(self.lines) * level;
        if levels > NEWLINE_LEVELS {
            return None;
        }
        let len = self.separator + usize::from(self.lines) * (1 + self.width * levels);
        (len <= LINE_BREAK_ROOM).then_some(LineBreak {
            run: self.run.as_ptr(),
            skip: self.separator,
            len,
        })
    }
}

/// What goes before each item of a run but the first's comma: a comma
/// (`Comma`, the compact layout) or a break of the other layouts
/// (`LineBreak`: the item separator, and with `indent` a newline and the
/// indentation).
pub trait ItemBreak: Copy {
    /// Room a break takes beside its item's.
    const ROOM: usize;
    /// Whether the item writers write the comma themselves.
    const COMMA: bool;

    /// Stores the break before an item (after the run's first item if
    /// `separated`) at `dst`; returns how many bytes count.
    ///
    /// # Safety
    /// `dst` has `ROOM` writable bytes.
    unsafe fn store(self, separated: bool, dst: *mut u8) -> usize;
}

/// The compact layout's comma, which the item writers store.
#[derive(Clone, Copy)]
pub struct Comma;

impl ItemBreak for Comma {
    const ROOM: usize = 0;
    const COMMA: bool = true;

    #[inline(always)]
    unsafe fn store(self, _separated: bool, _dst: *mut u8) -> usize {
        0
    }
}

/// Bytes a `LineBreak` stores at once.
pub const LINE_BREAK_ROOM: usize = 64;

/// A break of the other layouts: the first `len` bytes of `run` (the item
/// separator, `skip` bytes, then any newline and indentation), without the
/// separator before a run's first item. `run` has `LINE_BREAK_ROOM` bytes
/// readable past `len`'s, and `len` is at most `LINE_BREAK_ROOM`.
#[derive(Clone, Copy)]
pub struct LineBreak {
    pub run: *const u8,
    pub skip: usize,
    pub len: usize,
}

impl ItemBreak for LineBreak {
    const ROOM: usize = LINE_BREAK_ROOM;
    const COMMA: bool = false;

    #[inline(always)]
    unsafe fn store(self, separated: bool, dst: *mut u8) -> usize {
        let start = if separated { 0 } else { self.skip };
        // SAFETY: `run` has LINE_BREAK_ROOM readable bytes from any start
        // within its break, and `dst` as many writable ones (the caller's).
        unsafe { std::ptr::copy_nonoverlapping(self.run.add(start), dst, LINE_BREAK_ROOM) };
        self.len - start
    }
}

/// Writes the first `len` bytes of `padded`, which has `LINE_BREAK_ROOM`
/// bytes more than `len`: up to `LINE_BREAK_ROOM` bytes in one fixed-size copy.
#[inline(always)]
fn padded_copy<S: Sink>(padded: &[u8], len: usize, out: &mut S) {
    if len > LINE_BREAK_ROOM || padded.len() < LINE_BREAK_ROOM {
        out.extend_from_slice(&padded[..len]);
        return;
    }
    out.reserve(LINE_BREAK_ROOM);
    let at = out.len();
    // SAFETY: `LINE_BREAK_ROOM` bytes of room are reserved at `at`, and
    // `padded` has as many (checked); the `len` bytes kept are the text,
    // the rest stays spare room.
    unsafe {
        std::ptr::copy_nonoverlapping(padded.as_ptr(), out.as_mut_ptr().add(at), LINE_BREAK_ROOM);
        out.set_len(at + len);
    }
}
