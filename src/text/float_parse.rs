//! Decimal to double, correctly rounded, from the significand and power of
//! ten a number scanner has already found: Clinger's fast path when both are
//! exact doubles, else the Eisel-Lemire algorithm (a 128-bit product with a
//! table power of five; see Lemire, "Number parsing at a gigabyte per
//! second", 2021). Both give up (`None`) in the rare cases they cannot decide,
//! and the caller falls back to the standard library's parser.

use super::pow5_table::{LARGEST_POWER, POW5, SMALLEST_POWER};

/// The double nearest `significand * 10^scale` (ties to even), for a
/// significand of at most 19 digits (exact in a u64); `None` when undecided.
#[inline(always)]
pub fn decimal_to_f64(significand: u64, scale: i64) -> Option<f64> {
    match clinger(significand, scale) {
        Some(value) => Some(value),
        None => eisel_lemire(significand, scale),
    }
}

/// A significand below 2^53 and a power of ten up to 22 are both exact
/// doubles, so one multiplication or division rounds the value correctly.
#[inline(always)]
fn clinger(significand: u64, scale: i64) -> Option<f64> {
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if significand > 1 << 53 || !(-22..=22).contains(&scale) {
        return None;
    }
    let m = significand as f64;
    Some(if scale < 0 {
        m / POWERS[(-scale) as usize]
    } else {
        m * POWERS[scale as usize]
    })
}

const MANTISSA_BITS: u32 = 52;
/// The biased exponent of infinity.
const INFINITE_POWER: i64 = 0x7FF;

#[inline(never)]
fn eisel_lemire(significand: u64, scale: i64) -> Option<f64> {
    if significand == 0 || scale < SMALLEST_POWER {
        return Some(0.0);
    }
    if scale > LARGEST_POWER {
        return Some(f64::INFINITY);
    }
    let zeros = significand.leading_zeros();
    let w = significand << zeros;
    let (low, high) = product(w, scale);
    // The truncated product may be one short of the exact one in its low
    // word: then the result is decided only where the table is exact.
    if low == u64::MAX && !(-27..=55).contains(&scale) {
        return None;
    }
    let upper_bit = (high >> 63) as i64;
    let mut mantissa = high >> (upper_bit + 64 - i64::from(MANTISSA_BITS) - 3);
    // floor(log2(10^scale)) + 63 + 1023, adjusted for the normalization.
    let mut power2 =
        (((152_170 + 65_536) * scale) >> 16) + 63 + upper_bit - i64::from(zeros) + 1023;
    if power2 <= 0 {
        // Subnormal (or zero).
        if -power2 + 1 >= 64 {
            return Some(0.0);
        }
        mantissa >>= -power2 + 1;
        mantissa += mantissa & 1;
        mantissa >>= 1;
        let power2 = u64::from(mantissa >= 1 << MANTISSA_BITS);
        return Some(f64::from_bits(mantissa | power2 << MANTISSA_BITS));
    }
    // Exactly halfway between two doubles: round to even, where the product
    // can be exact (small powers).
    if low <= 1
        && (-4..=23).contains(&scale)
        && mantissa & 3 == 1
        && mantissa << (upper_bit + 64 - i64::from(MANTISSA_BITS) - 3) == high
    {
        mantissa &= !1;
    }
    mantissa += mantissa & 1;
    mantissa >>= 1;
    if mantissa >= 2 << MANTISSA_BITS {
        mantissa = 1 << MANTISSA_BITS;
        power2 += 1;
    }
    mantissa &= !(1 << MANTISSA_BITS);
    if power2 >= INFINITE_POWER {
        return Some(f64::INFINITY);
    }
    Some(f64::from_bits(mantissa | (power2 as u64) << MANTISSA_BITS))
}

/// The top 128 bits of `w * 5^scale` as (low, high), with the table's low
/// word taken in only when the high word's product leaves the rounding open.
#[inline]
fn product(w: u64, scale: i64) -> (u64, u64) {
    let (pow_high, pow_low) = POW5[(scale - SMALLEST_POWER) as usize];
    let first = u128::from(w) * u128::from(pow_high);
    let (mut low, mut high) = (first as u64, (first >> 64) as u64);
    // 9 bits below the mantissa and its rounding bits.
    const MASK: u64 = u64::MAX >> (MANTISSA_BITS + 3);
    if high & MASK == MASK {
        let second = ((u128::from(w) * u128::from(pow_low)) >> 64) as u64;
        let (sum, carry) = low.overflowing_add(second);
        low = sum;
        high += u64::from(carry);
    }
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::decimal_to_f64;

    fn check(significand: u64, scale: i64) {
        let expected: f64 = format!("{significand}e{scale}").parse().unwrap();
        if let Some(value) = decimal_to_f64(significand, scale) {
            assert_eq!(value.to_bits(), expected.to_bits(), "{significand}e{scale}");
        }
    }

    #[test]
    fn agrees_with_the_standard_library() {
        // A fixed xorshift sequence: significands of every digit count,
        // every scale of the table and past it.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..400_000 {
            let digits = next() % 20;
            let significand = next() % 10u64.pow(digits as u32).max(1);
            let scale = (next() % 720) as i64 - 360;
            check(significand, scale);
        }
        for (significand, scale) in [
            (0, 0),
            (1, -324),
            (25, -325),
            (24703282292062327, -340),
            (49406564584124654, -340),
            (22250738585072011, -324),
            (22250738585072014, -324),
            (17976931348623157, 292),
            (17976931348623159, 292),
            (9007199254740993, 0),
            (9007199254740993, 1),
            (18446744073709551615, 0),
            (18446744073709551615, -1),
            (7, -22),
            (1, 23),
            (2, 308),
            (1, 309),
        ] {
            check(significand, scale);
        }
    }

    #[test]
    fn decides_the_common_cases() {
        // Coordinates as the corpus has them: 17 digits, a few after the point.
        let mut undecided = 0;
        for i in 0..100_000u64 {
            let significand = 10_000_000_000_000_000 + i * 7_919_113;
            if super::decimal_to_f64(significand, -15).is_none() {
                undecided += 1;
            }
        }
        assert!(undecided < 10, "{undecided} undecided");
    }
}
