//! Short compact-ASCII strings written as JSON with two 8-byte moves and no
//! kernel call: most keys and many values are under 17 bytes, where finding
//! and calling a vector kernel costs more than the copy.

use crate::text::sink::Sink;
use pyo3::ffi;

use crate::text::escape::escape_mask;

/// The longest string `write` takes.
pub const MAX_LEN: usize = 16;

/// Appends `"text"` for the compact ASCII string `obj` of `len` bytes
/// (1..=MAX_LEN) when none of its bytes needs an escape (`ensure_ascii`: DEL
/// too); returns false, with
/// `out` unchanged, when one does.
///
/// # Safety
/// `obj` is a live compact ASCII `str` of length `len`, 1 <= len <= MAX_LEN.
#[inline(always)]
pub unsafe fn write<S: Sink>(
    obj: *mut ffi::PyObject,
    len: usize,
    ensure_ascii: bool,
    out: &mut S,
) -> bool {
    debug_assert!((1..=MAX_LEN).contains(&len));
    // SAFETY: the string's data follows its header inside one allocation, and
    // the header (PyASCIIObject) is longer than 8 bytes, so the 8 bytes that
    // end at the data's end lie inside the object even for a string shorter
    // than 8 (the header bytes among them are shifted out, never used). The
    // first 8 bytes are read only when the string has more than 8.
    let (first, last) = unsafe {
        let data = ffi::PyUnicode_DATA(obj).cast::<u8>();
        let last = data.add(len).sub(8).cast::<u64>().read_unaligned();
        let first = if len > 8 {
            data.cast::<u64>().read_unaligned()
        } else {
            0
        };
        (first, last)
    };
    // The string's last `tail` bytes, in the low bytes of `last`, zeros above.
    let tail = len.min(8);
    let last = last >> (8 * (8 - tail));
    let in_tail = u64::MAX >> (8 * (8 - tail));
    if escape_mask(last, ensure_ascii) & in_tail != 0
        || (len > 8 && escape_mask(first, ensure_ascii) != 0)
    {
        return false;
    }
    out.reserve(MAX_LEN + 2);
    let at = out.len();
    // SAFETY: `reserve` left MAX_LEN + 2 bytes of room at `at`. The stores:
    // `first` at [at+1, at+9), `last` at [at+1+len-tail, at+9+len-tail) (at
    // most at+17), the quotes at `at` and at+1+len <= at+17: all inside the
    // room. Bytes past the closing quote are spare capacity, and `set_len`
    // covers only the quote-to-quote bytes, all written.
    unsafe {
        let dst = out.as_mut_ptr().add(at);
        dst.write(b'"');
        dst.add(1).cast::<u64>().write_unaligned(first);
        dst.add(1 + len - tail).cast::<u64>().write_unaligned(last);
        dst.add(1 + len).write(b'"');
        out.set_len(at + len + 2);
    }
    true
}
