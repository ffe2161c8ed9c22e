//! rjson: a JSON library for Python. ARCHITECTURE.md says where each part
//! lives and which phase supplies it; ROADMAP.md what each phase brings.
//!
//! This file is the Python module: the functions' signatures and the
//! conversion of their results. The work happens behind `engine`.
//!
//! `unsafe` code is allowed only in the modules ARCHITECTURE.md names
//! ("Unsafe code"), each of which says so with `#![allow(unsafe_code)]`.

#![deny(unsafe_code)]

mod api;
// The serde_json engine serves the builds before phase3 brings its own.
#[cfg(not(feature = "phase3"))]
mod baseline;
mod engine;
#[cfg(feature = "phase1")]
mod phase1;
#[cfg(feature = "phase2")]
mod phase2;
#[cfg(feature = "phase3")]
pub mod phase3; // public for the kernel benches
#[cfg(feature = "phase4")]
pub mod phase4; // public for the kernel benches
#[cfg(feature = "phase5")]
pub mod phase5; // public for the kernel benches
mod reference;
pub mod text;
mod values;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

use api::build::{Builder, Partial};
use api::errors::{decode_error_type, encode_error_type};
use api::input::Input;
use api::memory::memory_error_on_unwind;
use api::options::DumpOptions;

/// The roadmap phases compiled into this build, in order.
const PHASES: &[(&str, bool)] = &[
    ("phase1", cfg!(feature = "phase1")),
    ("phase2", cfg!(feature = "phase2")),
    ("phase3", cfg!(feature = "phase3")),
    ("phase4", cfg!(feature = "phase4")),
    ("phase5", cfg!(feature = "phase5")),
];

/// Deserialize a JSON document (str, bytes, bytearray or memoryview) to a
/// Python object. `allow_partial` (False, True or "trailing-strings") reads
/// an incomplete document as jiter's `partial_mode` does;
/// `reject_duplicate_keys` makes a key repeated in one object an error.
/// `_memo_keys` (rjson.compat's) makes equal keys one str object, as json does.
#[pyfunction]
#[pyo3(signature = (s, /, *, object_hook=None, object_pairs_hook=None, parse_float=None, parse_int=None, parse_constant=None, allow_partial=None, reject_duplicate_keys=false, _memo_keys=false))]
#[allow(clippy::too_many_arguments)]
fn loads<'py>(
    s: &Bound<'py, PyAny>,
    object_hook: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
    parse_float: Option<Bound<'py, PyAny>>,
    parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    allow_partial: Option<&Bound<'py, PyAny>>,
    reject_duplicate_keys: bool,
    _memo_keys: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let partial = Partial::from_option(allow_partial)?;
    let builder = Builder::new(
        s.py(),
        object_hook,
        object_pairs_hook,
        parse_float,
        parse_int,
        parse_constant,
    )
    .with_document_options(partial, reject_duplicate_keys)
    .with_memo_keys(_memo_keys);
    memory_error_on_unwind(|| {
        let input = Input::new(
            s,
            engine::UTF8_CHECKS,
            !builder.has_any_hook(),
            partial != Partial::Off,
        )?;
        engine::decode(&input, &builder)
    })
}

/// Deserialize a JSON Lines document (one JSON document a line; str, bytes,
/// bytearray or memoryview) to the list of its documents. Blank lines and a
/// final newline are allowed; an error's position is in the whole input.
#[pyfunction]
#[pyo3(signature = (data, /, *, object_hook=None, object_pairs_hook=None, parse_float=None, parse_int=None, parse_constant=None, reject_duplicate_keys=false))]
#[allow(clippy::too_many_arguments)]
fn loads_lines<'py>(
    data: &Bound<'py, PyAny>,
    object_hook: Option<Bound<'py, PyAny>>,
    object_pairs_hook: Option<Bound<'py, PyAny>>,
    parse_float: Option<Bound<'py, PyAny>>,
    parse_int: Option<Bound<'py, PyAny>>,
    parse_constant: Option<Bound<'py, PyAny>>,
    reject_duplicate_keys: bool,
) -> PyResult<Bound<'py, PyList>> {
    let py = data.py();
    let builder = Builder::new(
        py,
        object_hook,
        object_pairs_hook,
        parse_float,
        parse_int,
        parse_constant,
    )
    .with_document_options(Partial::Off, reject_duplicate_keys);
    memory_error_on_unwind(|| {
        // UTF-8 checked once for the whole input, or (phase5, no hooks) by
        // the parser as it reads the strings that are not ASCII.
        let input = Input::new(data, engine::UTF8_CHECKS, !builder.has_any_hook(), false)?;
        let mut values = Vec::new();
        engine::decode_lines(
            &input,
            &builder,
            api::lines::document_lines(&input.data),
            &mut values,
        )?;
        Ok(engine::new_list(py, values)?.cast_into()?)
    })
}

