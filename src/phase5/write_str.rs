//! Strings of 16 bytes and more written straight into the output's reserved
//! room a vector at a time: 32 bytes with AVX2 when the kernels chosen are
//! AVX2's (one call a string), else 16 with SSE2 or NEON (part of x86-64
//! and aarch64, so inline: no call, no feature check). Each block is stored
//! before its mask is looked at. An ASCII byte that needs an escape gets it
//! in place, 8 bytes stored from a table (`ASCII_ESCAPES`), and the blocks
//! go on after it, as orjson's writer does. The tail is one block ending at
//! the string's end while nothing was escaped; after an escape, 16-byte
//! blocks, then bytes one by one. A non-ASCII character to escape
//! (`ensure_ascii`) sends the rest out of line, to the shared escaping
//! writer. Shorter strings and `RJSON_KERNELS=scalar` take the phase3/4 writer.

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

use crate::engine::copy_run;
use crate::phase4::kernels;
use crate::text::escape::{stops_run, write_escaped_rest, write_json_string_with, ASCII_ESCAPES};
use crate::text::sink::Sink;

/// Appends `text` (UTF-8) as a JSON string literal, quotes included.
/// Inline: a string of up to two narrow blocks that needs no escape (most
/// of the strings the writers pass here) costs no call.
#[inline(always)]
pub fn write_string<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if (NARROW..=2 * NARROW).contains(&text.len())
        && kernels::chosen().simd()
        && write_two_blocks(text, ensure_ascii, out)
    {
        return;
    }
    write_longer(text, ensure_ascii, out);
}

/// `write_string` past its inline case.
#[inline(never)]
fn write_longer<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if text.len() >= NARROW {
        let width = kernels::chosen().width;
        #[cfg(target_arch = "x86_64")]
        if width == 32 && text.len() >= 32 {
            // SAFETY: the AVX2 kernels are chosen only on a CPU with AVX2.
            return unsafe { write_avx2(text, ensure_ascii, out) };
        }
        if width >= NARROW {
            return write_narrow(text, ensure_ascii, out);
        }
    }
    write_json_string_with(text, ensure_ascii, out, copy_run)
}

/// The width of the blocks every CPU of the two architectures has.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const NARROW: usize = 16;

/// A string of NARROW to 2 NARROW bytes that needs no escape, written
/// as two blocks that overlap (the first and the last NARROW bytes); false,
/// nothing written (bytes stored in the room only), when it needs one.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline(always)]
fn write_two_blocks<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) -> bool {
    let len = text.len();
    assert!((NARROW..=2 * NARROW).contains(&len));
    out.reserve(len + 2);
    let at = out.len();
    // SAFETY: room for len + 2 bytes is reserved at `at`: the quotes at 0
    // and len + 1, the blocks at 1 and 1 + len - NARROW, each NARROW bytes
    // inside the text (len >= NARROW) and inside the room.
    unsafe {
        let dst = out.as_mut_ptr().add(at);
        let src = text.as_ptr();
        let last = len - NARROW;
        let mask = copy_narrow(src, dst.add(1), ensure_ascii)
            | copy_narrow(src.add(last), dst.add(1 + last), ensure_ascii);
        if mask != 0 {
            return false;
        }
        dst.write(b'"');
        dst.add(1 + len).write(b'"');
        out.set_len(at + len + 2);
    }
    true
}

