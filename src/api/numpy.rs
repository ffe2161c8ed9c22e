//! numpy arrays and scalars, read through the buffer protocol without
//! importing numpy: an object is numpy's only when numpy is already in
//! `sys.modules` and the object is an instance of its `ndarray` or
//! `generic`. A C-contiguous array (or a scalar) of dtype kind bool, signed or
//! unsigned ints of 1-8 bytes, float16, float32 or float64 in native byte
//! order is written natively, as nested lists of its shape (datetime64 as
//! orjson writes it: RFC 3339 strings, `text/datetime64.rs`); anything else
//! (another dtype, a non-contiguous array, swapped byte order) goes to
//! `default`, as orjson sends it. Each engine lays the lists out as it lays
//! out a list (`write_element` writes one element's text).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::ffi::{c_char, CStr};

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use super::errors::encode_error;
use super::options::DumpOptions;
use super::to_json::{loaded_module, non_finite_text};
use crate::text::datetime64::{datetime64_text, Unit};
use crate::text::float_repr::write_f32_repr;
use crate::text::int_repr::write_i64;
use crate::text::sink::Sink;

/// The element types written natively.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dtype {
    Bool,
    Int(usize),
    Uint(usize),
    F16,
    F32,
    F64,
    /// `datetime64` of this unit times a count (`datetime64[10s]`), read as int64.
    Datetime(Unit, i64),
}

/// One element's value.
#[derive(Clone, Copy, Debug)]
pub enum Element {
    Bool(bool),
    Int(i64),
    Uint(u64),
    F32(f32),
    F64(f64),
    Datetime { value: i64, unit: Unit, count: i64 },
}

/// A numpy array's (or scalar's) data, held through the buffer protocol
/// until dropped.
pub struct NumpyArray {
    view: Box<ffi::Py_buffer>,
    dtype: Dtype,
}

static NUMPY_TYPES: PyOnceLock<(Py<PyType>, Py<PyType>)> = PyOnceLock::new();

