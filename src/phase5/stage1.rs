//! Stage 1: the structural index of a whole document, 64 bytes at a time.
//!
//! A classifier (scalar table, SSE2 or AVX2) turns each 64-byte block into
//! bit masks of quotes, backslashes, operators (`{}[]:,`) and whitespace; the
//! bit arithmetic below, shared by every classifier, finds the escaped bytes
//! (odd backslash runs, branch-free), the bytes inside strings (prefix XOR of
//! the unescaped quotes) and from those the start of every token outside a
//! string: each operator, each opening quote and the first byte of each run of
//! other bytes (a number, a literal or garbage). The index is those positions
//! in order, then the document's length as a sentinel.
//!
//! Stage 1 reads nothing but the bytes (no Python object), so it may run with
//! the GIL released. It never decides validity: stage 2 parses each token at
//! its position and gives up on anything it does not accept.

use crate::api::memory;
use crate::phase4::kernels::Isa;

/// One 64-byte block's byte classes, bit i for byte i.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Masks {
    pub quote: u64,
    pub backslash: u64,
    /// `{`, `}`, `[`, `]`, `:`, `,`.
    pub op: u64,
    /// Space, tab, newline, carriage return.
    pub space: u64,
}

/// Classifies one 64-byte block.
pub type Classify = fn(&[u8; 64]) -> Masks;

/// What a block hands to the next.
#[derive(Default)]
struct Carry {
    /// Whether the first byte of the next block is escaped (odd backslash run across the boundary).
    escaped: u64,
    /// All ones when the next block starts inside a string.
    in_string: u64,
    /// 1 when the last byte was part of a run of scalar (non-operator, non-space, non-quote) bytes.
    scalar: u64,
}

const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// The bytes escaped by a backslash: the byte after each odd-length run.
#[inline(always)]
fn escaped_bytes(backslash: u64, carry: &mut u64) -> u64 {
    // A backslash that is itself escaped starts no run.
    let backslash = backslash & !*carry;
    let follows_backslash = (backslash << 1) | *carry;
    // Runs starting on odd bits: adding the run to its start carries past its
    // end, which turns the run's parity into the bit position it ends on.
    let odd_starts = backslash & !EVEN_BITS & !follows_backslash;
    let (even_start_ends, overflow) = odd_starts.overflowing_add(backslash);
    *carry = overflow as u64;
    let flip = even_start_ends << 1;
    (EVEN_BITS ^ flip) & follows_backslash
}

/// Bit i = XOR of bits 0..=i: set from an opening quote up to (not
/// including) its closing quote.
#[inline(always)]
fn prefix_xor(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

/// The token starts of one classified block.
#[inline(always)]
fn token_starts(m: Masks, carry: &mut Carry) -> u64 {
    let escaped = escaped_bytes(m.backslash, &mut carry.escaped);
    let quote = m.quote & !escaped;
    let in_string = prefix_xor(quote) ^ carry.in_string;
    carry.in_string = ((in_string as i64) >> 63) as u64;
    let opening = quote & in_string;
    // Outside strings: neither inside one nor its closing quote.
    let outside = !(in_string | quote);
    let scalar = outside & !(m.op | m.space);
    let scalar_starts = scalar & !((scalar << 1) | carry.scalar);
    carry.scalar = scalar >> 63;
    (m.op & outside) | opening | scalar_starts
}

/// Appends the positions of `bits` (offset by `base`) to `index`.
#[inline(always)]
fn flatten(mut bits: u64, base: u32, index: &mut Vec<u32>) {
    memory::reserve(index, 64);
    while bits != 0 {
        index.push(base + bits.trailing_zeros());
        bits &= bits - 1;
    }
}

/// The index of `data` with `classify`; `None` when `data` is too long for
/// 32-bit positions.
#[inline(always)]
pub fn build_with(data: &[u8], classify: impl Fn(&[u8; 64]) -> Masks) -> Option<Vec<u32>> {
    let len = u32::try_from(data.len()).ok().filter(|&n| n < u32::MAX)?;
    let mut index = memory::vec_with_room(data.len() / 6 + 64);
    let mut carry = Carry::default();
    let mut blocks = data.chunks_exact(64);
    let mut base = 0u32;
    for block in &mut blocks {
        let block: &[u8; 64] = block.try_into().expect("64 bytes");
        flatten(token_starts(classify(block), &mut carry), base, &mut index);
        base += 64;
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // Padding, not reading past the end: the tail is copied into a block
        // of spaces (which start no token).
        let mut padded = [b' '; 64];
        padded[..rest.len()].copy_from_slice(rest);
        flatten(
            token_starts(classify(&padded), &mut carry),
            base,
            &mut index,
        );
    }
    memory::reserve(&mut index, 1);
    index.push(len);
    Some(index)
}

/// Byte classes for the scalar classifier: bit 0 quote, 1 backslash, 2 operator, 3 space.
const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'"' as usize] = 1;
    table[b'\\' as usize] = 2;
    let ops = b"{}[]:,";
    let mut i = 0;
    while i < ops.len() {
        table[ops[i] as usize] = 4;
        i += 1;
    }
    table[b' ' as usize] = 8;
    table[b'\t' as usize] = 8;
    table[b'\n' as usize] = 8;
    table[b'\r' as usize] = 8;
    table
};

/// The classifier that runs everywhere: one table lookup per byte.
pub fn classify_scalar(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (i, &b) in block.iter().enumerate() {
        let class = CLASSES[b as usize] as u64;
        m.quote |= (class & 1) << i;
        m.backslash |= ((class >> 1) & 1) << i;
        m.op |= ((class >> 2) & 1) << i;
        m.space |= ((class >> 3) & 1) << i;
    }
    m
}

fn build_scalar(data: &[u8]) -> Option<Vec<u32>> {
    build_with(data, classify_scalar)
}

/// One stage-1 implementation.
#[derive(Clone, Copy)]
pub struct Stage1 {
    pub isa: Isa,
    pub classify: Classify,
    pub build: fn(&[u8]) -> Option<Vec<u32>>,
}

pub const SCALAR: Stage1 = Stage1 {
    isa: Isa::Scalar,
    classify: classify_scalar,
    build: build_scalar,
};
