//! The reference decoder: the standard library's grammar, error messages and
//! error positions, written plainly and not tuned for speed.
//!
//! Engines run it only when their fast path stops: to explain a fault (every
//! build reports the same message at the same position, the one `json.loads`
//! reports), for documents a fast path cannot represent (lone surrogates,
//! `parse_constant`, the exact number text `parse_float` must see) and for
//! incomplete documents read with `allow_partial` (every fast parser stops
//! at their end).

use pyo3::prelude::*;

use crate::api::build::{Builder, Partial};
use crate::api::input::{decode_error, Input};
use crate::api::stack;

pub use crate::api::stack::{DEPTH_MESSAGE, MAX_DEPTH, STACK_MESSAGE};

/// Why decoding stopped: a syntax fault at a byte offset, a Python
/// exception (from a hook) that must reach the caller unchanged, or (with
/// `allow_partial`) a value the input ends inside, which its container drops.
pub enum Fault {
    Syntax(String, usize),
    Python(PyErr),
    Incomplete,
}

impl From<PyErr> for Fault {
    fn from(err: PyErr) -> Self {
        Fault::Python(err)
    }
}

type Parsed<'py> = Result<Bound<'py, PyAny>, Fault>;

/// Decodes the whole input, or raises what the standard library would raise.
pub fn decode<'py>(input: &Input<'_, 'py>, builder: &Builder<'py>) -> PyResult<Bound<'py, PyAny>> {
    let mut parser = Parser {
        data: &input.data,
        pos: 0,
        depth: 0,
        stack_floor: stack::floor(),
        builder,
        partial: builder.partial(),
    };
    let mut parsed = parser.document();
    if let Err(Fault::Incomplete) = parsed {
        // The document is one incomplete value, not a container: the fault
        // is the one a complete document would have there.
        (parser.partial, parser.pos) = (Partial::Off, 0);
        parsed = parser.document();
    }
    match parsed {
        Ok(value) => Ok(value),
        Err(Fault::Python(err)) => Err(err),
        Err(Fault::Syntax(msg, pos)) => Err(decode_error(input, &msg, pos)),
        Err(Fault::Incomplete) => unreachable!("only with allow_partial"),
    }
}

struct Parser<'a, 'py> {
    data: &'a [u8],
    pos: usize,
    depth: usize,
    /// Where the thread's stack ends for nesting (`api/stack.rs`).
    stack_floor: usize,
    builder: &'a Builder<'py>,
    /// What the end of the input inside a value means (`allow_partial`).
    partial: Partial,
}

fn syntax<T>(msg: &str, pos: usize) -> Result<T, Fault> {
    Err(Fault::Syntax(msg.to_owned(), pos))
}

