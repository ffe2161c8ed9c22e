"""Two rjson builds (and orjson) timed in one process, taking turns: the
A/B comparison for one change, steadier on a shared machine than two runs
of benches/compare.py, whose variants run in separate processes minutes
apart. Each figure is the best of 25 rounds of a ~30 ms loop.

Usage: benches/ab.py DIR_A DIR_B OP CASE...
  DIR_A, DIR_B: installed builds (e.g. build/variants/phase5, or a copy of
  it made before the change); OP: loads or dumps_bytes; CASE: names from
  benches/cases.py (twitter.json, ...)."""

import glob
import importlib.util
import json
import sys

from cases import load_cases
from measure import calibrate, time_per_call


def load_build(directory):
    """The extension module of the build in `directory`, loaded under its own
    name: a second copy of the shared library, independent of the first."""
    path = glob.glob(f"{directory}/rjson/_rjson*.so")[0]
    spec = importlib.util.spec_from_file_location("rjson._rjson", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop("rjson._rjson", None)
    return module


def main():
    import orjson

    build_a, build_b = load_build(sys.argv[1]), load_build(sys.argv[2])
    op = sys.argv[3]
    for case in sys.argv[4:]:
        data = load_cases([case])[case]
        arg = data if op == "loads" else json.loads(data)
        fns = {"A": getattr(build_a, op), "B": getattr(build_b, op), "orjson": orjson.loads if op == "loads" else orjson.dumps}
        loops = calibrate(fns["A"], arg, 0.03)
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(25):
            for name, fn in fns.items():
                best[name] = min(best[name], time_per_call(fn, arg, loops))
        print(
            f"{op:11s} {case:20s} A {best['A'] * 1e3:8.3f} ms  B {best['B'] * 1e3:8.3f} ms  B/A {best['B'] / best['A']:5.3f}"
            f"   orjson/A {best['orjson'] / best['A']:5.2f}  orjson/B {best['orjson'] / best['B']:5.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
