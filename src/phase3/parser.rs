//! rjson's own decoder: recursive descent over the input bytes, making
//! Python objects as it goes (no intermediate tree, no serde).
//!
//! It handles the documents that matter for speed. Anything else stops it:
//! a syntax fault, the depth limit, an int past the digit limit, a lone
//! surrogate, `parse_constant`. The reference decoder then runs on the same
//! input and reports the fault, or decodes the rare document, exactly as
//! every other build does. A hook's exception stops it and reaches the caller.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use pyo3::prelude::*;

use super::keys::{self, ascii_key, KeyCache};
use crate::api::build::Builder;
use crate::api::input::Input;
use crate::api::stack;
use crate::engine::{
    digit_run, fraction_digit_run, new_float, new_int, new_str, plain_run, space_run,
    validate_utf8, ItemStack,
};
use crate::reference::{self, hex4, push_wtf8, MAX_DEPTH};
use crate::text::float_parse::decimal_to_f64;
use crate::text::sink::Sink;

pub fn decode<'py>(input: &Input<'_, 'py>, builder: &Builder<'py>) -> PyResult<Bound<'py, PyAny>> {
    decode_with(input, builder, Scan)
}

/// Decodes each line `lines` gives (byte ranges of `input`, which is whole
/// and checked) as a document of its own, pushing its value on `values`:
/// one parser, one borrow of the key cache and one pause of the collector
/// for a run of lines (per line they cost as much as a short line's parse).
/// A line the parser stops at is decoded (or explained) by the reference
/// decoder as its own document, and a new run starts after it.
pub fn decode_lines<'py>(
    input: &Input<'_, 'py>,
    builder: &Builder<'py>,
    lines: impl Iterator<Item = (usize, usize)>,
    values: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<()> {
    decode_lines_with(input, builder, lines, values, || Scan)
}

/// `decode_lines` with the whitespace passed by `gaps()`'s (phase5 gives
/// its own type, so that the parser is one instance in its build: a second
/// costs `loads` 3-5 % more instructions, the compiler inlining less).
pub fn decode_lines_with<'py, G: Gaps>(
    input: &Input<'_, 'py>,
    builder: &Builder<'py>,
    lines: impl Iterator<Item = (usize, usize)>,
    values: &mut Vec<Bound<'py, PyAny>>,
    gaps: impl Fn() -> G,
) -> PyResult<()> {
    let mut lines = lines.peekable();
    if !parses(input) {
        for (start, end) in lines {
            push(values, reference::decode(&input.line(start, end), builder)?);
        }
        return Ok(());
    }
    let py = builder.py();
    // Bytes input left unchecked (phase5): the parser checks the strings
    // that are not ASCII; past its budget, the rest of the input at once.
    let mut unchecked = input.utf8_unchecked;
    let mut utf8_fault = false;
    while lines.peek().is_some() {
        // The line the run stopped at, and why.
        let stopped = keys::with_cache(|keys| {
            let mut parser = Parser {
                py,
                data: &[],
                pos: 0,
                depth: 0,
                stack_floor: stack::floor(),
                utf8_unchecked: unchecked.then_some(UTF8_STRINGS_MAX),
                builder,
                pairs_on_stack: builder.stacks_pairs(),
                items: ItemStack::new(py),
                scratch: Vec::new(),
                keys,
                gaps: gaps(),
            };
            let paused = !builder.has_any_hook() && pause_gc();
            let mut stopped = None;
            for (start, end) in lines.by_ref() {
                (parser.data, parser.pos) = (&input.data[start..end], 0);
                match parser.document() {
                    Ok(value) => push(values, value),
                    Err(stop) => {
                        stopped = Some((start, end, stop));
                        break;
                    }
                }
                if unchecked && parser.utf8_unchecked.is_none() {
                    // The parser checked the rest of this line: the lines
                    // after it are checked now.
                    if validate_utf8(py, &input.data[end..]).is_err() {
                        utf8_fault = true;
                        break;
                    }
                    unchecked = false;
                }
            }
            if paused {
                resume_gc();
            }
            stopped
        });
        if utf8_fault || (stopped.is_some() && unchecked) {
            // Past a byte that is not UTF-8, the fault is that byte, as
            // when the input is checked before the parse.
            input.check_utf8()?;
            unchecked = false;
        }
        match stopped {
            None => {}
            Some((_, _, Stop::Python(err))) => return Err(*err),
            Some((start, end, Stop::Explain)) => {
                push(values, reference::decode(&input.line(start, end), builder)?);
            }
        }
    }
    Ok(())
}

