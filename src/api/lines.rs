//! JSON Lines (NDJSON): where the documents of a text of one JSON document
//! a line are. Lines end at `\n` (a `\r` before it is whitespace to the
//! parser); lines of nothing but whitespace, and a final newline, are not
//! documents.

/// The byte ranges of the lines of `data` that hold something besides
/// JSON whitespace.
pub fn document_lines(data: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        while start < data.len() {
            let end = next_newline(data, start);
            let line = (start, end);
            start = end + 1;
            if !data[line.0..line.1]
                .iter()
                .all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
            {
                return Some(line);
            }
        }
        None
    })
}

/// Where the first `\n` from `at` on is (`data.len()` if none), found by
/// the memchr crate's vector kernels.
fn next_newline(data: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |n| at + n)
}

#[cfg(test)]
mod tests {
    use super::{document_lines, next_newline};

    #[test]
    fn newlines_at_every_place() {
        for len in 0..40 {
            for at in 0..=len {
                let mut data = vec![b'x'; len];
                if at < len {
                    data[at] = b'\n';
                }
                for from in 0..=len {
                    let want = data[from..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(len, |n| from + n);
                    assert_eq!(next_newline(&data, from), want, "{len} {at} {from}");
                }
            }
        }
        // Bytes that differ from a newline in one bit, and 0x8A.
        let data = [0x0B, 0x08, 0x8A, 0x0E, 0x1A, 0x4A, 0x0A];
        assert_eq!(next_newline(&data, 0), 6);
    }

    fn lines(text: &str) -> Vec<&str> {
        document_lines(text.as_bytes())
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    #[test]
    fn lines_and_blanks() {
        assert_eq!(lines(""), Vec::<&str>::new());
        assert_eq!(lines("\n\n \r\n\t"), Vec::<&str>::new());
        assert_eq!(lines("1"), ["1"]);
        assert_eq!(lines("1\n"), ["1"]);
        assert_eq!(lines("1\r\n{}\r\n"), ["1\r", "{}\r"]);
        assert_eq!(lines("\n 1 \n\n[2]\n  \n"), [" 1 ", "[2]"]);
    }
}
