"""Differential fuzz target (atheris): one build of rjson against the
standard library's json on the same input.

  loads:  the fuzzer's bytes as a document; rjson must give json's value, or
          raise JSONDecodeError where json raises (message and position
          alike, for str input), never anything else.
  round trip: every value rjson reads is written back and read again
          unchanged, and dumps equals json.dumps byte for byte.

Run through scripts/fuzz, which seeds it from the JSONTestSuite and corpus
and saves any crashing input under fuzz/regressions/ (replayed by the tests).
"""

import json
import math
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import utf8_fault  # noqa: E402

with atheris.instrument_imports():
    import rjson


sys.setrecursionlimit(20_000)  # `same` recurses as deep as the documents nest


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a.hex() == b.hex()
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def outcome(loads, doc):
    try:
        return ("ok", loads(doc))
    except json.JSONDecodeError as e:  # rjson's is a subclass
        return ("error", e.msg, e.pos)
    except (RecursionError, ValueError):
        return ("skip",)  # past json's own limits (or not UTF-8): rjson must just not crash


def check(data: bytes):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    for doc in (data, text) if text is not None else (data,):
        actual = outcome(rjson.loads, doc)
        assert actual[0] != "skip", (doc, "rjson raised something other than JSONDecodeError")
        if text is None:
            # Bytes input must be UTF-8: the first byte that is not is the fault.
            assert actual == utf8_fault(doc), (doc, actual)
            continue
        if isinstance(doc, bytes) and json.detect_encoding(doc) not in ("utf-8", "utf-8-sig"):
            continue  # json sniffs UTF-16/32 from NUL bytes; rjson reads bytes as UTF-8
        expected = outcome(json.loads, doc)
        if expected[0] == "skip" or "NaN" in text or "Infinity" in text:
            continue  # rjson rejects the constants by design
        if actual[0] == "error" and actual[1].startswith("Maximum nesting depth"):
            continue  # rjson's limit (1024); json's is the recursion limit
        if expected[0] == "ok":
            assert actual[0] == "ok", (doc, actual)
            assert same(actual[1], expected[1]), doc
            # allow_nan: "1e999" reads as inf, which only allow_nan writes.
            try:
                written = rjson.dumps(actual[1], allow_nan=True)
            except rjson.JSONEncodeError as e:
                assert "lone surrogates" in str(e), (doc, e)  # documented: surrogate keys
                continue
            reference = json.dumps(expected[1], ensure_ascii=False, separators=(",", ":"))
            try:
                reference.encode("utf-8")
            except UnicodeEncodeError:
                pass  # lone surrogates: rjson escapes what json writes raw (documented)
            else:
                assert written == reference, doc
            # dumps_bytes (phase5: written into its result object) says the same.
            assert rjson.dumps_bytes(actual[1], allow_nan=True) == written.encode(), doc
            assert same(rjson.loads(written, parse_constant=float), expected[1]), doc
        elif isinstance(doc, str):
            assert actual == expected, (doc, actual, expected)
        else:
            assert actual[0] == "error", (doc, actual)


# rjson is native code that atheris cannot instrument, so coverage gives the
# fuzzer little to go on. Half of the inputs are therefore built from a seed
# document (tests/data/JSONTestSuite, a corpus file) with token-level edits.
SEEDS = []
TOKENS = [b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00", b"0", b"-", b".",
          b"e", b"E+", b"1e400", b"-0", b"9" * 25, b"null", b"true", b"nul", b" ", b"\n", b"\x00", b"\x1f",
          b"\x7f", "é".encode(), "😀".encode(), b"\xff", b"\xed\xa0\x80", b"\xef\xbb\xbf"]


def load_seeds(paths):
    from pathlib import Path

    for folder in paths:
        for p in sorted(Path(folder).glob("*")):
            if p.is_file() and p.stat().st_size <= 65536:
                SEEDS.append(p.read_bytes())


def mutate(data: bytes) -> bytes:
    """A seed with 1-4 token edits, chosen by a generator seeded with `data`
    (so every distinct input is a distinct, reproducible document)."""
    import random

    rng = random.Random(data)
    doc = bytearray(rng.choice(SEEDS))
    for _ in range(rng.randint(1, 4)):
        at = rng.randint(0, len(doc))
        token = rng.choice(TOKENS)
        op = rng.randint(0, 2)
        if op == 0:
            doc[at:at] = token
        elif op == 1:
            del doc[at : at + rng.randint(1, 8)]
        else:
            doc[at : at + len(token)] = token
    return bytes(doc)


def target(data: bytes):
    if SEEDS and data[:1] != b"{":
        check(mutate(data))
    check(data)


def main():
    seed_dirs = [a for a in sys.argv[1:] if not a.startswith("-")][1:]
    load_seeds(seed_dirs)
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
