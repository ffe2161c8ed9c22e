//! The baseline engine: serde_json does the parsing and the writing; rjson
//! supplies a visitor that builds Python objects and a `Serialize` view of
//! Python objects.

pub mod decode;
pub mod encode;
pub mod items;
pub mod objects;
pub mod output;
