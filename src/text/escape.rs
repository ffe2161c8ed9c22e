//! JSON string escaping shared by every writer, with the standard library's
//! choices: the two-character escapes `\" \\ \n \r \t \b \f`, `\u00XX` (lower-case
//! hex) for other control characters, and with `ensure_ascii` every character
//! outside `' '..='~'` as `\uXXXX` (a surrogate pair above U+FFFF).

#![allow(unsafe_code)] // named in ARCHITECTURE.md, "Unsafe code"
use super::sink::Sink;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `\uXXXX` for one UTF-16 code unit.
pub const fn u_escape(unit: u32) -> [u8; 6] {
    [
        b'\\',
        b'u',
        HEX[(unit >> 12 & 0xF) as usize],
        HEX[(unit >> 8 & 0xF) as usize],
        HEX[(unit >> 4 & 0xF) as usize],
        HEX[(unit & 0xF) as usize],
    ]
}

/// Appends `\uXXXX` for one UTF-16 code unit.
pub fn write_u_escape<S: Sink>(unit: u32, out: &mut S) {
    out.extend_from_slice(&u_escape(unit));
}

/// A code point as UTF-16: itself below U+10000, else a surrogate pair.
pub fn utf16_units(code: u32) -> (u32, Option<u32>) {
    if code >= 0x1_0000 {
        let v = code - 0x1_0000;
        (0xD800 | (v >> 10), Some(0xDC00 | (v & 0x3FF)))
    } else {
        (code, None)
    }
}

/// Appends a code point as `\uXXXX`, or as a surrogate pair above U+FFFF.
pub fn write_code_point_escape<S: Sink>(code: u32, out: &mut S) {
    let (first, second) = utf16_units(code);
    write_u_escape(first, out);
    if let Some(second) = second {
        write_u_escape(second, out);
    }
}

/// The two-character escape of an ASCII byte that needs one, if it has one.
pub const fn short_escape(byte: u8) -> Option<u8> {
    match byte {
        b'"' => Some(b'"'),
        b'\\' => Some(b'\\'),
        b'\n' => Some(b'n'),
        b'\r' => Some(b'r'),
        b'\t' => Some(b't'),
        0x08 => Some(b'b'),
        0x0C => Some(b'f'),
        _ => None,
    }
}

/// The escape of every byte below 0x60 that needs one in every mode (control
/// characters, `"` and `\\`), as 8 bytes to store whole: the escape, then
/// its length in the last byte. For writers that keep their place in raw
/// pointers (phase5's string writer); 0 for bytes that need none.
pub static ASCII_ESCAPES: [[u8; 8]; 0x60] = {
    let mut table = [[0u8; 8]; 0x60];
    let mut byte = 0;
    while byte < 0x60 {
        let entry = &mut table[byte];
        if let Some(short) = short_escape(byte as u8) {
            *entry = [b'\\', short, 0, 0, 0, 0, 0, 2];
        } else if byte < 0x20 {
            let [a, b, c, d, e, f] = u_escape(byte as u32);
            *entry = [a, b, c, d, e, f, 0, 6];
        }
        byte += 1;
    }
    table
};

/// Whether `byte` ends a run of text copied as it is (the scalar kernels'
/// test, byte by byte): it needs an escape, or may start a character that
/// does (non-ASCII and DEL, with `ensure_ascii`).
#[inline(always)]
pub fn stops_run(byte: u8, ensure_ascii: bool) -> bool {
    let class = ESCAPE_CLASS[byte as usize];
    class != 0 && class <= if ensure_ascii { 2 } else { 1 }
}

