"""Two rjson builds, orjson and ssrjson timed on `dumps` or `dumps_bytes` of
freshly made objects: each call gets its own `json.loads` of the case, so
its strs have no UTF-8 copy yet (as in most real use, where a str is
written once; benches/ab.py, ab_rounds.py and scripts/bench reuse one
object, whose strs' UTF-8 orjson's first call makes and its later calls
reuse). One call a function per round, in turn; each figure is the median
over the rounds of the per-round ratio to build A's time.

Usage: benches/ab_fresh.py DIR_A DIR_B ROUNDS OP CASE...   (run from benches/;
OP is dumps or dumps_bytes; ssrjson is left out when not installed)"""

import json
import statistics
import sys
import time

import orjson

from ab import load_build
from cases import load_cases


def peers(op):
    """The peers' calls for `op`: orjson's bytes, and ssrjson's own kind."""
    calls = {"orjson": orjson.dumps}
    try:
        import ssrjson
    except ImportError:
        return calls
    calls["ssrjson"] = ssrjson.dumps if op == "dumps" else ssrjson.dumps_to_bytes
    return calls


def main():
    build_a, build_b = load_build(sys.argv[1]), load_build(sys.argv[2])
    rounds, op = int(sys.argv[3]), sys.argv[4]
    calls = {"A": getattr(build_a, op), "B": getattr(build_b, op), **peers(op)}
    for case in sys.argv[5:]:
        data = load_cases([case])[case]
        ratios = {label: [] for label in calls if label != "A"}
        for _ in range(rounds):
            took = {}
            for label, dumps in calls.items():
                obj = json.loads(data)
                start = time.perf_counter()
                dumps(obj)
                took[label] = time.perf_counter() - start
            for label in ratios:
                ratios[label].append(took[label] / took["A"])
        figures = "  ".join(f"{label}/A {statistics.median(r):.3f}" for label, r in ratios.items())
        print(f"fresh {op} {case}: {figures}")


if __name__ == "__main__":
    main()
