"""Two rjson builds (and orjson) timed on `dumps` of freshly made objects:
each call gets its own `json.loads` of the case, so its strs have no UTF-8
copy yet (as in most real use, where a str is written once; benches/ab.py
and ab_rounds.py reuse one object, whose strs' UTF-8 the first call makes
and every later call reuses). One call a function per round, in turn; the
figure is the median over the rounds of the per-round ratio.

Usage: benches/ab_fresh.py DIR_A DIR_B ROUNDS CASE...   (run from benches/)"""

import json
import statistics
import sys
import time

import orjson

from ab import load_build
from cases import load_cases


def main():
    build_a, build_b = load_build(sys.argv[1]), load_build(sys.argv[2])
    rounds = int(sys.argv[3])
    for case in sys.argv[4:]:
        data = load_cases([case])[case]
        b_a, o_a, o_b = [], [], []
        for _ in range(rounds):
            took = {}
            for label, dumps in (("a", build_a.dumps), ("b", build_b.dumps), ("o", orjson.dumps)):
                obj = json.loads(data)
                start = time.perf_counter()
                dumps(obj)
                took[label] = time.perf_counter() - start
            b_a.append(took["b"] / took["a"])
            o_a.append(took["o"] / took["a"])
            o_b.append(took["o"] / took["b"])
        print(
            f"fresh dumps {case}: B/A {statistics.median(b_a):.3f}  "
            f"orjson/A {statistics.median(o_a):.3f}  orjson/B {statistics.median(o_b):.3f}"
        )


if __name__ == "__main__":
    main()
