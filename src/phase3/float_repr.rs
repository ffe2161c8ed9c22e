//! Floats as Python's `repr` writes them, with the Żmij algorithm's digits
//! (the `zmij` crate): the same shortest round-trip digits as ryu (which the
//! builds before phase3 use, `text::float_repr`), found in fewer steps.
//!
//! zmij's layout is Python's for magnitudes in [1e-4, 1e16), the positional
//! range, so those are written by zmij straight into the output; outside it
//! Python writes `1e-05` where zmij writes `0.00001`, and `1.5e-07` where
//! zmij writes `1.5e-7`, and the text is rearranged.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use crate::text::push::copy_short;
use crate::text::sink::Sink;

/// The longest repr of a double (`-2.2250738585072014e-308` is 24 bytes), rounded up.
pub(super) const MAX_REPR: usize = 32;

/// Appends Python's `repr(value)` for a finite `value`.
#[inline(always)]
pub fn write_float_repr<S: Sink>(value: f64, out: &mut S) {
    out.reserve(MAX_REPR);
    let len = out.len();
    // SAFETY: `repr_into` writes at most MAX_REPR bytes at the end, all reserved.
    unsafe {
        let written = repr_into(value, out.as_mut_ptr().add(len));
        out.set_len(len + written);
    }
}

/// Writes `values` at `dst` as array items, a `,` before each but the
/// first (before it too if `comma_first`); returns the bytes written.
///
/// # Safety
/// `dst` has room for `values.len() * (MAX_REPR + 1)` bytes; the values are finite.
#[inline(always)]
pub(super) unsafe fn format_values(values: &[f64], comma_first: bool, dst: *mut u8) -> usize {
    let mut end = 0;
    for (i, &value) in values.iter().enumerate() {
        // SAFETY: each value takes at most MAX_REPR + 1 bytes of the room.
        unsafe {
            // Not `text::sink::store_comma`: with it this loop compiles to
            // more instructions (`benches/callgrind.py dumps_bytes canada.json`).
            dst.add(end).write(b',');
            end += usize::from(i > 0 || comma_first);
            end += repr_into(value, dst.add(end));
        }
    }
    end
}

/// Writes `repr(value)` at `dst` and returns its length. The one place zmij
/// is called from, so that it is inlined here (with a second caller the
/// compiler calls it out of line), and one copy for every sink (made
/// generic, zmij's digit loop goes out of line).
///
/// # Safety
/// `dst` has room for MAX_REPR bytes.
#[inline(never)]
pub(super) unsafe fn repr_into(value: f64, dst: *mut u8) -> usize {
    debug_assert!(value.is_finite());
    // zmij's buffer is 24 plain bytes (align 1) that it writes from the
    // start, so the output's room can be that buffer, saving a copy (orjson
    // formats the same way).
    const _: () = assert!(std::mem::size_of::<zmij::Buffer>() <= MAX_REPR);
    const _: () = assert!(std::mem::align_of::<zmij::Buffer>() == 1);
    // SAFETY: `dst` has MAX_REPR bytes of room, at least a Buffer's size,
    // and a Buffer is a byte array any bytes are valid for.
    let buffer = unsafe { &mut *dst.cast::<zmij::Buffer>() };
    let text = buffer.format_finite(value).as_bytes();
    let (start, len) = (text.as_ptr(), text.len());
    let magnitude = value.abs();
    if (1e-4..1e16).contains(&magnitude) || magnitude == 0.0 {
        if start != dst.cast_const() {
            // SAFETY: both inside the room; `copy` allows overlap.
            unsafe { std::ptr::copy(start, dst, len) };
        }
        return len;
    }
    let form = exponent_form(text);
    // SAFETY: at most 24 bytes, within the caller's room; `form` is a copy.
    unsafe { copy_short(&form.bytes[..form.len], dst) };
    form.len
}

/// A repr being rearranged into Python's exponent layout.
#[derive(Default)]
struct Repr {
    bytes: [u8; MAX_REPR],
    len: usize,
}

impl Sink for Repr {
    fn len(&self) -> usize {
        self.len
    }

    fn reserve(&mut self, additional: usize) {
        assert!(
            additional <= MAX_REPR - self.len,
            "a float repr is at most 24 bytes"
        );
    }

    fn as_mut_ptr(&mut self) -> *mut u8 {
        self.bytes.as_mut_ptr()
    }

    unsafe fn set_len(&mut self, new_len: usize) {
        self.len = new_len;
    }
}

/// zmij's text of a value outside the positional range, in Python's layout.
#[inline(never)]
fn exponent_form(text: &[u8]) -> Repr {
    let mut out = Repr::default();
    let (sign, unsigned) = match text.split_first() {
        Some((b'-', rest)) => (&text[..1], rest),
        _ => (&text[..0], text),
    };
    out.extend_from_slice(sign);
    match unsigned.iter().position(|&b| b == b'e') {
        Some(e) => {
            // `e+17`, `e-7`, `e-300`: at least two exponent digits.
            out.extend_from_slice(&unsigned[..e + 2]);
            let digits = &unsigned[e + 2..];
            if digits.len() < 2 {
                out.push(b'0');
            }
            out.extend_from_slice(digits);
        }
        None => {
            // 1e-5 <= magnitude < 1e-4: zmij writes 0.0000ddd = d.dd x 10^-5.
            let digits = unsigned
                .strip_prefix(b"0.0000")
                .expect("positional below 1e-4 is 0.0000...");
            out.push(digits[0]);
            if digits.len() > 1 {
                out.push(b'.');
                out.extend_from_slice(&digits[1..]);
            }
            out.extend_from_slice(b"e-05");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::write_float_repr;
    use crate::text::float_repr;

    #[test]
    fn matches_python_layout() {
        float_repr::assert_python_layout(write_float_repr);
    }

    #[test]
    fn agrees_with_the_ryu_writer_everywhere() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let check = |value: f64| {
            if value.is_finite() {
                let mut ryu = Vec::new();
                float_repr::write_float_repr(value, &mut ryu);
                let mut zmij = Vec::new();
                write_float_repr(value, &mut zmij);
                assert_eq!(zmij, ryu, "{value:e}");
            }
        };
        for _ in 0..300_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = f64::from_bits(state);
            check(value);
            check((value % 1e17).trunc());
            // Around the layout's switch points.
            check(value.abs().rem_euclid(1e-3));
            check(1e16 - (state % 100) as f64 * 2.0);
        }
        for exp in -330..310 {
            for mantissa in [1.0, 1.5, 9.999999999999999, 2.2250738585072014] {
                check(mantissa * 10f64.powi(exp));
                check(-mantissa * 10f64.powi(exp));
            }
        }
    }
}
