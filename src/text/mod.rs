//! Pure text kernels with no Python in them: float layout and string escaping.
//! Every engine uses these, so each one has its own unit tests here.

pub mod escape;
pub mod float_repr;
pub mod push;
pub mod scan;
