//! Kernel throughput: float layout and string escaping.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rjson::text::escape::{write_json_string, write_non_ascii_escaped, write_wtf8_string};
use rjson::text::float_repr::write_float_repr;

fn floats(c: &mut Criterion) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let values: Vec<f64> = (0..10_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 40) as f64 * 1e6
        })
        .collect();
    let mut group = c.benchmark_group("float_repr");
    group.throughput(Throughput::Elements(values.len() as u64));
    group.bench_function("zmij (phase3 on)", |b| {
        let mut out = Vec::with_capacity(values.len() * 24);
        b.iter(|| {
            out.clear();
            for &v in &values {
                rjson::phase3::float_repr::write_float_repr(black_box(v), &mut out);
            }
        })
    });
    group.bench_function("write_float_repr", |b| {
        let mut out = Vec::with_capacity(values.len() * 24);
        b.iter(|| {
            out.clear();
            for &v in &values {
                write_float_repr(black_box(v), &mut out);
            }
        })
    });
    group.finish();
}

fn strings(c: &mut Criterion) {
    let ascii = "The quick brown fox jumps over the lazy dog. ".repeat(200);
    let mixed = "Grüße aus Köln, 東京 and \"quotes\"\n😀 ".repeat(200);
    let mut group = c.benchmark_group("escape");
    for (name, text) in [("ascii", &ascii), ("mixed", &mixed)] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("write_wtf8_string/{name}"), |b| {
            let mut out = Vec::with_capacity(text.len() * 2);
            b.iter(|| {
                out.clear();
                write_wtf8_string(black_box(text.as_bytes()), false, &mut out);
            })
        });
        group.bench_function(format!("write_json_string/{name}"), |b| {
            let mut out = Vec::with_capacity(text.len() * 2);
            b.iter(|| {
                out.clear();
                write_json_string(black_box(text.as_bytes()), false, &mut out);
            })
        });
        group.bench_function(format!("write_non_ascii_escaped/{name}"), |b| {
            let mut out = Vec::with_capacity(text.len() * 6);
            b.iter(|| {
                out.clear();
                write_non_ascii_escaped(black_box(text), &mut out);
            })
        });
    }
    group.finish();
}

/// Every scanning kernel this CPU has (scalar, SSE2, AVX2), on a string
/// body without stops and on one with an escape every 40 bytes.
fn kernels(c: &mut Criterion) {
    let plain = "The quick brown fox jumps over the lazy dog, 0123456789. ".repeat(200);
    let escaped = "The quick brown fox jumps over the lazy\n".repeat(200);
    let mut group = c.benchmark_group("kernels");
    for k in rjson::phase4::kernels::available() {
        group.throughput(Throughput::Bytes(plain.len() as u64));
        group.bench_function(format!("{}/plain_run", k.name), |b| {
            b.iter(|| (k.plain_run)(black_box(plain.as_bytes()), 0))
        });
        group.bench_function(format!("{}/copy_run", k.name), |b| {
            let mut out = Vec::with_capacity(plain.len());
            b.iter(|| {
                out.clear();
                (k.copy_run)(black_box(plain.as_bytes()), 0, false, &mut out)
            })
        });
        group.throughput(Throughput::Bytes(escaped.len() as u64));
        group.bench_function(format!("{}/write_json_string_escapes", k.name), |b| {
            let mut out = Vec::with_capacity(escaped.len() * 2);
            b.iter(|| {
                out.clear();
                rjson::text::escape::write_json_string_with(black_box(escaped.as_bytes()), false, &mut out, k.copy_run)
            })
        });
    }
    group.finish();
}

/// Whitespace runs (indentation) and digit runs (phase4's SWAR against the
/// byte loop), each implementation.
fn runs(c: &mut Criterion) {
    let indented = format!("{}x", " ".repeat(40)).repeat(100);
    let digits = "0.123456789012,".repeat(500);
    let mut group = c.benchmark_group("runs");
    group.throughput(Throughput::Bytes(indented.len() as u64));
    for k in rjson::phase4::kernels::available() {
        group.bench_function(format!("{}/space_run", k.name), |b| {
            b.iter(|| {
                let text = black_box(indented.as_bytes());
                let mut at = 0;
                while at < text.len() {
                    at = (k.space_run)(text, at) + 1;
                }
                at
            })
        });
    }
    group.throughput(Throughput::Bytes(digits.len() as u64));
    for (name, run) in [
        ("byte loop", rjson::text::scan::digit_run as fn(&[u8], usize, u64) -> (usize, u64)),
        ("swar", rjson::text::scan::digit_run_swar),
    ] {
        group.bench_function(format!("digit_run/{name}"), |b| {
            b.iter(|| {
                let text = black_box(digits.as_bytes());
                let (mut at, mut sum) = (0, 0u64);
                while at < text.len() {
                    let (end, value) = run(text, at + 2, 0);
                    sum = sum.wrapping_add(value);
                    at = end + 1;
                }
                sum
            })
        });
    }
    group.finish();
}

/// phase5's stage 1 (the structural index), each implementation, on twitter.json.
fn stage1(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/corpus/twitter.json");
    let doc = std::fs::read(path).expect("the bundled corpus");
    let mut group = c.benchmark_group("stage1");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    for s in rjson::phase5::stage1::available() {
        group.bench_function(format!("{}/twitter.json", s.name), |b| b.iter(|| (s.build)(black_box(&doc))));
    }
    group.finish();
}

criterion_group!(benches, floats, strings, kernels, runs, stage1);
criterion_main!(benches);
