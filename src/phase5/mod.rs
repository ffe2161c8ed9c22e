//! Phase 5: simdjson-style two-stage parsing. Stage 1 (`stage1.rs`) indexes
//! every token of the document with SIMD, touching no Python object, so it
//! runs with the GIL released; stage 2 is phase3's parser passing over
//! whitespace by the index (`IndexGaps`) instead of scanning for it.
//!
//! On documents of the benchmark corpus's sizes the index costs more than it saves (the parser's time is object
//! creation, and phase4 already skips whitespace cheaply), so two stages run
//! only for documents from `RJSON_TWO_STAGE_MIN` bytes (default 4 MiB) on,
//! where letting other threads run while the bytes are validated and indexed
//! is worth it. Smaller documents take phase3/4's one-stage path.
//!
//! The parser's floats, ints and ASCII strs are made in place (`objects.rs`,
//! CPython 3.11's layouts, checked once against the C API's objects). Bytes
//! input below that size is not checked as UTF-8 before the parse: the
//! parser checks its non-ASCII strings (`parser_checks_utf8`).
//!
//! On the writing side, strings of 16+ bytes are copied a block at a time
//! (32 bytes with AVX2, else 16 inline), ASCII escapes written in place
//! (`write_str.rs`), the writer asks for each next item's object ahead of
//! its use (`prefetch`), and `dumps_bytes` and `dumps` write into the
//! object they return (`result_out.rs`). The parser's non-ASCII strs are
//! transcoded from UTF-8 without CPython's decoder (`utf8_str.rs`);
//! `dumps`' str result is written in its final kind (`str_result.rs`,
//! `wide_str.rs`), non-ASCII strs copied from their own units
//! (`str_units.rs`).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"

#[cfg(target_arch = "x86_64")]
mod avx2;
pub mod objects;
pub mod parsed_str;
pub mod result_memory;
pub mod result_out;
#[cfg(target_arch = "x86_64")]
mod sse2;
pub mod stage1;
pub mod stage1_choice;
pub mod str_result;
pub mod str_units;
pub mod utf8_str;
pub mod wide_str;
pub mod write_str;

use std::sync::OnceLock;

use pyo3::prelude::*;

use crate::api::build::Builder;
use crate::api::input::Input;
use crate::api::options::size_switch;
use crate::phase3::parser::{self, Gaps, Scan};

/// Asks for the cache line at `object` ahead of its use: the writer's next
/// list item or dict value, whose header (type, and a str's length and
/// first bytes) it reads next. A hint, which never faults (a NULL of a
/// deleted dict entry included); nothing on CPUs without one in Rust's
/// stable library.
#[inline(always)]
pub fn prefetch(object: *mut pyo3::ffi::PyObject) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and cannot fault.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(object.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = object;
}

/// Documents from this many bytes on are parsed in two stages.
fn two_stage_min() -> usize {
    static MIN: OnceLock<usize> = OnceLock::new();
    size_switch(&MIN, "RJSON_TWO_STAGE_MIN", 4 << 20)
}

pub fn decode<'py>(input: &Input<'_, 'py>, builder: &Builder<'py>) -> PyResult<Bound<'py, PyAny>> {
    let data: &[u8] = &input.data;
    // One parser instance for both paths (`index: None` scans): with two,
    // the compiler inlines less into each.
    let mut gaps = IndexGaps {
        index: None,
        next: 0,
    };
    if data.len() >= two_stage_min() && parser::parses(input) {
        // The input is immutable while the GIL is released: bytes and str
        // are, and a bytearray or memoryview was copied by `Input::new`.
        // Past 4 GiB there is no 32-bit index: one stage.
        gaps.index = builder.py().detach(|| stage1_choice::build(data));
    }
    parser::decode_with(input, builder, gaps)
}

/// `loads_lines`: phase3's run of lines, with this build's parser instance
/// (lines are far below two-stage sizes: no index).
pub fn decode_lines<'py>(
    input: &Input<'_, 'py>,
    builder: &Builder<'py>,
    lines: impl Iterator<Item = (usize, usize)>,
    values: &mut Vec<Bound<'py, PyAny>>,
) -> PyResult<()> {
    parser::decode_lines_with(input, builder, lines, values, || IndexGaps {
        index: None,
        next: 0,
    })
}

/// Whether the parser checks the UTF-8 of bytes input of `len` bytes as it
/// reads it (only its non-ASCII strings: the bytes outside strings are
/// ASCII or a syntax error), rather than `Input` all of it first. A large
/// input is checked first, with the GIL released.
pub fn parser_checks_utf8(len: usize) -> bool {
    len < two_stage_min()
}

/// Validates bytes input as UTF-8, with the GIL released for large inputs.
pub fn validate_utf8(py: Python<'_>, bytes: &[u8]) -> Result<(), usize> {
    if bytes.len() < two_stage_min() {
        return crate::phase4::kernels::validate_utf8(bytes);
    }
    py.detach(|| crate::phase4::kernels::validate_utf8(bytes))
}

/// Stage 2's view of the whitespace: the next token is the next index entry
/// (without an index, whitespace is scanned as in phase4).
struct IndexGaps {
    index: Option<Vec<u32>>,
    /// The first entry not yet passed.
    next: usize,
}

impl Gaps for IndexGaps {
    #[inline]
    fn skip(&mut self, data: &[u8], pos: usize) -> usize {
        let Some(index) = &self.index else {
            return Scan.skip(data, pos);
        };
        // Entries up to `pos` belong to tokens already read. The index ends
        // with the document's length, which no `pos` passes.
        while (index[self.next] as usize) < pos {
            self.next += 1;
        }
        index[self.next] as usize
    }

    /// Stage 1 records where a run of number or literal bytes starts, not
    /// where the parser stops reading it: `1x` has one entry. So the byte
    /// after a number or literal must begin a gap or a token of its own.
    #[inline]
    fn scalar_ends(&self, data: &[u8], pos: usize) -> bool {
        self.index.is_none()
            || matches!(
                data.get(pos),
                None | Some(
                    b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b'[' | b']' | b'{' | b'}' | b'"'
                )
            )
    }
}
