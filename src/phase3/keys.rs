//! A cache of dict-key strings: documents repeat the same keys (records, API
//! responses), so the decoder reuses one `str` per key, whose hash Python
//! computes once and keeps. Direct-mapped, per thread, ASCII keys of at most
//! `MAX_KEY_LEN` bytes; a miss replaces the slot's entry.

use std::cell::RefCell;

use pyo3::ffi;
use pyo3::prelude::*;

use super::strings::new_ascii_str;

const SLOTS: usize = 2048;
const MAX_KEY_LEN: usize = 64;

struct Slot {
    hash: u64,
    key: Option<Py<PyAny>>,
}

/// One thread's cache, with its hit and miss counts (one thread-local
/// access per key: in a shared library each costs a call).
struct KeyCache {
    slots: Vec<Slot>,
    hits: u64,
    misses: u64,
}

thread_local! {
    static CACHE: RefCell<KeyCache> = RefCell::new(KeyCache {
        slots: (0..SLOTS).map(|_| Slot { hash: 0, key: None }).collect(),
        hits: 0,
        misses: 0,
    });
}

/// Counts of (hits, misses) on this thread since it started.
pub fn stats() -> (u64, u64) {
    CACHE.with(|cache| cache.try_borrow().map_or((0, 0), |c| (c.hits, c.misses)))
}

/// A slot hash from the length and the first and last 8 bytes (keys that
/// differ only in the middle share a slot and evict each other: slower,
/// never wrong, as a hit compares every byte).
#[inline]
fn hash_bytes(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    let (head, tail) = if n >= 8 {
        (word(0), word(n - 8))
    } else {
        let mut padded = [0u8; 8];
        padded[..n].copy_from_slice(bytes);
        (u64::from_le_bytes(padded), 0)
    };
    let mixed = (head ^ tail.rotate_left(23) ^ (n as u64).rotate_left(57))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    mixed ^ (mixed >> 29)
}

/// The key string for ASCII `bytes`, from the cache when it holds it.
pub fn ascii_key<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    if bytes.len() > MAX_KEY_LEN {
        return new_ascii_str(py, bytes);
    }
    let hash = hash_bytes(bytes);
    CACHE.with(|cache| {
        // Only Python code could re-enter here, and none runs below.
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return new_ascii_str(py, bytes);
        };
        let slot = &cache.slots[hash as usize % SLOTS];
        if let Some(key) = &slot.key {
            if slot.hash == hash && same_ascii(key.bind(py), bytes) {
                let key = key.bind(py).clone();
                cache.hits += 1;
                return Ok(key);
            }
        }
        cache.misses += 1;
        let key = new_ascii_str(py, bytes)?;
        // Hash now, once: the dict insert and every later use of the key reuse it.
        key.hash()?;
        cache.slots[hash as usize % SLOTS] = Slot {
            hash,
            key: Some(key.clone().unbind()),
        };
        Ok(key)
    })
}

fn same_ascii(key: &Bound<'_, PyAny>, bytes: &[u8]) -> bool {
    let ptr = key.as_ptr();
    // SAFETY: cached keys are compact ASCII strings made by new_ascii_str;
    // their data holds GET_LENGTH bytes.
    unsafe {
        let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
        len == bytes.len()
            && std::slice::from_raw_parts(ffi::PyUnicode_DATA(ptr).cast::<u8>(), len) == bytes
    }
}
