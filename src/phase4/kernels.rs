//! The kernel interface and its run-time dispatch.
//!
//! Each implementation provides the same two scans (see `Kernels`); the best
//! one the CPU supports is chosen on first use. `RJSON_KERNELS=scalar|sse2|avx2|neon`
//! forces one (for tests and measurements); an unsupported choice falls back
//! to the best available.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use std::sync::OnceLock;

pub use super::kernel_set::{Isa, Kernels, SCALAR};
use crate::text::scan;

/// Every implementation this CPU can run, best last.
pub fn available() -> Vec<Kernels> {
    #[allow(unused_mut)]
    let mut found = vec![SCALAR];
    #[cfg(target_arch = "x86_64")]
    {
        found.push(super::sse2::KERNELS); // part of x86-64
        if std::is_x86_feature_detected!("avx2") {
            found.push(super::avx2::KERNELS);
        }
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("neon") {
        found.push(super::neon::KERNELS);
    }
    found
}

static CHOSEN: OnceLock<Kernels> = OnceLock::new();

#[inline]
pub fn chosen() -> &'static Kernels {
    CHOSEN.get_or_init(|| {
        let all = available();
        let forced = std::env::var("RJSON_KERNELS").ok();
        let best = *all.last().expect("scalar is always there");
        forced
            .and_then(|name| Isa::named(&name))
            .and_then(|isa| all.iter().copied().find(|k| k.isa == isa))
            .unwrap_or(best)
    })
}

/// # Safety
/// `dst` has room for `text.len() - at` bytes (the `CopyRun` contract).
#[inline]
pub unsafe fn copy_run(text: &[u8], at: usize, ensure_ascii: bool, dst: *mut u8) -> usize {
    // SAFETY: the caller's contract.
    unsafe { (chosen().copy_run)(text, at, ensure_ascii, dst) }
}

#[inline]
pub fn plain_run(text: &[u8], at: usize) -> (usize, bool) {
    (chosen().plain_run)(text, at)
}

#[inline]
pub fn space_run(text: &[u8], at: usize) -> usize {
    (chosen().space_run)(text, at)
}

/// Digits 8 at a time (SWAR: plain 64-bit arithmetic, no instruction set
/// to choose): an int, or the integer part of a float, most often short.
pub use scan::digit_run_swar as digit_run;

/// A fraction's digits, most often long: 16 at a time with SSE2 on x86-64
/// (inlined: no kernel to choose, but `RJSON_KERNELS=scalar` still means
/// scalar), 8 at a time by SWAR elsewhere. On short runs (ints) SSE2 puts
/// more latency on the position's chain than SWAR's arithmetic.
#[inline(always)]
pub fn fraction_digit_run(text: &[u8], at: usize, acc: u64) -> (usize, u64) {
    #[cfg(target_arch = "x86_64")]
    if chosen().simd() {
        return super::digits::digit_run_sse2(text, at, acc);
    }
    scan::digit_run_swar(text, at, acc)
}

/// Validates UTF-8 with simdutf8; the error's offset comes from the standard
/// library's validator on the (cold) failure path.
pub fn validate_utf8(bytes: &[u8]) -> Result<(), usize> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(_) => Ok(()),
        Err(_) => Err(std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::escape;

    fn samples() -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        // Every interesting byte at every offset across 16/32/64-byte blocks,
        // in ASCII and non-ASCII surroundings.
        for len in [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100] {
            for fill in [b'a', 0xC3, b' '] {
                out.push(vec![fill; len]);
                for pos in 0..len {
                    for special in [
                        b'"', b'\\', 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFF, b'\t', b'\n', b'\r', b'a',
                    ] {
                        let mut text = vec![fill; len];
                        text[pos] = special;
                        out.push(text);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_implementation_agrees_with_scalar() {
        let impls = available();
        assert!(!impls.is_empty());
        for text in samples() {
            for start in [0, 1, 5, 17] {
                if start > text.len() {
                    continue;
                }
                for k in &impls {
                    for ensure_ascii in [false, true] {
                        assert_eq!(
                            (k.escape_run)(&text, start, ensure_ascii),
                            (SCALAR.escape_run)(&text, start, ensure_ascii),
                            "{} escape_run {text:?} from {start} ensure_ascii={ensure_ascii}",
                            k.isa.name()
                        );
                    }
                    assert_eq!(
                        (k.space_run)(&text, start),
                        (SCALAR.space_run)(&text, start),
                        "{} space_run {text:?} from {start}",
                        k.isa.name()
                    );
                    assert_eq!(
                        (k.plain_run)(&text, start),
                        (SCALAR.plain_run)(&text, start),
                        "{} plain_run {text:?} from {start}",
                        k.isa.name()
                    );
                    for ensure_ascii in [false, true] {
                        // After some earlier output, as in a real document.
                        let (mut fast, mut slow) = (b"prefix".to_vec(), b"prefix".to_vec());
                        let run = |copy: escape::CopyRun, out: &mut Vec<u8>| {
                            out.reserve(text.len() - start);
                            let len = out.len();
                            // SAFETY: room for the rest of `text` was reserved at `len`.
                            unsafe {
                                let end =
                                    copy(&text, start, ensure_ascii, out.as_mut_ptr().add(len));
                                out.set_len(len + end - start);
                                end
                            }
                        };
                        let fast_end = run(k.copy_run, &mut fast);
                        let slow_end = run(SCALAR.copy_run, &mut slow);
                        assert_eq!(
                            (fast_end, &fast),
                            (slow_end, &slow),
                            "{} copy_run {text:?} from {start}",
                            k.isa.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_vector_kernels_of_this_cpu_are_offered() {
        let names: Vec<_> = available().iter().map(|k| k.isa.name()).collect();
        #[cfg(target_arch = "x86_64")]
        assert!(names.contains(&"sse2"), "{names:?}");
        #[cfg(target_arch = "aarch64")]
        assert!(names.contains(&"neon"), "{names:?}");
    }

    #[test]
    fn utf8_validation_reports_the_first_bad_byte() {
        assert_eq!(validate_utf8("héllo 😀".as_bytes()), Ok(()));
        for at in 0..70 {
            let mut text = vec![b'x'; 70];
            text[at] = 0xFF;
            assert_eq!(validate_utf8(&text), Err(at));
        }
    }
}