/// A literal being written: `w`, the next byte's offset in the sink's
/// buffer `base`, with room up to `end`. Room always holds the rest of the
/// text and the closing quote (`(w - at) + len + 1 <= end`, `at` the next
/// text byte), so a block of text stored at `w` fits; each escape checks
/// for its own 8 bytes and grows the room first if need be.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[derive(Clone, Copy)]
struct Literal {
    base: *mut u8,
    /// Where the text starts (after the opening quote): `w - at` while
    /// nothing is escaped.
    body: usize,
    w: usize,
    end: usize,
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl Literal {
    /// Reserves room for `len` bytes of text and the quotes, and writes the
    /// opening quote.
    #[inline(always)]
    fn open<S: Sink>(out: &mut S, len: usize) -> Self {
        out.reserve(len + 2);
        let start = out.len();
        let base = out.as_mut_ptr();
        // SAFETY: two bytes and more of room were reserved at `start`.
        unsafe { base.add(start).write(b'"') };
        Literal {
            base,
            body: start + 1,
            w: start + 1,
            end: start + len + 2,
        }
    }

    /// Where the next byte goes.
    #[inline(always)]
    fn dst(&self) -> *mut u8 {
        // SAFETY: `w` is inside the reserved room.
        unsafe { self.base.add(self.w) }
    }

    /// Writes the escape of `text[at]`, a byte below 0x60 that needs one in
    /// every mode, or returns false (nothing written) for any other byte
    /// (a non-ASCII character or DEL with `ensure_ascii`).
    #[inline(always)]
    fn escape<S: Sink>(&mut self, out: &mut S, text: &[u8], at: usize) -> bool {
        let byte = text[at];
        let Some(entry) = ASCII_ESCAPES.get(byte as usize) else {
            return false;
        };
        debug_assert!(entry[7] != 0, "byte {byte:#x} needs no escape");
        // The escape's 8 bytes stored whole, then the rest and the quote.
        if self.w + 8 + (text.len() - at) > self.end {
            *self = self.grown(out, text.len() - at + 8);
        }
        // SAFETY: room for 8 bytes at `w` is checked above.
        unsafe { self.dst().cast::<[u8; 8]>().write_unaligned(*entry) };
        self.w += usize::from(entry[7]);
        true
    }

    /// Room for `need` more bytes from `w`, and an eighth more, so that
    /// dense escapes do not come back here for each. Not more: a result
    /// sized by the previous one grows past its room, and a large grown
    /// block is freshly mapped (`result_out.rs`). Takes and gives the
    /// literal by value, which keeps it in registers in the loops.
    #[cold]
    #[inline(never)]
    fn grown<S: Sink>(self, out: &mut S, need: usize) -> Self {
        let room = need + need / 8 + 64;
        // SAFETY: the bytes up to `w` are written.
        unsafe { out.set_len(self.w) };
        out.reserve(room);
        Literal {
            base: out.as_mut_ptr(),
            end: self.w + room,
            ..self
        }
    }

    /// Blocks of `width` bytes from `at` while they fit, each copied by
    /// `copy` (which returns the mask of its bytes that need an escape),
    /// escapes written in place; where the blocks stopped, or `Err` at a
    /// byte that needs what `escape` does not write.
    ///
    /// # Safety
    /// `copy` reads `width` bytes at its source and stores them at its
    /// destination.
    #[inline(always)]
    unsafe fn blocks<S: Sink>(
        &mut self,
        out: &mut S,
        text: &[u8],
        mut at: usize,
        width: usize,
        copy: impl Fn(*const u8, *mut u8) -> u32,
    ) -> Result<usize, usize> {
        while at + width <= text.len() {
            // SAFETY: `width` bytes of the text at `at`, and room for the
            // rest of the text at `w`.
            let mask = copy(unsafe { text.as_ptr().add(at) }, self.dst());
            if mask == 0 {
                at += width;
                self.w += width;
                continue;
            }
            at = self.past_escape(out, text, at, mask)?;
        }
        Ok(at)
    }

    /// After a block stored from `at` whose `mask` is not 0: its bytes
    /// before the first escape counted, the escape written; where the
    /// text goes on, or `Err` at a byte that needs what `escape` does not
    /// write.
    #[inline(always)]
    fn past_escape<S: Sink>(
        &mut self,
        out: &mut S,
        text: &[u8],
        at: usize,
        mask: u32,
    ) -> Result<usize, usize> {
        let clean = mask.trailing_zeros() as usize;
        self.w += clean;
        let at = at + clean;
        if !self.escape(out, text, at) {
            return Err(at);
        }
        Ok(at + 1)
    }

    /// The text from `at` to its end, one byte at a time; `Err` at a byte
    /// that needs what `escape` does not write.
    #[inline(always)]
    fn bytes<S: Sink>(
        &mut self,
        out: &mut S,
        text: &[u8],
        mut at: usize,
        ensure_ascii: bool,
    ) -> Result<(), usize> {
        while at < text.len() {
            let byte = text[at];
            if !stops_run(byte, ensure_ascii) {
                // SAFETY: room for the rest of the text is kept at `w`.
                unsafe { self.dst().write(byte) };
                self.w += 1;
            } else if !self.escape(out, text, at) {
                return Err(at);
            }
            at += 1;
        }
        Ok(())
    }

    /// The closing quote.
    #[inline(always)]
    fn close<S: Sink>(self, out: &mut S) {
        // SAFETY: room for the quote is kept at `w`; every byte before it is written.
        unsafe {
            self.dst().write(b'"');
            out.set_len(self.w + 1);
        }
    }

    /// The rest of the literal from `at`, whose byte needs a non-ASCII
    /// escape: out of line, by the shared escaping writer.
    #[cold]
    #[inline(never)]
    fn rest<S: Sink>(self, out: &mut S, text: &[u8], at: usize, ensure_ascii: bool) {
        // SAFETY: the bytes up to `w` are written.
        unsafe { out.set_len(self.w) };
        write_escaped_rest(text, at, ensure_ascii, out, copy_run);
    }
}

/// Defines a writer of literals by blocks of `$width` bytes, copied by
/// `$copy_block`; the attributes say how it is compiled.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! block_writer {
    ($(#[$attr:meta])* $vis:vis unsafe fn $name:ident, $width:expr, $copy_block:path) => {
        /// # Safety
        /// `text.len() >= WIDTH`; the CPU has the block copy's instructions.
        $(#[$attr])*
        $vis unsafe fn $name<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
            const WIDTH: usize = $width;
            let len = text.len();
            debug_assert!(len >= WIDTH);
            let mut lit = Literal::open(out, len);
            // The text into the literal; `Err` where the rest goes out of line.
            let mut body = || -> Result<(), usize> {
                // SAFETY (the block copies): each reads WIDTH (or NARROW)
                // bytes of `text` (within it: the blocks where they fit, the
                // tail block ending at `len`) and stores them at the
                // literal's place for them, which `Literal` keeps inside the
                // room; bytes stored past an escape are overwritten, and
                // never counted as written. The caller's CPU has the copies'
                // instructions.
                unsafe {
                    let copy = |src, dst| $copy_block(src, dst, ensure_ascii);
                    let mut at = lit.blocks(out, text, 0, WIDTH, copy)?;
                    if at == len {
                        return Ok(());
                    }
                    // The tail, while nothing is escaped: the block ending at
                    // the end, stored where its text goes (over the same bytes).
                    if lit.w - at == lit.body {
                        let start = len - WIDTH;
                        let shift = at - start;
                        let mask = copy(text.as_ptr().add(start), lit.dst().sub(shift)) >> shift;
                        if mask == 0 {
                            lit.w += len - at;
                            return Ok(());
                        }
                        at = lit.past_escape(out, text, at, mask)?;
                    }
                    let narrow = |src, dst| copy_narrow(src, dst, ensure_ascii);
                    at = lit.blocks(out, text, at, NARROW, narrow)?;
                    lit.bytes(out, text, at, ensure_ascii)
                }
            };
            match body() {
                Ok(()) => lit.close(out),
                Err(at) => lit.rest(out, text, at, ensure_ascii),
            }
        }
    };
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
block_writer!(#[inline] unsafe fn write_narrow_unchecked, NARROW, copy_narrow);

/// `write_narrow_unchecked` for any string of NARROW bytes and more: SSE2
/// and NEON are part of their architectures.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[inline]
fn write_narrow<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    assert!(text.len() >= NARROW);
    // SAFETY: the length is checked; the instructions are the architecture's own.
    unsafe { write_narrow_unchecked(text, ensure_ascii, out) }
}

#[cfg(target_arch = "x86_64")]
block_writer!(#[target_feature(enable = "avx2")] unsafe fn write_avx2, 32, copy_avx2);

/// Copies 32 bytes from `src` to `dst` and returns the mask of those that
/// need an escape.
///
/// # Safety
/// 32 bytes readable at `src` and writable at `dst`; the CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn copy_avx2(src: *const u8, dst: *mut u8, ensure_ascii: bool) -> u32 {
    use std::arch::x86_64::{_mm256_loadu_si256, _mm256_storeu_si256};
    // SAFETY: the caller's 32 bytes at each end.
    unsafe {
        let block = _mm256_loadu_si256(src.cast());
        _mm256_storeu_si256(dst.cast(), block);
        crate::phase4::avx2::escapes(block, ensure_ascii)
    }
}

/// Copies 16 bytes from `src` to `dst` and returns the mask of those that
/// need an escape.
///
/// # Safety
/// 16 bytes readable at `src` and writable at `dst`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn copy_narrow(src: *const u8, dst: *mut u8, ensure_ascii: bool) -> u32 {
    use std::arch::x86_64::{_mm_loadu_si128, _mm_storeu_si128};
    // SAFETY: the caller's 16 bytes at each end; SSE2 is part of x86-64.
    unsafe {
        let block = _mm_loadu_si128(src.cast());
        _mm_storeu_si128(dst.cast(), block);
        crate::phase4::sse2::escapes(block, ensure_ascii)
    }
}

/// As the x86-64 one, with NEON.
///
/// # Safety
/// 16 bytes readable at `src` and writable at `dst`.
#[cfg(target_arch = "aarch64")]
#[inline(always)]
unsafe fn copy_narrow(src: *const u8, dst: *mut u8, ensure_ascii: bool) -> u32 {
    use std::arch::aarch64::{vld1q_u8, vst1q_u8};
    // SAFETY: the caller's 16 bytes at each end; NEON is part of aarch64.
    unsafe {
        let block = vld1q_u8(src);
        vst1q_u8(dst, block);
        crate::phase4::neon::escapes(block, ensure_ascii)
    }
}

#[cfg(test)]
mod tests {
    use super::write_string;
    use crate::text::escape::write_json_string;

