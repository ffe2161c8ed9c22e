//! What each Python value becomes in JSON, for every encoder: dict keys as the
//! standard library converts them, the extra types (dataclasses, datetime,
//! UUID, Enum), `default=`, and the depth and cycle guard.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::borrow::Cow;
use std::mem::MaybeUninit;

use pyo3::exceptions::PyRuntimeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTime, PyTuple, PyType,
};

use super::errors::{encode_error, encode_error_from, not_serializable};
use super::fragment::Fragment;
use super::options::DumpOptions;
use super::stack::{self, MAX_DEPTH};
use crate::text::float_repr::write_float_repr;

/// Room for the text of a converted (non-str) key, reused from key to key.
#[derive(Default)]
pub struct KeyBuffer {
    pub text: String,
}

/// A dict key as text, or `None` when `skipkeys` drops it; str keys are
/// borrowed, others converted as the standard library converts them.
pub fn key_text<'a>(
    key: &'a Bound<'_, PyAny>,
    opts: &DumpOptions<'_>,
    buffer: &'a mut KeyBuffer,
) -> PyResult<Option<&'a str>> {
    let py = key.py();
    if let Ok(text) = key.cast::<PyString>() {
        return match text.to_str() {
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(encode_error(
                py,
                "dict key is not valid UTF-8: lone surrogates are not supported in keys",
            )),
        };
    }
    let converted = match scalar_key_text(key, opts)? {
        Some(text) => text,
        None => match extra_key_text(key, opts)? {
            Some(text) => Cow::Owned(text),
            None if opts.skipkeys => return Ok(None),
            None => {
                let name = key.get_type().name()?;
                return Err(encode_error(
                    py,
                    format!("keys must be str, int, float, bool or None, not {name}"),
                ));
            }
        },
    };
    buffer.text.clear();
    buffer.text.push_str(&converted);
    Ok(Some(&buffer.text))
}

/// A float, bool, None or int key as the standard library writes it;
/// `None` for a key of any other type.
fn scalar_key_text(
    key: &Bound<'_, PyAny>,
    opts: &DumpOptions<'_>,
) -> PyResult<Option<Cow<'static, str>>> {
    Ok(Some(if let Ok(float) = key.cast::<PyFloat>() {
        float_text(key.py(), float.value(), opts)?
    } else if let Ok(flag) = key.cast::<PyBool>() {
        Cow::Borrowed(if flag.is_true() { "true" } else { "false" })
    } else if key.is_none() {
        Cow::Borrowed("null")
    } else if key.is_instance_of::<PyInt>() {
        Cow::Owned(int_text(key)?)
    } else {
        return Ok(None);
    }))
}

/// A key of a type rjson writes natively as a value (`datetime`, `date`,
/// `time`, `uuid.UUID`, `enum.Enum`) as the text of that value (the
/// standard library raises for them); `None` for any other key.
fn extra_key_text(key: &Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Option<String>> {
    if is_datetime_like(key) {
        return (!opts.passthrough.datetime)
            .then(|| Ok(datetime_text(key, opts)?.to_str()?.to_owned()))
            .transpose();
    }
    let py = key.py();
    let passed = &opts.passthrough;
    if !passed.uuid && key.is_instance(uuid_type(py)?)? {
        return Ok(Some(key.str()?.to_str()?.to_owned()));
    }
    if !passed.decimal {
        if let Some(text) = decimal_text(key, opts)? {
            return Ok(Some(text));
        }
    }
    if !passed.enum_ && key.is_instance(enum_type(py)?)? {
        let value = key.getattr("value")?;
        if let Ok(text) = value.cast::<PyString>() {
            return Ok(Some(text.to_str()?.to_owned()));
        }
        return Ok(scalar_key_text(&value, opts)?.map(Cow::into_owned));
    }
    Ok(None)
}

/// Whether a key is of a type the standard library has no key form for
/// (so `sort_keys` sorts by its text).
fn is_extra_key(key: &Bound<'_, PyAny>) -> bool {
    !(key.is_instance_of::<PyString>()
        || key.is_instance_of::<PyInt>()
        || key.is_instance_of::<PyFloat>()
        || key.is_none())
}

/// An int's decimal text (`int.__repr__`, so int subclasses such as IntEnum
/// give their number). Past the interpreter's int digit limit this raises.
pub fn int_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(small) = value.extract::<i64>() {
        return Ok(small.to_string());
    }
    let py = value.py();
    let text = py
        .get_type::<PyInt>()
        .call_method1("__repr__", (value,))
        .map_err(|err| encode_error_from(py, err))?;
    Ok(text.cast::<PyString>()?.to_str()?.to_owned())
}