/// Adds a line's value: the list of them is made at its final size.
#[inline]
fn push<'py>(values: &mut Vec<Bound<'py, PyAny>>, value: Bound<'py, PyAny>) {
    crate::api::memory::reserve(values, 1);
    values.push(value);
}

/// Whether the parser can read this input at all (the reference decoder
/// handles the rest).
pub fn parses(input: &Input<'_, '_>) -> bool {
    !input.surrogates
}

/// Decodes with `gaps` passing over the whitespace between tokens.
pub fn decode_with<'py>(
    input: &Input<'_, 'py>,
    builder: &Builder<'py>,
    gaps: impl Gaps,
) -> PyResult<Bound<'py, PyAny>> {
    if !parses(input) {
        input.check_utf8()?;
        return reference::decode(input, builder);
    }
    let py = builder.py();
    let parsed = keys::with_cache(|keys| {
        let mut parser = Parser {
            py,
            data: &input.data,
            pos: 0,
            depth: 0,
            stack_floor: stack::floor(),
            utf8_unchecked: input.utf8_unchecked.then_some(UTF8_STRINGS_MAX),
            builder,
            pairs_on_stack: builder.stacks_pairs(),
            items: ItemStack::new(py),
            scratch: Vec::new(),
            keys,
            gaps,
        };
        // Without hooks no Python code runs while the parser builds an acyclic
        // tree, so collecting garbage cycles mid-parse finds nothing: the
        // collector is paused (most of a gen-0 collection's cost is traversing
        // the fresh containers themselves).
        let paused = !builder.has_any_hook() && pause_gc();
        let parsed = parser.document();
        if paused {
            resume_gc();
        }
        parsed
    });
    if parsed.is_err() {
        // Past a byte that is not UTF-8, the fault is that byte, as when the
        // input is checked before the parse.
        input.check_utf8()?;
    }
    match parsed {
        Ok(value) => Ok(value),
        Err(Stop::Python(err)) => Err(*err),
        Err(Stop::Explain) => reference::decode(input, builder),
    }
}

/// Pauses the cyclic collector; true if it was running (and so must be
/// resumed).
#[cfg(Py_3_10)]
fn pause_gc() -> bool {
    // SAFETY: the GIL is held; PyGC_Disable returns the previous state.
    unsafe { pyo3::ffi::PyGC_Disable() != 0 }
}

/// CPython 3.9 has no C call to pause the collector: the parse runs with it
/// as the caller left it.
#[cfg(not(Py_3_10))]
fn pause_gc() -> bool {
    false
}

fn resume_gc() {
    #[cfg(Py_3_10)]
    // SAFETY: the GIL is held.
    unsafe {
        pyo3::ffi::PyGC_Enable();
    }
}

/// Bytes of non-ASCII strings checked one by one before the rest of the
/// input is checked at once: a few strings cost less alone, many more (the
/// checker's start-up on each) than the whole text in one pass.
const UTF8_STRINGS_MAX: usize = 4 << 10;

enum Stop {
    /// Let the reference decoder explain (or decode) the document.
    Explain,
    /// A Python exception from a hook or an allocation: it is the answer.
    /// (Boxed: a `Parsed` then fits in two registers, which every value's
    /// return saves.)
    Python(Box<PyErr>),
}

impl From<PyErr> for Stop {
    fn from(err: PyErr) -> Self {
        Stop::Python(Box::new(err))
    }
}

type Parsed<'py> = Result<Bound<'py, PyAny>, Stop>;

/// How the parser passes over the whitespace between tokens: by scanning the
/// bytes (`Scan`), or by a structural index (phase5's stage 2).
pub trait Gaps {
    /// From `pos` (the start, or just past a token or operator), the position
    /// of the next token, or the end of `data`.
    fn skip(&mut self, data: &[u8], pos: usize) -> usize;

    /// Whether a number or literal that ends at `pos` is a whole token (one
    /// running into other bytes, like `1x`, is not).
    #[inline]
    fn scalar_ends(&self, _data: &[u8], _pos: usize) -> bool {
        true // scanning sees whatever follows as the next token
    }
}

/// Whitespace found byte by byte.
pub struct Scan;

