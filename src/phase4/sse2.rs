//! The kernels with SSE2 (part of x86-64): 16 bytes at a time, shorter runs
//! to the scalar kernels.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::arch::x86_64::*;

use super::kernel_set::{Kernels, SCALAR};

super::vector::vector_kernels! {
    feature: "sse2",
    isa: super::kernel_set::Isa::Sse2,
    width: 16,
    vector: __m128i,
    shorter: SCALAR,
    loadu: _mm_loadu_si128,
    storeu: _mm_storeu_si128,
    cmpeq: _mm_cmpeq_epi8,
    set1: _mm_set1_epi8,
    max: _mm_max_epu8,
    or: _mm_or_si128,
    movemask: _mm_movemask_epi8,
}
