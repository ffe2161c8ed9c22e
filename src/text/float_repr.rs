//! Floats written the way Python's `repr(float)` writes them.
//!
//! ryu and Python agree on the digits (the shortest string that reads back as
//! the same double) but not on the layout: Python uses positional notation
//! while the decimal exponent is in -4..16 and otherwise writes `1e+16`,
//! `1e-05`, `1.5e+300` (signed exponent, at least two digits).
use super::sink::Sink;

/// Appends Python's `repr(value)` for a finite `value`.
///
/// ryu's own layout already matches Python's for decimal exponents -4..16
/// except at -5 (ryu: `0.00001234`, Python: `1.234e-05`); in exponent form
/// Python adds a `+` and pads to two digits. Only those spots are rewritten.
pub fn write_float_repr<S: Sink>(value: f64, out: &mut S) {
    debug_assert!(value.is_finite());
    // Whole numbers below 1e16 (Python's switch to exponent form) are their
    // integer digits and ".0": every integer there is a double, so no
    // shorter digit string rounds to the same value. ryu is slowest on them.
    if value.fract() == 0.0 && value.abs() < 1e16 && value != 0.0 {
        out.extend_from_slice(itoa::Buffer::new().format(value as i64).as_bytes());
        out.extend_from_slice(b".0");
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(value).as_bytes();
    let (sign, unsigned) = match text.split_first() {
        Some((b'-', rest)) => (&text[..1], rest),
        _ => (&text[..0], text),
    };
    out.extend_from_slice(sign);
    if let Some(e) = unsigned.iter().position(|&b| b == b'e') {
        out.extend_from_slice(&unsigned[..e]);
        let (exp_sign, digits) = match unsigned[e + 1] {
            b'-' => (b'-', &unsigned[e + 2..]),
            _ => (b'+', &unsigned[e + 1..]),
        };
        write_exponent(exp_sign, digits, out);
    } else if let Some(digits) = unsigned.strip_prefix(b"0.0000") {
        // 0.0000ddd = d.dd x 10^-5
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        write_exponent(b'-', b"5", out);
    } else {
        out.extend_from_slice(unsigned);
    }
}

fn write_exponent<S: Sink>(sign: u8, digits: &[u8], out: &mut S) {
    out.push(b'e');
    out.push(sign);
    if digits.len() < 2 {
        out.push(b'0');
    }
    out.extend_from_slice(digits);
}

/// Appends a finite `f32` in Python's `repr` layout with the shortest digits
/// that read back as the same `f32` (numpy's `float32`, as numpy's own
/// `repr` writes its digits): `0.1`, not the `0.10000000149011612` of the
/// same value as a double.
pub fn write_f32_repr<S: Sink>(value: f32, out: &mut S) {
    debug_assert!(value.is_finite());
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(value).as_bytes();
    let (negative, unsigned) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    // ryu's text as significant digits and the power of ten of the first.
    let (mantissa, exponent) = match unsigned.iter().position(|&b| b == b'e') {
        Some(e) => (&unsigned[..e], parse_exponent(&unsigned[e + 1..])),
        None => (unsigned, 0),
    };
    let point = mantissa
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(mantissa.len()) as i32;
    // The digits without the point (ryu's f32 text has at most 9 digits
    // and a few zeros around them).
    let mut buffer = [0u8; 48];
    let mut count = 0;
    for &b in mantissa.iter().filter(|&&b| b != b'.') {
        buffer[count] = b;
        count += 1;
    }
    let leading = buffer[..count]
        .iter()
        .position(|&b| b != b'0')
        .unwrap_or(count);
    let mut digits = &buffer[leading..count];
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits = &digits[..digits.len() - 1];
    }
    if negative {
        out.push(b'-');
    }
    if digits.is_empty() {
        out.extend_from_slice(b"0.0");
        return;
    }
    write_digits_repr(digits, point + exponent - leading as i32 - 1, out);
}

fn parse_exponent(text: &[u8]) -> i32 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        _ => (1, text),
    };
    sign * digits
        .iter()
        .fold(0i32, |n, &d| n * 10 + i32::from(d - b'0'))
}