/// Appends the escaped form of one code point (any value, lone surrogates included).
pub fn write_escaped_code_point<S: Sink>(code: u32, ensure_ascii: bool, out: &mut S) {
    if code < 0x80 {
        let byte = code as u8;
        if let Some(short) = short_escape(byte) {
            out.extend_from_slice(&[b'\\', short]);
        } else if byte < 0x20 || (ensure_ascii && byte == 0x7F) {
            write_u_escape(code, out);
        } else {
            out.push(byte);
        }
    } else if ensure_ascii || (0xD800..0xE000).contains(&code) {
        // Lone surrogates cannot be written as UTF-8, so they are always escaped.
        write_code_point_escape(code, out);
    } else {
        let mut buf = [0u8; 4];
        let ch = char::from_u32(code).expect("not a surrogate");
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
}

/// Appends a string body with every non-ASCII character (and DEL) escaped, for
/// text that already has quotes, backslashes and control characters escaped.
pub fn write_non_ascii_escaped<S: Sink>(text: &str, out: &mut S) {
    let mut start = 0;
    for (at, ch) in text.char_indices() {
        if ch < '\x7F' {
            continue;
        }
        out.extend_from_slice(&text.as_bytes()[start..at]);
        write_code_point_escape(ch as u32, out);
        start = at + ch.len_utf8();
    }
    out.extend_from_slice(&text.as_bytes()[start..]);
}

/// Bytes that end a run of text copied as it is: 1 = needs an escape in
/// every mode, 2 = non-ASCII or DEL (escaped only with `ensure_ascii`).
static ESCAPE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = if i < 0x20 || i == b'"' as usize || i == b'\\' as usize {
            1
        } else if i >= 0x7F {
            2
        } else {
            0
        };
        i += 1;
    }
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` (little-endian) that may need an escape, as their
/// high bits (SWAR: a zero byte of `x` sets its high bit in `(x - ONES) & !x`).
/// The lowest flagged byte is exact; bytes above it may be flagged falsely.
#[inline]
pub fn escape_mask(word: u64, ensure_ascii: bool) -> u64 {
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let mut flags =
        control | zero_byte(word ^ (ONES * b'"' as u64)) | zero_byte(word ^ (ONES * b'\\' as u64));
    if ensure_ascii {
        flags |= word | zero_byte(word ^ (ONES * 0x7F));
    }
    flags & HIGHS
}

/// `escape_mask` for a word of 7-bit bytes (an ASCII str's data, or zeros),
/// in fewer steps and exact: a 7-bit byte plus 0x60 reaches the high bit
/// unless it is a control byte, and `b ^ c` plus 0x7F unless `b == c`,
/// without carrying into the next byte.
#[inline]
pub fn ascii_escape_mask(word: u64, ensure_ascii: bool) -> u64 {
    debug_assert_eq!(word & HIGHS, 0);
    let differs = |c: u8| (word ^ (ONES * u64::from(c))).wrapping_add(ONES * 0x7F);
    let mut plain = word.wrapping_add(ONES * 0x60) & differs(b'"') & differs(b'\\');
    if ensure_ascii {
        plain &= differs(0x7F);
    }
    !plain & HIGHS
}

/// From `at`, the first byte that may need an escape (or `text.len()`),
/// found 8 bytes at a time: the scalar kernel.
#[inline]
pub fn escape_run(text: &[u8], mut at: usize, ensure_ascii: bool) -> usize {
    while let Some(chunk) = text.get(at..at + 8) {
        let mask = escape_mask(
            u64::from_le_bytes(chunk.try_into().expect("8 bytes")),
            ensure_ascii,
        );
        if mask != 0 {
            return at + (mask.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = text.get(at) {
        if stops_run(byte, ensure_ascii) {
            break;
        }
        at += 1;
    }
    at
}

/// Copies `text[at..]` to `dst` up to the first byte that needs an escape
/// and returns that byte's position (`text.len()` if none): the scalar kernel.
///
/// # Safety
/// `dst` has room for `text.len() - at` bytes.
#[inline]
pub unsafe fn copy_run(text: &[u8], at: usize, ensure_ascii: bool, dst: *mut u8) -> usize {
    let end = escape_run(text, at, ensure_ascii);
    // SAFETY: end - at <= text.len() - at bytes, within the caller's room;
    // `text` is not the output.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr().add(at), dst, end - at) };
    end
}

/// The signature of a `copy_run` kernel (same safety contract).
pub type CopyRun = unsafe fn(&[u8], usize, bool, *mut u8) -> usize;

/// Appends a JSON string literal, quotes included, for UTF-8 `text`, with
/// the standard library's escapes; runs that need none are copied whole.
pub fn write_json_string<S: Sink>(text: &[u8], ensure_ascii: bool, out: &mut S) {
    write_json_string_with(text, ensure_ascii, out, copy_run);
}

/// `write_json_string` with the run copier `copy_run` (a vector kernel).
#[inline]
pub fn write_json_string_with<S: Sink>(
    text: &[u8],
    ensure_ascii: bool,
    out: &mut S,
    copy_run: CopyRun,
) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    write_escaped_rest(text, 0, ensure_ascii, out, copy_run);
}

/// Appends `text[at..]` escaped, and the closing quote: the rest of a
/// string literal whose opening quote and first `at` bytes are written.
#[inline]
pub fn write_escaped_rest<S: Sink>(
    text: &[u8],
    mut at: usize,
    ensure_ascii: bool,
    out: &mut S,
    copy_run: CopyRun,
) {
    // Short strings (most keys) through the inline scalar scan: a vector
    // kernel's call costs more than it saves on them.
    let copy_run = if text.len() - at < 16 {
        self::copy_run
    } else {
        copy_run
    };
    loop {
        out.reserve(text.len() - at);
        let len = out.len();
        // SAFETY: room for the rest of `text` is reserved at `len`; the run
        // copied there is at most that long, and `set_len` covers only it.
        unsafe {
            let end = copy_run(text, at, ensure_ascii, out.as_mut_ptr().add(len));
            out.set_len(len + end - at);
            at = end;
        }
        let Some(&byte) = text.get(at) else { break };
        debug_assert!(ESCAPE_CLASS[byte as usize] != 0);
        if byte < 0x80 {
            write_escaped_code_point(u32::from(byte), ensure_ascii, out);
            at += 1;
        } else if ensure_ascii {
            at = write_non_ascii_escapes(text, at, out);
        } else {
            let (code, len) = decode_wtf8(&text[at..]);
            write_escaped_code_point(code, ensure_ascii, out);
            at += len;
        }
    }
    out.push(b'"');
}

/// With `ensure_ascii`: the run of non-ASCII characters that starts at
/// `text[at]`, as `\uXXXX` escapes (a surrogate pair above U+FFFF), in one
/// reservation and one loop (text in other scripts is mostly such runs);
/// returns where the run ends. Out of line: only `ensure_ascii` takes it.
#[inline(never)]
fn write_non_ascii_escapes<S: Sink>(text: &[u8], mut at: usize, out: &mut S) -> usize {
    let end = text[at..]
        .iter()
        .position(|&b| b < 0x80)
        .map_or(text.len(), |n| at + n);
    // Escapes take 6 bytes for a character of 2 or 3 bytes, 12 for one of 4.
    out.reserve(3 * (end - at));
    let mut len = out.len();
    let dst = out.as_mut_ptr();
    while at < end {
        let (code, n) = decode_wtf8(&text[at..]);
        at += n;
        let (first, second) = utf16_units(code);
        // SAFETY: `reserve` left 3 bytes of room for each byte of the run,
        // and each character's escapes take at most 3 bytes per byte of it.
        unsafe {
            std::ptr::copy_nonoverlapping(u_escape(first).as_ptr(), dst.add(len), 6);
            len += 6;
            if let Some(second) = second {
                std::ptr::copy_nonoverlapping(u_escape(second).as_ptr(), dst.add(len), 6);
                len += 6;
            }
        }
    }
    // SAFETY: every byte up to `len` was written above.
    unsafe { out.set_len(len) };
    at
}

/// Decodes one code point of WTF-8 (UTF-8 that may hold encoded surrogates,
/// as Python's "surrogatepass" produces). Returns the code point and its length.
pub fn decode_wtf8(bytes: &[u8]) -> (u32, usize) {
    let lead = bytes[0];
    let cont = |i: usize| u32::from(bytes[i] & 0x3F);
    match lead {
        0x00..=0x7F => (u32::from(lead), 1),
        0xC0..=0xDF => ((u32::from(lead & 0x1F) << 6) | cont(1), 2),
        0xE0..=0xEF => ((u32::from(lead & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3),
        _ => (
            (u32::from(lead & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        ),
    }
}

/// Appends a whole JSON string literal, quotes included, for WTF-8 text.
pub fn write_wtf8_string<S: Sink>(bytes: &[u8], ensure_ascii: bool, out: &mut S) {
    out.push(b'"');
    let mut at = 0;
    while at < bytes.len() {
        let (code, len) = decode_wtf8(&bytes[at..]);
        write_escaped_code_point(code, ensure_ascii, out);
        at += len;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_runs_escape_as_each_character_alone() {
        // Runs of 2-, 3- and 4-byte characters and WTF-8 surrogates, between
        // ASCII and escapes, at the start, the end and alone.
        let pieces: [&[u8]; 9] = [
            b"a",
            "é".as_bytes(),
            "日本".as_bytes(),
            "😀".as_bytes(),
            b"\xed\xa0\x80",
            b"\"",
            b"\n",
            "\u{7f}".as_bytes(),
            "\u{10ffff}\u{ffff}".as_bytes(),
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = [a, b, c].concat();
                    let mut fast = Vec::new();
                    write_json_string(&text, true, &mut fast);
                    let mut slow = vec![b'"'];
                    let mut at = 0;
                    while at < text.len() {
                        let (code, len) = decode_wtf8(&text[at..]);
                        write_escaped_code_point(code, true, &mut slow);
                        at += len;
                    }
                    slow.push(b'"');
                    assert_eq!(fast, slow, "{text:?}");
                    assert!(fast.is_ascii());
                }
            }
        }
    }

    fn literal(text: &str, ensure_ascii: bool) -> String {
        let mut out = Vec::new();
        write_wtf8_string(text.as_bytes(), ensure_ascii, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_the_standard_library() {
        assert_eq!(
            literal("a\"b\\c\n\r\t\x08\x0c", false),
            r#""a\"b\\c\n\r\t\b\f""#
        );
        assert_eq!(literal("\x00\x1f\x7f", false), "\"\\u0000\\u001f\x7f\"");
        assert_eq!(literal("\x7f", true), r#""\u007f""#);
        assert_eq!(literal("é😀", false), "\"é😀\"");
        assert_eq!(literal("é😀", true), r#""\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn json_string_matches_the_code_point_writer() {
        let long = "0123456789abcdef\"0123456789abcdef\\é0123456789abcdef\x7f0123456789abcdef";
        let mut samples = vec![
            "",
            "plain",
            "a\"b\\c\n\x00\x1f\x7f",
            "é😀\u{2028}x",
            "\u{ffff}\u{10ffff}",
            long,
        ];
        // Every escape-worthy byte at every offset of a 24-byte window.
        let owned: Vec<String> = (0..24)
            .flat_map(|i| {
                ["\"", "\\", "\n", "\x01", "\x7f", "é", " "]
                    .map(|c| format!("{}{}{}", "x".repeat(i), c, "y".repeat(23 - i)))
            })
            .collect();
        samples.extend(owned.iter().map(String::as_str));
        for text in samples {
            for ensure_ascii in [false, true] {
                let mut fast = Vec::new();
                write_json_string(text.as_bytes(), ensure_ascii, &mut fast);
                let mut slow = Vec::new();
                write_wtf8_string(text.as_bytes(), ensure_ascii, &mut slow);
                assert_eq!(fast, slow, "{text:?} ensure_ascii={ensure_ascii}");
            }
        }
    }

    #[test]
    fn ascii_escape_mask_flags_exactly_the_bytes_to_escape() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for byte in 0..0x80u8 {
            for offset in 0..8 {
                for _ in 0..64 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let mut bytes = (state & 0x7F7F_7F7F_7F7F_7F7F).to_le_bytes();
                    bytes[offset] = byte;
                    let word = u64::from_le_bytes(bytes);
                    for ensure_ascii in [false, true] {
                        let expected = bytes.iter().enumerate().fold(0, |mask, (i, &b)| {
                            let escaped =
                                b < 0x20 || b == b'"' || b == b'\\' || (ensure_ascii && b == 0x7F);
                            mask | (u64::from(escaped) << (8 * i + 7))
                        });
                        assert_eq!(ascii_escape_mask(word, ensure_ascii), expected, "{bytes:?}");
                        // The general mask's lowest flag is the same byte.
                        let general = escape_mask(word, ensure_ascii);
                        assert_eq!(
                            general.trailing_zeros().min(64),
                            expected.trailing_zeros().min(64)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn lone_surrogates_are_escaped() {
        // U+D800 in WTF-8 is ED A0 80.
        let mut out = Vec::new();
        write_wtf8_string(&[b'x', 0xED, 0xA0, 0x80], false, &mut out);
        assert_eq!(out, br#""x\ud800""#);
    }

    #[test]
    fn non_ascii_escaping_keeps_ascii_runs() {
        let mut out = Vec::new();
        write_non_ascii_escaped("ab\u{e9}cd\u{10000}\x7f", &mut out);
        assert_eq!(out, br#"ab\u00e9cd\ud800\udc00\u007f"#);
    }
}
