//! The vector kernels written once for any vector width: each instruction
//! set's module instantiates them with its own intrinsics (`sse2.rs`,
//! `avx2.rs`, `neon.rs`), so the algorithms cannot drift apart.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

/// Defines `KERNELS` and its functions for one instruction set.
macro_rules! vector_kernels {
    (
        feature: $feature:literal,
        isa: $isa:expr,
        width: $width:literal,
        vector: $vector:ty,
        shorter: $shorter:expr,
        loadu: $loadu:ident,
        storeu: $storeu:ident,
        cmpeq: $cmpeq:ident,
        set1: $set1:ident,
        max: $max:ident,
        or: $or:ident,
        movemask: $movemask:ident $(,)?
    ) => {
        pub const KERNELS: Kernels = Kernels {
            isa: $isa,
            width: $width,
            escape_run,
            copy_run,
            plain_run,
            space_run,
        };

        const WIDTH: usize = $width;

        /// Bytes of `block` that are `"`, `\\` or below 0x20, as a bit mask.
        #[inline]
        #[target_feature(enable = $feature)]
        fn stops(block: $vector) -> u32 {
            let quote = $cmpeq(block, $set1(b'"' as i8));
            let backslash = $cmpeq(block, $set1(b'\\' as i8));
            // Unsigned b <= 0x1F exactly when max(b, 0x1F) == 0x1F.
            let limit = $set1(0x1F);
            let control = $cmpeq($max(block, limit), limit);
            $movemask($or($or(quote, backslash), control)) as u32
        }

        #[inline]
        #[target_feature(enable = $feature)]
        fn load(text: &[u8], at: usize) -> $vector {
            assert!(at + WIDTH <= text.len());
            // SAFETY: the assertion keeps the unaligned load inside `text`.
            unsafe { $loadu(text.as_ptr().add(at).cast()) }
        }

        /// Bytes of `block` that need an escape when writing, as a bit mask.
        #[inline]
        #[target_feature(enable = $feature)]
        pub(crate) fn escapes(block: $vector, ensure_ascii: bool) -> u32 {
            let mut mask = stops(block);
            if ensure_ascii {
                let del = $cmpeq(block, $set1(0x7F));
                mask |= ($movemask(block) | $movemask(del)) as u32;
            }
            mask
        }

        /// # Safety
        /// `dst` has room for `text.len() - at` bytes (the `CopyRun` contract).
        unsafe fn copy_run(text: &[u8], at: usize, ensure_ascii: bool, dst: *mut u8) -> usize {
            // SAFETY: KERNELS is only offered when the CPU has the feature
            // (kernels::available); `dst` is the caller's.
            unsafe { copy_run_impl(text, at, ensure_ascii, dst) }
        }

        /// Copies block by block straight into `dst`, storing each whole block
        /// before looking at its mask (bytes past the stop land in room the
        /// caller does not count as written); the tail is one overlapping block.
        #[target_feature(enable = $feature)]
        unsafe fn copy_run_impl(
            text: &[u8],
            from: usize,
            ensure_ascii: bool,
            dst: *mut u8,
        ) -> usize {
            let len = text.len();
            if len - from < WIDTH {
                // SAFETY: the caller's room for len - from bytes.
                return unsafe { ($shorter.copy_run)(text, from, ensure_ascii, dst) };
            }
            let mut at = from;
            // SAFETY: `dst` has room for len - from bytes. Every store below
            // writes WIDTH bytes at offset (block start - from) with the block
            // inside text[from..len], so within that room.
            unsafe {
                while at + WIDTH <= len {
                    let block = load(text, at);
                    $storeu(dst.add(at - from).cast(), block);
                    let mask = escapes(block, ensure_ascii);
                    if mask != 0 {
                        return at + mask.trailing_zeros() as usize;
                    }
                    at += WIDTH;
                }
                if at < len {
                    // len - from >= WIDTH: the last block starts inside this run.
                    let start = len - WIDTH;
                    let block = load(text, start);
                    $storeu(dst.add(start - from).cast(), block);
                    let mask = escapes(block, ensure_ascii) >> (at - start);
                    if mask != 0 {
                        return at + mask.trailing_zeros() as usize;
                    }
                }
                len
            }
        }

        fn escape_run(text: &[u8], at: usize, ensure_ascii: bool) -> usize {
            // SAFETY: KERNELS is only offered when the CPU has the feature (kernels::available).
            unsafe { escape_run_impl(text, at, ensure_ascii) }
        }

        #[target_feature(enable = $feature)]
        fn escape_run_impl(text: &[u8], mut at: usize, ensure_ascii: bool) -> usize {
            while at + WIDTH <= text.len() {
                let mask = escapes(load(text, at), ensure_ascii);
                if mask != 0 {
                    return at + mask.trailing_zeros() as usize;
                }
                at += WIDTH;
            }
            if at == text.len() {
                return at;
            }
            if text.len() < WIDTH {
                return ($shorter.escape_run)(text, at, ensure_ascii);
            }
            // The tail: one overlapping block ending at the end, earlier bytes shifted out.
            let start = text.len() - WIDTH;
            let mask = escapes(load(text, start), ensure_ascii) >> (at - start);
            if mask != 0 {
                at + mask.trailing_zeros() as usize
            } else {
                text.len()
            }
        }

        fn space_run(text: &[u8], at: usize) -> usize {
            // SAFETY: as for escape_run.
            unsafe { space_run_impl(text, at) }
        }

        /// Whitespace runs (indentation) block by block; the tail byte by byte.
        #[target_feature(enable = $feature)]
        fn space_run_impl(text: &[u8], mut at: usize) -> usize {
            while at + WIDTH <= text.len() {
                let block = load(text, at);
                let space = $or(
                    $or(
                        $cmpeq(block, $set1(b' ' as i8)),
                        $cmpeq(block, $set1(b'\n' as i8)),
                    ),
                    $or(
                        $cmpeq(block, $set1(b'\t' as i8)),
                        $cmpeq(block, $set1(b'\r' as i8)),
                    ),
                );
                let other = !($movemask(space) as u32) & ((1u64 << WIDTH) - 1) as u32;
                if other != 0 {
                    return at + other.trailing_zeros() as usize;
                }
                at += WIDTH;
            }
            crate::text::scan::space_run(text, at)
        }

        fn plain_run(text: &[u8], at: usize) -> (usize, bool) {
            // SAFETY: as for escape_run.
            unsafe { plain_run_impl(text, at) }
        }

        #[target_feature(enable = $feature)]
        fn plain_run_impl(text: &[u8], mut at: usize) -> (usize, bool) {
            let mut high = 0u32;
            while at + WIDTH <= text.len() {
                let block = load(text, at);
                let mask = stops(block);
                let non_ascii = $movemask(block) as u32;
                if mask != 0 {
                    let clean = mask.trailing_zeros();
                    high |= non_ascii & ((1u64 << clean) - 1) as u32;
                    return (at + clean as usize, high == 0);
                }
                high |= non_ascii;
                at += WIDTH;
            }
            if at == text.len() {
                return (at, high == 0);
            }
            if text.len() < WIDTH {
                let (end, ascii) = ($shorter.plain_run)(text, at);
                return (end, ascii && high == 0);
            }
            // The tail: one overlapping block ending at the end, earlier bytes shifted out.
            let start = text.len() - WIDTH;
            let block = load(text, start);
            let mask = stops(block) >> (at - start);
            let non_ascii = $movemask(block) as u32 >> (at - start);
            let clean = if mask != 0 {
                mask.trailing_zeros()
            } else {
                (text.len() - at) as u32
            };
            high |= non_ascii & ((1u64 << clean) - 1) as u32;
            (at + clean as usize, high == 0)
        }
    };
}

pub(crate) use vector_kernels;