impl Gaps for Scan {
    #[inline]
    fn skip(&mut self, data: &[u8], pos: usize) -> usize {
        // Compact documents have no gaps and indented ones mostly runs
        // (newline and indentation): one byte is checked inline, a run goes
        // to the kernel.
        let is_space = |at: usize| matches!(data.get(at), Some(b' ' | b'\n' | b'\r' | b'\t'));
        if !is_space(pos) {
            return pos;
        }
        if !is_space(pos + 1) {
            return pos + 1;
        }
        space_run(data, pos + 2)
    }
}

struct Parser<'a, 'py, G> {
    py: Python<'py>,
    data: &'a [u8],
    pos: usize,
    depth: usize,
    /// Where the thread's stack ends for nesting (`api/stack.rs`).
    stack_floor: usize,
    /// The input's UTF-8 is not checked yet (`Input::utf8_unchecked`): each
    /// string that is not ASCII is, up to this many bytes of them, and then
    /// the rest of the input at once.
    utf8_unchecked: Option<usize>,
    builder: &'a Builder<'py>,
    /// Objects' pairs wait on the item stack (every case but
    /// `object_pairs_hook` with `reject_duplicate_keys`, whose pairs the
    /// builder collects with the set of their keys).
    pairs_on_stack: bool,
    items: ItemStack<'py>,
    /// Unescaped text of the current string.
    scratch: Vec<u8>,
    /// This thread's key cache, if this is the only parse using it.
    keys: Option<&'a mut KeyCache>,
    gaps: G,
}

