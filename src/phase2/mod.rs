//! Phase 2: less allocation. The encoder's output buffer is sized from the
//! previous output on this thread; the decoder's item stack is pooled per
//! thread instead of allocated per call.

pub mod output;
pub mod scratch;
