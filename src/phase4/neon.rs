//! The kernels with NEON (part of aarch64): 16 bytes at a time, shorter runs
//! to the scalar kernels. NEON has no byte movemask; `movemask` builds one.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::arch::aarch64::*;

use super::kernel_set::{Kernels, SCALAR};

#[inline]
#[target_feature(enable = "neon")]
fn set1(byte: i8) -> uint8x16_t {
    vdupq_n_u8(byte as u8)
}

/// Bit i = the top bit of byte i, as x86's `pmovmskb`.
#[inline]
#[target_feature(enable = "neon")]
fn movemask(block: uint8x16_t) -> u32 {
    const WEIGHTS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];
    // 0xFF where the top bit is set, then one weight per byte, summed per half.
    let set = vreinterpretq_u8_s8(vshrq_n_s8::<7>(vreinterpretq_s8_u8(block)));
    // SAFETY: WEIGHTS is 16 bytes.
    let bits = vandq_u8(set, unsafe { vld1q_u8(WEIGHTS.as_ptr()) });
    vaddv_u8(vget_low_u8(bits)) as u32 | (vaddv_u8(vget_high_u8(bits)) as u32) << 8
}

super::vector::vector_kernels! {
    feature: "neon",
    isa: super::kernel_set::Isa::Neon,
    width: 16,
    vector: uint8x16_t,
    shorter: SCALAR,
    loadu: vld1q_u8,
    storeu: vst1q_u8,
    cmpeq: vceqq_u8,
    set1: set1,
    max: vmaxq_u8,
    or: vorrq_u8,
    movemask: movemask,
}
