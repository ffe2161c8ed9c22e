//! The writer of worker threads: JSON text of subtrees made only of exact
//! built-in types (str, int, float, bool, None, list, tuple, and dicts
//! with str keys), read in place from raw pointers. It runs no Python
//! code, calls no C API function and touches no reference count, so that
//! threads without the GIL can run it while the calling thread holds the
//! GIL and waits (`parallel.rs`): no Python code runs anywhere meanwhile,
//! and the objects stay as they are.
//!
//! Its text is the writer's (`writer.rs`) byte for byte. At anything else
//! (another type, an int past `i64`, NaN, a key with a lone surrogate
//! half, a cycle or the depth limit) it stops with `NeedsPython`, and the writer
//! writes that part itself, raising or calling `default` as it does.
//!
//! Object layouts are read in place, so it exists only where they are
//! known (`rjson_cpython_layouts`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::ptr::addr_of_mut;

use pyo3::ffi;

use super::breaks::Breaks;
use super::float_repr::write_float_repr;
use super::short_str;
use super::sorted_keys::{push_sorted_borrowed_entries, BorrowedEntry};
use crate::api::options::{DumpOptions, MAX_SAFE_INTEGER};
use crate::api::stack;
use crate::engine::write_string;
use crate::phase1::dispatch::{cached_utf8, has_surrogate_halves, units_of, Units};
use crate::phase1::layout::cpython::{has_combined_table, small_int_value};
use crate::phase1::layout::dict_next;
use crate::text::int_repr::write_i64;
use crate::text::sink::Sink;
use crate::text::units_utf8::write_units;

/// A value the worker writer does not write: the writer's own path takes it.
#[derive(Debug)]
pub struct NeedsPython;

/// What a call's options make of the text: the same for every thread.
#[derive(Clone, Copy)]
pub struct Layout<'a> {
    pub ensure_ascii: bool,
    pub sort_keys: bool,
    pub strict_integer: bool,
    /// The breaks of the other layouts; `None` for the compact one.
    pub breaks: Option<&'a Breaks>,
    /// Whether non-ASCII text may be written as UTF-8: false for a `str`
    /// result, which takes such strs' units from the writer itself.
    pub utf8: bool,
}

impl<'a> Layout<'a> {
    /// The layout of a call's options, `utf8` as its sink takes text.
    pub fn new(opts: &DumpOptions<'_>, breaks: Option<&'a Breaks>, utf8: bool) -> Self {
        Layout {
            ensure_ascii: opts.ensure_ascii,
            sort_keys: opts.sort_keys,
            strict_integer: opts.strict_integer,
            breaks,
            utf8,
        }
    }
}

// SAFETY: a `Layout` is read-only options and a shared `Breaks` (plain
// bytes); it holds no Python object.
unsafe impl Sync for Layout<'_> {}
unsafe impl Send for Layout<'_> {}

/// The worker writer, appending to `out`; `COMPACT`: `","` and `":"`
/// between items and keys, no indentation.
pub struct WorkerWriter<'a, S, const COMPACT: bool> {
    out: &'a mut S,
    layout: Layout<'a>,
    /// Indentation level of the container being written.
    level: usize,
    /// Containers that may still be opened before the depth limit.
    depth_left: usize,
    /// Where this thread's stack ends for nesting (`api/stack.rs`).
    stack_floor: usize,
    /// `sort_keys`' entries of the dicts being written, innermost last.
    sorted: Vec<BorrowedEntry>,
}

impl<'a, S: Sink, const COMPACT: bool> WorkerWriter<'a, S, COMPACT> {
    /// A writer inside a container at indentation `level`, `depth_left`
    /// containers from the depth limit.
    pub fn new(out: &'a mut S, layout: Layout<'a>, level: usize, depth_left: usize) -> Self {
        WorkerWriter {
            out,
            layout,
            level,
            depth_left,
            stack_floor: stack::floor(),
            sorted: Vec::new(),
        }
    }

