"""The per-phase comparison: rjson's build variants beside orjson, ssrjson,
msgspec, ujson and json on the bundled corpus and synthetic cases.

Runs benches/measure.py once per variant (build/variants/<variant>, made by
scripts/build-variants), then writes into the output folder:
  compare.md    tables of speed relative to orjson, per variant, case and op
  compare.json  every figure, with the machine, Python and library versions
  compare.png   speed per phase relative to orjson
It also counts instructions per call under callgrind (benches/callgrind.py;
--no-callgrind skips it), the figure that stays stable on a noisy machine."""

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import callgrind
from cases import CORPUS, QUICK_CORPUS, SYNTHETIC

ROOT = Path(__file__).resolve().parent.parent
ALL_VARIANTS = ["baseline", "phase1", "phase2", "phase3", "phase4", "phase5"]
# Each rjson op and the orjson op it is compared with.
OPS = {"loads": "loads", "dumps": "dumps_bytes", "dumps_bytes": "dumps_bytes"}
PEERS = ["orjson", "ssrjson", "msgspec", "ujson", "json"]


def progress(msg):
    print(f"[compare {datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def variant_path(variant):
    return ROOT / "build" / "variants" / variant


def run_measure(variant, cases, rounds, budget):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(variant_path(variant)), str(ROOT / "benches")]))
    cmd = [sys.executable, str(ROOT / "benches" / "measure.py"), "--cases", ",".join(cases), "--rounds", str(rounds), "--budget", str(budget)]
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


def speed_vs_orjson(figures, lib, op):
    """orjson's time / lib's time for `op` (above 1: faster than orjson)."""
    mine = figures.get(lib, {}).get(op)
    theirs = figures.get("orjson", {}).get(OPS.get(op, op))
    if not mine or not theirs:
        return None
    return theirs / mine


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def fmt(x):
    return "n/a" if x is None else f"{x:.2f}"


def markdown(results, variants, cases, counts):
    lines = ["Speed relative to orjson, measured in the same process: orjson's time per call divided by rjson's",
             "(above 1.00 is faster than orjson). `dumps` (str) and `dumps_bytes` are both compared with `orjson.dumps` (bytes).", ""]
    corpus = [c for c in cases if c in CORPUS]
    for op in ("loads", "dumps", "dumps_bytes"):
        lines += [f"### {op}", "", "| case | " + " | ".join(variants) + " |", "|---|" + "---:|" * len(variants)]
        for case in cases:
            row = [fmt(speed_vs_orjson(results[v]["cases"][case]["seconds_per_call"], "rjson", op)) for v in variants]
            lines.append(f"| {case} | " + " | ".join(row) + " |")
        if corpus:
            row = [fmt(geomean(speed_vs_orjson(results[v]["cases"][c]["seconds_per_call"], "rjson", op) for c in corpus)) for v in variants]
            lines.append("| **geometric mean, corpus** | " + " | ".join(f"**{x}**" for x in row) + " |")
        lines.append("")
    last = variants[-1]
    lines += [f"### peers (in the {last} run), relative to orjson: loads / dumps to bytes", "",
              "| case | rjson " + last + " | " + " | ".join(PEERS) + " |", "|---|" + "---:|" * (len(PEERS) + 1)]
    for case in cases:
        figures = results[last]["cases"][case]["seconds_per_call"]
        cells = []
        for lib in ["rjson"] + PEERS:
            dump_op = "dumps_bytes" if "dumps_bytes" in figures.get(lib, {}) else "dumps"
            cells.append(f"{fmt(speed_vs_orjson(figures, lib, 'loads'))} / {fmt(speed_vs_orjson(figures, lib, dump_op))}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines += ["", "### time per call (ms): orjson, and rjson per variant", "",
              "| case | orjson loads | orjson dumps | " + " | ".join(f"{v} loads / dumps" for v in variants) + " |",
              "|---|---:|---:|" + "---:|" * len(variants)]
    for case in cases:
        ref = results[variants[-1]]["cases"][case]["seconds_per_call"].get("orjson", {})
        cells = [f"{ref.get('loads', 0) * 1e3:.3f}", f"{ref.get('dumps_bytes', 0) * 1e3:.3f}"]
        for v in variants:
            f = results[v]["cases"][case]["seconds_per_call"]["rjson"]
            cells.append(f"{f['loads'] * 1e3:.3f} / {f['dumps'] * 1e3:.3f}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    if counts:
        lines += ["", callgrind.markdown(counts, variants)]
    return "\n".join(lines) + "\n"


def chart(results, variants, cases, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    for ax, op in zip(axes, ("loads", "dumps")):
        for case in cases:
            ys = [speed_vs_orjson(results[v]["cases"][case]["seconds_per_call"], "rjson", op) for v in variants]
            ax.plot(variants, [y or float("nan") for y in ys], marker="o", linewidth=1, alpha=0.6, label=case)
        corpus = [c for c in cases if c in CORPUS]
        if corpus:
            gm = [geomean(speed_vs_orjson(results[v]["cases"][c]["seconds_per_call"], "rjson", op) for c in corpus) for v in variants]
            ax.plot(variants, gm, color="black", linewidth=3, marker="s", label="geomean (corpus)")
        ax.axhline(1.0, color="red", linestyle="--", label="orjson")
        ax.set_title(f"{op}: speed relative to orjson (higher is faster)")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(ALL_VARIANTS), help="comma-separated (default: all six)")
    parser.add_argument("--cases", help="comma-separated case names (corpus files or: " + ", ".join(SYNTHETIC) + ")")
    parser.add_argument("--quick", action="store_true", help="four corpus files, fewer and shorter rounds")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--budget", type=float, help="seconds per timed loop")
    parser.add_argument("--no-callgrind", dest="callgrind", action="store_false",
                        help="skip the instruction counts under valgrind (the slow, stable figure)")
    parser.add_argument("--out", default=str(ROOT / "benches" / "results"))
    args = parser.parse_args()

    variants = args.variants.split(",")
    for v in variants:
        if not variant_path(v).exists():
            sys.exit(f"no build of {v} in {variant_path(v)}: run scripts/build-variants {v}")
    cases = args.cases.split(",") if args.cases else (QUICK_CORPUS if args.quick else CORPUS + SYNTHETIC)
    rounds = args.rounds or (3 if args.quick else 7)
    budget = args.budget or (0.02 if args.quick else 0.05)

    results = {}
    for i, variant in enumerate(variants, 1):
        progress(f"measuring {variant} ({i}/{len(variants)}) on {len(cases)} cases")
        results[variant] = run_measure(variant, cases, rounds, budget)
    counts = None
    if args.callgrind:
        progress("counting instructions under callgrind")
        counts = callgrind.count_all(variants, [c for c in cases if c in CORPUS] or cases, progress)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": sys.version,
        "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
    }
    record = {"machine": machine, "rounds": rounds, "budget_seconds": budget, "variants": results, "instructions": counts}
    (out / "compare.json").write_text(json.dumps(record, indent=1))
    table = markdown(results, variants, cases, counts)
    (out / "compare.md").write_text(f"<!-- {machine['date']}, {machine['platform']}, Python {platform.python_version()} -->\n" + table)
    chart(results, variants, cases, out / "compare.png")
    print(table)
    progress(f"wrote {out}/compare.md, compare.json, compare.png")


if __name__ == "__main__":
    main()
