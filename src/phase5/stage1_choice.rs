//! Which stage 1 runs: the implementation matching phase4's kernel choice
//! (so `RJSON_KERNELS` forces both), among those the CPU can run.

use super::stage1::{Stage1, SCALAR};

/// Every implementation this CPU can run, best last.
pub fn available() -> Vec<Stage1> {
    #[allow(unused_mut)]
    let mut found = vec![SCALAR];
    #[cfg(target_arch = "x86_64")]
    {
        found.push(super::sse2::STAGE1);
        if std::is_x86_feature_detected!("avx2") {
            found.push(super::avx2::STAGE1);
        }
    }
    found
}

/// The implementation matching phase4's kernel choice (so `RJSON_KERNELS`
/// forces both), chosen once.
pub fn chosen() -> &'static Stage1 {
    static CHOSEN: std::sync::OnceLock<Stage1> = std::sync::OnceLock::new();
    CHOSEN.get_or_init(|| {
        let kernels = crate::phase4::kernels::chosen().isa;
        let all = available();
        all.iter()
            .copied()
            .find(|s| s.isa == kernels)
            .unwrap_or(*all.last().expect("scalar is always there"))
    })
}

/// The structural index of `data` (see the module's documentation).
pub fn build(data: &[u8]) -> Option<Vec<u32>> {
    (chosen().build)(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phase5::stage1::*;

    /// The index by a byte-at-a-time state machine: the definition.
    fn reference(data: &[u8]) -> Vec<u32> {
        let mut index = Vec::new();
        let (mut in_string, mut escaped, mut prev_scalar) = (false, false, false);
        for (i, &b) in data.iter().enumerate() {
            let was_escaped = escaped;
            escaped = b == b'\\' && !was_escaped;
            let quote = b == b'"' && !was_escaped;
            if in_string {
                in_string = !quote;
                prev_scalar = false;
                continue;
            }
            let op = b"{}[]:,".contains(&b);
            let space = b" \t\n\r".contains(&b);
            let scalar = !quote && !op && !space;
            if op || quote || (scalar && !prev_scalar) {
                index.push(i as u32);
            }
            in_string = quote;
            prev_scalar = scalar;
        }
        index.push(data.len() as u32);
        index
    }

    fn check(data: &[u8]) {
        let expected = reference(data);
        for s in available() {
            assert_eq!(
                (s.build)(data).as_deref(),
                Some(&expected[..]),
                "{} on {:?}",
                s.isa.name(),
                String::from_utf8_lossy(data)
            );
        }
    }

    #[test]
    fn every_classifier_agrees_with_the_scalar_one() {
        let mut block = [0u8; 64];
        for b in 0..=255u8 {
            for at in [0, 1, 15, 16, 31, 32, 33, 63] {
                block.fill(b'a');
                block[at] = b;
                for s in available() {
                    assert_eq!(
                        (s.classify)(&block),
                        classify_scalar(&block),
                        "{} byte {b:#x} at {at}",
                        s.isa.name()
                    );
                }
            }
        }
    }

    #[test]
    fn backslash_runs_before_quotes_at_every_offset() {
        // 1-4 backslashes before a quote, at every offset across block
        // boundaries, inside and outside strings.
        for run in 1..=4 {
            for at in 0..140 {
                for prefix in [&b""[..], b"\"", b"[\"a"] {
                    let mut doc = prefix.to_vec();
                    doc.extend(std::iter::repeat_n(b'x', at));
                    doc.extend(std::iter::repeat_n(b'\\', run));
                    doc.extend_from_slice(b"\", 12, \"q\\\\\" ] tru");
                    check(&doc);
                }
            }
        }
    }

    #[test]
    fn documents_and_garbage() {
        check(b"");
        check(b"   ");
        check(br#"{"a": [1, 2.5e3, true, null, "x\"y\\"], "b\\": {}} "#);
        check(b"[1x, \"a\"b, tru e,-0]");
        check(&br#"{"key": "value with \"escapes\" and \\\\ more", "n": [1,2,3]}"#.repeat(40));
        check("[\"é€😀\", \"\\u00e9\"]".repeat(30).as_bytes());
        // Random bytes from a small alphabet of the interesting ones.
        let alphabet = b"\"\\{}[]:, \n\tax1-";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..600 {
            let doc: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            check(&doc);
        }
    }
}