    /// One item of the open container (after its separator unless
    /// `first`); on `NeedsPython` the text is cut back to where it was.
    ///
    /// # Safety
    /// `item` is a live object, and no Python code runs until the writer
    /// is done with it.
    pub unsafe fn item(
        &mut self,
        item: *mut ffi::PyObject,
        first: bool,
    ) -> Result<(), NeedsPython> {
        let mark = self.mark();
        self.item_break(first);
        // SAFETY: the caller's.
        let written = unsafe { self.value(item) };
        if written.is_err() {
            self.back_to(mark);
        }
        written
    }

    /// One entry of the open dict (after its separator unless `first`); on
    /// `NeedsPython` the text is cut back to where it was.
    ///
    /// # Safety
    /// `key` and `value` are live objects, and no Python code runs until
    /// the writer is done with them.
    pub unsafe fn dict_item(
        &mut self,
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
        first: bool,
    ) -> Result<(), NeedsPython> {
        let mark = self.mark();
        // SAFETY: the caller's.
        let written = unsafe { self.entry(key, value, first) };
        if written.is_err() {
            self.back_to(mark);
        }
        written
    }

    /// Where the writer stands: the text's length, the level, the depth left.
    fn mark(&self) -> (usize, usize, usize) {
        (self.out.len(), self.level, self.depth_left)
    }

    /// Back to `mark`, from inside any containers opened since.
    fn back_to(&mut self, (len, level, depth_left): (usize, usize, usize)) {
        self.out.truncate(len);
        (self.level, self.depth_left) = (level, depth_left);
    }

    /// # Safety
    /// As `item`.
    #[inline(always)]
    unsafe fn value(&mut self, obj: *mut ffi::PyObject) -> Result<(), NeedsPython> {
        // SAFETY: `obj` is live; types and singletons are compared by
        // address, and each type's fields are read as its layout has them.
        unsafe {
            let ty = ffi::Py_TYPE(obj);
            if ty == addr_of_mut!(ffi::PyUnicode_Type) {
                self.string(obj, false)
            } else if ty == addr_of_mut!(ffi::PyLong_Type) {
                match small_int_value(obj) {
                    Some(value)
                        if !(self.layout.strict_integer
                            && value.unsigned_abs() > MAX_SAFE_INTEGER) =>
                    {
                        write_i64(value, self.out);
                        Ok(())
                    }
                    _ => Err(NeedsPython),
                }
            } else if ty == addr_of_mut!(ffi::PyFloat_Type) {
                let value = ffi::PyFloat_AS_DOUBLE(obj);
                if !value.is_finite() {
                    return Err(NeedsPython);
                }
                write_float_repr(value, self.out);
                Ok(())
            } else if ty == addr_of_mut!(ffi::PyDict_Type) {
                self.dict(obj)
            } else if ty == addr_of_mut!(ffi::PyList_Type) {
                let len = ffi::PyList_GET_SIZE(obj) as usize;
                let items = (*obj.cast::<ffi::PyListObject>()).ob_item;
                self.array(items, len)
            } else if ty == addr_of_mut!(ffi::PyTuple_Type) {
                let len = ffi::PyTuple_GET_SIZE(obj) as usize;
                let items = (*obj.cast::<ffi::PyTupleObject>()).ob_item.as_mut_ptr();
                self.array(items, len)
            } else if obj == ffi::Py_None() {
                self.out.extend_from_slice(b"null");
                Ok(())
            } else if obj == ffi::Py_True() {
                self.out.extend_from_slice(b"true");
                Ok(())
            } else if obj == ffi::Py_False() {
                self.out.extend_from_slice(b"false");
                Ok(())
            } else {
                Err(NeedsPython)
            }
        }
    }

