"""The documents the benchmarks time: the bundled corpus and synthetic cases
(integers, floats, short and long strings, small mixed objects, one small
object alone, deep nesting, a wide object, non-ASCII text). Everything is
deterministic."""

import json
import random
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "corpus"

# The standard files every JSON library reports on.
CORPUS = [
    "twitter.json",
    "citm_catalog.json",
    "canada.json",
    "github_events.json",
    "gsoc-2018.json",
    "numbers.json",
    "mesh.json",
    "twitterescaped.json",
]
QUICK_CORPUS = ["twitter.json", "canada.json", "citm_catalog.json", "gsoc-2018.json"]


def _synthetic():
    rng = random.Random(20261125)
    words = ["alpha", "beta", "gamma", "delta", "json", "rust", "python", "speed"]
    non_ascii = "日本語のテキスト Привет мир Ελληνικά العربية 😀🚀 ñandú café"

    def nested(depth):
        value = [1, "x"]
        for i in range(depth):
            value = {"level": i, "child": [value, i * 1.5]}
        return value

    return {
        "integers": [rng.randint(-(2**62), 2**62) for _ in range(50_000)],
        "floats": [rng.uniform(-1e6, 1e6) for _ in range(50_000)],
        "short_strings": ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(1, 16))) for _ in range(50_000)],
        "long_strings": ["".join(rng.choices("abcdefghij klmnopqrstuvwxyz.,", k=10_000)) for _ in range(100)],
        "small_objects": [
            {"id": i, "name": rng.choice(words), "active": i % 3 == 0, "score": rng.random() * 100, "tags": rng.sample(words, 3), "parent": None}
            for i in range(10_000)
        ],
        # A typical small message, one a call: what a call costs beyond its
        # content (parsing the arguments, making the result).
        "one_small_object": {"id": 7, "name": "gamma", "active": True, "score": 12.5, "tags": ["json", "rust"], "parent": None},
        # 2 levels per step: 202 deep. orjson 3.13.0 corrupts its heap (abort in
        # realloc) writing 242-deep documents, below its own limit of 254.
        "deep_nesting": [nested(100) for _ in range(60)],
        "wide_object": {f"key_{i}": i for i in range(100_000)},
        "non_ascii": ["".join(rng.choices(non_ascii, k=rng.randint(5, 60))) for _ in range(20_000)],
    }


SYNTHETIC = [
    "integers",
    "floats",
    "short_strings",
    "long_strings",
    "small_objects",
    "one_small_object",
    "deep_nesting",
    "wide_object",
    "non_ascii",
]


def load_cases(names):
    """{name: bytes} for the named cases (corpus file names or synthetic names)."""
    synthetic = None
    cases = {}
    for name in names:
        if name in SYNTHETIC:
            if synthetic is None:
                synthetic = _synthetic()
                assert list(synthetic) == SYNTHETIC
            cases[name] = json.dumps(synthetic[name], ensure_ascii=False).encode("utf-8")
        else:
            cases[name] = (CORPUS_DIR / name).read_bytes()
    return cases