/// A float as Python's `repr` writes it; NaN and infinities only with `allow_nan`.
pub fn float_text(
    py: Python<'_>,
    value: f64,
    opts: &DumpOptions<'_>,
) -> PyResult<Cow<'static, str>> {
    if value.is_finite() {
        let mut out = Vec::with_capacity(24);
        write_float_repr(value, &mut out);
        return Ok(Cow::Owned(String::from_utf8(out).expect("ASCII")));
    }
    non_finite_text(py, value, opts).map(Cow::Borrowed)
}

/// `NaN`, `Infinity` or `-Infinity` (with `allow_nan`), else the standard library's error.
pub fn non_finite_text(
    py: Python<'_>,
    value: f64,
    opts: &DumpOptions<'_>,
) -> PyResult<&'static str> {
    let text = if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    };
    if opts.allow_nan {
        return Ok(text);
    }
    let msg = format!(
        "Out of range float values are not JSON compliant: {}",
        python_float_name(text)
    );
    Err(encode_error(py, msg))
}

fn python_float_name(json: &str) -> &'static str {
    match json {
        "NaN" => "nan",
        "Infinity" => "inf",
        _ => "-inf",
    }
}

/// What a Python value is to an encoder, in the standard library's order of
/// checks. Str, Int and Float include subclasses (written by value); exact
/// lists, tuples and dicts are told apart from their subclasses, which are
/// read through their Python methods as the standard library reads them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Str,
    Null,
    Bool,
    Int,
    Float,
    List,
    Tuple,
    /// A list or tuple subclass.
    Sequence,
    Dict,
    /// A dict subclass.
    Mapping,
    /// `rjson.Fragment`: its text as it is.
    Fragment,
    /// Anything else: an extra type, or a job for `default`.
    Other,
}

/// Classifies `obj` by isinstance checks (the baseline's dispatch).
pub fn classify(obj: &Bound<'_, PyAny>) -> Kind {
    if obj.is_instance_of::<PyString>() {
        Kind::Str
    } else if obj.is_none() {
        Kind::Null
    } else if obj.is_instance_of::<PyBool>() {
        Kind::Bool
    } else if obj.is_instance_of::<PyInt>() {
        Kind::Int
    } else if obj.is_instance_of::<PyFloat>() {
        Kind::Float
    } else if obj.is_exact_instance_of::<PyList>() {
        Kind::List
    } else if obj.is_exact_instance_of::<PyTuple>() {
        Kind::Tuple
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        Kind::Sequence
    } else if obj.is_exact_instance_of::<PyDict>() {
        Kind::Dict
    } else if obj.is_instance_of::<PyDict>() {
        Kind::Mapping
    } else if obj.is_exact_instance_of::<Fragment>() {
        Kind::Fragment
    } else {
        Kind::Other
    }
}

/// A dict's `(key, value)` pairs, from a snapshot of its items, sorted by
/// key when `sort_keys` asks, as the standard library sorts them (by the
/// keys' own ordering; mixed key types raise TypeError). Dict subclasses are
/// read through their `items()`, which they may override. If Python code run
/// while the dict is written (`default=`, a property) changes its size, the
/// next entry raises RuntimeError, as iterating the dict in Python would, in
/// every build (phase1 reads plain dicts in place).
pub fn dict_entries<'py>(
    dict: &Bound<'py, PyDict>,
    opts: &DumpOptions<'py>,
) -> PyResult<SnapshotEntries<'py>> {
    let mut items = if dict.is_exact_instance_of::<PyDict>() {
        dict.items()
    } else {
        PyList::new(
            dict.py(),
            dict.call_method0("items")?
                .try_iter()?
                .collect::<PyResult<Vec<_>>>()?,
        )?
    };
    if opts.sort_keys {
        if items
            .iter()
            .any(|item| item.get_item(0).is_ok_and(|key| is_extra_key(&key)))
        {
            // Keys of the types written as text are sorted by that text.
            let converted = PyList::empty(dict.py());
            for item in items.iter() {
                let (key, value): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
                let key = match is_extra_key(&key)
                    .then(|| extra_key_text(&key, opts))
                    .transpose()?
                    .flatten()
                {
                    Some(text) => PyString::new(dict.py(), &text).into_any(),
                    None => key,
                };
                converted.append((key, value))?;
            }
            items = converted;
        }
        items.sort()?;
    }
    Ok(SnapshotEntries {
        dict: dict.clone(),
        size: Some(dict.len()),
        items,
        next: 0,
    })
}

pub struct SnapshotEntries<'py> {
    dict: Bound<'py, PyDict>,
    /// The dict's size when writing began; `None` once a change was reported.
    size: Option<usize>,
    items: Bound<'py, PyList>,
    next: usize,
}

