//! Where the writers append their bytes: a `Vec<u8>` (the builds' kept
//! buffer), or phase5's result `bytes` object filled in place. The methods
//! are `Vec`'s, so writing code reads the same for both. Output that cannot
//! grow (out of memory) ends the encoder by unwinding, which the API turns
//! into `MemoryError` (`api::memory`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use crate::api::memory;

/// Stores a comma at `dst` and returns where the text after it goes: past
/// the comma if `comma`, else over it. The writers' raw item stores use
/// this in place of a branch on whether an item is the first.
///
/// # Safety
/// `dst` is writable.
#[inline(always)]
pub unsafe fn store_comma(comma: bool, dst: *mut u8) -> *mut u8 {
    // SAFETY: the caller's writable byte; `dst + 1` is at most one past it.
    unsafe {
        dst.write(b',');
        dst.add(usize::from(comma))
    }
}

// `len` without `is_empty`: the trait has just the methods of `Vec` the writers use.
#[allow(clippy::len_without_is_empty)]
pub trait Sink {
    /// Whether non-ASCII text may be written as UTF-8 bytes: false for a
    /// sink whose result is a `str` and takes non-ASCII strs only through
    /// `str_units`.
    const TAKES_UTF8: bool = true;

    fn len(&self) -> usize;

    /// Room for at least `additional` more bytes after `len`.
    fn reserve(&mut self, additional: usize);

    /// The bytes writable after `len` without growing (none known: 0).
    fn spare(&self) -> usize {
        0
    }

    /// The start of the buffer (room reserved past `len` is writable).
    fn as_mut_ptr(&mut self) -> *mut u8;

    /// # Safety
    /// `new_len` is within the reserved room and bytes up to it are written.
    unsafe fn set_len(&mut self, new_len: usize);

    #[inline(always)]
    fn push(&mut self, byte: u8) {
        self.reserve(1);
        let len = self.len();
        // SAFETY: one byte of room was reserved at `len`, and is written.
        unsafe {
            self.as_mut_ptr().add(len).write(byte);
            self.set_len(len + 1);
        }
    }

    #[inline(always)]
    fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        let len = self.len();
        // SAFETY: room for bytes.len() was reserved at `len`, and is written;
        // `bytes` cannot overlap the sink's spare room.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.as_mut_ptr().add(len), bytes.len());
            self.set_len(len + bytes.len());
        }
    }

    /// Called where the writer holds no position in the text (after each
    /// container): a sink may move the text written so far elsewhere.
    #[inline(always)]
    fn checkpoint(&mut self) {}

    /// A non-ASCII str (a value or a key), in quotes, for a sink whose
    /// result is a str and takes the str's own units (phase5's `dumps`):
    /// true when it did, false (nothing written) when the writer is to
    /// write its UTF-8. Like `checkpoint`, called where the writer holds no
    /// position in the text.
    #[inline(always)]
    fn str_units(&mut self, _str: *mut pyo3::ffi::PyObject) -> bool {
        false
    }

    #[inline(always)]
    fn truncate(&mut self, new_len: usize) {
        if new_len < self.len() {
            // SAFETY: a shorter length covers only bytes already written.
            unsafe { self.set_len(new_len) }
        }
    }
}

// `push` and `extend_from_slice` are the trait's, through `reserve`.
impl Sink for Vec<u8> {
    #[inline(always)]
    fn len(&self) -> usize {
        Vec::len(self)
    }

    #[inline(always)]
    fn reserve(&mut self, additional: usize) {
        memory::reserve(self, additional)
    }

    fn spare(&self) -> usize {
        self.capacity() - Vec::len(self)
    }

    #[inline(always)]
    fn as_mut_ptr(&mut self) -> *mut u8 {
        Vec::as_mut_ptr(self)
    }

    #[inline(always)]
    unsafe fn set_len(&mut self, new_len: usize) {
        // SAFETY: the caller's contract is Vec::set_len's.
        unsafe { Vec::set_len(self, new_len) }
    }

    #[inline(always)]
    fn truncate(&mut self, new_len: usize) {
        Vec::truncate(self, new_len)
    }
}
