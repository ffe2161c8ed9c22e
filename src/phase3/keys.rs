//! A cache of dict-key strings: documents repeat the same keys (records, API
//! responses), so the decoder reuses one `str` per key, whose hash Python
//! computes once and keeps. Direct-mapped, per thread, ASCII keys of at most
//! `MAX_KEY_LEN` bytes; a miss replaces the slot's entry.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::cell::RefCell;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::engine::new_ascii_str;

const SLOTS: usize = 2048;
const MAX_KEY_LEN: usize = 64;

/// A cached key with the words its lookup compares: the key's first and
/// last 8 bytes (zero-padded under 8) and its length, which for keys of up
/// to 16 bytes cover every byte, so those hits never read the string.
struct Slot {
    head: u64,
    tail: u64,
    len: usize,
    key: Option<Py<PyAny>>,
}

/// One thread's cache, with its hit and miss counts.
pub struct KeyCache {
    slots: Vec<Slot>,
    hits: u64,
    misses: u64,
}

thread_local! {
    static CACHE: RefCell<KeyCache> = RefCell::new(KeyCache {
        slots: (0..SLOTS).map(|_| Slot { head: 0, tail: 0, len: 0, key: None }).collect(),
        hits: 0,
        misses: 0,
    });
}

/// Counts of (hits, misses) on this thread since it started.
pub fn stats() -> (u64, u64) {
    CACHE.with(|cache| cache.try_borrow().map_or((0, 0), |c| (c.hits, c.misses)))
}

/// Runs `f` with this thread's cache borrowed for a whole document (one
/// thread-local access per document, not per key: in a shared library each
/// costs a call), or with `None` in a `loads` re-entered from a hook while
/// the outer one holds it.
pub fn with_cache<R>(f: impl FnOnce(Option<&mut KeyCache>) -> R) -> R {
    CACHE.with(|cache| match cache.try_borrow_mut() {
        Ok(mut cache) => f(Some(&mut cache)),
        Err(_) => f(None),
    })
}

/// The first and last 8 bytes of the key `data[start..end]` (zero-padded
/// when shorter). A short key is read as one word with the bytes after it
/// (its closing quote, ...) masked off, where the input has them: copying
/// it into a padded word showed in profiles.
#[inline]
fn head_tail(data: &[u8], start: usize, end: usize) -> (u64, u64) {
    let n = end - start;
    let word = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"));
    if n >= 8 {
        (word(start), word(end - 8))
    } else if start + 8 <= data.len() {
        (word(start) & ((1u64 << (8 * n)) - 1), 0)
    } else {
        let mut padded = [0u8; 8];
        padded[..n].copy_from_slice(&data[start..end]);
        (u64::from_le_bytes(padded), 0)
    }
}

/// The slot of a key (keys that differ only in the middle share a slot:
/// slower when three or more do, never wrong).
#[inline]
fn slot_index(head: u64, tail: u64, len: usize) -> usize {
    let mixed = (head ^ tail.rotate_left(23) ^ (len as u64).rotate_left(57))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed ^ (mixed >> 29)) as usize % SLOTS
}

/// The key string for the ASCII bytes `data[start..end]`, from the cache
/// when there is one and it holds the key.
#[inline]
pub fn ascii_key<'py>(
    py: Python<'py>,
    cache: Option<&mut KeyCache>,
    data: &[u8],
    start: usize,
    end: usize,
) -> PyResult<Bound<'py, PyAny>> {
    match cache {
        Some(cache) if end - start <= MAX_KEY_LEN => cache.key(py, data, start, end),
        _ => new_ascii_str(py, &data[start..end]),
    }
}

impl Slot {
    /// The slot's key when it is `bytes` (of first and last words `head`, `tail`).
    #[inline(always)]
    fn key_if(&self, py: Python<'_>, head: u64, tail: u64, bytes: &[u8]) -> Option<&Py<PyAny>> {
        let key = self.key.as_ref()?;
        let same = self.head == head
            && self.tail == tail
            && self.len == bytes.len()
            && (bytes.len() <= 16 || same_middle(key.bind(py), bytes));
        same.then_some(key)
    }
}

impl KeyCache {
    #[inline]
    fn key<'py>(
        &mut self,
        py: Python<'py>,
        data: &[u8],
        start: usize,
        end: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (head, tail) = head_tail(data, start, end);
        let bytes = &data[start..end];
        let index = slot_index(head, tail, bytes.len());
        if let Some(key) = self.hit(py, index, head, tail, bytes) {
            return Ok(key);
        }
        self.key_past_its_slot(py, head, tail, bytes, index)
    }

    /// The key `bytes` from slot `at`, counted as a hit, if it is there.
    #[inline(always)]
    fn hit<'py>(
        &mut self,
        py: Python<'py>,
        at: usize,
        head: u64,
        tail: u64,
        bytes: &[u8],
    ) -> Option<Bound<'py, PyAny>> {
        let key = self.slots[at]
            .key_if(py, head, tail, bytes)?
            .bind(py)
            .clone();
        self.hits += 1;
        Some(key)
    }

    /// Two ways a slot: a key not in its own slot may be in the neighbour
    /// (`index ^ 1`), else it is made and cached.
    #[cold]
    #[inline(never)]
    fn key_past_its_slot<'py>(
        &mut self,
        py: Python<'py>,
        head: u64,
        tail: u64,
        bytes: &[u8],
        index: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(key) = self.hit(py, index ^ 1, head, tail, bytes) {
            return Ok(key);
        }
        self.misses += 1;
        let key = new_ascii_str(py, bytes)?;
        // Hash now, once: the dict insert and every later use of the key reuse it.
        key.hash()?;
        let new = Slot {
            head,
            tail,
            len: bytes.len(),
            key: Some(key.clone().unbind()),
        };
        // An empty way takes the key; else the slot's key moves to the
        // neighbour (evicting what was there), so two keys of a slot both stay.
        if self.slots[index].key.is_none() {
            self.slots[index] = new;
        } else if self.slots[index ^ 1].key.is_none() {
            self.slots[index ^ 1] = new;
        } else {
            self.slots[index ^ 1] = std::mem::replace(&mut self.slots[index], new);
        }
        Ok(key)
    }
}

/// Whether the cached `key` (of `bytes.len()` bytes) has `bytes`' middle.
#[inline(never)]
fn same_middle(key: &Bound<'_, PyAny>, bytes: &[u8]) -> bool {
    // SAFETY: cached keys are compact ASCII strings made by new_ascii_str,
    // of the length the caller compared; their data holds that many bytes.
    let cached = unsafe {
        std::slice::from_raw_parts(ffi::PyUnicode_DATA(key.as_ptr()).cast::<u8>(), bytes.len())
    };
    cached == bytes
}

#[cfg(test)]
mod tests {
    use super::head_tail;

    #[test]
    fn a_key_reads_the_same_wherever_it_lies() {
        // Read in place with the bytes after it masked, or copied into a
        // padded word near the input's end: the same words, so one slot.
        let data = b"abcdefghijklmnopqrstuvwxyz\"}";
        for start in 0..data.len() {
            for end in start..data.len().min(start + 20) {
                let alone = &data[start..end];
                assert_eq!(
                    head_tail(data, start, end),
                    head_tail(alone, 0, alone.len()),
                    "{start}..{end}"
                );
            }
        }
    }
}
