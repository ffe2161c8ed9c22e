//! Phase 3: rjson's own algorithms. A parser that builds Python objects
//! straight from the input bytes, a writer that appends JSON text straight
//! from Python objects, strings created in their final form, and a cache
//! that reuses the key strings of repeated dict keys.

pub mod float_repr;
pub mod keys;
mod parallel;
pub mod parser;
mod short_str;
pub mod strings;
pub mod writer;
