//! What a set of kernels is: its instruction set (`Isa`), its width and
//! its scans; the scalar set. Each vector set (`sse2.rs`, `avx2.rs`,
//! `neon.rs`) is one of these; `kernels.rs` chooses among them.

use crate::text::{escape, scan};

/// An instruction set the kernels are written for: what `RJSON_KERNELS`
/// names and what every vector routine beyond these kernels (phase5's
/// string writers and stage 1) follows, compared as a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    Scalar,
    Sse2,
    Avx2,
    Neon,
}

impl Isa {
    /// Its name, as `RJSON_KERNELS` and `rjson._rjson._kernels()` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Scalar => "scalar",
            Isa::Sse2 => "sse2",
            Isa::Avx2 => "avx2",
            Isa::Neon => "neon",
        }
    }

    /// The instruction set named `name`, if any.
    pub fn named(name: &str) -> Option<Isa> {
        [Isa::Scalar, Isa::Sse2, Isa::Avx2, Isa::Neon]
            .into_iter()
            .find(|isa| isa.name() == name)
    }
}

#[derive(Clone, Copy)]
pub struct Kernels {
    pub isa: Isa,
    /// The bytes the kernels take at a time: their vectors' width, 1 for
    /// the scalar ones (phase5's string writer follows the choice).
    pub width: usize,
    /// From `at`: the first byte that may need an escape when writing.
    pub escape_run: fn(&[u8], usize, bool) -> usize,
    /// From `at`: copies into the output up to the first byte that needs an
    /// escape when writing, and returns its position.
    pub copy_run: escape::CopyRun,
    /// From `at`: the end of a string's plain bytes, and whether they are ASCII.
    pub plain_run: fn(&[u8], usize) -> (usize, bool),
    /// From `at`: the end of a run of whitespace.
    pub space_run: fn(&[u8], usize) -> usize,
}

pub const SCALAR: Kernels = Kernels {
    isa: Isa::Scalar,
    width: 1,
    escape_run: escape::escape_run,
    copy_run: escape::copy_run,
    plain_run: scan::plain_run,
    space_run: scan::space_run,
};

impl Kernels {
    /// Whether these are vector kernels.
    #[inline(always)]
    pub fn simd(&self) -> bool {
        self.width > 1
    }
}
