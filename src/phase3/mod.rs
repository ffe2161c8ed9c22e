//! Phase 3: rjson's own algorithms. A parser that builds Python objects
//! straight from the input bytes, a writer that appends JSON text straight
//! from Python objects, strings created in their final form, a cache that
//! reuses the key strings of repeated dict keys, dicts filled in place, and
//! large documents written on several threads.

mod breaks;
#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
pub mod dicts;
pub mod float_repr;
mod item_runs;
pub mod keys;
pub mod number_lists;
mod parallel;
pub mod parser;
mod pool;
mod short_str;
mod sorted_keys;
pub mod strings;
#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
mod worker_writer;
pub mod writer;
