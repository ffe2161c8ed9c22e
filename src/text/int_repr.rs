//! Integers as decimal text, written straight into the output: 8 digits at
//! a time by SWAR (plain 64-bit arithmetic: the number split into 4-, 2- and
//! 1-digit lanes of one word with multiply-shifts), so an int costs about a
//! third of a table-driven formatter and no intermediate buffer.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use super::sink::Sink;

/// The most bytes an `i64` takes: a sign and 19 digits.
const MAX_LEN: usize = 20;

/// Bytes of room `write_i64_at` may store into: 8 more than MAX_LEN, since
/// every store is a whole 8-byte word.
pub const ROOM: usize = MAX_LEN + 8;

/// Appends `value` in decimal (the standard library's `repr` of an int).
#[inline(always)]
pub fn write_i64<S: Sink>(value: i64, out: &mut S) {
    out.reserve(ROOM);
    let at = out.len();
    // SAFETY: `reserve` left ROOM bytes at `at`; `set_len` covers just the
    // bytes written.
    unsafe {
        let len = write_i64_at(value, out.as_mut_ptr().add(at));
        out.set_len(at + len);
    }
}

/// Writes `value` in decimal at `dst`; returns how many bytes.
///
/// # Safety
/// `dst` has ROOM writable bytes.
#[inline(always)]
pub unsafe fn write_i64_at(value: i64, dst: *mut u8) -> usize {
    // SAFETY: the sign and digits take at most MAX_LEN, and each word store
    // starts at most MAX_LEN bytes in.
    unsafe {
        let sign = usize::from(value < 0);
        dst.write(b'-');
        sign + write_u64(value.unsigned_abs(), dst.add(sign))
    }
}

const E8: u64 = 100_000_000;

/// Writes `n`'s digits at `dst` and returns how many.
///
/// # Safety
/// `dst` has room for 20 + 8 bytes (the digits, then whole-word stores).
#[inline(always)]
unsafe fn write_u64(n: u64, dst: *mut u8) -> usize {
    // SAFETY (all three branches): the caller's 28 bytes; the word stores
    // below start at offsets 0, leading <= 12 and leading + 8 <= 12.
    unsafe {
        if n < E8 {
            return write_leading(n as u32, dst);
        }
        if n < E8 * E8 {
            let leading = write_leading((n / E8) as u32, dst);
            store(eight_digits((n % E8) as u32), dst.add(leading));
            return leading + 8;
        }
        let leading = write_leading((n / (E8 * E8)) as u32, dst);
        let rest = n % (E8 * E8);
        store(eight_digits((rest / E8) as u32), dst.add(leading));
        store(eight_digits((rest % E8) as u32), dst.add(leading + 8));
        leading + 16
    }
}

/// Writes `n` (< 10^8) without leading zeros (`0` as "0"); returns how many
/// digits. Small numbers take shorter paths (most ints in JSON are small).
///
/// # Safety
/// `dst` has room for 8 bytes.
#[inline(always)]
unsafe fn write_leading(n: u32, dst: *mut u8) -> usize {
    // SAFETY (every branch): the caller's 8 bytes.
    unsafe {
        if n < 10 {
            dst.write(b'0' + n as u8);
            return 1;
        }
        // The length by comparisons, not from the digits' leading zeros:
        // the digits are a long chain of multiplies, and where the next
        // value goes waited for its end (citm_catalog's dicts of ints).
        // Digit k is byte k: the leading zeros, shifted out, are the low
        // bytes.
        if n < 10_000 {
            let len = 2 + usize::from(n >= 100) + usize::from(n >= 1000);
            dst.cast::<u32>()
                .write_unaligned((four_digits(n) >> (8 * (4 - len))).to_le());
            return len;
        }
        let len = 5
            + usize::from(n >= 100_000)
            + usize::from(n >= 1_000_000)
            + usize::from(n >= 10_000_000);
        store(eight_digits(n) >> (8 * (8 - len)), dst);
        len
    }
}

/// `n` (< 10^4) as 4 ASCII digits with leading zeros, the first in the low byte.
#[inline(always)]
fn four_digits(n: u32) -> u32 {
    debug_assert!(n < 10_000);
    // Two 2-digit 16-bit lanes (v / 100 == v * 5243 >> 19 for v < 10^4),
    // then two digits a lane (v / 10 == v * 103 >> 10 for v < 100).
    let high = (n * 5243) >> 19;
    let pairs = high | ((n - high * 100) << 16);
    let tens = ((pairs * 103) >> 10) & 0x000F_000F;
    let digits = tens | ((pairs - tens * 10) << 8);
    digits | 0x3030_3030
}

const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// `n` (< 10^8) as 8 ASCII digits with leading zeros, the first in the low byte.
#[inline(always)]
fn eight_digits(n: u32) -> u64 {
    debug_assert!(n < 100_000_000);
    let n = u64::from(n);
    // Two 4-digit halves in 32-bit lanes, the first half low.
    let halves = (n / 10_000) | ((n % 10_000) << 32);
    // Each half into two 2-digit 16-bit lanes: v / 100 == v * 10486 >> 20 for v < 10^4.
    let high = ((halves * 10486) >> 20) & 0x0000_007F_0000_007F;
    let pairs = high | ((halves - high * 100) << 16);
    // Each pair into two digits in bytes: v / 10 == v * 103 >> 10 for v < 100.
    let tens = ((pairs * 103) >> 10) & 0x000F_000F_000F_000F;
    let digits = tens | ((pairs - tens * 10) << 8);
    digits | ASCII_ZEROS
}

/// # Safety
/// `dst` has room for 8 bytes.
#[inline(always)]
unsafe fn store(word: u64, dst: *mut u8) {
    // SAFETY: the caller's 8 bytes.
    unsafe { dst.cast::<u64>().write_unaligned(word.to_le()) };
}

#[cfg(test)]
mod tests {
    use super::write_i64;

    fn check(value: i64) {
        let mut out = b"x".to_vec();
        write_i64(value, &mut out);
        assert_eq!(
            std::str::from_utf8(&out[1..]).unwrap(),
            value.to_string(),
            "{value}"
        );
    }

    #[test]
    fn writes_what_to_string_writes() {
        for value in [0, 1, -1, 9, 10, 99, 100, i64::MAX, i64::MIN, i64::MIN + 1] {
            check(value);
        }
        // Every digit count and both sides of every power of ten.
        let mut power: i64 = 1;
        for _ in 0..19 {
            for delta in [-2, -1, 0, 1, 2] {
                check(power + delta);
                check(-(power + delta));
            }
            power = power.saturating_mul(10);
        }
        // Zeros inside the 8-digit groups, and random values of every size.
        for value in [
            100_000_000,
            100_000_001,
            1_000_000_000_000_000,
            10_000_000_100_000_000,
        ] {
            check(value);
            check(-value);
        }
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = (state >> (state % 64)) as i64;
            check(value);
            check(value.wrapping_neg());
            check((value % 100_000) - 50_000);
        }
    }
}