impl<'py> Parser<'_, 'py> {
    fn document(&mut self) -> Parsed<'py> {
        self.skip_whitespace();
        let value = self.value()?;
        self.skip_whitespace();
        if self.pos != self.data.len() {
            return syntax("Extra data", self.pos);
        }
        Ok(value)
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal_follows(&self, word: &[u8]) -> bool {
        self.data[self.pos..].starts_with(word)
    }

    /// With `allow_partial`, the input ends here, inside a value or a
    /// container's punctuation.
    fn ends_partial(&self) -> bool {
        self.partial != Partial::Off && self.pos >= self.data.len()
    }

    /// A container closed where the input ends, inside its last value.
    fn closed_at_end(&mut self, closed: PyResult<Bound<'py, PyAny>>) -> Parsed<'py> {
        self.pos = self.data.len();
        Ok(closed?)
    }

    /// With `allow_partial`, the rest of the input is a start of one of
    /// `words` (a literal cut short).
    fn literal_cut(&self, words: &[&[u8]]) -> bool {
        let rest = &self.data[self.pos..];
        self.partial != Partial::Off
            && words
                .iter()
                .any(|w| w.len() > rest.len() && w.starts_with(rest))
    }

    fn value(&mut self) -> Parsed<'py> {
        let b = self.builder;
        let Some(byte) = self.peek() else {
            if self.ends_partial() {
                return Err(Fault::Incomplete);
            }
            return syntax("Expecting value", self.pos);
        };
        let word = |p: &mut Self, w: &[u8], v: Bound<'py, PyAny>| {
            p.pos += w.len();
            Ok(v)
        };
        match byte {
            b'"' => self.string(),
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b'n' if self.literal_follows(b"null") => word(self, b"null", b.null()),
            b't' if self.literal_follows(b"true") => word(self, b"true", b.bool(true)),
            b'f' if self.literal_follows(b"false") => word(self, b"false", b.bool(false)),
            b'N' if b.has_constant_hook() && self.literal_follows(b"NaN") => {
                let v = b.constant("NaN")?;
                word(self, b"NaN", v)
            }
            b'I' if b.has_constant_hook() && self.literal_follows(b"Infinity") => {
                let v = b.constant("Infinity")?;
                word(self, b"Infinity", v)
            }
            b'-' if b.has_constant_hook() && self.literal_follows(b"-Infinity") => {
                let v = b.constant("-Infinity")?;
                word(self, b"-Infinity", v)
            }
            _ if self.literal_cut(&[b"null", b"true", b"false"]) => Err(Fault::Incomplete),
            _ if b.has_constant_hook()
                && self.literal_cut(&[b"NaN", b"Infinity", b"-Infinity"]) =>
            {
                Err(Fault::Incomplete)
            }
            _ => self.number(),
        }
    }

    fn nested(&mut self, parse: fn(&mut Self) -> Parsed<'py>) -> Parsed<'py> {
        if self.depth == MAX_DEPTH {
            return syntax(DEPTH_MESSAGE, self.pos);
        }
        if !stack::has_room(self.stack_floor) {
            return syntax(STACK_MESSAGE, self.pos);
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Parsed<'py> {
        let b = self.builder;
        let mut object = b.object()?;
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(b.finish_object(object)?);
        }
        loop {
            if self.ends_partial() {
                return Ok(b.finish_object(object)?);
            }
            if self.peek() != Some(b'"') {
                return syntax(
                    "Expecting property name enclosed in double quotes",
                    self.pos,
                );
            }
            let key_at = self.pos;
            // A key the input ends inside (or after) is dropped with its
            // object's last pair.
            let key = match self.string() {
                Err(Fault::Incomplete) => return self.closed_at_end(b.finish_object(object)),
                key => b.key(key?)?,
            };
            self.skip_whitespace();
            if self.ends_partial() {
                return Ok(b.finish_object(object)?);
            }
            if self.peek() != Some(b':') {
                return syntax("Expecting ':' delimiter", self.pos);
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = match self.value() {
                Err(Fault::Incomplete) => return self.closed_at_end(b.finish_object(object)),
                value => value?,
            };
            if !object.push(key.clone(), value)? {
                return syntax(&format!("Duplicate key {}", key.repr()?), key_at);
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(b.finish_object(object)?);
                }
                None if self.ends_partial() => return Ok(b.finish_object(object)?),
                Some(b',') => {
                    self.comma_then_whitespace(b'}', "object")?;
                }
                _ => return syntax("Expecting ',' delimiter", self.pos),
            }
        }
    }

    /// Passes a `,` and the whitespace after it. From CPython 3.13 on, `json`
    /// names a comma right before the container's `close` ("Illegal trailing
    /// comma before end of array", at the comma); before, the error is the
    /// missing value or key after it, which the caller finds.
    fn comma_then_whitespace(&mut self, close: u8, container: &str) -> Result<(), Fault> {
        let comma = self.pos;
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(close) && self.builder.py().version_info() >= (3, 13) {
            return syntax(
                &format!("Illegal trailing comma before end of {container}"),
                comma,
            );
        }
        Ok(())
    }

    fn array(&mut self) -> Parsed<'py> {
        let mut items = Vec::new();
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(self.builder.array(items)?);
        }
        if self.ends_partial() {
            return Ok(self.builder.array(items)?);
        }
        loop {
            match self.value() {
                Err(Fault::Incomplete) => return self.closed_at_end(self.builder.array(items)),
                value => items.push(value?),
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(self.builder.array(items)?);
                }
                None if self.ends_partial() => return Ok(self.builder.array(items)?),
                Some(b',') => {
                    self.comma_then_whitespace(b']', "array")?;
                }
                _ => return syntax("Expecting ',' delimiter", self.pos),
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, taking the longest
    /// prefix that fits, as the standard library does ("1." is 1, then ".").
    fn number(&mut self) -> Parsed<'py> {
        let data = self.data;
        let start = self.pos;
        let digit_at = |i: usize| data.get(i).is_some_and(u8::is_ascii_digit);
        let mut end = start;
        if data[end] == b'-' {
            end += 1;
        }
        if end == data.len() && self.partial != Partial::Off {
            return Err(Fault::Incomplete); // "-"
        }
        match data.get(end) {
            Some(b'0') => end += 1,
            Some(b'1'..=b'9') => {
                while digit_at(end) {
                    end += 1;
                }
            }
            _ => return syntax("Expecting value", start),
        }
        let mut is_float = false;
        if data.get(end) == Some(&b'.') && digit_at(end + 1) {
            is_float = true;
            end += 1;
            while digit_at(end) {
                end += 1;
            }
        }
        if matches!(data.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(data.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            if digit_at(exp) {
                is_float = true;
                end = exp;
                while digit_at(end) {
                    end += 1;
                }
            }
        }
        if self.partial != Partial::Off && number_cut(&data[end..]) {
            return Err(Fault::Incomplete);
        }
        self.pos = end;
        let text = std::str::from_utf8(&data[start..end]).expect("ASCII digits");
        if is_float {
            return Ok(self.builder.float(text)?);
        }
        self.builder.int(text).map_err(|err| {
            if self.builder.has_int_hook() {
                Fault::Python(err)
            } else {
                // Past the interpreter's int digit limit.
                let py = self.builder.py();
                Fault::Syntax(err.value(py).to_string(), start)
            }
        })
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Parsed<'py> {
        let data = self.data;
        let quote = self.pos;
        let mut text: Vec<u8> = Vec::new();
        let mut at = quote + 1;
        loop {
            let run = at;
            while let Some(&c) = data.get(at) {
                if c == b'"' || c == b'\\' {
                    break;
                }
                if c < 0x20 {
                    return syntax("Invalid control character at", at);
                }
                at += 1;
            }
            text.extend_from_slice(&data[run..at]);
            match data.get(at) {
                None => return self.string_cut(quote, &text),
                Some(b'"') => break,
                _ => {}
            }
            // A backslash at `at`.
            let Some(&escape) = data.get(at + 1) else {
                return self.string_cut(quote, &text);
            };
            if escape != b'u' {
                let ch = match escape {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0C,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    _ => return syntax("Invalid \\escape", at),
                };
                text.push(ch);
                at += 2;
                continue;
            }
            // `\uXXXX`; the standard library wants a character after it, and
            // reports a bad escape at its `u`. With `allow_partial` the input
            // may end right after it, or inside it (then it is dropped).
            let partial = self.partial != Partial::Off;
            let room = |at: usize| at + 6 < data.len() || (partial && at + 6 == data.len());
            if partial && escape_cut(&data[at..]) {
                return self.string_cut(quote, &text);
            }
            let Some(mut code) = hex4(data, at + 2).filter(|_| room(at)) else {
                return syntax("Invalid \\uXXXX escape", at + 1);
            };
            at += 6;
            let high = (0xD800..0xDC00).contains(&code);
            if high && partial && (at == data.len() || escape_cut(&data[at..])) {
                // The low half may follow: the high one is dropped.
                return self.string_cut(quote, &text);
            }
            if high && room(at) && data[at] == b'\\' && data[at + 1] == b'u' {
                let Some(low) = hex4(data, at + 2) else {
                    return syntax("Invalid \\uXXXX escape", at + 1);
                };
                if (0xDC00..0xE000).contains(&low) {
                    code = 0x1_0000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    at += 6;
                }
            }
            push_wtf8(code, &mut text);
        }
        self.pos = at + 1;
        Ok(self.builder.wtf8_string(&text)?)
    }

    /// A string the input ends inside, whose text up to its last complete
    /// character or escape is `text`: with `allow_partial="trailing-strings"`
    /// that text, with `True` a value its container drops, and otherwise a
    /// fault at its opening quote.
    fn string_cut(&mut self, quote: usize, text: &[u8]) -> Parsed<'py> {
        match self.partial {
            Partial::Off => syntax("Unterminated string starting at", quote),
            Partial::On => Err(Fault::Incomplete),
            Partial::TrailingStrings => {
                self.pos = self.data.len();
                Ok(self.builder.wtf8_string(text)?)
            }
        }
    }
}