impl<'py> Iterator for SnapshotEntries<'py> {
    type Item = PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let size = self.size?;
        if self.dict.len() != size {
            self.size = None;
            return Some(Err(dict_changed_size()));
        }
        if self.next >= self.items.len() {
            return None;
        }
        let item = self.items.get_item(self.next).ok()?;
        self.next += 1;
        Some(item.extract())
    }
}

pub fn dict_changed_size() -> PyErr {
    PyRuntimeError::new_err("dictionary changed size during iteration")
}

/// The value to write in place of `obj`, a type JSON has no form for: an
/// extra type's natural form, or what `default` returns.
pub fn substitute<'py>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    if is_datetime_like(obj) && !opts.passthrough.datetime {
        return Ok(datetime_text(obj, opts)?.into_any());
    }
    let passed = &opts.passthrough;
    if !passed.uuid && obj.is_instance(uuid_type(py)?)? {
        return Ok(obj.str()?.into_any());
    }
    if !passed.enum_ && obj.is_instance(enum_type(py)?)? {
        return obj.getattr("value");
    }
    if !passed.decimal {
        if let Some(text) = decimal_text(obj, opts)? {
            return Ok(Fragment::of_text(py, &text)?.into_any());
        }
    }
    if !opts.passthrough.dataclass && is_dataclass_instance(obj)? {
        return dataclass_dict(obj);
    }
    match &opts.default {
        Some(default) => default.call1((obj,)),
        None => Err(not_serializable(obj)),
    }
}

fn is_datetime_like(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyDateTime>()
        || obj.is_instance_of::<PyDate>()
        || obj.is_instance_of::<PyTime>()
}

/// A `datetime`, `date` or `time` in ISO 8601 (`isoformat()`), with
/// `omit_microseconds`, `naive_utc` and `utc_z` applied (orjson's options:
/// the first to `datetime` and `time`, the others to `datetime`; a UTC
/// offset of zero, whatever the tzinfo, is UTC).
fn datetime_text<'py>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'_>,
) -> PyResult<Bound<'py, PyString>> {
    let iso = obj.call_method0("isoformat")?.cast_into::<PyString>()?;
    if !(opts.omit_microseconds || opts.naive_utc || opts.utc_z) {
        // `isoformat()`'s own str, as written without the options.
        return Ok(iso);
    }
    let mut text = iso.to_str()?.to_owned();
    let is_datetime = obj.is_instance_of::<PyDateTime>();
    if is_datetime || obj.is_instance_of::<PyTime>() {
        // `.ffffff` right after the seconds (isoformat pads the year to 4).
        let at = if is_datetime { 19 } else { 8 };
        if opts.omit_microseconds && text.as_bytes().get(at) == Some(&b'.') {
            text.replace_range(at..at + 7, "");
        }
    }
    if is_datetime {
        if obj.call_method0("utcoffset")?.is_none() {
            text.push_str(opts.naive_offset());
        } else if opts.utc_z && text.ends_with("+00:00") {
            text.truncate(text.len() - 6);
            text.push('Z');
        }
    }
    Ok(PyString::new(obj.py(), &text))
}

/// `kind`, or `Other` (for `default`) for a subclass of str, int, float,
/// list, tuple or dict when `passthrough` names "subclass".
pub fn kind_with_passthrough(obj: &Bound<'_, PyAny>, kind: Kind, opts: &DumpOptions<'_>) -> Kind {
    if kind == Kind::Fragment && opts.passthrough.fragment {
        return Kind::Other;
    }
    if !opts.passthrough.subclass {
        return kind;
    }
    let subclass = match kind {
        Kind::Str => !obj.is_exact_instance_of::<PyString>(),
        Kind::Int => !obj.is_exact_instance_of::<PyInt>(),
        Kind::Float => !obj.is_exact_instance_of::<PyFloat>(),
        Kind::Sequence | Kind::Mapping => true,
        _ => false,
    };
    if subclass {
        Kind::Other
    } else {
        kind
    }
}

/// The error `strict_integer` raises for an int outside +-(2**53 - 1).
pub fn integer_out_of_range(py: Python<'_>) -> PyErr {
    encode_error(py, "Integer exceeds 53-bit range")
}

