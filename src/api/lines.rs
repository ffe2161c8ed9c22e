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
            let end = data[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(data.len(), |n| start + n);
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

#[cfg(test)]
mod tests {
    use super::document_lines;

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
