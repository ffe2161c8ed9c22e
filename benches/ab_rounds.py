"""Two rjson builds (and orjson) timed in one process by many short rounds:
in each round every function runs 5 calls, in turn (the order reversed
every other round), and the figure is the median over the rounds of the
per-round ratio. Where benches/ab.py keeps each function's best loop, this
keeps how the two compare moment by moment, which on a noisy machine is
steadier for differences of a few per cent. (Two copies of one build
measure 1.005-1.06 here: below that a difference is not a measurement.)

Usage: benches/ab_rounds.py DIR_A DIR_B OP ROUNDS CASE...   (run from benches/)"""

import json
import statistics
import sys
import time

import orjson

from ab import load_build
from cases import load_cases


def rounds_ratios(fns, arg, rounds, calls):
    """Times the three functions (A, B, orjson) on `arg` in `rounds` rounds
    of `calls` calls each, in turn (the order reversed every other round);
    the medians of the per-round ratios B/A, orjson/A and orjson/B."""
    b_a, o_a, o_b = [], [], []
    for r in range(rounds):
        times = [0.0] * 3
        for i in (0, 1, 2) if r % 2 == 0 else (2, 1, 0):
            start = time.perf_counter()
            for _ in range(calls):
                fns[i](arg)
            times[i] = time.perf_counter() - start
        b_a.append(times[1] / times[0])
        o_a.append(times[2] / times[0])
        o_b.append(times[2] / times[1])
    m = statistics.median
    return m(b_a), m(o_a), m(o_b)


def main():
    build_a, build_b = load_build(sys.argv[1]), load_build(sys.argv[2])
    op, rounds = sys.argv[3], int(sys.argv[4])
    for case in sys.argv[5:]:
        data = load_cases([case])[case]
        arg = data if op == "loads" else json.loads(data)
        fns = [getattr(build_a, op), getattr(build_b, op), orjson.loads if op == "loads" else orjson.dumps]
        b_a, o_a, o_b = rounds_ratios(fns, arg, rounds, 5)
        print(f"{op} {case}: B/A {b_a:.3f}  orjson/A {o_a:.3f}  orjson/B {o_b:.3f}", flush=True)


if __name__ == "__main__":
    main()