/// Whether `rest`, starting at a backslash, is a `\uXXXX` escape that the
/// input ends inside (`\`, `\u`, `\u1`, ... `\u123`).
fn escape_cut(rest: &[u8]) -> bool {
    rest.len() < 6
        && rest.first() == Some(&b'\\')
        && rest.get(1).is_none_or(|&u| u == b'u')
        && rest.iter().skip(2).all(u8::is_ascii_hexdigit)
}

/// Whether `rest`, what follows the longest number at the start of a value,
/// is a fraction or exponent the input ends inside (`1.`, `1e`, `1e-`).
fn number_cut(rest: &[u8]) -> bool {
    matches!(rest, b"." | b"e" | b"E" | b"e+" | b"e-" | b"E+" | b"E-")
}

/// The four hex digits at `at`, or `None` (phase3's parser reads its `\u`
/// escapes with it too).
#[inline]
pub(crate) fn hex4(data: &[u8], at: usize) -> Option<u32> {
    let &[a, b, c, d] = data.get(at..at + 4)? else {
        return None;
    };
    let (a, b, c, d) = (
        HEX[a as usize],
        HEX[b as usize],
        HEX[c as usize],
        HEX[d as usize],
    );
    if (a | b | c | d) & 0xF0 != 0 {
        return None;
    }
    Some(u32::from(a) << 12 | u32::from(b) << 8 | u32::from(c) << 4 | u32::from(d))
}

