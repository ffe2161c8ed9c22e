//! The kernels with AVX2: 32 bytes at a time, shorter runs to SSE2.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::arch::x86_64::*;

use super::kernel_set::Kernels;

super::vector::vector_kernels! {
    feature: "avx2",
    isa: super::kernel_set::Isa::Avx2,
    width: 32,
    vector: __m256i,
    shorter: super::sse2::KERNELS,
    loadu: _mm256_loadu_si256,
    storeu: _mm256_storeu_si256,
    cmpeq: _mm256_cmpeq_epi8,
    set1: _mm256_set1_epi8,
    max: _mm256_max_epu8,
    or: _mm256_or_si256,
    movemask: _mm256_movemask_epi8,
}
