"""rjson.compat against rjson with json's options and against json itself,
one process, libraries interleaved, collector off while timing. Ratios are
times over rjson's own call with the same options (compat's cost of being
json) and over json's (the speed a drop-in user gets).

    PYTHONPATH=build/variants/phase5 .venv/bin/python benches/compat.py [ROUNDS]
"""

import gc
import json
import sys
import time
from pathlib import Path

import rjson
import rjson.compat

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
FILES = ["apache_builds", "canada", "citm_catalog", "github_events", "gsoc-2018", "mesh", "numbers", "twitter"]
JSON_OPTIONS = {"ensure_ascii": True, "separators": (", ", ": "), "allow_nan": True}


def best_of(call, rounds):
    """Best time of one call over `rounds` batches (a batch runs ~20 ms)."""
    start = time.perf_counter()
    call()
    once = time.perf_counter() - start
    per_batch = max(1, int(0.02 / max(once, 1e-7)))
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_batch):
            call()
        best = min(best, (time.perf_counter() - start) / per_batch)
    return best


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    gc.disable()
    print(f"{'file':15} {'dumps/rjson':>12} {'dumps/json':>11} {'loads/rjson':>12} {'loads/json':>11}")
    ratios = {"dumps_rjson": [], "dumps_json": [], "loads_rjson": [], "loads_json": []}
    for name in FILES:
        data = (CORPUS / f"{name}.json").read_bytes()
        obj = json.loads(data)
        text = data.decode()
        row = {}
        for op, calls in {
            "dumps": (lambda: rjson.compat.dumps(obj), lambda: rjson.dumps(obj, **JSON_OPTIONS), lambda: json.dumps(obj)),
            "loads": (lambda: rjson.compat.loads(text), lambda: rjson.loads(text, parse_constant=float), lambda: json.loads(text)),
        }.items():
            times = [[], [], []]
            for _ in range(3):  # interleaved
                for i, call in enumerate(calls):
                    times[i].append(best_of(call, rounds // 3 or 1))
            compat_t, rjson_t, json_t = (min(t) for t in times)
            row[op] = (compat_t / rjson_t, compat_t / json_t)
            ratios[f"{op}_rjson"].append(compat_t / rjson_t)
            ratios[f"{op}_json"].append(compat_t / json_t)
        print(f"{name:15} {row['dumps'][0]:12.3f} {row['dumps'][1]:11.3f} {row['loads'][0]:12.3f} {row['loads'][1]:11.3f}")
    gm = {k: __import__("math").prod(v) ** (1 / len(v)) for k, v in ratios.items()}
    print(f"{'geomean':15} {gm['dumps_rjson']:12.3f} {gm['dumps_json']:11.3f} {gm['loads_rjson']:12.3f} {gm['loads_json']:11.3f}")


if __name__ == "__main__":
    main()
