"""Times rjson (whichever build is on sys.path) and its peers on the
benchmark cases, in one process, and prints the figures as JSON.
benches/compare.py runs it once per build variant and interpreter.

Each figure is the median over rounds of the mean time per call of a timed
loop; the libraries take turns within each round, so a slow patch of the
machine hits them alike and ratios measured in one run stay comparable.
Every loop runs twice over, with the cyclic collector off while timing (the
engines' own speed: rjson pauses the collector inside `loads`, the peers do
not) and on (as a program runs). Every dumps call has its own copy of the
value, so the strs one library makes CPython cache do not speed another.
"""

import argparse
import gc
import json
import platform
import statistics
import sys
import time

import ops as operations_module
from cases import load_cases

COLLECTOR_MODES = ("off", "on")


def time_per_call(fn, arg, loops, collector):
    gc.collect()
    if collector == "off":
        gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(loops):
            fn(arg)
        return (time.perf_counter_ns() - start) / loops / 1e9
    finally:
        gc.enable()


def calibrate(fn, arg, budget):
    """How many calls make one timed loop of about `budget` seconds."""
    loops = 1
    while True:
        elapsed = time_per_call(fn, arg, loops, "off") * loops
        if elapsed >= budget / 4 or loops >= 1 << 20:
            return max(1, int(loops * budget / max(elapsed, 1e-9)))
        loops *= 4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True, help="comma-separated case names")
    parser.add_argument("--ops", help="comma-separated operations (default: all of benches/ops.py)")
    parser.add_argument("--libs", help="comma-separated libraries (default: rjson and every peer installed)")
    parser.add_argument("--collector", default=",".join(COLLECTOR_MODES), help="off, on or both (default)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.05, help="seconds per timed loop")
    args = parser.parse_args()

    import rjson

    table = operations_module.operations(rjson)
    op_names = args.ops.split(",") if args.ops else list(table)
    libs = set(args.libs.split(",")) if args.libs else None
    modes = args.collector.split(",")
    versions = {}
    for lib in {lib for op in table.values() for lib in op["calls"]} - {"json"}:
        versions[lib] = getattr(sys.modules.get(lib), "__version__", "")

    results = {}
    for case, data in load_cases(args.cases.split(",")).items():
        text = data.decode("utf-8")
        values = {}  # (library, bytes result?): that library's own copy
        jobs = []  # (op, lib, fn, arg, loops)
        for op in op_names:
            spec = table[op]
            for lib, fn in spec["calls"].items():
                if libs is not None and lib not in libs and lib != spec["reference"]:
                    continue
                # Each library's dumps calls get their own copy of the value
                # (one for str results, one for bytes): a library that makes
                # CPython cache a str's UTF-8 pays for it on its first call
                # only, and a call that does not never sees another's cache.
                if spec["input"] == "value":
                    if (lib, "bytes" in op) not in values:
                        values[(lib, "bytes" in op)] = json.loads(data)
                    arg = values[(lib, "bytes" in op)]
                else:
                    arg = {"bytes": data, "str": text}[spec["input"]]
                try:
                    fn(arg)
                except Exception as e:  # a peer that cannot handle this case
                    print(f"  {lib} {op} fails on {case}: {type(e).__name__}: {e}"[:200], file=sys.stderr)
                    continue
                jobs.append((op, lib, fn, arg))
        # The documents' objects are long-lived, as a program's data would
        # be: out of the collector's way, so that neither mode spends its
        # time traversing them.
        gc.collect()
        gc.freeze()
        jobs = [(op, lib, fn, arg, calibrate(fn, arg, args.budget)) for op, lib, fn, arg in jobs]
        samples = {}
        for _ in range(args.rounds):
            for mode in modes:
                for op, lib, fn, arg, loops in jobs:
                    samples.setdefault((mode, op, lib), []).append(time_per_call(fn, arg, loops, mode))
        gc.unfreeze()
        seconds = {}
        for (mode, op, lib), times in samples.items():
            seconds.setdefault(mode, {}).setdefault(op, {})[lib] = statistics.median(times)
        results[case] = {"bytes": len(data), "seconds_per_call": seconds}
        print(f"  {case}: {len(jobs)} calls timed", file=sys.stderr, flush=True)
    json.dump({
        "phases": list(rjson.enabled_phases()),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": versions,
        "references": {op: table[op]["reference"] for op in op_names},
        "cases": results,
    }, sys.stdout)


if __name__ == "__main__":
    main()