/// Hex digits' values; 0xFF for every other byte.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Encodes a code point, a lone surrogate included, as (W)UTF-8.
#[inline(always)] // on phase3's hot path for `\u` escapes
pub(crate) fn push_wtf8(code: u32, out: &mut Vec<u8>) {
    match code {
        0..=0x7F => out.push(code as u8),
        0x80..=0x7FF => {
            out.extend_from_slice(&[0xC0 | (code >> 6) as u8, 0x80 | (code & 0x3F) as u8])
        }
        0x800..=0xFFFF => out.extend_from_slice(&[
            0xE0 | (code >> 12) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
        _ => out.extend_from_slice(&[
            0xF0 | (code >> 18) as u8,
            0x80 | ((code >> 12) & 0x3F) as u8,
            0x80 | ((code >> 6) & 0x3F) as u8,
            0x80 | (code & 0x3F) as u8,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::hex4;

    fn byte_by_byte(text: &[u8]) -> Option<u32> {
        text.iter().try_fold(0, |value, &b| {
            Some(value << 4 | char::from(b).to_digit(16)?)
        })
    }

    #[test]
    fn hex4_reads_exactly_four_hex_digits() {
        // Every byte value at every position, beside digits of each class.
        for pos in 0..4 {
            for fill in [b'0', b'9', b'a', b'f', b'A', b'F'] {
                for b in 0..=255u8 {
                    let mut text = [fill; 4];
                    text[pos] = b;
                    assert_eq!(hex4(&text, 0), byte_by_byte(&text), "{text:?}");
                }
            }
        }
        for value in 0..=0xFFFF {
            for text in [format!("{value:04x}"), format!("{value:04X}")] {
                assert_eq!(hex4(text.as_bytes(), 0), Some(value), "{text}");
            }
        }
        assert_eq!(hex4(b"abc", 0), None);
        assert_eq!(hex4(b"\\uabcd", 2), Some(0xABCD));
        assert_eq!(hex4(b"\\uabc", 2), None);
    }
}