    /// An exact str, a value or a key: inline for a short compact-ASCII one
    /// needing no escape (most), as the writer writes it; any other out of
    /// line.
    ///
    /// # Safety
    /// `obj` is a live exact str.
    #[inline(always)]
    unsafe fn string(&mut self, obj: *mut ffi::PyObject, key: bool) -> Result<(), NeedsPython> {
        // SAFETY: a compact ASCII str has `len` bytes of data.
        unsafe {
            if ffi::PyUnicode_IS_COMPACT_ASCII(obj) != 0 {
                let len = ffi::PyUnicode_GET_LENGTH(obj) as usize;
                if (1..=short_str::MAX_LEN).contains(&len)
                    && short_str::write(obj, len, self.layout.ensure_ascii, false, false, self.out)
                {
                    return Ok(());
                }
            }
            self.other_string(obj, key)
        }
    }

    /// A str `string` does not write inline. A lone surrogate half is
    /// written as an escape in a value (by `write_units`, as the writer
    /// does), and raises in a key (the writer's `key_text`).
    ///
    /// # Safety
    /// `obj` is a live exact str.
    #[inline(never)]
    unsafe fn other_string(
        &mut self,
        obj: *mut ffi::PyObject,
        key: bool,
    ) -> Result<(), NeedsPython> {
        let ensure_ascii = self.layout.ensure_ascii;
        // SAFETY: a compact ASCII str's `len` bytes of data are ASCII; any
        // other str's kept UTF-8 or units are read by `cached_utf8` and
        // `units_of`, fixed while it lives.
        unsafe {
            if ffi::PyUnicode_IS_COMPACT_ASCII(obj) != 0 {
                let len = ffi::PyUnicode_GET_LENGTH(obj) as usize;
                let data = std::slice::from_raw_parts(ffi::PyUnicode_DATA(obj).cast::<u8>(), len);
                write_string(data, ensure_ascii, self.out);
                return Ok(());
            }
            if !ensure_ascii && !self.layout.utf8 {
                return Err(NeedsPython);
            }
            // The UTF-8 CPython keeps, where it is made, as the writer
            // writes it (such a str has no lone surrogate half).
            if let Some(utf8) = cached_utf8(obj) {
                write_string(utf8, ensure_ascii, self.out);
                return Ok(());
            }
            let units = units_of(obj).ok_or(NeedsPython)?;
            if key && has_surrogate_halves(units) {
                return Err(NeedsPython);
            }
            match units {
                Units::One(units) => write_units(units, ensure_ascii, self.out),
                Units::Two(units) => write_units(units, ensure_ascii, self.out),
                Units::Four(units) => write_units(units, ensure_ascii, self.out),
            }
        }
        Ok(())
    }

    /// A list's or tuple's `len` items at `items`.
    ///
    /// # Safety
    /// `items` holds `len` live objects.
    #[inline(never)]
    unsafe fn array(
        &mut self,
        items: *mut *mut ffi::PyObject,
        len: usize,
    ) -> Result<(), NeedsPython> {
        self.open(b'[')?;
        for at in 0..len {
            self.item_break(at == 0);
            // SAFETY: the caller's items.
            unsafe { self.value(*items.add(at))? };
        }
        self.close(b']', len > 0);
        Ok(())
    }

    /// An exact dict, in insertion order or sorted by key.
    ///
    /// # Safety
    /// `dict` is a live exact dict.
    #[inline(never)]
    unsafe fn dict(&mut self, dict: *mut ffi::PyObject) -> Result<(), NeedsPython> {
        // SAFETY: the caller's dict, read in place when its table is its
        // own (`dict_next` would call the C API for a split one).
        unsafe {
            if !has_combined_table(dict) {
                return Err(NeedsPython);
            }
            let size = (*dict.cast::<ffi::PyDictObject>()).ma_used;
            if self.layout.sort_keys && size > 1 {
                return self.sorted_dict(dict);
            }
            self.open(b'{')?;
            let mut position = 0;
            let mut first = true;
            while let Some((key, value)) = dict_next(dict, &mut position) {
                self.entry(key, value, first)?;
                first = false;
            }
            self.close(b'}', !first);
        }
        Ok(())
    }

