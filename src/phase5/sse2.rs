//! Stage 1 with SSE2 (part of x86-64): a 64-byte block as four 16-byte vectors.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::arch::x86_64::*;

use super::stage1::{build_with, Masks, Stage1};
use crate::phase4::kernels::Isa;

pub const STAGE1: Stage1 = Stage1 {
    isa: Isa::Sse2,
    classify,
    build,
};

/// The bytes of `v` equal to any of `set`, as a 16-bit mask.
#[inline(always)]
fn any_of(v: __m128i, set: &[u8]) -> u64 {
    // SAFETY: SSE2 is part of every x86-64 CPU.
    unsafe {
        let mut hits = _mm_setzero_si128();
        for &b in set {
            hits = _mm_or_si128(hits, _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)));
        }
        _mm_movemask_epi8(hits) as u16 as u64
    }
}

#[inline(always)]
fn classify(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: `chunk` is 16 readable bytes; the load is unaligned.
        let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
        let shift = 16 * i;
        m.quote |= any_of(v, b"\"") << shift;
        m.backslash |= any_of(v, b"\\") << shift;
        m.op |= any_of(v, b"{}[]:,") << shift;
        m.space |= any_of(v, b" \t\n\r") << shift;
    }
    m
}

fn build(data: &[u8]) -> Option<Vec<u32>> {
    build_with(data, classify)
}
