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

/// Checks that `bytes` is UTF-8; the error is the offset of the first bad byte.
pub fn validate_utf8(bytes: &[u8]) -> Result<(), usize> {
    std::str::from_utf8(bytes)
        .map(|_| ())
        .map_err(|e| e.valid_up_to())
}

#[cfg(test)]
mod tests {
    use super::plain_run;

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