/// Serialize `obj` to a JSON `str`.
#[pyfunction]
#[pyo3(signature = (obj, /, *, default=None, indent=None, sort_keys=false, ensure_ascii=false, allow_nan=false, skipkeys=false, separators=None, naive_utc=false, utc_z=false, omit_microseconds=false, passthrough=None, strict_integer=false))]
#[allow(clippy::too_many_arguments)]
fn dumps<'py>(
    obj: &Bound<'py, PyAny>,
    default: Option<Bound<'py, PyAny>>,
    indent: Option<&Bound<'py, PyAny>>,
    sort_keys: bool,
    ensure_ascii: bool,
    allow_nan: bool,
    skipkeys: bool,
    separators: Option<&Bound<'py, PyAny>>,
    naive_utc: bool,
    utc_z: bool,
    omit_microseconds: bool,
    passthrough: Option<&Bound<'py, PyAny>>,
    strict_integer: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let mut opts = DumpOptions::new(
        default,
        indent,
        sort_keys,
        ensure_ascii,
        allow_nan,
        skipkeys,
        separators,
    )?
    .with_extras(
        naive_utc,
        utc_z,
        omit_microseconds,
        passthrough,
        strict_integer,
    )?;
    opts.str_result = true;
    memory_error_on_unwind(|| engine::encode_str(obj, &opts))
}

/// Serialize `obj` to JSON as UTF-8 `bytes`.
#[pyfunction]
#[pyo3(signature = (obj, /, *, default=None, indent=None, sort_keys=false, ensure_ascii=false, allow_nan=false, skipkeys=false, separators=None, naive_utc=false, utc_z=false, omit_microseconds=false, passthrough=None, strict_integer=false))]
#[allow(clippy::too_many_arguments)]
fn dumps_bytes<'py>(
    obj: &Bound<'py, PyAny>,
    default: Option<Bound<'py, PyAny>>,
    indent: Option<&Bound<'py, PyAny>>,
    sort_keys: bool,
    ensure_ascii: bool,
    allow_nan: bool,
    skipkeys: bool,
    separators: Option<&Bound<'py, PyAny>>,
    naive_utc: bool,
    utc_z: bool,
    omit_microseconds: bool,
    passthrough: Option<&Bound<'py, PyAny>>,
    strict_integer: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let opts = DumpOptions::new(
        default,
        indent,
        sort_keys,
        ensure_ascii,
        allow_nan,
        skipkeys,
        separators,
    )?
    .with_extras(
        naive_utc,
        utc_z,
        omit_microseconds,
        passthrough,
        strict_integer,
    )?;
    memory_error_on_unwind(|| engine::encode_bytes(obj, &opts))
}

/// The roadmap phases compiled into this build, e.g. `("phase1", "phase2")`; `()` for the baseline.
#[pyfunction]
fn enabled_phases(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    let names: Vec<&str> = PHASES
        .iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect();
    PyTuple::new(py, names)
}

/// `(hits, misses)` of this thread's dict-key cache (phase3 and later), for
/// the benchmarks' hit-rate figures.
#[cfg(feature = "phase3")]
#[pyfunction]
fn _key_cache_stats() -> (u64, u64) {
    phase3::keys::stats()
}

/// The scanning kernels in use (phase4 and later): "scalar", "sse2", "avx2" or "neon".
#[cfg(feature = "phase4")]
#[pyfunction]
fn _kernels() -> &'static str {
    phase4::kernels::chosen().isa.name()
}

/// Whether the parser's floats, ints and ASCII strs are made in place
/// (phase5 on CPython 3.11), for the tests.
#[cfg(feature = "phase5")]
#[pyfunction]
fn _objects_in_place(py: Python<'_>) -> bool {
    phase5::objects::made_in_place(py)
}

#[pymodule(gil_used = true)]
fn _rjson(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(loads_lines, m)?)?;
    m.add_function(wrap_pyfunction!(dumps, m)?)?;
    m.add_function(wrap_pyfunction!(dumps_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(enabled_phases, m)?)?;
    m.add_class::<api::fragment::Fragment>()?;
    #[cfg(feature = "phase3")]
    m.add_function(wrap_pyfunction!(_key_cache_stats, m)?)?;
    #[cfg(feature = "phase4")]
    m.add_function(wrap_pyfunction!(_kernels, m)?)?;
    #[cfg(feature = "phase5")]
    m.add_function(wrap_pyfunction!(_objects_in_place, m)?)?;
    m.add("JSONDecodeError", decode_error_type(py)?)?;
    m.add("JSONEncodeError", encode_error_type(py)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
