//! Phase 1: less PyO3 overhead. Type dispatch by comparing type pointers,
//! dicts read in place, keys formatted without allocation, small ints
//! reused, lists filled through the C API.

pub mod dispatch;
pub mod layout;
pub mod objects;