/// A `decimal.Decimal`'s exact number text (`str()`: `1.10`, `1E+400`),
/// or NaN and the infinities as `allow_nan` says (as floats); `None` for
/// anything else. The decimal module is never imported here: an object is
/// a Decimal only if the module is loaded.
fn decimal_text(obj: &Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Option<String>> {
    let py = obj.py();
    let Some(decimal) = decimal_type(py)? else {
        return Ok(None);
    };
    if !obj.is_instance(decimal)? {
        return Ok(None);
    }
    if obj.call_method0("is_finite")?.is_truthy()? {
        return Ok(Some(obj.str()?.to_str()?.to_owned()));
    }
    let value = if obj.call_method0("is_nan")?.is_truthy()? {
        f64::NAN
    } else if obj.call_method0("is_signed")?.is_truthy()? {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    Ok(Some(non_finite_text(py, value, opts)?.to_owned()))
}

static DECIMAL_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `decimal.Decimal`, once the decimal module is loaded.
fn decimal_type(py: Python<'_>) -> PyResult<Option<&Bound<'_, PyType>>> {
    if let Some(ty) = DECIMAL_TYPE.get(py) {
        return Ok(Some(ty.bind(py)));
    }
    let Some(module) = loaded_module(py, intern!(py, "decimal"))? else {
        return Ok(None);
    };
    let ty = module.getattr("Decimal")?.cast_into::<PyType>()?.unbind();
    Ok(Some(DECIMAL_TYPE.get_or_init(py, || ty).bind(py)))
}

/// The module `name` if it is loaded, without importing it: the types
/// rjson writes only when their module is in use (decimal, numpy) are
/// looked for this way, on the path of every object without a JSON form
/// until the module turns up, so it is one dict lookup in the interpreter's
/// modules (`import sys` and `sys.modules` a time cost `dumps` of 10,000
/// objects through `default` 3.5x the time).
pub fn loaded_module<'py>(
    py: Python<'py>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    // SAFETY: the GIL is held; the interpreter's modules dict is borrowed
    // and taken as a new reference at once.
    let modules = unsafe { Bound::from_borrowed_ptr(py, pyo3::ffi::PyImport_GetModuleDict()) };
    modules.cast_into::<PyDict>()?.get_item(name)
}

static UUID_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ENUM_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATACLASS_FIELDS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn uuid_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    UUID_TYPE.import(py, "uuid", "UUID")
}

fn enum_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    ENUM_TYPE.import(py, "enum", "Enum")
}

fn is_dataclass_instance(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(!obj.is_instance_of::<PyType>() && obj.get_type().hasattr("__dataclass_fields__")?)
}

/// A dataclass instance as a dict of its fields, in definition order.
fn dataclass_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    let fields = DATACLASS_FIELDS
        .import(py, "dataclasses", "fields")?
        .call1((obj,))?;
    let dict = PyDict::new(py);
    for field in fields.try_iter()? {
        let name = field?.getattr("name")?;
        let value = obj.getattr(name.cast::<PyString>()?)?;
        dict.set_item(name, value)?;
    }
    Ok(dict.into_any())
}

/// The chain of containers (and substituted objects) being written, to stop
/// at the depth limit and tell a cycle from plain deep nesting. A fixed
/// array (8 KiB, on the encoder's stack): no allocation per call, no
/// capacity check per container; left uninitialized, as zeroing it was a
/// tenth of a small `dumps`' time (a `memset` of 8 KiB a call).
pub struct Nesting {
    /// The ids of the open containers, outermost first: the first `depth`
    /// are written.
    open: [MaybeUninit<usize>; MAX_DEPTH],
    depth: usize,
    /// Where the thread's stack ends for nesting (`api/stack.rs`).
    stack_floor: usize,
}

impl Default for Nesting {
    fn default() -> Self {
        Nesting {
            open: [const { MaybeUninit::uninit() }; MAX_DEPTH],
            depth: 0,
            stack_floor: stack::floor(),
        }
    }
}

impl Nesting {
    /// Enters `obj`; fails past the depth limit, naming a cycle when `obj` is
    /// already open (the standard library's "Circular reference detected").
    #[inline]
    pub fn enter(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = obj.as_ptr() as usize;
        if self.depth == MAX_DEPTH || !stack::has_room(self.stack_floor) {
            return Err(self.too_deep(obj));
        }
        self.open[self.depth] = MaybeUninit::new(id);
        self.depth += 1;
        Ok(())
    }

    #[cold]
    fn too_deep(&self, obj: &Bound<'_, PyAny>) -> PyErr {
        let id = obj.as_ptr() as usize;
        // SAFETY: `enter` wrote the first `depth` ids.
        let cycle = self.open[..self.depth]
            .iter()
            .any(|open| unsafe { open.assume_init() } == id);
        let msg = if cycle {
            "Circular reference detected"
        } else if self.depth == MAX_DEPTH {
            stack::DEPTH_MESSAGE
        } else {
            stack::STACK_MESSAGE
        };
        encode_error(obj.py(), msg)
    }

    #[inline]
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// How many more containers may be entered before the depth limit.
    #[allow(dead_code)] // phase3's writer's
    #[inline]
    pub fn room(&self) -> usize {
        MAX_DEPTH - self.depth
    }

    /// Whether one more container may be entered (`enter` would not fail).
    #[allow(dead_code)] // phase3's writer's
    #[inline]
    pub fn has_room(&self) -> bool {
        self.depth < MAX_DEPTH
    }
}
