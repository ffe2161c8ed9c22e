//! Phase 4: basic SIMD. One small kernel interface used by the phase3 parser
//! and writer, with a scalar implementation that always compiles and vector
//! ones chosen once per process by CPU-feature detection.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod digits;
pub mod kernel_set;
pub mod kernels;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;
#[cfg(target_arch = "x86_64")]
pub(crate) mod sse2;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod vector;
