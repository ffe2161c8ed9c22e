//! The encoder's output buffer, kept per thread from call to call: its
//! memory is already allocated and touched, so a dumps of a size seen before
//! neither grows the buffer (each growth copies everything written so far)
//! nor maps fresh pages. The result is copied once into the Python object
//! (phase5's `dumps_bytes` writes into its `bytes` object instead).

use std::cell::RefCell;

/// Keep at most this much between calls: one huge document must not pin
/// its memory for the life of the thread.
const MAX_KEPT: usize = 1 << 24;
const INITIAL: usize = 1024;

thread_local! {
    static KEPT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

pub struct OutputBuffer;

impl OutputBuffer {
    /// An empty buffer (a re-entrant call, from `default=`, gets a new one).
    pub fn take() -> Vec<u8> {
        let mut buffer = KEPT.with(|kept| std::mem::take(&mut *kept.borrow_mut()));
        if buffer.capacity() == 0 {
            buffer.reserve(INITIAL);
        }
        buffer
    }

    /// Hands the buffer back once its content has been copied out.
    pub fn give_back(mut buffer: Vec<u8>) {
        if buffer.capacity() <= MAX_KEPT {
            buffer.clear();
            KEPT.with(|kept| *kept.borrow_mut() = buffer);
        }
    }
}
