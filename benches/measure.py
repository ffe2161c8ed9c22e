"""Times loads and dumps of rjson and its peers on the benchmark cases, in one
process (whichever rjson build is on sys.path), and prints the figures as
JSON. benches/compare.py runs it once per build variant.

Each figure is the median over rounds of the mean time per call of a timed
loop; the libraries take turns within each round, so a slow patch of the
machine hits them alike and ratios measured in one run stay comparable."""

import argparse
import gc
import importlib
import json
import statistics
import sys
import time

from cases import load_cases


def libraries():
    libs = {}
    import rjson

    libs["rjson"] = {"loads": rjson.loads, "dumps": rjson.dumps, "dumps_bytes": rjson.dumps_bytes}
    for name in ("orjson", "ssrjson", "msgspec", "ujson"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if name == "msgspec":
            libs[name] = {"loads": mod.json.decode, "dumps_bytes": mod.json.encode}
        elif name == "orjson":
            libs[name] = {"loads": mod.loads, "dumps_bytes": mod.dumps}
        elif name == "ssrjson":
            libs[name] = {"loads": mod.loads, "dumps": mod.dumps, "dumps_bytes": mod.dumps_to_bytes}
        else:
            libs[name] = {"loads": mod.loads, "dumps": mod.dumps}
    libs["json"] = {"loads": json.loads, "dumps": json.dumps}
    return libs


def time_per_call(fn, arg, loops):
    gc.collect()
    start = time.perf_counter_ns()
    for _ in range(loops):
        fn(arg)
    return (time.perf_counter_ns() - start) / loops / 1e9


def calibrate(fn, arg, budget):
    """How many calls make one timed loop of about `budget` seconds."""
    loops = 1
    while True:
        elapsed = time_per_call(fn, arg, loops) * loops
        if elapsed >= budget / 4 or loops >= 1 << 20:
            return max(1, int(loops * budget / max(elapsed, 1e-9)))
        loops *= 4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True, help="comma-separated case names")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.05, help="seconds per timed loop")
    args = parser.parse_args()

    import rjson

    libs = libraries()
    versions = {name: getattr(importlib.import_module(name), "__version__", "") for name in libs if name != "json"}
    results = {}
    for case, data in load_cases(args.cases.split(",")).items():
        value = json.loads(data)
        jobs = []  # (lib, op, fn, arg)
        for lib, ops in libs.items():
            for op, fn in ops.items():
                arg = data if op == "loads" else value
                try:
                    fn(arg)
                except Exception as e:  # a peer that cannot handle this case
                    print(f"  {lib}.{op} fails on {case}: {type(e).__name__}: {e}"[:200], file=sys.stderr)
                    continue
                jobs.append((lib, op, fn, arg, calibrate(fn, arg, args.budget)))
        samples = {(lib, op): [] for lib, op, *_ in jobs}
        for _ in range(args.rounds):
            for lib, op, fn, arg, loops in jobs:
                samples[(lib, op)].append(time_per_call(fn, arg, loops))
        figures = {}
        for (lib, op), times in samples.items():
            figures.setdefault(lib, {})[op] = statistics.median(times)
        results[case] = {"bytes": len(data), "seconds_per_call": figures}
        print(f"  {case}: rjson loads {figures['rjson']['loads'] * 1e3:.3f} ms", file=sys.stderr)
    json.dump({"phases": list(rjson.enabled_phases()), "versions": versions, "cases": results}, sys.stdout)


if __name__ == "__main__":
    main()