    /// A dict of more than one entry, its keys sorted as the writer sorts
    /// them (`sorted_keys.rs`); a key that is not an exact compact str
    /// needs the writer (Python's sort).
    ///
    /// # Safety
    /// As `dict`.
    unsafe fn sorted_dict(&mut self, dict: *mut ffi::PyObject) -> Result<(), NeedsPython> {
        let base = self.sorted.len();
        // SAFETY: the caller's dict, whose table no Python code changes.
        if !unsafe { push_sorted_borrowed_entries(dict, &mut self.sorted) } {
            return Err(NeedsPython);
        }
        let written = self.sorted_entries(base);
        self.sorted.truncate(base);
        written
    }

    /// The entries on the stack from `base`, in order.
    fn sorted_entries(&mut self, base: usize) -> Result<(), NeedsPython> {
        self.open(b'{')?;
        let end = self.sorted.len();
        for at in base..end {
            let entry = self.sorted[at];
            // SAFETY: the entries are the dict's, live while no Python
            // code runs.
            unsafe { self.entry(entry.key, entry.value, at == base)? };
        }
        self.close(b'}', true);
        Ok(())
    }

    /// A dict entry: the break, the key (an exact str), the key separator
    /// and the value.
    ///
    /// # Safety
    /// `key` and `value` are live objects.
    #[inline(always)]
    unsafe fn entry(
        &mut self,
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
        first: bool,
    ) -> Result<(), NeedsPython> {
        // SAFETY: the caller's objects; a key's type is checked first.
        unsafe {
            if ffi::Py_TYPE(key) != addr_of_mut!(ffi::PyUnicode_Type) {
                return Err(NeedsPython);
            }
            // A short ASCII key needing no escape with its separators in
            // one go, as the writer writes it.
            if COMPACT && ffi::PyUnicode_IS_COMPACT_ASCII(key) != 0 {
                let len = ffi::PyUnicode_GET_LENGTH(key) as usize;
                if (1..=short_str::MAX_LEN).contains(&len)
                    && short_str::write(key, len, self.layout.ensure_ascii, !first, true, self.out)
                {
                    return self.value(value);
                }
            }
            self.item_break(first);
            self.string(key, true)?;
            self.key_separator();
            self.value(value)
        }
    }

    /// Before each item of a container: the separator and, when indenting,
    /// a new line.
    #[inline(always)]
    fn item_break(&mut self, first: bool) {
        if COMPACT {
            if !first {
                self.out.push(b',');
            }
        } else if let Some(breaks) = self.layout.breaks {
            breaks.write_line_break(self.level, !first, self.out);
        }
    }

    #[inline(always)]
    fn key_separator(&mut self) {
        if COMPACT {
            self.out.push(b':');
        } else if let Some(breaks) = self.layout.breaks {
            breaks.write_key_separator(self.out);
        }
    }

    /// Opens a container within the depth limit (past it, or in a cycle,
    /// the writer raises).
    #[inline(always)]
    fn open(&mut self, bracket: u8) -> Result<(), NeedsPython> {
        if self.depth_left == 0 || !stack::has_room(self.stack_floor) {
            return Err(NeedsPython);
        }
        self.depth_left -= 1;
        self.level += 1;
        self.out.push(bracket);
        Ok(())
    }

    /// Closes a container: a new line before the bracket if it had items
    /// and the layout indents.
    #[inline(always)]
    fn close(&mut self, bracket: u8, had_items: bool) {
        self.level -= 1;
        self.depth_left += 1;
        if had_items && !COMPACT {
            if let Some(breaks) = self.layout.breaks {
                breaks.write_line_break(self.level, false, self.out);
            }
        }
        self.out.push(bracket);
    }
}
