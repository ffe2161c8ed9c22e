//! `dumps` through serde_json: a `Serialize` view of Python objects and a
//! `Formatter` that lays the text out as the standard library does (floats as
//! `repr`, separators, indentation, `ensure_ascii`).

use std::cell::RefCell;
use std::io;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, Serializer};
use serde_json::ser::Formatter;

use crate::api::fragment::fragment_text;
use crate::api::memory::vec_with_room;
use crate::api::numpy::{write_element, NumpyArray};
use crate::api::options::DumpOptions;
use crate::api::to_json::{
    int_text, integer_out_of_range, kind_with_passthrough, non_finite_text, substitute, KeyBuffer,
    Kind, Nesting,
};
use crate::engine;
use crate::text::escape::{write_non_ascii_escaped, write_wtf8_string};
use crate::text::float_repr::write_float_repr;
use crate::text::sink::Sink;

/// Writes `obj` as JSON text (UTF-8).
pub fn encode(obj: &Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Vec<u8>> {
    let state = State {
        opts,
        nesting: RefCell::new(Nesting::default()),
        python_error: RefCell::new(None),
    };
    let formatter = LayoutFormatter {
        opts,
        level: 0,
        has_value: false,
    };
    let mut serializer =
        serde_json::Serializer::with_formatter(Text(engine::OutputBuffer::take()), formatter);
    let written = PyValue { obj, state: &state }.serialize(&mut serializer);
    match (written, state.python_error.take()) {
        (_, Some(err)) => Err(err),
        (Ok(()), None) => Ok(serializer.into_inner().0),
        (Err(err), None) => Err(pyo3::exceptions::PyRuntimeError::new_err(err.to_string())),
    }
}

/// The serializer's output: grown through `Sink`, which unwinds with
/// `OutOfMemory` where `Vec`'s own `io::Write` would abort the process.
struct Text(Vec<u8>);

impl io::Write for Text {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        Sink::extend_from_slice(&mut self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct State<'a, 'py> {
    opts: &'a DumpOptions<'py>,
    nesting: RefCell<Nesting>,
    python_error: RefCell<Option<PyErr>>,
}

impl State<'_, '_> {
    fn keep<T, E: ser::Error>(&self, result: PyResult<T>) -> Result<T, E> {
        result.map_err(|err| {
            *self.python_error.borrow_mut() = Some(err);
            E::custom("Python exception")
        })
    }
}

struct PyValue<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    state: &'a State<'a, 'py>,
}

impl Serialize for PyValue<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (obj, state) = (self.obj, self.state);
        let opts = state.opts;
        match kind_with_passthrough(obj, engine::classify(obj), opts) {
            Kind::Str => {
                let text = obj.cast::<PyString>().expect("classified as str");
                match text.to_str() {
                    Ok(s) => serializer.serialize_str(s),
                    Err(_) => {
                        // Lone surrogates cannot pass through a Rust str: escape them.
                        let wtf8 =
                            state.keep(text.call_method1("encode", ("utf-8", "surrogatepass")))?;
                        let mut literal = Vec::new();
                        write_wtf8_string(
                            state.keep(wtf8.extract::<Vec<u8>>())?.as_slice(),
                            opts.ensure_ascii,
                            &mut literal,
                        );
                        RawJson(std::str::from_utf8(&literal).expect("escaped text is ASCII-safe"))
                            .serialize(serializer)
                    }
                }
            }
            Kind::Null => serializer.serialize_unit(),
            Kind::Bool => {
                serializer.serialize_bool(obj.cast::<PyBool>().is_ok_and(|b| b.is_true()))
            }
            Kind::Int => match obj.extract::<i64>() {
                Ok(small) if !opts.refuses_int(small) => serializer.serialize_i64(small),
                _ if opts.strict_integer => state.keep(Err(integer_out_of_range(obj.py()))),
                _ => RawJson(&state.keep(int_text(obj))?).serialize(serializer),
            },
            Kind::Float => {
                let value = obj.cast::<PyFloat>().expect("classified as float").value();
                if value.is_finite() {
                    serializer.serialize_f64(value)
                } else {
                    RawJson(state.keep(non_finite_text(obj.py(), value, opts))?)
                        .serialize(serializer)
                }
            }
            Kind::List | Kind::Tuple | Kind::Sequence => self.sequence(serializer),
            Kind::Dict | Kind::Mapping => self.mapping(
                obj.cast::<PyDict>().expect("classified as dict"),
                serializer,
            ),
            Kind::Fragment => RawJson(
                std::str::from_utf8(fragment_text(obj)).expect("a Fragment's text is UTF-8"),
            )
            .serialize(serializer),
            Kind::Other => {
                if let Some(array) = state.keep(NumpyArray::written(obj, opts))? {
                    let shape = array.shape().to_vec();
                    return NumpyValue {
                        obj,
                        array: &array,
                        shape: &shape,
                        offset: 0,
                        state,
                    }
                    .serialize(serializer);
                }
                state.keep(state.nesting.borrow_mut().enter(obj))?;
                let replacement = state.keep(substitute(obj, opts))?;
                let written = PyValue {
                    obj: &replacement,
                    state,
                }
                .serialize(serializer);
                state.nesting.borrow_mut().leave();
                written
            }
        }
    }
}

