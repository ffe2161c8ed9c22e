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
    use super::{assert_python_layout, write_float_repr};

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
