//! Decimal digits 16 at a time with SSE2 (part of x86-64, so inlined into
//! the parser with no run-time dispatch): one load finds how many digits
//! there are, and three multiply-adds sum all 16 bytes with those past the
//! digits zeroed. That sum is the number times 10^(16 - count); dividing by
//! the power of ten is exact, so it is a shift (the power of two) and a
//! multiplication by the inverse of the power of five modulo 2^64.
//!
//! On 10-12-digit fractions (numbers.json) it runs fewer instructions a
//! float than the 8-byte SWAR reader. A call through the kernel table
//! (SSSE3's shuffle) costs more than it saves: an indirect call is not
//! inlined.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::arch::x86_64::*;

use crate::text::scan::{digit_run_swar, POW10};

/// 16 bytes from `KEEP[16 - count..]`: `count` bytes of 0xFF, then zeros.
const KEEP: [u8; 32] = {
    let mut table = [0; 32];
    let mut i = 0;
    while i < 16 {
        table[i] = 0xFF;
        i += 1;
    }
    table
};

/// The inverse of 5^k modulo 2^64 (5 is odd): dividing a multiple of 5^k
/// by 5^k is multiplying by it.
const INVERSE_POW5: [u64; 17] = {
    let mut table = [1u64; 17];
    let mut k = 1;
    while k < 17 {
        let mut power = 1u64;
        let mut i = 0;
        while i < k {
            power = power.wrapping_mul(5);
            i += 1;
        }
        // Newton's iteration doubles the correct low bits: 3 -> 96.
        let mut inverse = power;
        let mut step = 0;
        while step < 5 {
            inverse = inverse.wrapping_mul(2u64.wrapping_sub(power.wrapping_mul(inverse)));
            step += 1;
        }
        table[k] = inverse;
        k += 1;
    }
    table
};

/// From `at`, the end of a run of ASCII digits, and `acc` with them appended
/// (wrapping, as `digit_run_swar`, whose result this is).
#[inline(always)]
pub fn digit_run_sse2(text: &[u8], at: usize, acc: u64) -> (usize, u64) {
    if at + 16 > text.len() {
        return digit_run_swar(text, at, acc);
    }
    // SAFETY: SSE2 is part of x86-64; the 16 bytes from `at` are inside
    // `text` (checked above); KEEP has 32 bytes and 16 - count is 0..=16.
    unsafe {
        let block = _mm_loadu_si128(text.as_ptr().add(at).cast());
        let values = _mm_sub_epi8(block, _mm_set1_epi8(b'0' as i8));
        // A byte is a digit when its value, unsigned, is at most 9.
        let digits = _mm_cmpeq_epi8(_mm_min_epu8(values, _mm_set1_epi8(9)), values);
        let count = (!(_mm_movemask_epi8(digits) as u32)).trailing_zeros() as usize;
        let kept = _mm_and_si128(
            values,
            _mm_loadu_si128(KEEP.as_ptr().add(16 - count).cast()),
        );
        // Pairs (0-99), quads (0-9999), then two eights, first digit first.
        let zero = _mm_setzero_si128();
        let tens = _mm_set1_epi32(0x0001_000A);
        let pairs = _mm_packs_epi32(
            _mm_madd_epi16(_mm_unpacklo_epi8(kept, zero), tens),
            _mm_madd_epi16(_mm_unpackhi_epi8(kept, zero), tens),
        );
        let quads = _mm_madd_epi16(pairs, _mm_set1_epi32(0x0001_0064));
        let eights = _mm_madd_epi16(_mm_packs_epi32(quads, quads), _mm_set1_epi32(0x0001_2710));
        let high = _mm_cvtsi128_si32(eights) as u32;
        let low = _mm_cvtsi128_si32(_mm_srli_si128::<4>(eights)) as u32;
        let padded = u64::from(high) * 100_000_000 + u64::from(low);
        let zeros = 16 - count;
        let value = (padded >> zeros).wrapping_mul(INVERSE_POW5[zeros]);
        let acc = acc.wrapping_mul(POW10[count]).wrapping_add(value);
        if count < 16 {
            return (at + count, acc);
        }
        digit_run_swar(text, at + 16, acc)
    }
}

#[cfg(test)]
mod tests {
    use super::digit_run_sse2;
    use crate::text::scan::digit_run;

    #[test]
    fn agrees_with_the_byte_loop() {
        // Runs of 0-40 digits (past one and two 16-byte blocks), stopped by
        // every non-digit byte or by the end of the text (where a block
        // would read past it), from two starts, with text after the stop.
        let stops: Vec<u8> = (0..=255u8).filter(|b| !b.is_ascii_digit()).collect();
        for len in 0..=40 {
            let digits: Vec<u8> = (0..len).map(|i| b'0' + (i * 7 % 10) as u8).collect();
            for &stop in &stops {
                for tail in [&b""[..], b"1", b"0123456789012345678"] {
                    let mut text = b"x".to_vec();
                    text.extend_from_slice(&digits);
                    text.push(stop);
                    text.extend_from_slice(tail);
                    for text in [&text[..], &text[..1 + len]] {
                        for start in [1, 2.min(text.len())] {
                            for acc in [0, 7] {
                                assert_eq!(
                                    digit_run_sse2(text, start, acc),
                                    digit_run(text, start, acc),
                                    "{text:?} from {start}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