/// A numpy array from flat index `offset` on, as nested lists of `shape`
/// (an element when `shape` is empty).
struct NumpyValue<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    array: &'a NumpyArray,
    shape: &'a [usize],
    offset: usize,
    state: &'a State<'a, 'py>,
}

impl Serialize for NumpyValue<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let state = self.state;
        let Some((&len, inner)) = self.shape.split_first() else {
            let mut text = Vec::new();
            let element = self.array.element(self.offset);
            state.keep(write_element(
                self.obj.py(),
                element,
                state.opts,
                &mut text,
                write_float_repr,
            ))?;
            return RawJson(std::str::from_utf8(&text).expect("ASCII")).serialize(serializer);
        };
        let stride: usize = inner.iter().product();
        state.keep(state.nesting.borrow_mut().enter(self.obj))?;
        let mut seq = serializer.serialize_seq(Some(len))?;
        for at in 0..len {
            let offset = self.offset + at * stride;
            seq.serialize_element(&NumpyValue {
                shape: inner,
                offset,
                ..*self
            })?;
        }
        state.nesting.borrow_mut().leave();
        seq.end()
    }
}

impl PyValue<'_, '_> {
    fn sequence<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (obj, state) = (self.obj, self.state);
        state.keep(state.nesting.borrow_mut().enter(obj))?;
        let written = if let Ok(list) = obj.cast_exact::<PyList>() {
            // Read by index as it is written: `default=` may shorten the list.
            let mut seq = serializer.serialize_seq(Some(list.len()))?;
            let mut at = 0;
            while at < list.len() {
                let item = state.keep(list.get_item(at))?;
                seq.serialize_element(&PyValue { obj: &item, state })?;
                at += 1;
            }
            seq.end()
        } else {
            // Tuples, and list subclasses through iteration as the standard library does.
            let items = state.keep(
                obj.try_iter()
                    .and_then(|it| it.collect::<PyResult<Vec<_>>>()),
            )?;
            let mut seq = serializer.serialize_seq(Some(items.len()))?;
            for item in &items {
                seq.serialize_element(&PyValue { obj: item, state })?;
            }
            seq.end()
        };
        state.nesting.borrow_mut().leave();
        written
    }

    fn mapping<S: Serializer>(
        &self,
        dict: &Bound<'_, PyDict>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let state = self.state;
        state.keep(state.nesting.borrow_mut().enter(self.obj))?;
        let entries = state.keep(engine::dict_entries(dict, state.opts))?;
        let mut map = serializer.serialize_map(Some(dict.len()))?;
        let mut key_buffer = KeyBuffer::default();
        for entry in entries {
            let (key, value) = state.keep(entry)?;
            let Some(text) = state.keep(engine::key_text(&key, state.opts, &mut key_buffer))?
            else {
                continue;
            };
            map.serialize_entry(text, &PyValue { obj: &value, state })?;
        }
        state.nesting.borrow_mut().leave();
        map.end()
    }
}

/// Text written as it is. This is how serde_json's own `RawValue` serializes
/// (with the `raw_value` feature): a struct under serde_json's private token.
/// rjson uses it for what serde_json's data model cannot say: NaN and the
/// infinities, ints past 64 bits, strings with escaped lone surrogates.
struct RawJson<'a>(&'a str);

const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

impl Serialize for RawJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut raw = serializer.serialize_struct(RAW_VALUE_TOKEN, 1)?;
        raw.serialize_field(RAW_VALUE_TOKEN, self.0)?;
        raw.end()
    }
}

/// The standard library's layout: separators, optional indentation (the same
/// newline rules as `json.dumps(indent=...)`), Python float text, ensure_ascii.
struct LayoutFormatter<'a, 'py> {
    opts: &'a DumpOptions<'py>,
    level: usize,
    has_value: bool,
}

impl LayoutFormatter<'_, '_> {
    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if !first {
            writer.write_all(self.opts.item_separator.as_bytes())?;
        }
        self.newline(writer)
    }

    fn newline<W: ?Sized + io::Write>(&self, writer: &mut W) -> io::Result<()> {
        if let Some(indent) = &self.opts.indent {
            writer.write_all(b"\n")?;
            for _ in 0..self.level {
                writer.write_all(indent.as_bytes())?;
            }
        }
        Ok(())
    }
}

impl Formatter for LayoutFormatter<'_, '_> {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        let mut text = Vec::with_capacity(24);
        write_float_repr(value, &mut text);
        writer.write_all(&text)
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if self.opts.ensure_ascii && fragment.bytes().any(|b| b >= 0x7F) {
            let mut escaped = vec_with_room(fragment.len() * 2);
            write_non_ascii_escaped(fragment, &mut escaped);
            return writer.write_all(&escaped);
        }
        writer.write_all(fragment.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(self.opts.key_separator.as_bytes())
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}
