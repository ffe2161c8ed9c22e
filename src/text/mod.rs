//! Pure text kernels with no Python in them: number layout and parsing, string escaping.
//! Every engine uses these, so each one has its own unit tests here.

pub mod datetime64;
pub mod escape;
pub mod float_parse;
pub mod float_repr;
pub mod int_repr;
mod pow5_table;
pub mod push;
pub mod scan;
pub mod sink;
pub mod unit_escapes;
pub mod units_utf8;