/// Python's `repr` layout of the significant `digits` (no leading or
/// trailing zeros; the first is the units digit times 10^`exponent`):
/// positional from 1e-4 up to below 1e16, else `d.ddde+XX`.
fn write_digits_repr<S: Sink>(digits: &[u8], exponent: i32, out: &mut S) {
    if (-4..16).contains(&exponent) {
        if exponent < 0 {
            out.extend_from_slice(b"0.");
            for _ in 0..(-exponent - 1) {
                out.push(b'0');
            }
            out.extend_from_slice(digits);
            return;
        }
        let whole = exponent as usize + 1;
        if digits.len() <= whole {
            out.extend_from_slice(digits);
            for _ in digits.len()..whole {
                out.push(b'0');
            }
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..whole]);
            out.push(b'.');
            out.extend_from_slice(&digits[whole..]);
        }
        return;
    }
    out.push(digits[0]);
    if digits.len() > 1 {
        out.push(b'.');
        out.extend_from_slice(&digits[1..]);
    }
    let mut magnitude = itoa::Buffer::new();
    let magnitude = magnitude.format(exponent.unsigned_abs());
    write_exponent(
        if exponent < 0 { b'-' } else { b'+' },
        magnitude.as_bytes(),
        out,
    );
}

/// `repr` of values at every layout boundary, for each float writer's tests.
#[cfg(test)]
pub const REPR_CASES: &[(f64, &str)] = &[
    (0.0, "0.0"),
    (-0.0, "-0.0"),
    (1.0, "1.0"),
    (-1.5, "-1.5"),
    (0.1, "0.1"),
    (0.0001, "0.0001"),
    (0.00001, "1e-05"),
    (1.5e-7, "1.5e-07"),
    (1.234e-5, "1.234e-05"),
    (-0.00001, "-1e-05"),
    (0.000123, "0.000123"),
    (1e-10, "1e-10"),
    (1.5e-100, "1.5e-100"),
    (123.456, "123.456"),
    (1e15, "1000000000000000.0"),
    (1e16, "1e+16"),
    (1.2345e16, "1.2345e+16"),
    (9007199254740993.0, "9007199254740992.0"),
    (1e100, "1e+100"),
    (1.5e300, "1.5e+300"),
    (f64::MAX, "1.7976931348623157e+308"),
    (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
    (5e-324, "5e-324"),
    (100.0, "100.0"),
    (12345678901234567890.0, "1.2345678901234567e+19"),
    (0.30000000000000004, "0.30000000000000004"),
    (9007199254740994.0, "9007199254740994.0"),
    (9999999999999998.0, "9999999999999998.0"),
    (-123456.0, "-123456.0"),
    (1e16 - 2.0, "9999999999999998.0"),
];

/// Checks a float writer against `REPR_CASES` (each float writer's tests).
#[cfg(test)]
pub fn assert_python_layout(write: fn(f64, &mut Vec<u8>)) {
    for &(value, expected) in REPR_CASES {
        let mut out = Vec::new();
        write(value, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            expected,
            "repr of {value:e}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{assert_python_layout, write_f32_repr, write_float_repr};

    /// `write_f32_repr` lays out as `repr` does, with the digits that read
    /// back as the same `f32`, and agrees with the f64 writer wherever the
    /// f32's shortest digits are the double's too.
    #[test]
    fn f32_layout_and_digits() {
        for (value, expected) in [
            (0.1f32, "0.1"),
            (-1.5, "-1.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (3e15, "3000000000000000.0"),
            (16777216.0, "16777216.0"),
            (f32::MAX, "3.4028235e+38"),
            (f32::MIN_POSITIVE, "1.1754944e-38"),
            (1e-45, "1e-45"),
            (123.456, "123.456"),
            (100.0, "100.0"),
        ] {
            let mut out = Vec::new();
            write_f32_repr(value, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{value:e}");
        }
        let mut state = 0x2545_F491u32;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let value = f32::from_bits(state);
            if value.is_finite() {
                let mut out = Vec::new();
                write_f32_repr(value, &mut out);
                let text = String::from_utf8(out).unwrap();
                assert_eq!(
                    text.parse::<f32>().unwrap().to_bits(),
                    value.to_bits(),
                    "{text}"
                );
            }
        }
    }

    fn repr(value: f64) -> String {
        let mut out = Vec::new();
        write_float_repr(value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_python_layout() {
        assert_python_layout(write_float_repr);
    }

    #[test]
    fn reads_back_exactly() {
        // A cheap xorshift walk over bit patterns: the layout must never lose digits.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = f64::from_bits(state);
            // Also whole numbers, the fast path's domain.
            for value in [value, (value % 1e17).trunc()] {
                if value.is_finite() {
                    let text = repr(value);
                    assert_eq!(
                        text.parse::<f64>().unwrap().to_bits(),
                        value.to_bits(),
                        "{text}"
                    );
                }
            }
        }
    }
}