    /// Every special byte at every place of strings around the block sizes,
    /// alone, in pairs, and packed (escapes that outgrow the room).
    fn samples() -> Vec<String> {
        let specials = ["\"", "\\", "\0", "\x1f", "\x7f", "\n", "z", "é", "😀"];
        let mut samples = Vec::new();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100] {
            for fill in ["a", "é"] {
                samples.push(fill.repeat(len));
                for pos in 0..len {
                    for special in specials {
                        let one = format!(
                            "{}{special}{}",
                            fill.repeat(pos),
                            fill.repeat(len - pos - 1)
                        );
                        samples.push(one.clone());
                        // A second escape at every later place.
                        for later in (pos + 1..len).step_by(3) {
                            let mut chars: Vec<String> = one.chars().map(String::from).collect();
                            if later < chars.len() {
                                chars[later] = "\n".into();
                            }
                            samples.push(chars.concat());
                        }
                    }
                }
            }
        }
        for dense in ["\n", "\"", "\x01", "é\n", "a\\b"] {
            for count in [1, 7, 16, 33, 200] {
                samples.push(dense.repeat(count));
                samples.push(format!("{}{}", "a".repeat(40), dense.repeat(count)));
            }
        }
        samples
    }

    /// Each writer this CPU can run, against the shared one.
    #[test]
    fn writes_what_the_shared_writer_writes() {
        type Writer = fn(&[u8], bool, &mut Vec<u8>);
        #[allow(unused_mut)]
        let mut writers: Vec<(&str, usize, Writer)> = vec![("chosen", 0, write_string)];
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        writers.push(("narrow", super::NARROW, super::write_narrow));
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2; the length is checked below.
            writers.push(("avx2", 32, |t, e, o| unsafe { super::write_avx2(t, e, o) }));
        }
        for text in samples() {
            for ensure_ascii in [false, true] {
                let mut slow = b"prefix".to_vec();
                write_json_string(text.as_bytes(), ensure_ascii, &mut slow);
                for &(name, min, writer) in &writers {
                    if text.len() < min {
                        continue;
                    }
                    let mut fast = b"prefix".to_vec();
                    writer(text.as_bytes(), ensure_ascii, &mut fast);
                    assert_eq!(fast, slow, "{name}: {text:?} ensure_ascii={ensure_ascii}");
                }
            }
        }
    }
}
