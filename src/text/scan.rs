//! Scanning JSON string bodies, 8 bytes at a time.

use super::escape::escape_mask;

const HIGHS: u64 = 0x8080_8080_8080_8080;

/// From `at`, the end of the run of string bytes that need no attention
/// (the first `"`, `\` or control byte, or the end of `text`), and whether
/// the run is all ASCII.
#[inline]
pub fn plain_run(text: &[u8], mut at: usize) -> (usize, bool) {
    let mut seen = 0u64;
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let mask = escape_mask(word, false);
        if mask != 0 {
            // Bytes below the first flagged one are clean.
            let clean = mask.trailing_zeros() / 8;
            seen |= word & ((1u64 << (clean * 8)) - 1);
            at += clean as usize;
            break;
        }
        seen |= word;
        at += 8;
    }
    let mut ascii = seen & HIGHS == 0;
    while let Some(&b) = text.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        ascii &= b < 0x80;
        at += 1;
    }
    (at, ascii)
}

/// From `at`, the end of a run of JSON whitespace (space, tab, newline, CR).
#[inline]
pub fn space_run(text: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = text.get(at) {
        at += 1;
    }
    at
}

/// From `at`, the end of a run of ASCII digits, and `acc` with them appended
/// (acc * 10 + digit for each, wrapping: callers use it for up to 19 digits).
#[inline]
pub fn digit_run(text: &[u8], mut at: usize, mut acc: u64) -> (usize, u64) {
    while let Some(&d) = text.get(at).filter(|d| d.is_ascii_digit()) {
        acc = acc.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        at += 1;
    }
    (at, acc)
}

/// 10^0 ..= 10^16: what an accumulator is scaled by to append up to 16 digits.
pub const POW10: [u64; 17] = {
    let mut table = [1u64; 17];
    let mut i = 1;
    while i < 17 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// The same, 8 digits at a time (SWAR): a word of 8 input bytes is read,
/// its digits found by byte arithmetic, and all of them (up to 8) added to
/// `acc` in three multiply-adds; no byte loop unless fewer than 8 bytes are
/// left in `text`.
#[inline(always)]
pub fn digit_run_swar(text: &[u8], mut at: usize, mut acc: u64) -> (usize, u64) {
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let (values, count) = leading_digits(word);
        if count == 8 {
            acc = acc
                .wrapping_mul(100_000_000)
                .wrapping_add(digits_value(values));
            at += 8;
            continue;
        }
        if count > 0 {
            // The `count` digits to the top bytes, zeros (leading zero
            // digits) below them.
            let top = values << (8 * (8 - count));
            acc = acc
                .wrapping_mul(POW10[count])
                .wrapping_add(digits_value(top));
        }
        return (at + count, acc);
    }
    digit_run(text, at, acc)
}

/// The byte values (digit - '0') of `word` and how many of its bytes, from
/// the lowest, are ASCII digits. Only bytes below the first non-digit are
/// meaningful in `values` (a borrow from that byte may change those above).
#[inline]
fn leading_digits(word: u64) -> (u64, usize) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let values = word.wrapping_sub(0x30 * ONES);
    // Per byte, non-zero unless 0x30..=0x39: the high nibble is 3, and the
    // value plus 6 stays below 0x10. Exact up to the first non-digit byte:
    // no borrow or carry crosses the digit bytes below it.
    let not_digit = ((word & (0xF0 * ONES)) ^ (0x30 * ONES))
        | (values.wrapping_add(0x06 * ONES) & (0xF0 * ONES));
    (values, (not_digit.trailing_zeros() / 8) as usize)
}

/// The number whose 8 decimal digits are the bytes of `values` (first digit
/// in the lowest byte): pairs, then quads, then the eight, each step one
/// multiply-add.
#[inline]
fn digits_value(values: u64) -> u64 {
    let pairs = (values.wrapping_mul(10) + (values >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF
}

/// Checks that `bytes` is UTF-8; the error is the offset of the first bad byte.
pub fn validate_utf8(bytes: &[u8]) -> Result<(), usize> {
    std::str::from_utf8(bytes)
        .map(|_| ())
        .map_err(|e| e.valid_up_to())
}

#[cfg(test)]
mod tests {
    use super::{digit_run, digit_run_swar, digits_value, leading_digits, plain_run, space_run};

    #[test]
    fn eight_digits_are_read_and_every_other_byte_stops_them() {
        for n in [0u64, 1, 12345678, 99999999, 10203040, 90000009] {
            let text = format!("{n:08}");
            let (values, count) =
                leading_digits(u64::from_le_bytes(text.as_bytes().try_into().unwrap()));
            assert_eq!(count, 8, "{text}");
            assert_eq!(digits_value(values), n, "{text}");
        }
        for at in 0..8 {
            for b in (0..=255u8).filter(|b| !b.is_ascii_digit()) {
                let mut text = *b"12345678";
                text[at] = b;
                assert_eq!(
                    leading_digits(u64::from_le_bytes(text)).1,
                    at,
                    "{b:#x} at {at}"
                );
            }
        }
    }

    #[test]
    fn digit_and_space_runs_agree_with_byte_loops() {
        let stops: Vec<u8> = (0..=255u8).filter(|b| !b.is_ascii_digit()).collect();
        for len in 0..30 {
            for &stop in &stops {
                let mut text: Vec<u8> = (0..len).map(|i| b'0' + (i * 7 % 10) as u8).collect();
                text.push(stop);
                text.extend_from_slice(b"123");
                for start in 0..len.min(3) {
                    assert_eq!(
                        digit_run_swar(&text, start, 7),
                        digit_run(&text, start, 7),
                        "{text:?}"
                    );
                    // Digits running to the end of the text.
                    assert_eq!(
                        digit_run_swar(&text[..len], start, 7),
                        digit_run(&text[..len], start, 7),
                        "{text:?}"
                    );
                }
            }
        }
        assert_eq!(space_run(b" \t\r\n x", 0), 5);
        assert_eq!(space_run(b"  ", 1), 2);
    }

    fn reference(text: &[u8], at: usize) -> (usize, bool) {
        let end = text[at..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map_or(text.len(), |i| at + i);
        (end, text[at..end].is_ascii())
    }

    #[test]
    fn finds_every_stop_byte_at_every_offset() {
        for len in 0..40 {
            for stop in [b'"', b'\\', 0x00, 0x1F, b'a'] {
                for pos in 0..len {
                    for fill in [b'x', 0xC3] {
                        let mut text = vec![fill; len];
                        text[pos] = stop;
                        for start in 0..len.min(9) {
                            assert_eq!(
                                plain_run(&text, start),
                                reference(&text, start),
                                "{text:?} from {start}"
                            );
                        }
                    }
                }
            }
        }
    }
}
