//! rjson's own encoder: appends JSON text for Python objects straight into
//! one byte buffer (no serde), with the standard library's layout. The
//! compact layout (`","` and `":"`, no indent) is the fast path; other
//! separators and indentation take a branch per item.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::Borrowed;

use super::breaks::{Breaks, Comma, ItemBreak, LineBreak, LINE_BREAK_ROOM};
use super::float_repr::write_float_repr;
use super::item_runs::{write_int_run, write_scalar_run, write_str_run};
use super::number_lists::{
    float_values, write_broken_short_float_list, write_finite_floats, write_float_run,
    write_short_float_list, SHORT_LIST,
};
use super::sorted_keys::{push_sorted_str_entries, SortedEntry};
#[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
use super::worker_writer::Layout;
use super::{parallel, short_str};
use crate::api::fragment::fragment_text;
use crate::api::numpy::{write_element, NumpyArray};
use crate::api::options::DumpOptions;
use crate::api::to_json::{
    dict_changed_size, int_text, integer_out_of_range, kind_with_passthrough, non_finite_text,
    substitute, KeyBuffer, Kind, Nesting,
};
use crate::engine::{classify, dict_entries, key_text, prefetch, write_string, OutputBuffer};
use crate::phase1::dispatch::{
    dict_len, has_surrogate_halves, list_item_borrowed, list_items, ready_units, str_utf8,
    units_without_utf8, Units,
};
use crate::phase1::layout::{dict_next, int_value};
use crate::text::escape::write_wtf8_string;
use crate::text::int_repr::write_i64;
use crate::text::sink::Sink;
use crate::text::units_utf8::write_units;

/// Lists at least this long have their leading floats formatted by
/// `write_float_run`; shorter ones of nothing but floats are written by
/// `write_short_float_list` from their parent's dispatch (the run's setup
/// costs more than a coordinate pair: `benches/callgrind.py dumps_bytes canada.json`).
const FLOAT_RUN_MIN: usize = SHORT_LIST + 1;

pub fn encode(obj: &Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Vec<u8>> {
    match encode_into(obj, opts, OutputBuffer::take()) {
        (out, Ok(())) => Ok(out),
        (out, Err(err)) => {
            OutputBuffer::give_back(out);
            Err(err)
        }
    }
}

/// Appends `obj`'s JSON to `out`, which it hands back whether or not that
/// succeeded. The writer owns its output (borrowing it compiles to more
/// instructions on the corpus) and borrows its nesting: the writer is
/// moved, and the 8 KiB array moved with it cost a tenth of a small
/// `dumps`' time.
pub fn encode_into<'py, S: Sink>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
    out: S,
) -> (S, PyResult<()>) {
    let compact = opts.indent.is_none() && opts.item_separator == "," && opts.key_separator == ":";
    if compact {
        write_layout::<S, true>(obj, opts, out)
    } else {
        write_layout::<S, false>(obj, opts, out)
    }
}

/// `encode_into` with the layout fixed at compile time: the compact
/// writer holds no test or code of the other layouts' breaks.
fn write_layout<'py, S: Sink, const COMPACT: bool>(
    obj: &Bound<'py, PyAny>,
    opts: &DumpOptions<'py>,
    out: S,
) -> (S, PyResult<()>) {
    let mut nesting = Nesting::default();
    // Owned here, lent to the writer: a writer with a field to drop
    // compiles to more instructions throughout.
    let breaks = (!COMPACT).then(|| Breaks::new(opts));
    let mut key_buffer = KeyBuffer::default();
    let mut sorted = Vec::new();
    let mut writer = Writer::<S, COMPACT> {
        out,
        opts,
        level: 0,
        nesting: &mut nesting,
        breaks: breaks.as_ref(),
        key_buffer: &mut key_buffer,
        sorted: &mut sorted,
    };
    let written = writer.value(obj);
    (writer.out, written)
}

