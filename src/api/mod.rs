//! The Python-facing layer every engine shares: exceptions, input handling,
//! options, and how Python values are made from (and mapped to) JSON.

pub mod build;
pub mod errors;
pub mod fragment;
pub mod input;
pub mod lines;
pub mod memory;
pub mod numpy;
pub mod options;
pub mod stack;
pub mod to_json;
