//! The keyword options of `dumps`, checked and normalized once per call,
//! and the environment switches the builds read once per process.

use std::borrow::Cow;

use pyo3::exceptions::{PyTypeError, PyValueError};
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
    /// Whether the result is a `str` (`dumps`), which the builds before
    /// phase3 write without asking CPython for a key's UTF-8.
    pub str_result: bool,
    /// A naive `datetime` is taken as UTC (`+00:00`).
    pub naive_utc: bool,
    /// A UTC offset of zero is written `Z`.
    pub utc_z: bool,
    /// `datetime` and `time` without their microseconds.
    pub omit_microseconds: bool,
    /// The types `passthrough` sends to `default` instead of writing them.
    pub passthrough: Passthrough,
    /// An int outside +-(2**53 - 1) raises (`strict_integer`).
    pub strict_integer: bool,
}

/// `passthrough=`: which natively written types go to `default` instead.
#[derive(Default, Clone, Copy)]
pub struct Passthrough {
    pub dataclass: bool,
    pub datetime: bool,
    /// Subclasses of str, int, float, list, tuple and dict.
    pub subclass: bool,
    /// `enum.Enum` members (but those of a subclass of str, int or float,
    /// which are written as that type's value unless "subclass" is named).
    pub enum_: bool,
    pub uuid: bool,
    pub decimal: bool,
    /// numpy arrays and scalars.
    pub numpy: bool,
    /// `rjson.Fragment`.
    pub fragment: bool,
}

impl Passthrough {
    /// The names of `passthrough=` (any iterable of them, a str taken as
    /// one name); an unknown name raises ValueError, a non-str TypeError.
    fn from_names(names: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut passthrough = Passthrough::default();
        let Some(names) = names.filter(|n| !n.is_none()) else {
            return Ok(passthrough);
        };
        let names: Vec<Bound<'_, PyAny>> = if names.is_instance_of::<PyString>() {
            vec![names.clone()]
        } else {
            names
                .try_iter()
                .map_err(|_| PyTypeError::new_err("passthrough must be an iterable of str"))?
                .collect::<PyResult<_>>()?
        };
        for name in names {
            let Ok(text) = name.cast::<PyString>() else {
                let type_name = name.get_type().name()?;
                return Err(PyTypeError::new_err(format!(
                    "passthrough items must be str, not {type_name}"
                )));
            };
            match text.to_str()? {
                "dataclass" => passthrough.dataclass = true,
                "datetime" => passthrough.datetime = true,
                "subclass" => passthrough.subclass = true,
                "enum" => passthrough.enum_ = true,
                "uuid" => passthrough.uuid = true,
                "decimal" => passthrough.decimal = true,
                "numpy" => passthrough.numpy = true,
                "fragment" => passthrough.fragment = true,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "passthrough: unknown type {other:?} (expected any of \"dataclass\", \"datetime\", \"subclass\", \"enum\", \"uuid\", \"decimal\", \"numpy\", \"fragment\")"
                    )))
                }
            }
        }
        Ok(passthrough)
    }
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
            naive_utc: false,
            utc_z: false,
            omit_microseconds: false,
            passthrough: Passthrough::default(),
            strict_integer: false,
        })
    }

    /// The keywords beyond the standard library's (orjson's options).
    pub fn with_extras(
        mut self,
        naive_utc: bool,
        utc_z: bool,
        omit_microseconds: bool,
        passthrough: Option<&Bound<'py, PyAny>>,
        strict_integer: bool,
    ) -> PyResult<Self> {
        self.naive_utc = naive_utc;
        self.utc_z = utc_z;
        self.omit_microseconds = omit_microseconds;
        self.passthrough = Passthrough::from_names(passthrough)?;
        self.strict_integer = strict_integer;
        Ok(self)
    }

    /// What follows a naive datetime's text: `+00:00` (or `Z`) with
    /// `naive_utc`, else nothing.
    pub fn naive_offset(&self) -> &'static str {
        match (self.naive_utc, self.utc_z) {
            (false, _) => "",
            (true, false) => "+00:00",
            (true, true) => "Z",
        }
    }

    /// Whether `value` is an int `strict_integer` refuses.
    #[inline(always)]
    pub fn refuses_int(&self, value: i64) -> bool {
        self.strict_integer && value.unsigned_abs() > MAX_SAFE_INTEGER
    }
}

/// The largest int `strict_integer` lets through: 2**53 - 1, the largest of
/// the run of integers an IEEE double holds exactly (JavaScript's
/// `Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

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
#[allow(dead_code)] // the engines' switches
pub fn size_switch(cell: &'static std::sync::OnceLock<usize>, name: &str, default: usize) -> usize {
    *cell.get_or_init(|| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    })
}
