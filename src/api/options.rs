//! The keyword options of `dumps`, checked and normalized once per call,
//! and the environment switches the builds read once per process.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

pub struct DumpOptions<'py> {
    pub default: Option<Bound<'py, PyAny>>,
    /// The text of one indentation level; `None` for single-line output.
    pub indent: Option<String>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub allow_nan: bool,
    pub skipkeys: bool,
    /// Borrowed for the defaults: most calls allocate nothing here.
    pub item_separator: Cow<'static, str>,
    pub key_separator: Cow<'static, str>,
    /// Whether the result is a `str` (`dumps`), which is written without
    /// asking CPython for any str's UTF-8, so the caller's strs stay as they
    /// were; `dumps_bytes` uses (and so makes) the UTF-8 CPython caches.
    pub str_result: bool,
}

impl<'py> DumpOptions<'py> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        default: Option<Bound<'py, PyAny>>,
        indent: Option<&Bound<'py, PyAny>>,
        sort_keys: bool,
        ensure_ascii: bool,
        allow_nan: bool,
        skipkeys: bool,
        separators: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let indent = match indent {
            None => None,
            Some(v) if v.is_none() => None,
            Some(v) => Some(indent_text(v)?),
        };
        // The standard library's defaults: compact, except ": " after keys when indenting.
        let (item_separator, key_separator) = match separators {
            Some(seps) if !seps.is_none() => {
                // Any pair, as `item_separator, key_separator = separators` takes.
                let pair = seps.try_iter()?.collect::<PyResult<Vec<_>>>()?;
                let [item, key] = pair.as_slice() else {
                    return Err(PyTypeError::new_err(
                        "separators must be a pair of str: (item_separator, key_separator)",
                    ));
                };
                (separator_text(item)?.into(), separator_text(key)?.into())
            }
            _ if indent.is_some() => (",".into(), ": ".into()),
            _ => (",".into(), ":".into()),
        };
        let default = default.filter(|d| !d.is_none());
        Ok(DumpOptions {
            default,
            indent,
            sort_keys,
            ensure_ascii,
            allow_nan,
            skipkeys,
            item_separator,
            key_separator,
            str_result: false,
        })
    }
}

fn indent_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(text.to_str()?.to_owned());
    }
    if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        // `" " * n` as in the standard library: negative means no indentation.
        let width: i64 = value.extract()?;
        return Ok(" ".repeat(width.clamp(0, 1 << 20) as usize));
    }
    let name = value.get_type().name()?;
    Err(PyTypeError::new_err(format!(
        "indent must be None, an int or a str, not {name}"
    )))
}

fn separator_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(text) => Ok(text.to_str()?.to_owned()),
        Err(_) => {
            let name = value.get_type().name()?;
            Err(PyTypeError::new_err(format!(
                "separators must be str, not {name}"
            )))
        }
    }
}

/// A size set by the environment variable `name` (README lists them: for
/// tests and measuring), else `default`; read once per process into `cell`.
/// (Only phase3 and later builds have such switches.)
#[cfg(feature = "phase3")]
pub fn size_switch(cell: &'static std::sync::OnceLock<usize>, name: &str, default: usize) -> usize {
    *cell.get_or_init(|| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    })
}
