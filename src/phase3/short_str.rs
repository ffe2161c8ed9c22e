//! Short compact-ASCII strings written as JSON with two 8-byte moves and no
//! kernel call: most keys and many values are under 17 bytes, where finding
//! and calling a vector kernel costs more than the copy. A list's items
//! among them are written in a run (`item_runs`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::hint::select_unpredictable;

use pyo3::ffi;

use crate::text::escape::ascii_escape_mask;
use crate::text::sink::{store_comma, Sink};

/// The longest string `write` takes.
pub const MAX_LEN: usize = 16;

/// Bytes of room one `store` may write into: MAX_LEN + 4 (comma, two
/// quotes, colon).
pub(super) const ROOM: usize = MAX_LEN + 4;

/// Appends `"text"` for the compact ASCII string `obj` of `len` bytes
/// (1..=MAX_LEN) when none of its bytes needs an escape (`ensure_ascii`: DEL
/// too), after a `,` if `comma` and before a `:` if `colon` (a dict entry's
/// key and separators in one reservation); returns false, with `out`
/// unchanged, when a byte needs an escape.
///
/// # Safety
/// `obj` is a live compact ASCII `str` of length `len`, 1 <= len <= MAX_LEN.
#[inline(always)]
pub unsafe fn write<S: Sink>(
    obj: *mut ffi::PyObject,
    len: usize,
    ensure_ascii: bool,
    comma: bool,
    colon: bool,
    out: &mut S,
) -> bool {
    // SAFETY: the caller vouches for `obj` and `len`.
    let Some(words) = (unsafe { read::<false>(obj, len, ensure_ascii) }) else {
        return false;
    };
    out.reserve(ROOM);
    let at = out.len();
    // SAFETY: `reserve` left ROOM bytes at `at`, and `store` writes the
    // bytes it counts.
    unsafe {
        let written = store(words, len, comma, colon, out.as_mut_ptr().add(at));
        out.set_len(at + written);
    }
    true
}

/// A short string's bytes as two words: its first 8 (when it has more than
/// 8) and its last `min(len, 8)`, in the low bytes, zeros above.
#[derive(Clone, Copy)]
struct Words {
    first: u64,
    last: u64,
}

/// Reads `obj`'s bytes as `Words`, or None when one needs an escape.
/// `BRANCHLESS` reads a string without a branch on whether it is longer
/// than 8 bytes: for lists of strs of random lengths, where that branch
/// mispredicts. A dict's keys come in a repeating order the predictor
/// learns, and there the branch is cheaper than the branchless form.
///
/// # Safety
/// `obj` is a live compact ASCII `str` of length `len`, 1 <= len <= MAX_LEN.
#[inline(always)]
unsafe fn read<const BRANCHLESS: bool>(
    obj: *mut ffi::PyObject,
    len: usize,
    ensure_ascii: bool,
) -> Option<Words> {
    debug_assert!((1..=MAX_LEN).contains(&len));
    let long = len > 8;
    // SAFETY: the string's data follows its header inside one allocation, and
    // the header (PyASCIIObject) is longer than 8 bytes, so the 8 bytes that
    // end at the data's end lie inside the object even for a string shorter
    // than 8 (the header bytes among them are shifted out, never used). The
    // first 8 bytes are read only when the string has more than 8
    // (branchless, a shorter one reads its last 8 again, and masks them out).
    let (first, last) = unsafe {
        let data = ffi::PyUnicode_DATA(obj).cast::<u8>();
        let end = data.add(len).sub(8);
        let last = end.cast::<u64>().read_unaligned();
        let first = if BRANCHLESS {
            // `select_unpredictable`: a plain `if` is compiled to a branch.
            let first_at = select_unpredictable(long, data, end);
            select_unpredictable(long, first_at.cast::<u64>().read_unaligned(), 0)
        } else if long {
            data.cast::<u64>().read_unaligned()
        } else {
            0
        };
        (first, last)
    };
    let tail = if BRANCHLESS {
        select_unpredictable(long, 8, len)
    } else {
        len.min(8)
    };
    let last = last >> (8 * (8 - tail));
    let in_tail = u64::MAX >> (8 * (8 - tail));
    let escapes = if BRANCHLESS {
        // A string of up to 8 bytes has `first` zero, whose bytes would
        // count as control characters.
        (ascii_escape_mask(last, ensure_ascii) & in_tail)
            | (ascii_escape_mask(first, ensure_ascii) & select_unpredictable(long, u64::MAX, 0))
            != 0
    } else {
        ascii_escape_mask(last, ensure_ascii) & in_tail != 0
            || (long && ascii_escape_mask(first, ensure_ascii) != 0)
    };
    (!escapes).then_some(Words { first, last })
}

/// Stores `"text"` (after a comma if `comma`, before a colon if `colon`) at
/// `dst`; returns the number of bytes that counts.
///
/// # Safety
/// `dst` has ROOM writable bytes; `words` are a string of `len` bytes.
#[inline(always)]
unsafe fn store(words: Words, len: usize, comma: bool, colon: bool, dst: *mut u8) -> usize {
    let tail = len.min(8);
    // SAFETY: after the optional comma (`at` at most dst+1), the stores:
    // `first` at [at+1, at+9), then `last` at [at+1+len-tail,
    // at+9+len-tail) (at most at+17; for a string of up to 8 bytes, over
    // `first`), the quotes at `at` and at+1+len, the colon at at+2+len <=
    // dst+19: all inside the room. Bytes past what is counted are spare.
    unsafe {
        let at = store_comma(comma, dst);
        at.write(b'"');
        at.add(1).cast::<u64>().write_unaligned(words.first);
        at.add(1 + len - tail)
            .cast::<u64>()
            .write_unaligned(words.last);
        at.add(1 + len).write(b'"');
        at.add(2 + len).write(b':');
    }
    usize::from(comma) + len + 2 + usize::from(colon)
}

/// Stores a list item at `dst` (after a comma if `comma`) when `obj` is
/// an exact, compact ASCII str of 1..=MAX_LEN bytes needing no escape;
/// returns how many bytes, or None (what it stored does not count).
/// Strings of random lengths are read without a branch on their length
/// (`read`).
///
/// # Safety
/// `obj` is a live object, and `dst` has ROOM writable bytes.
#[inline(always)]
pub(super) unsafe fn write_item(
    obj: *mut ffi::PyObject,
    ensure_ascii: bool,
    comma: bool,
    dst: *mut u8,
) -> Option<usize> {
    // SAFETY: the str's type, kind and length are checked before `read`,
    // and `store` writes within ROOM.
    unsafe {
        if ffi::Py_TYPE(obj) != std::ptr::addr_of_mut!(ffi::PyUnicode_Type)
            || ffi::PyUnicode_IS_COMPACT_ASCII(obj) == 0
        {
            return None;
        }
        let len = ffi::PyUnicode_GET_LENGTH(obj) as usize;
        if !(1..=MAX_LEN).contains(&len) {
            return None;
        }
        let words = read::<true>(obj, len, ensure_ascii)?;
        Some(store(words, len, comma, false, dst))
    }
}
