//! What each Python value becomes in JSON, for every encoder: dict keys as the
//! standard library converts them, the extra types (dataclasses, datetime,
//! UUID, Enum), `default=`, and the depth and cycle guard.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTime, PyType};

use super::errors::{encode_error, encode_error_from, not_serializable};
use super::options::DumpOptions;
use crate::text::float_repr::write_float_repr;

/// Containers (and `default=` results) may nest this deep.
pub const MAX_DEPTH: usize = 1024;

/// A dict key as text, or `None` when `skipkeys` drops it.
pub fn key_text<'a>(key: &'a Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Option<Cow<'a, str>>> {
    let py = key.py();
    if let Ok(text) = key.cast::<PyString>() {
        return match text.to_str() {
            Ok(s) => Ok(Some(Cow::Borrowed(s))),
            Err(_) => Err(encode_error(py, "dict key is not valid UTF-8: lone surrogates are not supported in keys")),
        };
    }
    if let Ok(float) = key.cast::<PyFloat>() {
        return Ok(Some(float_text(py, float.value(), opts)?));
    }
    if let Ok(flag) = key.cast::<PyBool>() {
        return Ok(Some(Cow::Borrowed(if flag.is_true() { "true" } else { "false" })));
    }
    if key.is_none() {
        return Ok(Some(Cow::Borrowed("null")));
    }
    if key.is_instance_of::<PyInt>() {
        return Ok(Some(Cow::Owned(int_text(key)?)));
    }
    if opts.skipkeys {
        return Ok(None);
    }
    let name = key.get_type().name()?;
    Err(encode_error(py, format!("keys must be str, int, float, bool or None, not {name}")))
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
pub fn float_text(py: Python<'_>, value: f64, opts: &DumpOptions<'_>) -> PyResult<Cow<'static, str>> {
    if value.is_finite() {
        let mut out = Vec::with_capacity(24);
        write_float_repr(value, &mut out);
        return Ok(Cow::Owned(String::from_utf8(out).expect("ASCII")));
    }
    non_finite_text(py, value, opts).map(Cow::Borrowed)
}

/// `NaN`, `Infinity` or `-Infinity` (with `allow_nan`), else the standard library's error.
pub fn non_finite_text(py: Python<'_>, value: f64, opts: &DumpOptions<'_>) -> PyResult<&'static str> {
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
    let msg = format!("Out of range float values are not JSON compliant: {}", python_float_name(text));
    Err(encode_error(py, msg))
}

fn python_float_name(json: &str) -> &'static str {
    match json {
        "NaN" => "nan",
        "Infinity" => "inf",
        _ => "-inf",
    }
}

/// The items of a dict (a snapshot: `default=` may mutate the dict while it
/// is written), sorted by key when `sort_keys` asks, as the standard library
/// sorts them (by the keys' own ordering; mixed key types raise TypeError).
pub fn dict_items<'py>(dict: &Bound<'py, PyDict>, opts: &DumpOptions<'py>) -> PyResult<Bound<'py, PyList>> {
    let items = if dict.is_exact_instance_of::<PyDict>() {
        dict.items()
    } else {
        // Subclasses may override items(), as the standard library honours.
        PyList::new(dict.py(), dict.call_method0("items")?.try_iter()?.collect::<PyResult<Vec<_>>>()?)?
    };
    if opts.sort_keys {
        items.sort()?;
    }
    Ok(items)
}

/// The value to write in place of `obj`, a type JSON has no form for: an
/// extra type's natural form, or what `default` returns.
pub fn substitute<'py>(obj: &Bound<'py, PyAny>, opts: &DumpOptions<'py>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    if obj.is_instance_of::<PyDateTime>() || obj.is_instance_of::<PyDate>() || obj.is_instance_of::<PyTime>() {
        return obj.call_method0("isoformat");
    }
    if obj.is_instance(uuid_type(py)?)? {
        return Ok(obj.str()?.into_any());
    }
    if obj.is_instance(enum_type(py)?)? {
        return obj.getattr("value");
    }
    if is_dataclass_instance(obj)? {
        return dataclass_dict(obj);
    }
    match &opts.default {
        Some(default) => default.call1((obj,)),
        None => Err(not_serializable(obj)),
    }
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
    let fields = DATACLASS_FIELDS.import(py, "dataclasses", "fields")?.call1((obj,))?;
    let dict = PyDict::new(py);
    for field in fields.try_iter()? {
        let name = field?.getattr("name")?;
        let value = obj.getattr(name.cast::<PyString>()?)?;
        dict.set_item(name, value)?;
    }
    Ok(dict.into_any())
}

/// The chain of containers (and substituted objects) being written, to stop
/// at the depth limit and tell a cycle from plain deep nesting.
#[derive(Default)]
pub struct Nesting {
    open: Vec<usize>,
}

impl Nesting {
    /// Enters `obj`; fails past the depth limit, naming a cycle when `obj` is
    /// already open (the standard library's "Circular reference detected").
    pub fn enter(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = obj.as_ptr() as usize;
        if self.open.len() == MAX_DEPTH {
            let msg = if self.open.contains(&id) {
                "Circular reference detected"
            } else {
                "Maximum nesting depth exceeded (1024)"
            };
            return Err(encode_error(obj.py(), msg));
        }
        self.open.push(id);
        Ok(())
    }

    pub fn leave(&mut self) {
        self.open.pop();
    }
}