impl NumpyArray {
    /// `of(obj)`, unless `passthrough` names "numpy".
    pub fn written(obj: &Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Option<Self>> {
        if opts.passthrough.numpy {
            return Ok(None);
        }
        Self::of(obj)
    }

    /// `obj`'s data when it is a numpy array or scalar rjson writes
    /// natively; `None` for anything else (numpy not imported, another
    /// type, dtype or layout).
    pub fn of(obj: &Bound<'_, PyAny>) -> PyResult<Option<Self>> {
        let py = obj.py();
        let Some((ndarray, generic)) = numpy_types(py)? else {
            return Ok(None);
        };
        if !obj.is_instance(ndarray.bind(py))? && !obj.is_instance(generic.bind(py))? {
            return Ok(None);
        }
        // By the dtype's kind first: a scalar of another kind (str_, void)
        // exports its raw bytes as a buffer of bytes.
        let dtype = obj.getattr("dtype")?;
        match dtype.getattr("kind")?.extract::<String>()?.as_str() {
            "b" | "i" | "u" | "f" => Self::buffer(obj),
            "M" => Self::datetimes(obj, &dtype),
            _ => Ok(None),
        }
    }

    /// `datetime64` data, read as its int64 counts of its unit.
    fn datetimes(obj: &Bound<'_, PyAny>, dtype: &Bound<'_, PyAny>) -> PyResult<Option<Self>> {
        let py = obj.py();
        let numpy = py.import("numpy")?; // imported already: `obj` is numpy's
        let (code, count): (String, i64) =
            numpy.call_method1("datetime_data", (dtype,))?.extract()?;
        let Some(unit) = Unit::of_code(&code) else {
            return Err(encode_error(
                py,
                format!("unsupported numpy.datetime64 unit: {code}"),
            ));
        };
        let counts = numpy
            .call_method1("asarray", (obj,))?
            .call_method1("view", ("int64",))?;
        Ok(Self::buffer(&counts)?.map(|mut array| {
            array.dtype = Dtype::Datetime(unit, count);
            array
        }))
    }

    /// `obj`'s buffer, when it is C-contiguous of a type `dtype_of` knows.
    fn buffer(obj: &Bound<'_, PyAny>) -> PyResult<Option<Self>> {
        // Boxed: an exporter may point the view's fields into the view itself.
        // SAFETY: Py_buffer is plain data; all zeros is its empty state.
        let mut view: Box<ffi::Py_buffer> = Box::new(unsafe { std::mem::zeroed() });
        let flags = ffi::PyBUF_C_CONTIGUOUS | ffi::PyBUF_FORMAT;
        // SAFETY: `view` is ours to fill; on failure nothing is held and
        // the error (not contiguous, no buffer: object arrays) is cleared,
        // the object going to `default`.
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) } != 0 {
            // SAFETY: an error is set.
            unsafe { ffi::PyErr_Clear() };
            return Ok(None);
        }
        let mut array = NumpyArray {
            view,
            dtype: Dtype::Bool,
        };
        if array.view.format.is_null() {
            return Ok(None); // released by `array`'s drop
        }
        // SAFETY: the buffer's format is a NUL-terminated string while it is held.
        let format = unsafe { CStr::from_ptr(array.view.format as *const c_char) };
        match dtype_of(format.to_bytes(), array.view.itemsize as usize) {
            Some(dtype) => {
                array.dtype = dtype;
                Ok(Some(array))
            }
            None => Ok(None),
        }
    }

    /// The length of each dimension (none for a scalar or 0-d array).
    pub fn shape(&self) -> &[usize] {
        let ndim = self.view.ndim as usize;
        if ndim == 0 || self.view.shape.is_null() {
            return &[];
        }
        // SAFETY: a held buffer's `shape` has `ndim` entries; Py_ssize_t
        // lengths are never negative, so they read as usize.
        unsafe { std::slice::from_raw_parts(self.view.shape.cast::<usize>(), ndim) }
    }

    /// The element at flat (C order) index `at`.
    ///
    /// # Panics
    /// When `at` is past the data.
    #[inline]
    pub fn element(&self, at: usize) -> Element {
        let size = self.view.itemsize as usize;
        assert!(
            (at + 1) * size <= self.view.len as usize,
            "element past the data"
        );
        // SAFETY: the element lies within the held, contiguous buffer
        // (checked above); unaligned reads, as a buffer promises no alignment.
        unsafe {
            let p = self.view.buf.cast::<u8>().add(at * size);
            match self.dtype {
                Dtype::Bool => Element::Bool(*p != 0),
                Dtype::Int(1) => Element::Int(i64::from(p.cast::<i8>().read())),
                Dtype::Int(2) => Element::Int(i64::from(p.cast::<i16>().read_unaligned())),
                Dtype::Int(4) => Element::Int(i64::from(p.cast::<i32>().read_unaligned())),
                Dtype::Int(_) => Element::Int(p.cast::<i64>().read_unaligned()),
                Dtype::Uint(1) => Element::Uint(u64::from(*p)),
                Dtype::Uint(2) => Element::Uint(u64::from(p.cast::<u16>().read_unaligned())),
                Dtype::Uint(4) => Element::Uint(u64::from(p.cast::<u32>().read_unaligned())),
                Dtype::Uint(_) => Element::Uint(p.cast::<u64>().read_unaligned()),
                Dtype::F16 => Element::F32(f16_to_f32(p.cast::<u16>().read_unaligned())),
                Dtype::F32 => Element::F32(p.cast::<f32>().read_unaligned()),
                Dtype::F64 => Element::F64(p.cast::<f64>().read_unaligned()),
                Dtype::Datetime(unit, count) => Element::Datetime {
                    value: p.cast::<i64>().read_unaligned(),
                    unit,
                    count,
                },
            }
        }
    }
}

