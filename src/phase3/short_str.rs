//! Short compact-ASCII strings written as JSON with two 8-byte moves and no
//! kernel call: most keys and many values are under 17 bytes, where finding
//! and calling a vector kernel costs more than the copy.

use crate::text::sink::Sink;
use pyo3::ffi;

use crate::text::escape::ascii_escape_mask;

/// The longest string `write` takes.
pub const MAX_LEN: usize = 16;

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
    if ascii_escape_mask(last, ensure_ascii) & in_tail != 0
        || (len > 8 && ascii_escape_mask(first, ensure_ascii) != 0)
    {
        return false;
    }
    out.reserve(MAX_LEN + 4);
    let at = out.len();
    // SAFETY: `reserve` left MAX_LEN + 4 bytes of room at `at`. After the
    // optional comma (`dst` at most at+1), the stores: `first` at [dst+1,
    // dst+9), `last` at [dst+1+len-tail, dst+9+len-tail) (at most dst+17),
    // the quotes at `dst` and dst+1+len, the colon at dst+2+len <= at+19:
    // all inside the room. Bytes past the end are spare capacity, and
    // `set_len` covers only the bytes written.
    unsafe {
        let start = out.as_mut_ptr().add(at);
        start.write(b',');
        let dst = start.add(usize::from(comma));
        dst.write(b'"');
        dst.add(1).cast::<u64>().write_unaligned(first);
        dst.add(1 + len - tail).cast::<u64>().write_unaligned(last);
        dst.add(1 + len).write(b'"');
        dst.add(2 + len).write(b':');
        out.set_len(at + usize::from(comma) + len + 2 + usize::from(colon));
    }
    true
}
