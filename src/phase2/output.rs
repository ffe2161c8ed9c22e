//! The encoder's output buffer, pre-sized from the size of this thread's
//! previous output, so that repeated dumps of similar documents grow it
//! rarely (each growth copies everything written so far).

use std::cell::Cell;

/// Never pre-size beyond this: one huge document must not make every later
/// small one pay for a huge allocation.
const MAX_HINT: usize = 1 << 24;
const MIN_HINT: usize = 256;

thread_local! {
    static LAST_OUTPUT_LEN: Cell<usize> = const { Cell::new(MIN_HINT) };
}

pub struct OutputBuffer;

impl OutputBuffer {
    pub fn take() -> Vec<u8> {
        let hint = LAST_OUTPUT_LEN.with(Cell::get);
        Vec::with_capacity(hint + hint / 8)
    }

    pub fn done(written: &[u8]) {
        LAST_OUTPUT_LEN.with(|last| last.set(written.len().clamp(MIN_HINT, MAX_HINT)));
    }
}
