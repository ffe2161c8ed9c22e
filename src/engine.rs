//! The one seam that picks, at compile time, which decoder and encoder the
//! `loads`/`dumps` paths use, and which building blocks they stand on. A
//! phase that brings its own engine or blocks adds its `cfg` here and nowhere
//! else in shared code. The same table is in ARCHITECTURE.md.
//!
//! | block | baseline | phase1 | phase2 | phase3 | phase4 | phase5 |
//! |---|---|---|---|---|---|---|
//! | `classify`, `dict_entries`, `key_text` | `api::to_json` | `phase1::dispatch` | = | = | = | = |
//! | `new_float` | `api::build` | = | = | = | = | `phase5::objects` |
//! | `new_int` | `baseline::objects` | `phase1::objects` | = | = | = | `phase5::objects` |
//! | `new_list` | `baseline::objects` | `phase1::objects` | = | = | = | = |
//! | `new_ascii_str` | – | – | – | `phase3::strings` | = | `phase5::objects` |
//! | `new_str` | – | – | – | `phase3::strings` | = | `phase5::parsed_str` |
//! | `ItemStack` | `baseline::items` | = | `phase2::scratch` | = | = | = |
//! | `OutputBuffer` | `baseline::output` | = | `phase2::output` | = | = | = |
//! | `dict_from_pairs` | – | – | `phase2::scratch` | `phase3::dicts` (3.11-3.13) | = | = |
//! | `plain_run`, `copy_run`, `space_run`, `digit_run`, `fraction_digit_run` | `text::scan`, `text::escape` | = | = | = | `phase4::kernels` | = |
//! | `write_string` | – | – | – | here, over `text::escape` | = | `phase5::write_str` |
//! | `prefetch` | – | – | – | here (nothing) | = | `phase5` |
//! | `validate_utf8` | here, over `text::scan` | = | = | = | here, over `phase4::kernels` | `phase5` |
//! | `parser_checks_utf8` | here (`false`) | = | = | = | = | `phase5` |
//! | `decode` | `baseline::decode` | = | = | `phase3::parser` | = | `phase5` |
//! | `decode_lines` | here (a `decode` a line) | = | = | `phase3::parser` | = | `phase5` (phase3's, its parser instance) |
//! | `encode` | `baseline::encode` | = | = | `phase3::writer` | = | (in `result_out`) |
//! | `output_str` | `baseline::output` | = | = | `phase3::strings` | = | (in `result_out`) |
//! | `encode_bytes`, `encode_str` | here (`encode_then`) | = | = | = | = | `phase5::result_out`, `phase5::str_result` |

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

// Encoder blocks: how a value is classified, how a dict's entries are read,
// how a key becomes text.
#[cfg(not(feature = "phase1"))]
pub use crate::api::to_json::{classify, dict_entries, key_text};
#[cfg(feature = "phase1")]
pub use crate::phase1::dispatch::{classify, dict_entries, key_text};

// Decoder blocks: how ints, floats, ASCII strs and lists are made; phase5
// makes the scalars in place.
#[cfg(not(feature = "phase5"))]
pub use crate::api::build::new_float;
#[cfg(not(feature = "phase1"))]
pub use crate::baseline::objects::new_int;
#[cfg(not(feature = "phase1"))]
pub use crate::baseline::objects::new_list;
#[cfg(all(feature = "phase1", not(feature = "phase5")))]
pub use crate::phase1::objects::new_int;
#[cfg(feature = "phase1")]
pub use crate::phase1::objects::new_list;
#[cfg(all(feature = "phase3", not(feature = "phase5")))]
pub use crate::phase3::strings::new_ascii_str;
#[cfg(feature = "phase5")]
pub use crate::phase5::objects::{new_ascii_str, new_float, new_int};

// Allocation: the decoder's item stack and the encoder's output buffer.
#[cfg(not(feature = "phase2"))]
pub use crate::baseline::items::ItemStack;
#[cfg(not(feature = "phase2"))]
pub use crate::baseline::output::OutputBuffer;
#[cfg(feature = "phase2")]
pub use crate::phase2::{output::OutputBuffer, scratch::ItemStack};

// How the parser's item stack makes a dict of its pairs: in place from
// phase3 on where the interpreter's dict layout is known, else through the
// C API.
#[cfg(all(
    feature = "phase2",
    not(all(feature = "phase3", rjson_cpython_layouts, not(Py_LIMITED_API)))
))]
pub use crate::phase2::scratch::dict_from_pairs;
#[cfg(all(feature = "phase3", rjson_cpython_layouts, not(Py_LIMITED_API)))]
pub use crate::phase3::dicts::from_pairs as dict_from_pairs;

// Scanning kernels: scalar (SWAR) before phase4, vectorized from phase4 on.
#[cfg(feature = "phase4")]
pub use crate::phase4::kernels::{copy_run, digit_run, fraction_digit_run, plain_run, space_run};
#[cfg(not(feature = "phase4"))]
#[allow(unused_imports)] // the scans serve phase3's engine
pub use crate::text::{
    escape::copy_run,
    scan::{digit_run, digit_run as fraction_digit_run, plain_run, space_run},
};

