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


def timed_rounds(fns, arg, rounds, calls):
    """Times the functions on `arg` in `rounds` rounds of `calls` calls
    each, in turn (the order reversed every other round): each round's
    seconds a call, one per function."""
    order = list(range(len(fns)))
    per_round = []
    for r in range(rounds):
        times = [0.0] * len(fns)
        for i in order if r % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            for _ in range(calls):
                fns[i](arg)
            times[i] = (time.perf_counter() - start) / calls
        per_round.append(times)
    return per_round


def rounds_ratios(fns, arg, rounds, calls):
    """The three functions (A, B, orjson) timed by `timed_rounds`; the
    medians of the per-round ratios B/A, orjson/A and orjson/B."""
    per_round = timed_rounds(fns, arg, rounds, calls)
    m = statistics.median
    return (
        m(t[1] / t[0] for t in per_round),
        m(t[2] / t[0] for t in per_round),
        m(t[2] / t[1] for t in per_round),
    )


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
