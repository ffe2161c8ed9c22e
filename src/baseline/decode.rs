//! `loads` through serde_json: a `DeserializeSeed` that builds Python objects.
//!
//! serde_json is asked for exact number text (`arbitrary_precision`) so big
//! ints stay exact and floats are rounded once. When it stops for any reason
//! but a hook's exception, the reference decoder runs instead: it reports the
//! fault exactly as the standard library does, or decodes what serde_json
//! cannot represent (lone surrogates).

use std::cell::{Cell, RefCell};
use std::fmt;

use pyo3::prelude::*;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::api::build::Builder;
use crate::api::input::Input;
use crate::api::stack;
use crate::engine::ItemStack;
use crate::reference::{self, MAX_DEPTH};

/// The map key serde_json uses to hand over a number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

pub fn decode<'py>(input: &Input<'_, 'py>, builder: &Builder<'py>) -> PyResult<Bound<'py, PyAny>> {
    let text = match input.as_str() {
        // serde_json would rewrite exponents ("1E5" as "1e+5") that parse_float
        // must see as written, and knows no NaN; a document spelling the number
        // token as a key would be mistaken for a number.
        Some(text)
            if !builder.has_float_hook()
                && !builder.has_constant_hook()
                && !text.contains(NUMBER_TOKEN) =>
        {
            text
        }
        _ => return reference::decode(input, builder),
    };
    let state = State {
        builder,
        depth: Cell::new(0),
        stack_floor: stack::floor(),
        items: RefCell::new(ItemStack::new(builder.py())),
        python_error: RefCell::new(None),
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let parsed = ValueSeed(&state).deserialize(&mut deserializer);
    match parsed.and_then(|value| deserializer.end().map(|()| value)) {
        Ok(value) => Ok(value),
        Err(_) => match state.python_error.take() {
            Some(err) => Err(err),
            None => reference::decode(input, builder),
        },
    }
}

struct State<'s, 'py> {
    builder: &'s Builder<'py>,
    depth: Cell<usize>,
    /// Where the thread's stack ends for nesting (`api/stack.rs`).
    stack_floor: usize,
    items: RefCell<ItemStack<'py>>,
    /// An exception raised by Python code (a hook) during the parse.
    python_error: RefCell<Option<PyErr>>,
}

impl<'py> State<'_, 'py> {
    fn keep<T, E: de::Error>(&self, result: PyResult<T>) -> Result<T, E> {
        result.map_err(|err| {
            *self.python_error.borrow_mut() = Some(err);
            E::custom("Python exception")
        })
    }

    fn enter<E: de::Error>(&self) -> Result<(), E> {
        if self.depth.get() == MAX_DEPTH || !stack::has_room(self.stack_floor) {
            return Err(E::custom("too deep"));
        }
        self.depth.set(self.depth.get() + 1);
        Ok(())
    }

    fn leave(&self) {
        self.depth.set(self.depth.get() - 1);
    }

    fn number<E: de::Error>(&self, text: &str) -> Result<Bound<'py, PyAny>, E> {
        let b = self.builder;
        if text.bytes().any(|c| matches!(c, b'.' | b'e' | b'E')) {
            return self.keep(b.float(text));
        }
        match b.int(text) {
            Ok(value) => Ok(value),
            Err(err) if b.has_int_hook() => self.keep(Err(err)),
            // The int digit limit: the reference decoder reports where.
            Err(_) => Err(E::custom("int conversion")),
        }
    }
}

#[derive(Clone, Copy)]
struct ValueSeed<'s, 'py>(&'s State<'s, 'py>);

impl<'de, 'py> DeserializeSeed<'de> for ValueSeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for ValueSeed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.builder.null())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.0.builder.bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.keep(self.0.builder.int_i64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.keep(self.0.builder.int_u64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.keep(self.0.builder.string(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let state = self.0;
        state.enter()?;
        let mark = state.items.borrow().len();
        while let Some(item) = seq.next_element_seed(self)? {
            state.items.borrow_mut().push(item);
        }
        state.leave();
        let list = state.items.borrow_mut().pop_list(state.builder.py(), mark);
        state.keep(list)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let state = self.0;
        let b = state.builder;
        let Some(first) = map.next_key_seed(KeySeed)? else {
            state.enter()?;
            state.leave();
            let object = state.keep(b.object())?;
            return state.keep(b.finish_object(object));
        };
        if let Key::Borrowed(NUMBER_TOKEN) = first {
            let text: String = map.next_value()?;
            return state.number(&text);
        }
        state.enter()?;
        let mut object = state.keep(b.object())?;
        let mut key = Some(first);
        while let Some(k) = key {
            let name = match k {
                Key::Borrowed(text) => b.string(text),
                Key::Owned(text) => b.string(&text),
            };
            let name = state.keep(name.and_then(|name| b.key(name)))?;
            let value = map.next_value_seed(self)?;
            if !state.keep(object.push(name, value))? {
                // A repeated key: the reference decoder reports it.
                return Err(de::Error::custom("duplicate key"));
            }
            key = map.next_key_seed(KeySeed)?;
        }
        state.leave();
        state.keep(b.finish_object(object))
    }
}

/// An object key as serde_json hands it over: borrowed from the input when it
/// has no escapes (the number token always is), owned otherwise.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Key::Owned(v.to_owned()))
    }
}