// How the writer writes a string literal: phase5 copies blocks of 16 or 32 bytes.
#[cfg(feature = "phase5")]
pub use crate::phase5::write_str::write_string;
#[cfg(all(feature = "phase3", not(feature = "phase5")))]
pub fn write_string<S: crate::text::sink::Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    crate::text::escape::write_json_string_with(text, ensure_ascii, out, copy_run)
}

// The writer asks for the next item's object ahead of its use from phase5 on.
#[cfg(feature = "phase5")]
pub use crate::phase5::prefetch;
#[cfg(not(feature = "phase5"))]
#[allow(dead_code)] // phase3's writer's
#[inline(always)]
pub fn prefetch(_object: *mut pyo3::ffi::PyObject) {}

// UTF-8 validation of bytes input: phase5 releases the GIL for large inputs,
// and its parser checks a smaller one's strings as it reads them.
#[cfg(feature = "phase5")]
pub use crate::phase5::{parser_checks_utf8, validate_utf8};
#[cfg(not(feature = "phase5"))]
pub fn parser_checks_utf8(_len: usize) -> bool {
    false
}
#[cfg(not(feature = "phase5"))]
pub fn validate_utf8(_py: pyo3::Python<'_>, bytes: &[u8]) -> Result<(), usize> {
    #[cfg(feature = "phase4")]
    return crate::phase4::kernels::validate_utf8(bytes);
    #[cfg(not(feature = "phase4"))]
    return crate::text::scan::validate_utf8(bytes);
}

/// The checks of bytes input's UTF-8 that `api::input` runs.
pub const UTF8_CHECKS: crate::api::input::Utf8Checks = crate::api::input::Utf8Checks {
    by_parser: parser_checks_utf8,
    validate: validate_utf8,
};

// The engines, and how the encoder's output becomes a `str`.
#[cfg(not(feature = "phase3"))]
pub use crate::baseline::output::output_str;
#[cfg(not(feature = "phase3"))]
pub use crate::baseline::{decode::decode, encode::encode};
#[cfg(all(feature = "phase3", not(feature = "phase5")))]
pub use crate::phase3::parser::decode;
#[cfg(all(feature = "phase3", not(feature = "phase5")))]
pub use crate::phase3::strings::{new_str, output_str};
#[cfg(all(feature = "phase3", not(feature = "phase5")))]
pub use crate::phase3::writer::encode;
#[cfg(feature = "phase5")]
pub use crate::phase5::decode;
#[cfg(feature = "phase5")]
pub use crate::phase5::parsed_str::new_str;

// JSON Lines: phase3's parser runs over many lines at once (phase5's
// lines are far below two-stage sizes, so its one-stage path is phase3's);
// the builds before decode each line on its own.
#[cfg(all(feature = "phase3", not(feature = "phase5")))]
pub use crate::phase3::parser::decode_lines;
#[cfg(feature = "phase5")]
pub use crate::phase5::decode_lines;
#[cfg(not(feature = "phase3"))]
pub fn decode_lines<'py>(
    input: &crate::api::input::Input<'_, 'py>,
    builder: &crate::api::build::Builder<'py>,
    lines: impl Iterator<Item = (usize, usize)>,
    values: &mut Vec<pyo3::Bound<'py, pyo3::PyAny>>,
) -> pyo3::PyResult<()> {
    for (start, end) in lines {
        let value = decode(&input.line(start, end), builder)?;
        crate::api::memory::reserve(values, 1);
        values.push(value);
    }
    Ok(())
}

// How `dumps_bytes` and `dumps` make their results: phase5 writes into the
// result object, the builds before copy the encoder's buffer into one.
#[cfg(feature = "phase5")]
pub use crate::phase5::result_out::encode_bytes;
#[cfg(feature = "phase5")]
pub use crate::phase5::str_result::encode_str;
#[cfg(not(feature = "phase5"))]
pub fn encode_bytes<'py>(
    obj: &pyo3::Bound<'py, pyo3::PyAny>,
    opts: &crate::api::options::DumpOptions<'py>,
) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::types::PyBytes>> {
    // Through the C API: `PyBytes::new` panics where CPython is out of memory.
    encode_then(obj, opts, |text| {
        // SAFETY: `text` is a live slice; the call returns a new bytes
        // object or NULL with an error set.
        unsafe {
            let bytes = pyo3::ffi::PyBytes_FromStringAndSize(
                text.as_ptr().cast(),
                text.len() as pyo3::ffi::Py_ssize_t,
            );
            Ok(pyo3::Bound::from_owned_ptr_or_err(obj.py(), bytes)?.cast_into_unchecked())
        }
    })
}
#[cfg(not(feature = "phase5"))]
pub fn encode_str<'py>(
    obj: &pyo3::Bound<'py, pyo3::PyAny>,
    opts: &crate::api::options::DumpOptions<'py>,
) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
    encode_then(obj, opts, |text| output_str(obj.py(), text))
}

/// Encodes `obj` into the kept output buffer, makes the result's Python
/// object from the text with `finish`, and hands the buffer back.
#[cfg(not(feature = "phase5"))]
pub fn encode_then<'py, T>(
    obj: &pyo3::Bound<'py, pyo3::PyAny>,
    opts: &crate::api::options::DumpOptions<'py>,
    finish: impl FnOnce(&[u8]) -> pyo3::PyResult<T>,
) -> pyo3::PyResult<T> {
    let text = encode(obj, opts)?;
    let result = finish(&text);
    OutputBuffer::give_back(text);
    result
}
