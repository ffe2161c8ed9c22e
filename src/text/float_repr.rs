//! Floats written the way Python's `repr(float)` writes them.
//!
//! ryu and Python agree on the digits (the shortest string that reads back as
//! the same double) but not on the layout: Python uses positional notation
//! while the decimal exponent is in -4..16 and otherwise writes `1e+16`,
//! `1e-05`, `1.5e+300` (signed exponent, at least two digits).

/// Appends Python's `repr(value)` for a finite `value`.
pub fn write_float_repr(value: f64, out: &mut Vec<u8>) {
    debug_assert!(value.is_finite());
    let mut buffer = ryu::Buffer::new();
    let shortest = buffer.format_finite(value).as_bytes();
    let (negative, unsigned) = match shortest.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, shortest),
    };
    let (mantissa, exponent) = match unsigned.iter().position(|&b| b == b'e') {
        Some(at) => (&unsigned[..at], parse_exponent(&unsigned[at + 1..])),
        None => (unsigned, 0),
    };

    // Collect the significant digits; `point` is how many come before the dot.
    let mut digits = [0u8; 32];
    let mut count = 0;
    let mut point = mantissa.len();
    for (i, &b) in mantissa.iter().enumerate() {
        if b == b'.' {
            point = i;
        } else {
            digits[count] = b;
            count += 1;
        }
    }
    // value = 0.DIGITS * 10^decimal_point, after dropping leading/trailing zeros.
    let leading = digits[..count].iter().take_while(|&&d| d == b'0').count();
    if out.capacity() - out.len() < 32 {
        out.reserve(32);
    }
    if negative {
        out.push(b'-');
    }
    if leading == count {
        out.extend_from_slice(b"0.0");
        return;
    }
    let trailing = digits[..count].iter().rev().take_while(|&&d| d == b'0').count();
    let significant = &digits[leading..count - trailing];
    let decimal_point = point as i32 - leading as i32 + exponent;
    let n = significant.len() as i32;

    if !(-4 < decimal_point && decimal_point <= 16) {
        out.push(significant[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&significant[1..]);
        }
        let shown = decimal_point - 1;
        out.push(b'e');
        out.push(if shown < 0 { b'-' } else { b'+' });
        let magnitude = shown.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(magnitude.to_string().as_bytes());
    } else if decimal_point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-decimal_point) as usize));
        out.extend_from_slice(significant);
    } else if decimal_point >= n {
        out.extend_from_slice(significant);
        out.extend(std::iter::repeat_n(b'0', (decimal_point - n) as usize));
        out.extend_from_slice(b".0");
    } else {
        let split = decimal_point as usize;
        out.extend_from_slice(&significant[..split]);
        out.push(b'.');
        out.extend_from_slice(&significant[split..]);
    }
}

fn parse_exponent(text: &[u8]) -> i32 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        _ => (1, text),
    };
    sign * digits.iter().fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::write_float_repr;

    fn repr(value: f64) -> String {
        let mut out = Vec::new();
        write_float_repr(value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_python_layout() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
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
        ];
        for &(value, expected) in cases {
            assert_eq!(repr(value), expected, "repr of {value:e}");
        }
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
            if value.is_finite() {
                let text = repr(value);
                assert_eq!(text.parse::<f64>().unwrap().to_bits(), value.to_bits(), "{text}");
            }
        }
    }
}