#[allow(dead_code)] // phase3's writer's (the baseline lays out each element through serde)
impl NumpyArray {
    /// Appends `len` elements from flat index `offset` as the items of a
    /// compact array (`,` between them, no brackets): float64 rows of
    /// finite values by the engine's `write_finite_floats`, the others an
    /// element at a time without the engine's per-item dispatch.
    pub fn write_compact_row<S: Sink>(
        &self,
        py: Python<'_>,
        offset: usize,
        len: usize,
        opts: &DumpOptions<'_>,
        out: &mut S,
        write_finite_floats: fn(&[f64], &mut S),
    ) -> PyResult<()> {
        if self.dtype == Dtype::F64 {
            if let Some(values) = self.f64_row(offset, len) {
                if values.iter().all(|v| v.is_finite()) {
                    write_finite_floats(values, out);
                    return Ok(());
                }
            }
        }
        let size = self.view.itemsize as usize;
        assert!(
            (offset + len) * size <= self.view.len as usize,
            "row past the data"
        );
        let start = self.view.buf.cast::<u8>().wrapping_add(offset * size);
        // Each element of the row as `$ty`, then `$write` of it: a loop per
        // type, with no per-element dispatch.
        macro_rules! each {
            ($ty:ty, |$value:ident| $write:expr) => {
                for at in 0..len {
                    if at > 0 {
                        out.push(b',');
                    }
                    // SAFETY: element `at` of the row lies within the held
                    // buffer (asserted above); unaligned reads.
                    let $value = unsafe { start.add(at * size).cast::<$ty>().read_unaligned() };
                    $write;
                }
            };
        }
        let int_ok = |value: i64| {
            if opts.refuses_int(value) {
                Err(super::to_json::integer_out_of_range(py))
            } else {
                Ok(())
            }
        };
        match self.dtype {
            Dtype::Bool => {
                // Each literal stored as 8 bytes, kept 4 or 5 (+1 for the comma).
                out.reserve(len * 6 + 8);
                let dst = out.as_mut_ptr();
                let mut end = out.len();
                for at in 0..len {
                    // SAFETY: the flag is within the held buffer (asserted
                    // above); each item takes at most 6 bytes of the room,
                    // and the last store's 8 bytes end within the 8 spare.
                    unsafe {
                        dst.add(end).write(b',');
                        end += usize::from(at > 0);
                        let flag = *start.add(at) != 0;
                        let literal: &[u8; 8] = if flag {
                            b"true\0\0\0\0"
                        } else {
                            b"false\0\0\0"
                        };
                        dst.add(end).cast::<[u8; 8]>().write_unaligned(*literal);
                        end += if flag { 4 } else { 5 };
                    }
                }
                // SAFETY: every byte up to `end` is written.
                unsafe { out.set_len(end) };
            }
            Dtype::Int(1) => each!(i8, |value| write_i64(i64::from(value), out)),
            Dtype::Int(2) => each!(i16, |value| write_i64(i64::from(value), out)),
            Dtype::Int(4) => each!(i32, |value| write_i64(i64::from(value), out)),
            Dtype::Int(_) => each!(i64, |value| {
                int_ok(value)?;
                write_i64(value, out)
            }),
            Dtype::Uint(1) => each!(u8, |value| write_i64(i64::from(value), out)),
            Dtype::Uint(2) => each!(u16, |value| write_i64(i64::from(value), out)),
            Dtype::Uint(4) => each!(u32, |value| write_i64(i64::from(value), out)),
            _ => {
                for at in offset..offset + len {
                    if at > offset {
                        out.push(b',');
                    }
                    write_element(
                        py,
                        self.element(at),
                        opts,
                        out,
                        crate::text::float_repr::write_float_repr,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// `len` float64 elements from `offset` as a slice, when the data is
    /// aligned for `f64` (numpy aligns it unless told not to).
    fn f64_row(&self, offset: usize, len: usize) -> Option<&[f64]> {
        let end = (offset + len) * 8;
        let start = self.view.buf.cast::<u8>().wrapping_add(offset * 8);
        if end > self.view.len as usize
            || !(start as usize).is_multiple_of(std::mem::align_of::<f64>())
        {
            return None;
        }
        // SAFETY: `len` aligned f64s within the held buffer (checked above),
        // which nothing writes while the GIL is held and the writer runs.
        Some(unsafe { std::slice::from_raw_parts(start.cast::<f64>(), len) })
    }
}

impl Drop for NumpyArray {
    fn drop(&mut self) {
        // SAFETY: the buffer was filled by PyObject_GetBuffer and is released
        // once, with the GIL held (inside the call).
        unsafe { ffi::PyBuffer_Release(&mut *self.view) };
    }
}

/// numpy's `ndarray` and `generic`, when numpy is imported (never imported here).
fn numpy_types(py: Python<'_>) -> PyResult<Option<&(Py<PyType>, Py<PyType>)>> {
    if let Some(types) = NUMPY_TYPES.get(py) {
        return Ok(Some(types));
    }
    let Some(numpy) = loaded_module(py, intern!(py, "numpy"))? else {
        return Ok(None);
    };
    let ndarray = numpy.getattr("ndarray")?.cast_into::<PyType>()?.unbind();
    let generic = numpy.getattr("generic")?.cast_into::<PyType>()?.unbind();
    Ok(Some(NUMPY_TYPES.get_or_init(py, || (ndarray, generic))))
}

/// The element type of a buffer `format` (struct module codes, as numpy
/// gives them) of `itemsize` bytes; `None` for any other, or a byte order
/// other than this machine's.
fn dtype_of(format: &[u8], itemsize: usize) -> Option<Dtype> {
    let code = match format {
        [b'@' | b'=', code] => *code,
        [b'<', code] if cfg!(target_endian = "little") => *code,
        [b'>' | b'!', code] if cfg!(target_endian = "big") => *code,
        [code] => *code,
        _ => return None,
    };
    let dtype = match code {
        b'?' => Dtype::Bool,
        b'b' | b'h' | b'i' | b'l' | b'q' | b'n' => Dtype::Int(itemsize),
        b'B' | b'H' | b'I' | b'L' | b'Q' | b'N' => Dtype::Uint(itemsize),
        b'e' => Dtype::F16,
        b'f' => Dtype::F32,
        b'd' => Dtype::F64,
        _ => return None,
    };
    let size_fits = match dtype {
        Dtype::Bool => itemsize == 1,
        Dtype::Int(n) | Dtype::Uint(n) => matches!(n, 1 | 2 | 4 | 8),
        Dtype::F16 => itemsize == 2,
        Dtype::F32 => itemsize == 4,
        Dtype::F64 => itemsize == 8,
        Dtype::Datetime(..) => false,
    };
    size_fits.then_some(dtype)
}

/// An IEEE half-precision value, exactly, as an `f32`.
fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from(bits >> 10 & 0x1F);
    let fraction = u32::from(bits & 0x3FF);
    let magnitude = match exponent {
        // Subnormal (and zero): fraction x 2^-24, exact in an f32.
        0 => {
            let value = fraction as f32 * 2f32.powi(-24);
            return if sign != 0 { -value } else { value };
        }
        0x1F => 0xFF << 23 | fraction << 13,
        _ => (exponent + 127 - 15) << 23 | fraction << 13,
    };
    f32::from_bits(sign | magnitude)
}

/// Appends one element's JSON text: floats as `repr` lays them out, with
/// the shortest digits of their own width (float16 and float32 those of
/// the value as an `f32`); NaN and infinities as `allow_nan` says. `write_f64`
/// is the engine's float writer (each writes Python's `repr`).
pub fn write_element<S: Sink>(
    py: Python<'_>,
    element: Element,
    opts: &DumpOptions<'_>,
    out: &mut S,
    write_f64: fn(f64, &mut S),
) -> PyResult<()> {
    match element {
        Element::Bool(flag) => out.extend_from_slice(if flag { b"true" } else { b"false" }),
        Element::Int(value) => {
            if opts.refuses_int(value) {
                return Err(super::to_json::integer_out_of_range(py));
            }
            write_i64(value, out);
        }
        Element::Uint(value) => {
            if opts.strict_integer && value > super::options::MAX_SAFE_INTEGER {
                return Err(super::to_json::integer_out_of_range(py));
            }
            out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
        Element::F32(value) if value.is_finite() => write_f32_repr(value, out),
        Element::F64(value) if value.is_finite() => write_f64(value, out),
        Element::F32(value) => {
            out.extend_from_slice(non_finite_text(py, f64::from(value), opts)?.as_bytes())
        }
        Element::F64(value) => out.extend_from_slice(non_finite_text(py, value, opts)?.as_bytes()),
        Element::Datetime { value, unit, count } => {
            let mut text = datetime64_text(value, unit, count, opts.omit_microseconds)
                .map_err(|msg| encode_error(py, msg))?;
            text.push_str(opts.naive_offset()); // datetime64 is naive
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{dtype_of, f16_to_f32, Dtype};

    #[test]
    fn half_precision_values_convert_exactly() {
        for (bits, value) in [
            (0x0000u16, 0.0f32),
            (0x8000, -0.0),
            (0x3C00, 1.0),
            (0xC000, -2.0),
            (0x7BFF, 65504.0),
            (0x0001, 5.960_464_5e-8),
            (0x03FF, 6.097_555e-5),
            (0x0400, 6.103_515_6e-5),
            (0x2E66, 0.099_975_586),
        ] {
            assert_eq!(f16_to_f32(bits).to_bits(), value.to_bits(), "{bits:#06x}");
        }
        assert!(f16_to_f32(0x7C00).is_infinite() && f16_to_f32(0x7E00).is_nan());
        assert!(f16_to_f32(0xFC00) == f32::NEG_INFINITY);
    }

    #[test]
    fn formats_map_to_dtypes() {
        assert_eq!(dtype_of(b"d", 8), Some(Dtype::F64));
        assert_eq!(dtype_of(b"<f", 4), Some(Dtype::F32));
        assert_eq!(dtype_of(b"l", 8), Some(Dtype::Int(8)));
        assert_eq!(dtype_of(b"B", 1), Some(Dtype::Uint(1)));
        assert_eq!(dtype_of(b"?", 1), Some(Dtype::Bool));
        assert_eq!(dtype_of(b">d", 8), None);
        assert_eq!(dtype_of(b"Zd", 16), None);
        assert_eq!(dtype_of(b"T{d:x:}", 8), None);
    }
}
