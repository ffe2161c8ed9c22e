//! A list's run of scalar items (short ASCII strs, ints, floats, None,
//! booleans) written in one loop: a chunk of items to a reservation, and
//! the output's length in a local. Through the writer, each item's write
//! stored the length and the next reloaded it (a byte store may alias the sink's fields, so the
//! compiler keeps nothing in registers across it), on top of the dispatch
//! and a comma's own reservation per item.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::ptr::addr_of_mut;

use pyo3::ffi;

use super::breaks::ItemBreak;
use super::float_repr::MAX_REPR;
use super::number_lists::{write_float_item, write_int_item};
use super::short_str;
use crate::text::int_repr;
use crate::text::sink::{store_comma, Sink};

/// Items written per reservation.
const RUN_CHUNK: usize = 32;

/// Bytes of room one item may take: an int's, a float's or a short str's,
/// with its comma.
const ROOM: usize = max(max(int_repr::ROOM, MAX_REPR) + 1, short_str::ROOM);

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Writes the leading run of `items` that are exact short ASCII strs (as
/// `short_str::write_item` takes them), exact ints within an `i64`, exact
/// finite floats, None, True or False, each after a comma but the first
/// unless `comma_first`; returns how many it wrote. Containers and the rest
/// end the run (the writer's own path).
///
/// # Safety
/// `items` are live objects, and no Python code runs meanwhile.
pub unsafe fn write_scalar_run<S: Sink, B: ItemBreak>(
    items: &[*mut ffi::PyObject],
    ensure_ascii: bool,
    comma_first: bool,
    brk: B,
    out: &mut S,
) -> usize {
    // SAFETY: the caller's items, read by type; each item's bytes fit ROOM.
    unsafe {
        write_run::<S, B, RUN_CHUNK, ROOM>(items, comma_first, brk, out, |item, comma, dst| {
            let ty = ffi::Py_TYPE(item);
            if ty == addr_of_mut!(ffi::PyUnicode_Type) {
                short_str::write_item(item, ensure_ascii, comma, dst)
            } else if ty == addr_of_mut!(ffi::PyLong_Type) {
                write_int_item(item, comma, dst)
            } else if ty == addr_of_mut!(ffi::PyFloat_Type) {
                write_float_item(item, comma, dst)
            } else if item == ffi::Py_None() {
                Some(write_literal(b"null", comma, dst))
            } else if item == ffi::Py_True() {
                Some(write_literal(b"true", comma, dst))
            } else if item == ffi::Py_False() {
                Some(write_literal(b"false", comma, dst))
            } else {
                None
            }
        })
    }
}

/// Writes the leading run of `items` that are strs `short_str::write_item`
/// takes, as `write_scalar_run` does (a list's run that starts with a str:
/// in the loop of every scalar type fewer values stay in registers, and
/// `short_strings` runs more instructions).
///
/// # Safety
/// As `write_scalar_run`.
pub unsafe fn write_str_run<S: Sink, B: ItemBreak>(
    items: &[*mut ffi::PyObject],
    ensure_ascii: bool,
    comma_first: bool,
    brk: B,
    out: &mut S,
) -> usize {
    // SAFETY: the caller's items; each str's bytes fit short_str::ROOM.
    unsafe {
        write_run::<S, B, RUN_CHUNK, { short_str::ROOM }>(
            items,
            comma_first,
            brk,
            out,
            |item, comma, dst| short_str::write_item(item, ensure_ascii, comma, dst),
        )
    }
}

/// Writes the leading run of `items` that are exact ints within an `i64`,
/// as `write_scalar_run` does (a list's run that starts with an int: the
/// loop of every scalar type runs more instructions on `integers`).
/// Out of line: inlined next to the other runs, its loop compiles worse.
///
/// # Safety
/// As `write_scalar_run`.
#[inline(never)]
pub unsafe fn write_int_run<S: Sink, B: ItemBreak>(
    items: &[*mut ffi::PyObject],
    comma_first: bool,
    brk: B,
    out: &mut S,
) -> usize {
    // SAFETY: the caller's items; each int's bytes fit the room.
    unsafe {
        write_run::<S, B, 64, { int_repr::ROOM + 1 }>(
            items,
            comma_first,
            brk,
            out,
            |item, comma, dst| write_int_item(item, comma, dst),
        )
    }
}

/// Stores `text` (at most 8 bytes) at `dst` after a comma if `comma`, in
/// one 8-byte store; returns how many bytes count.
///
/// # Safety
/// `dst` has 9 writable bytes.
#[inline(always)]
unsafe fn write_literal(text: &[u8], comma: bool, dst: *mut u8) -> usize {
    let mut word = [0u8; 8];
    word[..text.len()].copy_from_slice(text);
    // SAFETY: the comma and 8 bytes fit the caller's 9.
    unsafe {
        store_comma(comma, dst)
            .cast::<[u8; 8]>()
            .write_unaligned(word);
    }
    usize::from(comma) + text.len()
}

/// Writes the leading run of `items` that `write_one` takes, each after
/// `brk`'s break (a comma but the first unless `comma_first`); returns how
/// many it wrote. `write_one(item, comma, dst)` writes one item (after a
/// comma if `comma`) at `dst`, which has ROOM writable bytes, and returns
/// how many bytes, or None for an item it does not take (whatever it
/// stored is not counted). Up to CHUNK items to a reservation.
///
/// # Safety
/// `items` are live objects, no Python code runs meanwhile, and
/// `write_one` writes within the ROOM it is given.
#[inline(always)]
unsafe fn write_run<S: Sink, B: ItemBreak, const CHUNK: usize, const ROOM: usize>(
    items: &[*mut ffi::PyObject],
    comma_first: bool,
    brk: B,
    out: &mut S,
    mut write_one: impl FnMut(*mut ffi::PyObject, bool, *mut u8) -> Option<usize>,
) -> usize {
    let mut done = 0;
    let mut comma = comma_first;
    // By index: `items.chunks(CHUNK)` compiles to more instructions
    // (`benches/callgrind.py dumps_bytes short_strings,mesh.json`).
    while done < items.len() {
        let chunk = &items[done..items.len().min(done + CHUNK)];
        out.reserve(chunk.len() * (ROOM + B::ROOM));
        let base = out.as_mut_ptr();
        let mut len = out.len();
        let mut written = 0;
        for &item in chunk {
            // SAFETY: `reserve` left ROOM + B::ROOM bytes for each item of
            // the chunk: the break's, then the item's.
            let Some(bytes) = (unsafe {
                let at = base.add(len);
                let broken = brk.store(comma, at);
                write_one(item, comma && B::COMMA, at.add(broken)).map(|bytes| broken + bytes)
            }) else {
                break;
            };
            len += bytes;
            comma = true;
            written += 1;
        }
        // SAFETY: `write_one` wrote the bytes up to `len`.
        unsafe { out.set_len(len) };
        done += written;
        if written < chunk.len() {
            break;
        }
    }
    done
}