impl<'py, G: Gaps> Parser<'_, 'py, G> {
    fn document(&mut self) -> Parsed<'py> {
        self.skip_whitespace();
        let value = self.value()?;
        self.skip_whitespace();
        if self.pos != self.data.len() {
            return Err(Stop::Explain);
        }
        Ok(value)
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        self.pos = self.gaps.skip(self.data, self.pos);
    }

    /// A number or literal ends at `self.pos`.
    #[inline]
    fn scalar_end(&self) -> Result<(), Stop> {
        if self.gaps.scalar_ends(self.data, self.pos) {
            Ok(())
        } else {
            Err(Stop::Explain)
        }
    }

    fn value(&mut self) -> Parsed<'py> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string(false)
            }
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true", self.builder.bool(true)),
            Some(b'f') => self.literal(b"false", self.builder.bool(false)),
            Some(b'n') => self.literal(b"null", self.builder.null()),
            _ => self.constant(),
        }
    }

    /// `NaN`, `Infinity` or `-Infinity`, values only through `parse_constant`.
    #[inline(never)]
    fn constant(&mut self) -> Parsed<'py> {
        if !self.builder.has_constant_hook() {
            return Err(Stop::Explain);
        }
        let rest = &self.data[self.pos..];
        let Some(name) = ["NaN", "Infinity", "-Infinity"]
            .into_iter()
            .find(|name| rest.starts_with(name.as_bytes()))
        else {
            return Err(Stop::Explain);
        };
        self.pos += name.len();
        self.scalar_end()?;
        Ok(self.builder.constant(name)?)
    }

    fn literal(&mut self, word: &[u8], value: Bound<'py, PyAny>) -> Parsed<'py> {
        if !self.data[self.pos..].starts_with(word) {
            return Err(Stop::Explain);
        }
        self.pos += word.len();
        self.scalar_end()?;
        Ok(value)
    }

    fn enter(&mut self) -> Result<(), Stop> {
        if self.depth == MAX_DEPTH || !stack::has_room(self.stack_floor) {
            return Err(Stop::Explain);
        }
        self.depth += 1;
        Ok(())
    }

    fn array(&mut self) -> Parsed<'py> {
        self.enter()?;
        self.pos += 1;
        self.skip_whitespace();
        let mark = self.items.len();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                // Numbers are the one item kind that often fills a whole
                // list (coordinates, samples): read inline, without
                // `value`'s recursive call and its register saves.
                let item = match self.peek() {
                    Some(b'-' | b'0'..=b'9') => self.number()?,
                    _ => self.value()?,
                };
                self.items.push(item);
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_whitespace();
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(Stop::Explain),
                }
            }
        }
        self.depth -= 1;
        Ok(self.items.pop_list(self.py, mark)?)
    }

    fn object(&mut self) -> Parsed<'py> {
        self.enter()?;
        self.pos += 1;
        self.skip_whitespace();
        // The pairs wait on the item stack, so that the dict (then given to
        // `object_hook`, if any) or the list of pairs for
        // `object_pairs_hook` is made at its final size.
        let mark = self.items.len();
        let mut object = match self.pairs_on_stack {
            true => None,
            false => Some(self.builder.object()?),
        };
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(Stop::Explain);
                }
                self.pos += 1;
                let key = self.builder.key(self.string(true)?)?;
                self.skip_whitespace();
                if self.peek() != Some(b':') {
                    return Err(Stop::Explain);
                }
                self.pos += 1;
                self.skip_whitespace();
                let value = self.value()?;
                match &mut object {
                    None => {
                        self.items.push(key);
                        self.items.push(value);
                    }
                    Some(pairs) => {
                        if !pairs.push(key, value)? {
                            return Err(Stop::Explain); // a repeated key
                        }
                    }
                }
                self.skip_whitespace();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_whitespace();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(Stop::Explain),
                }
            }
        }
        self.depth -= 1;
        match object {
            None if self.builder.has_pairs_hook() => {
                let pairs = self.items.pop_pairs(self.py, mark)?;
                Ok(self.builder.hooked_pairs(pairs)?)
            }
            None => {
                let pairs = (self.items.len() - mark) / 2;
                let dict = self.items.pop_dict(self.py, mark)?;
                if self.builder.rejects_duplicate_keys() && dict.len()? < pairs {
                    return Err(Stop::Explain); // a repeated key
                }
                Ok(self.builder.hooked_dict(dict)?)
            }
            Some(pairs) => Ok(self.builder.finish_object(pairs)?),
        }
    }

    /// A string whose opening quote is consumed; `key` strings go through the key cache.
    fn string(&mut self, key: bool) -> Parsed<'py> {
        let data = self.data;
        let start = self.pos;
        let (end, ascii) = plain_run(data, start);
        match data.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                let text = &data[start..end];
                if ascii {
                    if key {
                        return Ok(ascii_key(
                            self.py,
                            self.keys.as_deref_mut(),
                            data,
                            start,
                            end,
                        )?);
                    }
                } else if !self.utf8(start, end) {
                    return Err(Stop::Explain);
                }
                Ok(new_str(self.py, text, ascii)?)
            }
            Some(b'\\') => {
                if !ascii && !self.utf8(start, end) {
                    return Err(Stop::Explain);
                }
                self.escaped_string(start, end, ascii)
            }
            _ => Err(Stop::Explain),
        }
    }

    /// Whether `data[start..end]`, a run of a string's bytes that are not
    /// all ASCII, is UTF-8 (or the input was checked before the parse). A
    /// run ends at an ASCII byte, so no character spans two runs.
    #[inline(never)]
    fn utf8(&mut self, start: usize, end: usize) -> bool {
        let Some(budget) = self.utf8_unchecked else {
            return true;
        };
        let len = end - start;
        if len <= budget {
            self.utf8_unchecked = Some(budget - len);
            return validate_utf8(self.py, &self.data[start..end]).is_ok();
        }
        // Text with much that is not ASCII: the rest of it in one go.
        self.utf8_unchecked = None;
        validate_utf8(self.py, &self.data[start..]).is_ok()
    }

    /// The rest of a string with escapes, from the first backslash at `at`.
    fn escaped_string(&mut self, start: usize, mut at: usize, mut ascii: bool) -> Parsed<'py> {
        let data = self.data;
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        // Grown through `Sink`, not `Vec`'s own methods: out of memory
        // unwinds (`api::memory`) where they would abort.
        Sink::extend_from_slice(&mut text, &data[start..at]);
        loop {
            match data.get(at) {
                Some(b'"') => break,
                Some(b'\\') => {
                    let unescaped = match data.get(at + 1) {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0C,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            // Escaped text (ensure_ascii output) is runs of
                            // \uXXXX: read a run in one loop.
                            loop {
                                let (code, len) = unicode_escape(data, at).ok_or(Stop::Explain)?;
                                ascii &= code < 0x80;
                                Sink::reserve(&mut text, 4);
                                push_wtf8(code, &mut text); // never a surrogate here: UTF-8
                                at += len;
                                if data.get(at..at + 2) != Some(b"\\u") {
                                    break;
                                }
                            }
                            continue;
                        }
                        _ => return Err(Stop::Explain),
                    };
                    Sink::push(&mut text, unescaped);
                    at += 2;
                }
                Some(_) => {
                    // A run up to the next quote, backslash or control byte
                    // (checked first: escapes often follow one another).
                    let (end, run_ascii) = plain_run(data, at);
                    if end == at || (!run_ascii && !self.utf8(at, end)) {
                        return Err(Stop::Explain); // a control byte, or not UTF-8
                    }
                    Sink::extend_from_slice(&mut text, &data[at..end]);
                    ascii &= run_ascii;
                    at = end;
                }
                None => return Err(Stop::Explain),
            }
        }
        self.pos = at + 1;
        let value = new_str(self.py, &text, ascii);
        self.scratch = text;
        Ok(value?)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, the longest prefix
    /// that fits, as the standard library reads numbers.
    #[inline(always)]
    fn number(&mut self) -> Parsed<'py> {
        let data = self.data;
        let start = self.pos;
        let digit_at = |i: usize| data.get(i).is_some_and(u8::is_ascii_digit);
        let mut at = start;
        let negative = data[at] == b'-';
        if negative {
            at += 1;
        }
        let int_start = at;
        let mut magnitude: u64 = 0;
        match data.get(at) {
            Some(b'0') => at += 1,
            Some(b'1'..=b'9') => (at, magnitude) = digit_run(data, at, 0),
            _ => return self.constant(), // `-Infinity`, or a fault
        }
        let int_digits = at - int_start;
        let mut is_float = false;
        // The significand's digits (integer and fraction) as one integer, and
        // the power of ten to scale it by, for the exact fast path below.
        let mut significand = magnitude;
        let mut digits = int_digits;
        let mut scale: i64 = 0;
        if data.get(at) == Some(&b'.') && digit_at(at + 1) {
            is_float = true;
            let fraction = at + 1;
            (at, significand) = fraction_digit_run(data, fraction, significand);
            digits += at - fraction;
            scale -= (at - fraction) as i64;
        }
        if matches!(data.get(at), Some(b'e' | b'E')) {
            let mut exp = at + 1;
            let exp_negative = data.get(exp) == Some(&b'-');
            if matches!(data.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            if digit_at(exp) {
                is_float = true;
                at = exp;
                let mut exponent: i64 = 0;
                while let Some(&d) = data.get(at).filter(|d| d.is_ascii_digit()) {
                    exponent = (exponent * 10 + i64::from(d - b'0')).min(1 << 20);
                    at += 1;
                }
                scale += if exp_negative { -exponent } else { exponent };
            }
        }
        self.pos = at;
        self.scalar_end()?;
        let b = self.builder;
        if is_float {
            if b.has_float_hook() {
                return Ok(b.float(ascii_text(&data[start..at]))?);
            }
            // Past 19 digits the significand has wrapped: the full parser.
            let fast = if digits <= 19 {
                decimal_to_f64(significand, scale)
            } else {
                None
            };
            let value = match fast {
                Some(v) => v,
                None => ascii_text(&data[int_start..at])
                    .parse()
                    .map_err(|_| Stop::Explain)?,
            };
            return Ok(new_float(self.py, if negative { -value } else { value })?);
        }
        // Up to 19 digits the magnitude is exact in a u64 (no wrap): every
        // int that fits an i64 is made from it.
        if int_digits <= 19 && !b.has_int_hook() {
            if let Some(value) = signed(magnitude, negative) {
                return Ok(new_int(self.py, value)?);
            }
        }
        match b.int(ascii_text(&data[start..at])) {
            Ok(value) => Ok(value),
            Err(err) if b.has_int_hook() => Err(err.into()),
            Err(_) => Err(Stop::Explain),
        }
    }
}

/// `magnitude` with its sign as an i64, if it fits.
#[inline(always)]
fn signed(magnitude: u64, negative: bool) -> Option<i64> {
    if negative {
        // -2^63 is i64::MIN: its magnitude wraps to itself.
        (magnitude <= 1 << 63).then(|| (magnitude as i64).wrapping_neg())
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// The text of a number the scanner has matched (`-`, digits, `.`, `e`, `+`).
#[inline]
fn ascii_text(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: `number` only passes bytes it matched as ASCII number syntax,
    // and ASCII is UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// `\uXXXX` at `at` (the backslash), joined with a following low surrogate
/// escape. Returns the code point and the bytes consumed, or `None` for a
/// malformed escape or a lone surrogate (the reference decoder handles both).
fn unicode_escape(data: &[u8], at: usize) -> Option<(u32, usize)> {
    let high = hex4(data, at + 2)?;
    if !(0xD800..0xE000).contains(&high) {
        return Some((high, 6));
    }
    if high >= 0xDC00 || data.get(at + 6..at + 8)? != b"\\u" {
        return None;
    }
    let low = hex4(data, at + 8)?;
    if !(0xDC00..0xE000).contains(&low) {
        return None;
    }
    Some((0x1_0000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12))
}
