//! Stage 1 with AVX2: a 64-byte block as two 32-byte vectors, byte classes
//! by table lookup on each nibble (`vpshufb`), as simdjson does.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::arch::x86_64::*;

use super::stage1::{build_with, Masks, Stage1};
use crate::phase4::kernels::Isa;

pub const STAGE1: Stage1 = Stage1 {
    isa: Isa::Avx2,
    classify: classify_checked,
    build,
};

// A byte is in a group when the group's bit is set both in LOW[its low
// nibble] and in HIGH[its high nibble]; one bit per high nibble, so no other
// byte matches. Operators (bits 1-8): `,` 2C, `:` 3A, `[` `]` 5B 5D,
// `{` `}` 7B 7D. Spaces (bits 16, 32): ` ` 20; `\t` `\n` `\r` 09 0A 0D.
const LOW: [u8; 16] = [16, 0, 0, 0, 0, 0, 0, 0, 0, 32, 34, 12, 1, 44, 0, 0];
const HIGH: [u8; 16] = [32, 0, 17, 2, 0, 4, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
const OPS: i8 = 15;
const SPACES: i8 = 48;

#[inline]
#[target_feature(enable = "avx2")]
fn masks32(v: __m256i) -> (u64, u64, u64, u64) {
    let table = |t: &[u8; 16]| {
        // SAFETY: `t` is 16 readable bytes.
        let half = unsafe { _mm_loadu_si128(t.as_ptr().cast()) };
        _mm256_broadcastsi128_si256(half)
    };
    let low = _mm256_and_si256(v, _mm256_set1_epi8(0x0F));
    let high = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
    let classes = _mm256_and_si256(
        _mm256_shuffle_epi8(table(&LOW), low),
        _mm256_shuffle_epi8(table(&HIGH), high),
    );
    let zero = _mm256_setzero_si256();
    let bit = |b: i8| {
        let hit = _mm256_cmpeq_epi8(_mm256_and_si256(classes, _mm256_set1_epi8(b)), zero);
        !(_mm256_movemask_epi8(hit) as u32) as u64
    };
    let eq =
        |b: u8| _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8))) as u32 as u64;
    (eq(b'"'), eq(b'\\'), bit(OPS), bit(SPACES))
}

#[inline]
#[target_feature(enable = "avx2")]
fn classify(block: &[u8; 64]) -> Masks {
    // SAFETY: `block` is 64 readable bytes; both loads are unaligned.
    let (lo, hi) = unsafe {
        (
            _mm256_loadu_si256(block.as_ptr().cast()),
            _mm256_loadu_si256(block.as_ptr().add(32).cast()),
        )
    };
    let (q0, b0, o0, s0) = masks32(lo);
    let (q1, b1, o1, s1) = masks32(hi);
    Masks {
        quote: q0 | q1 << 32,
        backslash: b0 | b1 << 32,
        op: o0 | o1 << 32,
        space: s0 | s1 << 32,
    }
}

fn classify_checked(block: &[u8; 64]) -> Masks {
    // SAFETY: STAGE1 is only offered when the CPU has AVX2 (stage1_choice::available).
    unsafe { classify(block) }
}

#[target_feature(enable = "avx2")]
fn build_avx2(data: &[u8]) -> Option<Vec<u32>> {
    // The closure is inlined here, where AVX2 is enabled.
    build_with(data, |block| classify(block))
}

fn build(data: &[u8]) -> Option<Vec<u32>> {
    // SAFETY: as for classify_checked.
    unsafe { build_avx2(data) }
}
