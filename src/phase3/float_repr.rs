//! Floats as Python's `repr` writes them, with the Żmij algorithm's digits
//! (the `zmij` crate): the same shortest round-trip digits as ryu (which the
//! builds before phase3 use, `text::float_repr`), found in fewer steps.
//!
//! zmij's layout is Python's for magnitudes in [1e-4, 1e16), the positional
//! range, so those are copied as they are; outside it Python writes `1e-05`
//! where zmij writes `0.00001`, and `1.5e-07` where zmij writes `1.5e-7`.

use crate::text::push::push_short;
use crate::text::sink::Sink;

/// Appends Python's `repr(value)` for a finite `value`.
#[inline]
pub fn write_float_repr<S: Sink>(value: f64, out: &mut S) {
    debug_assert!(value.is_finite());
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(value).as_bytes();
    let magnitude = value.abs();
    if (1e-4..1e16).contains(&magnitude) || magnitude == 0.0 {
        push_short(out, text); // at most 24 bytes
    } else {
        write_exponent_form(text, out);
    }
}

/// zmij's text of a value outside the positional range, in Python's layout.
#[inline(never)]
fn write_exponent_form<S: Sink>(text: &[u8], out: &mut S) {
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
