"""JSON Lines: `rjson.loads_lines` of a document against `rjson.loads` of
the same values as one array (the target: within 1.1x), on twitter.json's
statuses x10 and on 20,000 small records; the best of 21 rounds of 5 calls,
the two interleaved, collector off.

Usage: PYTHONPATH=build/variants/phase5 python benches/lines.py (from the repository root)"""

import gc
import json
import timeit

import rjson


def main():
    gc.disable()
    statuses = json.load(open("data/corpus/twitter.json", encoding="utf-8"))["statuses"] * 10
    records = [{"id": i, "name": "user%d" % i, "score": i * 0.5, "tags": ["a", "b"]} for i in range(20000)]
    for name, values in (("twitter statuses x10", statuses), ("small records 20k", records)):
        texts = [json.dumps(v, ensure_ascii=False).encode() for v in values]
        lines = b"".join(t + b"\n" for t in texts)
        array = b"[" + b",".join(texts) + b"]"
        assert rjson.loads_lines(lines) == rjson.loads(array)
        ours, whole = float("inf"), float("inf")
        for _ in range(7):  # interleaved
            ours = min(ours, min(timeit.repeat(lambda: rjson.loads_lines(lines), number=5, repeat=3)) / 5)
            whole = min(whole, min(timeit.repeat(lambda: rjson.loads(array), number=5, repeat=3)) / 5)
        print(f"{name:22s} lines {ours * 1e3:6.2f} ms  array {whole * 1e3:6.2f} ms  ratio {ours / whole:.2f}")


if __name__ == "__main__":
    main()