/// The writer; `COMPACT`: `","` and `":"` between items and keys, no
/// indentation.
struct Writer<'a, 'py, S, const COMPACT: bool> {
    out: S,
    opts: &'a DumpOptions<'py>,
    /// Indentation level of the container being written.
    level: usize,
    nesting: &'a mut Nesting,
    /// What goes between items when the layout is not compact.
    breaks: Option<&'a Breaks>,
    /// Where keys that are not str, or not ASCII, are converted to text:
    /// one per call, so that its allocation is made once, not per dict.
    key_buffer: &'a mut KeyBuffer,
    /// `sort_keys`' entries of the dicts being written, innermost last.
    sorted: &'a mut Vec<SortedEntry<'py>>,
}

impl<'py, S: Sink, const COMPACT: bool> Writer<'_, 'py, S, COMPACT> {
    fn value(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        match kind_with_passthrough(obj, classify(obj), self.opts) {
            Kind::Str => self.string(obj),
            Kind::Int => self.int(obj),
            Kind::Float => self.float(obj),
            Kind::Bool => {
                self.bool(obj.as_ptr());
                Ok(())
            }
            Kind::Null => {
                self.out.extend_from_slice(b"null");
                Ok(())
            }
            Kind::List => self.list(obj),
            Kind::Tuple | Kind::Sequence => self.sequence(obj),
            Kind::Dict | Kind::Mapping => self.dict(obj),
            Kind::Fragment => {
                self.out.extend_from_slice(fragment_text(obj));
                Ok(())
            }
            Kind::Other => self.other(obj),
        }
    }

    #[inline(always)]
    fn bool(&mut self, ptr: *mut ffi::PyObject) {
        // SAFETY: comparing addresses with the True singleton.
        let is_true = ptr == unsafe { ffi::Py_True() };
        self.out
            .extend_from_slice(if is_true { b"true" } else { b"false" });
    }

    /// A value JSON has no form for: an extra type's form, or `default`'s answer.
    #[inline(never)]
    fn other(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if let Some(array) = NumpyArray::written(obj, self.opts)? {
            let shape = array.shape().to_vec();
            return self.numpy_array(obj, &array, &shape, 0);
        }
        self.nesting.enter(obj)?;
        let replacement = substitute(obj, self.opts)?;
        self.value(&replacement)?;
        self.nesting.leave();
        Ok(())
    }

    /// The numpy array `obj` from flat index `offset` on, as nested lists
    /// of `shape` (an element when `shape` is empty).
    fn numpy_array(
        &mut self,
        obj: &Bound<'py, PyAny>,
        array: &NumpyArray,
        shape: &[usize],
        offset: usize,
    ) -> PyResult<()> {
        let Some((&len, inner)) = shape.split_first() else {
            let element = array.element(offset);
            return write_element(
                obj.py(),
                element,
                self.opts,
                &mut self.out,
                write_float_repr,
            );
        };
        let stride: usize = inner.iter().product();
        self.open(obj, b'[')?;
        if inner.is_empty() && COMPACT {
            array.write_compact_row(
                obj.py(),
                offset,
                len,
                self.opts,
                &mut self.out,
                write_finite_floats,
            )?;
            self.close(b']', len > 0);
            return Ok(());
        }
        for at in 0..len {
            self.item(at == 0);
            self.numpy_array(obj, array, inner, offset + at * stride)?;
        }
        self.close(b']', len > 0);
        Ok(())
    }

    /// A str: inline, so that a compact-ASCII one (most values) costs no
    /// call; any other out of line.
    #[inline(always)]
    fn string(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.ascii_string(obj.as_ptr()) {
            return Ok(());
        }
        self.other_string(obj)
    }

    /// A str `ascii_string` does not write.
    #[inline(never)]
    fn other_string(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.non_ascii_units(obj) {
            return Ok(());
        }
        match str_utf8(obj) {
            Some(text) => write_string(text.as_bytes(), self.opts.ensure_ascii, &mut self.out),
            None => return self.surrogate_string(obj),
        }
        Ok(())
    }

    /// A non-empty compact-ASCII `str`, written from its own data (short ones
    /// needing no escapes by two moves); false, with nothing written, for any
    /// other string. Runs no Python code.
    #[inline(always)]
    fn ascii_string(&mut self, ptr: *mut ffi::PyObject) -> bool {
        // SAFETY: `ptr` is a live str (classified by the caller); its length
        // is checked against short_str::write's bounds before the call, and a
        // compact ASCII string's `len` bytes of data are ASCII.
        unsafe {
            if ffi::PyUnicode_IS_COMPACT_ASCII(ptr) == 0 {
                return false;
            }
            let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
            if len > short_str::MAX_LEN {
                let data = std::slice::from_raw_parts(ffi::PyUnicode_DATA(ptr).cast::<u8>(), len);
                write_string(data, self.opts.ensure_ascii, &mut self.out);
                return true;
            }
            len != 0
                && short_str::write(
                    ptr,
                    len,
                    self.opts.ensure_ascii,
                    false,
                    false,
                    &mut self.out,
                )
        }
    }

    /// A dict entry's key, when it is a compact-ASCII `str`: the separator
    /// before it (unless `first`), the key, the separator after it; false,
    /// with nothing written, for any other key. Runs no Python code.
    #[inline(always)]
    fn ascii_key(&mut self, ptr: *mut ffi::PyObject, first: bool) -> bool {
        if COMPACT {
            // SAFETY: `ptr` is a live str; as in `ascii_string`.
            unsafe {
                let len = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
                if ffi::PyUnicode_IS_COMPACT_ASCII(ptr) != 0
                    && (1..=short_str::MAX_LEN).contains(&len)
                    && short_str::write(
                        ptr,
                        len,
                        self.opts.ensure_ascii,
                        !first,
                        true,
                        &mut self.out,
                    )
                {
                    return true;
                }
            }
        }
        if !COMPACT && self.broken_ascii_key(ptr, first) {
            return true;
        }
        let mark = self.out.len();
        self.item(first);
        if self.ascii_string(ptr) {
            self.key_separator();
            return true;
        }
        self.out.truncate(mark);
        false
    }

    /// `ascii_key` in the other layouts for a short key needing no escape:
    /// the break, the key and the key separator with one reservation.
    #[inline(always)]
    fn broken_ascii_key(&mut self, ptr: *mut ffi::PyObject, first: bool) -> bool {
        let (Some(brk), Some(breaks)) = (self.item_break(), self.breaks) else {
            return false;
        };
        if breaks.key_len > LINE_BREAK_ROOM {
            return false;
        }
        self.out
            .reserve(LINE_BREAK_ROOM + short_str::ROOM + LINE_BREAK_ROOM);
        let at = self.out.len();
        // SAFETY: the room reserved holds the break's copy, the key's
        // stores and the key separator's copy, whose `key` has
        // LINE_BREAK_ROOM readable bytes (its padding); `ptr` is a live
        // exact str, which `write_item` checks before reading.
        unsafe {
            let dst = self.out.as_mut_ptr().add(at);
            let broken = brk.store(!first, dst);
            let Some(key) =
                short_str::write_item(ptr, self.opts.ensure_ascii, false, dst.add(broken))
            else {
                return false;
            };
            let end = broken + key;
            std::ptr::copy_nonoverlapping(breaks.key.as_ptr(), dst.add(end), LINE_BREAK_ROOM);
            self.out.set_len(at + end + breaks.key_len);
        }
        true
    }

    /// A non-ASCII str (value or key) from its own units: into a `str`
    /// result that takes them (`Sink::str_units`), else as UTF-8 when
    /// CPython has not made the str's UTF-8 (asking for it would make the
    /// str keep a copy). False, with nothing written, for any other str:
    /// its UTF-8 is then written.
    fn non_ascii_units(&mut self, str: &Bound<'py, PyAny>) -> bool {
        if !self.opts.ensure_ascii && self.out.str_units(str.as_ptr()) {
            return true;
        }
        match units_without_utf8(str) {
            Some(Units::One(units)) => write_units(units, self.opts.ensure_ascii, &mut self.out),
            Some(Units::Two(units)) => write_units(units, self.opts.ensure_ascii, &mut self.out),
            Some(Units::Four(units)) => write_units(units, self.opts.ensure_ascii, &mut self.out),
            None => return false,
        }
        true
    }

    /// Lone surrogates: written as escapes, as in every build.
    #[inline(never)]
    fn surrogate_string(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let wtf8 = obj.call_method1("encode", ("utf-8", "surrogatepass"))?;
        write_wtf8_string(
            &wtf8.extract::<Vec<u8>>()?,
            self.opts.ensure_ascii,
            &mut self.out,
        );
        Ok(())
    }

    #[inline(always)]
    fn int(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        // SAFETY: `obj` is a live int (or int subclass).
        match unsafe { int_value(obj.as_ptr()) } {
            Some(value) if !self.opts.refuses_int(value) => {
                write_i64(value, &mut self.out);
                Ok(())
            }
            _ => self.big_int(obj),
        }
    }

    /// An int past `i64`, or one `strict_integer` refuses.
    #[inline(never)]
    fn big_int(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        if self.opts.strict_integer {
            return Err(integer_out_of_range(obj.py()));
        }
        self.out.extend_from_slice(int_text(obj)?.as_bytes());
        Ok(())
    }

    #[inline(always)]
    fn float(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        // SAFETY: `obj` is a live float or float subclass, whose object holds
        // the value's field, which PyFloat_AS_DOUBLE reads (no call).
        let value = unsafe { ffi::PyFloat_AS_DOUBLE(obj.as_ptr()) };
        if !value.is_finite() {
            self.out
                .extend_from_slice(non_finite_text(obj.py(), value, self.opts)?.as_bytes());
            return Ok(());
        }
        write_float_repr(value, &mut self.out);
        Ok(())
    }

    /// Before each item of a container: the separator and, when indenting, a new line.
    #[inline(always)]
    fn item(&mut self, first: bool) {
        if COMPACT {
            if !first {
                self.out.push(b',');
            }
            return;
        }
        self.line_break(!first);
    }

    /// The item separator if `separated`, then with `indent` a newline and
    /// the indentation of the current level.
    #[inline(always)]
    fn line_break(&mut self, separated: bool) {
        if let Some(breaks) = self.breaks {
            breaks.write_line_break(self.level, separated, &mut self.out);
        }
    }

    #[inline(always)]
    fn open(&mut self, obj: &Bound<'py, PyAny>, bracket: u8) -> PyResult<()> {
        self.enter(obj)?;
        self.out.push(bracket);
        Ok(())
    }

    /// Enters a container, as `open` without its bracket.
    #[inline(always)]
    fn enter(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        self.nesting.enter(obj)?;
        self.level += 1;
        Ok(())
    }

    /// After a container: a new line before the bracket if it had items and we indent.
    #[inline(always)]
    fn close(&mut self, bracket: u8, had_items: bool) {
        self.level -= 1;
        if had_items && !COMPACT {
            self.line_break(false);
        }
        self.out.push(bracket);
        self.out.checkpoint();
        self.nesting.leave();
    }

    #[inline(never)]
    fn list(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let list = obj.cast::<PyList>()?;
        self.open(obj, b'[')?;
        self.list_items_from(list, 0)
    }

    /// The items of the open `list` from `at` on (the ones before are
    /// written), and its `]`.
    fn list_items_from(&mut self, list: &Bound<'py, PyList>, mut at: usize) -> PyResult<()> {
        if at == 0 && COMPACT && list.len() >= FLOAT_RUN_MIN {
            at = self.leading_floats(list);
        }
        #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
        if list.len() >= parallel::LIST_MIN {
            at = self.parallel_items(list, at)?;
        }
        // By index, re-reading the length: `default=` may shorten the list.
        while let Some(mut item) = list_item_borrowed(list, at) {
            let ty = item.get_type_ptr();
            // Scalars in runs (`item_runs`); a container would only fail
            // the run's first test.
            if ty != addr_of_mut!(ffi::PyDict_Type) && ty != addr_of_mut!(ffi::PyList_Type) {
                // SAFETY: `at` is within the list; writing scalars runs no
                // Python code, so the items stay.
                at += unsafe { self.scalar_run(&list_items(list)[at..], ty, at > 0) };
                match list_item_borrowed(list, at) {
                    Some(next) => item = next,
                    None => break,
                }
            }
            // The next item's header, while this one is written.
            if let Some(next) = list_item_borrowed(list, at + 1) {
                prefetch(next.as_ptr());
            }
            self.item(at == 0);
            self.entry_value(item)?;
            at += 1;
        }
        self.close(b']', at > 0);
        Ok(())
    }

    /// A long list's items from `at` on, on several threads when their
    /// text is large (`parallel.rs`); returns the first item left to write.
    /// An item that needs Python is written here, and the threads go on
    /// after it when what they wrote before it paid (at least the
    /// threshold's text: where such items come every few records, the
    /// writer goes on alone).
    #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
    #[inline(never)]
    fn parallel_items(&mut self, list: &Bound<'py, PyList>, mut at: usize) -> PyResult<usize> {
        loop {
            let layout = Layout::new(self.opts, self.breaks, S::TAKES_UTF8);
            let mark = self.out.len();
            // SAFETY: the GIL is held; the items are the list's (read
            // again after any Python code ran), which no Python code
            // changes while they are written.
            let (next, needs_python) = unsafe {
                parallel::write_items::<S, _, COMPACT>(
                    list_items(list),
                    at,
                    layout,
                    (self.level, self.nesting.room()),
                    &mut self.out,
                )
            };
            let written = self.out.len().saturating_sub(mark);
            if !needs_python || written < parallel::parallel_min_bytes() {
                return Ok(next);
            }
            let Some(item) = list_item_borrowed(list, next) else {
                return Ok(next);
            };
            self.item(next == 0);
            self.entry_value(item)?;
            at = next + 1;
        }
    }

    /// A large dict's sorted entries (on the stack from `base`) on several
    /// threads when their text is large (`parallel.rs`); returns the first
    /// one left to write.
    #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
    #[inline(never)]
    fn parallel_sorted_entries(&mut self, base: usize) -> usize {
        let entries: Vec<_> = self.sorted[base..]
            .iter()
            .map(|entry| (entry.key.as_ptr(), entry.value.as_ptr()))
            .collect();
        let layout = Layout::new(self.opts, self.breaks, S::TAKES_UTF8);
        // SAFETY: the GIL is held; the stack holds a reference to each key
        // and value, which no Python code changes while they are written.
        base + unsafe {
            parallel::write_items::<S, _, COMPACT>(
                &entries,
                0,
                layout,
                (self.level, self.nesting.room()),
                &mut self.out,
            )
            .0
        }
    }

    /// A large exact dict in insertion order, as `plain_dict`, its entries
    /// on several threads when their text is large (`parallel.rs`).
    #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
    #[inline(never)]
    fn large_plain_dict(&mut self, dict: &Bound<'py, PyDict>) -> PyResult<()> {
        self.open(dict, b'{')?;
        let layout = Layout::new(self.opts, self.breaks, S::TAKES_UTF8);
        // SAFETY: the GIL is held and `dict` is a live exact dict, which no
        // Python code changes while its entries are written.
        let (position, first) = unsafe {
            parallel::write_dict_entries::<S, COMPACT>(
                dict.as_ptr(),
                layout,
                (self.level, self.nesting.room()),
                &mut self.out,
            )
        };
        self.plain_entries_from(dict, position, first)
    }

    /// Writes the leading scalars of `items` (a list's, from the one of
    /// type `ty` on) in a run, after a comma if `comma` (in the other
    /// layouts, the break before each); returns how many.
    ///
    /// # Safety
    /// `items` is not empty, and its first item's type is `ty`; as
    /// `write_scalar_run`.
    #[inline(always)]
    unsafe fn scalar_run(
        &mut self,
        items: &[*mut ffi::PyObject],
        ty: *mut ffi::PyTypeObject,
        comma: bool,
    ) -> usize {
        if self.opts.strict_integer {
            // The runs write ints unchecked: each item by `entry_value`.
            return 0;
        }
        // SAFETY: the caller's items.
        unsafe {
            if COMPACT {
                return self.scalar_run_with(items, ty, comma, Comma);
            }
            match self.item_break() {
                Some(brk) => self.scalar_run_with(items, ty, comma, brk),
                None => 0,
            }
        }
    }

    /// `scalar_run` with the break `brk`.
    ///
    /// # Safety
    /// As `scalar_run`.
    #[inline(always)]
    unsafe fn scalar_run_with<B: ItemBreak>(
        &mut self,
        items: &[*mut ffi::PyObject],
        ty: *mut ffi::PyTypeObject,
        comma: bool,
        brk: B,
    ) -> usize {
        let ensure_ascii = self.opts.ensure_ascii;
        // SAFETY: the caller's items.
        unsafe {
            if ty == addr_of_mut!(ffi::PyUnicode_Type) {
                write_str_run(items, ensure_ascii, comma, brk, &mut self.out)
            } else if ty == addr_of_mut!(ffi::PyLong_Type) {
                write_int_run(items, comma, brk, &mut self.out)
            } else {
                write_scalar_run(items, ensure_ascii, comma, brk, &mut self.out)
            }
        }
    }

    /// The break before an item of the container being written, for runs
    /// (other layouts than the compact one), when it fits one copy.
    #[inline(always)]
    fn item_break(&self) -> Option<LineBreak> {
        self.breaks?.at(self.level)
    }

    /// Writes the list's leading run of exact, finite floats in one go
    /// (compact layout; a long list of nothing else on several threads);
    /// returns how many items it wrote.
    #[inline(never)]
    fn leading_floats(&mut self, list: &Bound<'py, PyList>) -> usize {
        if let Some(values) = float_values(list) {
            parallel::write_floats(&values, &mut self.out);
            return values.len();
        }
        // SAFETY: the GIL is held; formatting floats runs no Python code.
        unsafe {
            let items = list_items(list);
            if ffi::Py_TYPE(items[0]) != addr_of_mut!(ffi::PyFloat_Type) {
                return 0;
            }
            write_float_run(items, &mut self.out)
        }
    }

    /// Tuples, and list subclasses through iteration as the standard library reads them.
    #[inline(never)]
    fn sequence(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let items = obj.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        self.open(obj, b'[')?;
        for (i, item) in items.iter().enumerate() {
            self.item(i == 0);
            self.value(item)?;
        }
        self.close(b']', !items.is_empty());
        Ok(())
    }

    /// A value read borrowed from a container. Exact str, int, float, bool
    /// and None are written without taking a reference: writing them runs no
    /// Python code, so nothing can free them meanwhile. Anything else may run
    /// `default=` (which can change the container), so it is held owned.
    #[inline(always)]
    fn entry_value(&mut self, item: Borrowed<'_, 'py, PyAny>) -> PyResult<()> {
        let ptr = item.as_ptr();
        // SAFETY: `ptr` is a live object; types and singletons are compared
        // by address. Exact types only: a subclass goes to `value`.
        unsafe {
            let ty = ffi::Py_TYPE(ptr);
            if ty == addr_of_mut!(ffi::PyUnicode_Type) {
                self.string(&item)
            } else if ty == addr_of_mut!(ffi::PyLong_Type) {
                self.int(&item)
            // Containers straight to their writer (as `value` would), held owned.
            } else if ty == addr_of_mut!(ffi::PyDict_Type) {
                // Empty containers (8,695 lists in citm_catalog.json) in
                // one go, in every layout: only the depth limit applies.
                if dict_len(&item.cast_unchecked::<PyDict>()) == 0 && self.nesting.has_room() {
                    self.out.extend_from_slice(b"{}");
                    return Ok(());
                }
                self.dict(&item.to_owned())
            } else if ty == addr_of_mut!(ffi::PyList_Type) {
                let list = item.cast_unchecked::<PyList>();
                let items = list_items(&list);
                if items.is_empty() {
                    if self.nesting.has_room() {
                        self.out.extend_from_slice(b"[]");
                        return Ok(());
                    }
                    return self.list(&item.to_owned()); // the depth error
                }
                let first = ffi::Py_TYPE(items[0]);
                if !COMPACT
                    && first == addr_of_mut!(ffi::PyFloat_Type)
                    && items.len() <= SHORT_LIST
                    && self.nesting.has_room()
                    && self.broken_short_float_list(items)
                {
                    return Ok(());
                }
                if COMPACT
                    && self.nesting.has_room()
                    && first != addr_of_mut!(ffi::PyDict_Type)
                    && first != addr_of_mut!(ffi::PyList_Type)
                {
                    // A list of scalars is written here, without the list
                    // writer's frame: it holds no container, so only the
                    // depth limit applies. A short one of floats (a
                    // coordinate pair) in one go; a long one by the
                    // writer's float run.
                    if first == addr_of_mut!(ffi::PyFloat_Type) {
                        if items.len() > SHORT_LIST {
                            return self.list(&item.to_owned());
                        }
                        if write_short_float_list(items, &mut self.out) {
                            return Ok(());
                        }
                    }
                    // Else its leading scalars in a run, and the list writer
                    // entered for the rest, if any (`[[i] ...]` took 276
                    // instructions an inner list through the list writer,
                    // 220 this way).
                    self.out.push(b'[');
                    let run = self.scalar_run(items, first, false);
                    if run == items.len() {
                        self.out.push(b']');
                        return Ok(());
                    }
                    let list = item.to_owned();
                    self.enter(&list)?;
                    return self.list_items_from(list.cast_unchecked(), run);
                }
                self.list(&item.to_owned())
            } else if ty == addr_of_mut!(ffi::PyFloat_Type) {
                self.float(&item)
            } else if ptr == ffi::Py_None() {
                self.out.extend_from_slice(b"null");
                Ok(())
            } else if ty == addr_of_mut!(ffi::PyBool_Type) {
                self.bool(ptr);
                Ok(())
            } else {
                self.value(&item.to_owned())
            }
        }
    }

    /// A short list of floats (a coordinate pair) in the other layouts, in
    /// one go as `write_short_float_list` writes it in the compact one;
    /// false, with nothing written, for any other list.
    ///
    /// # Safety
    /// As `write_broken_short_float_list`.
    unsafe fn broken_short_float_list(&mut self, items: &[*mut ffi::PyObject]) -> bool {
        let Some(breaks) = self.breaks else {
            return false;
        };
        let (Some(inner), Some(outer)) = (breaks.at(self.level + 1), breaks.at(self.level)) else {
            return false;
        };
        // SAFETY: the caller's items.
        unsafe { write_broken_short_float_list(items, inner, outer, &mut self.out) }
    }

    /// The separator between a key and its value.
    #[inline(always)]
    fn key_separator(&mut self) {
        if COMPACT {
            self.out.push(b':');
        } else if let Some(breaks) = self.breaks {
            breaks.write_key_separator(&mut self.out);
        }
    }

    #[inline(never)]
    fn dict(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<()> {
        let dict = obj.cast::<PyDict>()?;
        if dict.is_exact_instance_of::<PyDict>() {
            if !self.opts.sort_keys {
                #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
                if dict_len(dict) >= parallel::DICT_MIN as ffi::Py_ssize_t {
                    return self.large_plain_dict(dict);
                }
                return self.plain_dict(dict);
            }
            return self.sorted_dict(dict);
        }
        self.general_dict(dict)
    }

    /// A dict through `dict_entries` (a snapshot, sorted by Python with
    /// `sort_keys`), its keys converted by `key_text`.
    fn general_dict(&mut self, dict: &Bound<'py, PyDict>) -> PyResult<()> {
        let obj = dict.as_any();
        self.open(obj, b'{')?;
        let mut first = true;
        for entry in dict_entries(dict, self.opts)? {
            let (key, value) = entry?;
            first &= !self.keyed_entry(first, &key, &value)?;
        }
        self.close(b'}', !first);
        Ok(())
    }

    /// An exact dict's entries in the order `sort_keys` asks, sorted
    /// without Python calls (`sorted_keys.rs`) on the writer's stack of
    /// entries and written as `plain_dict` writes them; a dict with other
    /// keys by the general path. A dict of one entry or none has nothing to
    /// sort. Out of line, so that the entries cost the compact path nothing.
    #[inline(never)]
    fn sorted_dict(&mut self, dict: &Bound<'py, PyDict>) -> PyResult<()> {
        if dict_len(dict) <= 1 {
            return self.plain_dict(dict);
        }
        let base = self.sorted.len();
        if !push_sorted_str_entries(dict, self.sorted) {
            return self.general_dict(dict);
        }
        let written = self.sorted_entries(dict, base);
        self.sorted.truncate(base);
        written
    }

    /// The entries of `dict` on the stack from `base`, in order.
    fn sorted_entries(&mut self, dict: &Bound<'py, PyDict>, base: usize) -> PyResult<()> {
        self.open(dict, b'{')?;
        let py = dict.py();
        let (size, end) = (dict_len(dict), self.sorted.len());
        #[cfg(all(rjson_cpython_layouts, not(Py_LIMITED_API)))]
        let start = if end - base >= parallel::DICT_MIN {
            self.parallel_sorted_entries(base)
        } else {
            base
        };
        #[cfg(not(all(rjson_cpython_layouts, not(Py_LIMITED_API))))]
        let start = base;
        let mut first = start == base;
        for at in start..end {
            // A `default=` may have resized the dict while a value was written.
            if dict_len(dict) != size {
                return Err(dict_changed_size());
            }
            let entry = &self.sorted[at];
            // SAFETY: the stack owns a reference to each key and value until
            // `sorted_dict` truncates it below `base`; entries pushed above
            // `end` by nested dicts move the stack's slots, not the objects.
            let (key, value) = unsafe {
                (
                    Borrowed::from_ptr(py, entry.key.as_ptr()),
                    Borrowed::from_ptr(py, entry.value.as_ptr()),
                )
            };
            if self.ascii_key(key.as_ptr(), first) {
                first = false;
                self.entry_value(value)?;
                continue;
            }
            first &= !self.keyed_entry(first, &key.to_owned(), &value.to_owned())?;
        }
        self.close(b'}', !first);
        Ok(())
    }

    /// One entry with its key converted by `key_text` (the general path):
    /// false, and nothing written, when `skipkeys` skips the key.
    fn keyed_entry(
        &mut self,
        first: bool,
        key: &Bound<'py, PyAny>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<bool> {
        // The separator first (the key's text borrows the writer's buffer),
        // taken back if `skipkeys` skips the key.
        let mark = self.out.len();
        self.item(first);
        // A non-ASCII str key from its own units, as values (`other_string`);
        // one with a lone surrogate half raises in `key_text`, as in every build.
        let from_units = key.is_instance_of::<PyString>()
            && !ready_units(key).is_some_and(has_surrogate_halves)
            && self.non_ascii_units(key);
        if !from_units {
            let Some(text) = key_text(key, self.opts, self.key_buffer)? else {
                self.out.truncate(mark);
                return Ok(false);
            };
            write_string(text.as_bytes(), self.opts.ensure_ascii, &mut self.out);
        }
        self.key_separator();
        self.value(value)?;
        Ok(true)
    }

    /// An exact dict in insertion order, its entries read in place and
    /// borrowed (see `entry_value`), compact ASCII keys from their own data.
    fn plain_dict(&mut self, dict: &Bound<'py, PyDict>) -> PyResult<()> {
        self.open(dict, b'{')?;
        self.plain_entries_from(dict, 0, true)
    }

    /// The entries of the open exact `dict` from table position `position`
    /// on (`first`: none written yet), and its `}`.
    #[inline(always)]
    fn plain_entries_from(
        &mut self,
        dict: &Bound<'py, PyDict>,
        mut position: ffi::Py_ssize_t,
        mut first: bool,
    ) -> PyResult<()> {
        let py = dict.py();
        let ptr = dict.as_ptr();
        let size = dict_len(dict);
        loop {
            // A `default=` may have resized the dict while a value was written.
            if dict_len(dict) != size {
                return Err(dict_changed_size());
            }
            // SAFETY: the GIL is held and `dict` is an exact live dict;
            // `dict_next` checks `position` against the current table and lends
            // its key and value, which stay alive while no Python code runs
            // (see `entry_value`).
            let (key, value) = unsafe {
                let Some((key, value)) = dict_next(ptr, &mut position) else {
                    break;
                };
                (Borrowed::from_ptr(py, key), Borrowed::from_ptr(py, value))
            };
            if key.is_exact_instance_of::<PyString>() && self.ascii_key(key.as_ptr(), first) {
                first = false;
                self.entry_value(value)?;
                continue;
            }
            // Other keys: converting them may run Python code (and a long str
            // key is rare enough): hold both owned.
            let (key, value) = (key.to_owned(), value.to_owned());
            first &= !self.keyed_entry(first, &key, &value)?;
        }
        self.close(b'}', !first);
        Ok(())
    }
}
