"""The benchmark: rjson's build variants beside orjson, ssrjson, msgspec,
ujson and json, on every bundled document, generated real-world shapes and
synthetic cases; every operation of benches/ops.py (options and hooks
included); the collector off and on while timing; on every interpreter it is
given; memory; instructions of the budget set.

Runs benches/measure.py once per variant (build/variants/<variant>, made by
scripts/build-variants) on the default interpreter, and once per extra
interpreter (--interpreter PYTHON=BUILD, set up by scripts/bench) on its
production build; then writes into the output folder:
  compare.md          the tables: time as a ratio to the reference library's
  compare.json        every figure, with the machine, interpreters and versions
  charts/<op>.png     one chart per operation, and charts/phases.png
  history.csv         one row per (run, interpreter, variant, case, op,
                      collector, library): appended by every full run"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import budget as budget_module
import ops
from cases import CORPUS, HEADLINE, QUICK, SHAPES, SYNTHETIC

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ROOT / "benches"
ALL_VARIANTS = ["baseline", "phase1", "phase2", "phase3", "phase4", "phase5"]
PRODUCTION = "phase5"
# Operations timed on the other interpreters' production builds.
INTERPRETER_OPS = ("loads", "loads_str", "dumps", "dumps_bytes")
HISTORY_FIELDS = ["date", "commit", "interpreter", "cpu", "variant", "case", "op", "collector", "library", "ratio"]


def progress(msg):
    print(f"[bench {datetime.datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def variant_path(variant):
    return ROOT / "build" / "variants" / variant


def run_measure(python, build, cases, rounds, budget, op_names=None, libs=None, collector="off,on"):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(build), str(BENCHES)]))
    cmd = [python, str(BENCHES / "measure.py"), "--cases", ",".join(cases), "--rounds", str(rounds),
           "--budget", str(budget), "--collector", collector]
    if op_names:
        cmd += ["--ops", ",".join(op_names)]
    if libs:
        cmd += ["--libs", ",".join(libs)]
    return json.loads(subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout)


def run_memory(python, build):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(build), str(BENCHES)]))
    out = subprocess.run([python, str(BENCHES / "memory.py")], env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)


# ---------------------------------------------------------------- figures


def ratio(run, case, op, lib, collector="off", against=None):
    """lib's time / the reference library's (or `against`'s) for one case."""
    try:
        table = run["cases"][case]["seconds_per_call"][collector][op]
        ref = against or run["references"][op]
        return table[lib] / table[ref]
    except (KeyError, ZeroDivisionError):
        return None


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def fmt(x):
    return "–" if x is None else f"{x:.2f}"


def groups(cases):
    """The case groups a geometric mean is taken over, as (label, cases)."""
    out = [("corpus, the 8 standard files", [c for c in cases if c in HEADLINE]),
           (f"corpus, all {len(CORPUS)} files", [c for c in cases if c in CORPUS]),
           ("real-world shapes", [c for c in cases if c in SHAPES])]
    return [(label, members) for label, members in out if members]


# ---------------------------------------------------------------- tables


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def headline(interpreters, cases):
    rows = []
    for label, run in interpreters.items():
        for op in run["references"]:
            ref = run["references"][op]
            cells = [label, f"`{op}`", ref]
            for _, members in groups(cases)[:1]:
                cells += [fmt(geomean(ratio(run, c, op, "rjson", "off") for c in members)),
                          fmt(geomean(ratio(run, c, op, "rjson", "on") for c in members))]
            for _, members in groups(cases)[1:]:
                cells.append(fmt(geomean(ratio(run, c, op, "rjson", "off") for c in members)))
            cells.append(fmt(geomean(ratio(run, c, op, "rjson", "off", against="ssrjson") for c in cases)))
            worst = max(((ratio(run, c, op, "rjson", "off") or 0, c) for c in cases), default=(0, ""))
            cells.append(f"{fmt(worst[0])} {worst[1]}")
            rows.append(cells)
    header = ["interpreter", "operation", "reference", "8 files, off", "8 files, on"]
    header += [f"{label.split(',')[-1].strip()}, off" for label, _ in groups(cases)[1:]]
    header += ["against ssrjson, every case, off", "slowest case, off"]
    return table(header, rows)


def per_operation(run, op, cases):
    ref = run["references"][op]
    libs = []
    for case in cases:
        for lib in run["cases"][case]["seconds_per_call"].get("off", {}).get(op, {}):
            if lib not in libs and lib not in ("rjson", ref):
                libs.append(lib)
    versus = "ssrjson" in libs
    header = ["case", "rjson, off", "rjson, on"] + (["rjson / ssrjson, off"] if versus else [])
    header += [f"{lib}, off" for lib in libs] + [f"{ref} time (ms)"]
    rows = []
    for case in cases:
        ref_time = run["cases"][case]["seconds_per_call"].get("off", {}).get(op, {}).get(ref)
        rows.append([case, fmt(ratio(run, case, op, "rjson", "off")), fmt(ratio(run, case, op, "rjson", "on"))]
                    + ([fmt(ratio(run, case, op, "rjson", "off", against="ssrjson"))] if versus else [])
                    + [fmt(ratio(run, case, op, lib, "off")) for lib in libs]
                    + ["–" if ref_time is None else f"{ref_time * 1e3:.3f}"])
    for label, members in groups(cases):
        cells = [geomean(ratio(run, c, op, "rjson", mode) for c in members) for mode in ("off", "on")]
        if versus:
            cells.append(geomean(ratio(run, c, op, "rjson", "off", against="ssrjson") for c in members))
        cells += [geomean(ratio(run, c, op, lib, "off") for c in members) for lib in libs]
        rows.append([f"**{label}**"] + [f"**{fmt(x)}**" for x in cells] + [""])
    return table(header, rows)


def per_interpreter(interpreters, op, cases):
    labels = list(interpreters)
    header = ["case"] + [f"{label} rjson" for label in labels] + [f"{label} ssrjson" for label in labels]
    rows = [[case] + [fmt(ratio(interpreters[l], case, op, "rjson")) for l in labels]
            + [fmt(ratio(interpreters[l], case, op, "ssrjson")) for l in labels] for case in cases]
    for label, members in groups(cases):
        rows.append([f"**{label}**"] + [f"**{fmt(geomean(ratio(interpreters[l], c, op, lib) for c in members))}**"
                                        for lib in ("rjson", "ssrjson") for l in labels])
    return table(header, rows)


def per_phase(variants, op, cases):
    names = list(variants)
    rows = [[case] + [fmt(ratio(variants[v], case, op, "rjson")) for v in names] for case in cases]
    for label, members in groups(cases):
        rows.append([f"**{label}**"] + [f"**{fmt(geomean(ratio(variants[v], c, op, 'rjson') for c in members))}**" for v in names])
    return table(["case"] + names, rows)


def memory_tables(memory):
    lines = [f"Peak RSS growth while loading a {memory['large_document_bytes'] / 1e6:.0f} MB list of records "
             "(the resident-set peak after `loads` minus before it, the document already read; MB):", ""]
    lines += table(["library", "MB"], [[lib, f"{n / 1e6:.1f}"] for lib, n in memory["peak_rss_growth"].items()])
    cases = list(next(iter(memory["caller_bytes_added"].values()), {}))
    lines += ["Bytes added to the caller's strs by one call (`sys.getsizeof` summed over every str of the value, "
              "after minus before; CPython keeps a str's UTF-8 inside it once a library asks for it):", ""]
    lines += table(["call"] + cases, [[name] + [f"{by_case[c]:,}" for c in cases]
                                      for name, by_case in memory["caller_bytes_added"].items()])
    return lines


def instruction_table(counts):
    committed = json.loads(budget_module.BUDGET.read_text()) if budget_module.BUDGET.exists() else {}
    rows = []
    for key, n in counts.items():
        allowed = committed.get(key)
        rows.append([key, f"{n / 1e6:.3f}", "–" if not allowed else f"{allowed / 1e6:.3f}",
                     "–" if not allowed else f"{(n - allowed) / allowed:+.2%}"])
    return table(["call (production build, AVX2 kernels)", "millions now", "budget (benches/budget.json)", "change"], rows)


def markdown(record, cases):
    m = record["machine"]
    variants, interpreters = record["variants"], record["interpreters"]
    prod_label = next(iter(interpreters))
    prod = interpreters[prod_label]
    lines = [
        "# rjson benchmark",
        "",
        f"`{m['command']}` at {m['commit']}, {m['date']}; {m['cpu']}, {m['cpus']} CPUs; "
        f"interpreters {', '.join(interpreters)}; {', '.join(f'{k} {v}' for k, v in sorted(prod['versions'].items()))}.",
        "",
        "Every figure is **rjson's time per call divided by the reference library's** (lower is faster; 0.80 means "
        "rjson takes 80 % of the reference's time), measured in one process with the libraries taking turns "
        "(the median of the rounds). The reference is orjson with the same option where it has it, the standard "
        "library's `json` for hooks and Decimal; `dumps` (str) and `dumps(ensure_ascii=True)` are compared with "
        "plain `orjson.dumps` (bytes). **off**: the cyclic collector disabled while timing (the headline: the "
        "engines' own speed; rjson pauses the collector inside `loads`, its peers do not); **on**: enabled, as a "
        "program runs. Geometric means over the groups named.",
        "",
        "## Headline: the production build on every interpreter",
        "",
    ]
    lines += headline(interpreters, cases)
    for op in prod["references"]:
        lines += [f"## `{op}` ({prod_label}), against {prod['references'][op]}", ""]
        lines += per_operation(prod, op, cases)
        lines += [f"![{op}](charts/{op}.png)", ""]
    if len(interpreters) > 1:
        for op in INTERPRETER_OPS:
            lines += [f"## `{op}` per interpreter, collector off, against orjson", ""]
            lines += per_interpreter(interpreters, op, cases)
    if len(variants) > 1:
        for op in ops.PHASE_OPS:
            lines += [f"## `{op}` per build variant, collector off, against orjson", ""]
            lines += per_phase(variants, op, cases)
        lines += ["![phases](charts/phases.png)", ""]
    if record.get("memory"):
        lines += [f"## Memory ({prod_label}, production build)", ""] + memory_tables(record["memory"])
    if record.get("instructions"):
        lines += ["## Instructions per call of the budget set (callgrind)", ""] + instruction_table(record["instructions"])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- charts


def charts(record, cases, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    interpreters = record["interpreters"]
    label, prod = next(iter(interpreters.items()))
    for op, ref in prod["references"].items():
        fig, ax = plt.subplots(figsize=(8, 0.28 * len(cases) + 1.5))
        ys = range(len(cases))
        for lib, marker in (("rjson", "o"), ("ssrjson", "s"), ("msgspec", "^"), ("json", "x")):
            xs = [ratio(prod, c, op, lib) for c in cases]
            if lib != ref and any(xs):
                ax.scatter([x or float("nan") for x in xs], ys, marker=marker, label=f"{lib}, collector off")
        on = [ratio(prod, c, op, "rjson", "on") for c in cases]
        ax.scatter([x or float("nan") for x in on], ys, marker="|", color="black", label="rjson, collector on")
        ax.axvline(1.0, color="red", linestyle="--", label=ref)
        ax.set_yticks(list(ys), cases, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel(f"time / {ref}'s time (lower is faster)")
        ax.set_title(f"{op} ({label})")
        ax.grid(True, axis="x", which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / f"{op}.png", dpi=90)
        plt.close(fig)
    variants = record["variants"]
    if len(variants) > 1:
        fig, axes = plt.subplots(1, len(ops.PHASE_OPS), figsize=(14, 4.5), sharey=True)
        names = list(variants)
        for ax, op in zip(axes, ops.PHASE_OPS):
            for group, members in groups(cases):
                ax.plot(names, [geomean(ratio(variants[v], c, op, "rjson") for c in members) for v in names], marker="o", label=group)
            ax.axhline(1.0, color="red", linestyle="--", label="orjson")
            ax.set_title(f"{op}: time / orjson's, collector off")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(out / "phases.png", dpi=90)
        plt.close(fig)


# ---------------------------------------------------------------- history


def append_history(record, path):
    m = record["machine"]
    new = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(HISTORY_FIELDS)
        runs = [(label, PRODUCTION, run, ("rjson", "ssrjson")) for label, run in record["interpreters"].items()]
        runs += [(next(iter(record["interpreters"])), v, run, ("rjson",)) for v, run in record["variants"].items() if v != PRODUCTION]
        for label, variant, run, libs in runs:
            for case in run["cases"]:
                for collector, by_op in run["cases"][case]["seconds_per_call"].items():
                    for op in by_op:
                        for lib in libs:
                            r = ratio(run, case, op, lib, collector)
                            if r is not None:
                                writer.writerow([m["date"], m["commit"], label, m["cpu"], variant, case, op, collector, lib, f"{r:.4f}"])


# ---------------------------------------------------------------- main


def machine(argv):
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "+changes"
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "commit": commit,
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "command": os.environ.get("RJSON_BENCH_COMMAND") or " ".join(["benches/compare.py"] + argv),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default=",".join(ALL_VARIANTS), help="comma-separated (default: all six)")
    parser.add_argument("--cases", help="comma-separated case names: corpus files, " + ", ".join(SHAPES + SYNTHETIC))
    parser.add_argument("--ops", help="comma-separated operations of the production build (default: all of benches/ops.py)")
    parser.add_argument("--quick", action="store_true", help="four cases, the production build only, short rounds, no memory or callgrind (under 5 minutes)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--budget", type=float, help="seconds per timed loop")
    parser.add_argument("--interpreter", action="append", default=[], metavar="PYTHON=BUILD",
                        help="also measure the production build in BUILD under PYTHON (scripts/bench --python sets these)")
    parser.add_argument("--no-memory", dest="memory", action="store_false", help="skip the memory figures")
    parser.add_argument("--no-callgrind", dest="callgrind", action="store_false", help="skip the instruction counts of the budget set")
    parser.add_argument("--out", default=str(BENCHES / "results"))
    parser.add_argument("--render", action="store_true", help="measure nothing: write compare.md and the charts again from compare.json")
    args = parser.parse_args()
    out = Path(args.out)
    if args.render:
        record = json.loads((out / "compare.json").read_text())
        cases = list(next(iter(record["interpreters"].values()))["cases"])
        (out / "compare.md").write_text(markdown(record, cases))
        charts(record, cases, out / "charts")
        progress(f"wrote {out}/compare.md and charts/ from compare.json")
        return

    variants = [PRODUCTION] if args.quick else args.variants.split(",")
    for v in variants:
        if not variant_path(v).exists():
            sys.exit(f"no build of {v} in {variant_path(v)}: run scripts/build-variants {v}")
    cases = args.cases.split(",") if args.cases else (QUICK if args.quick else CORPUS + SHAPES + SYNTHETIC)
    rounds = args.rounds or (3 if args.quick else 5)
    budget = args.budget or (0.02 if args.quick else 0.04)
    op_names = args.ops.split(",") if args.ops else None
    full = not (args.quick or args.cases or args.ops or args.rounds or args.budget) and args.variants == ",".join(ALL_VARIANTS)
    steps = len(variants) + len(args.interpreter) + (0 if args.quick else args.memory + args.callgrind)
    step = 0

    def announce(what):
        nonlocal step
        step += 1
        progress(f"[{step}/{steps}] {what}")

    record = {"machine": machine(sys.argv[1:]), "rounds": rounds, "budget_seconds": budget, "variants": {}, "interpreters": {}}
    default_label = f"CPython {platform.python_version()}"
    for variant in variants:
        announce(f"{variant} on {default_label}, {len(cases)} cases")
        if variant == PRODUCTION:
            run = run_measure(sys.executable, variant_path(variant), cases, rounds, budget, op_names)
            record["interpreters"][default_label] = run
        else:
            run = run_measure(sys.executable, variant_path(variant), cases, rounds, budget,
                              ops.PHASE_OPS, ["rjson", "orjson"], collector="off")
        record["variants"][variant] = run
    for spec in args.interpreter:
        python, build = spec.split("=", 1)
        version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                                 check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
        announce(f"{PRODUCTION} on CPython {version}, {len(cases)} cases")
        record["interpreters"][f"CPython {version}"] = run_measure(python, build, cases, rounds, budget, INTERPRETER_OPS)
    if not args.quick and args.memory:
        announce("memory")
        record["memory"] = run_memory(sys.executable, variant_path(PRODUCTION))
    if not args.quick and args.callgrind:
        announce("instructions of the budget set under callgrind")
        reason = budget_module.why_not()
        if reason:
            progress(f"no instruction counts: {reason}")
        else:
            record["instructions"] = {f"{op} {case}": budget_module.count(case, op) for case, op in budget_module.CALLS}
    if not record["interpreters"]:
        sys.exit("the production build (phase5) must be among the variants")

    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(record, indent=1))
    text = markdown(record, cases)
    (out / "compare.md").write_text(text)
    charts(record, cases, out / "charts")
    if full:
        append_history(record, out / "history.csv")
    progress(f"wrote {out}/compare.md, compare.json, charts/" + (", history.csv" if full else " (history.csv: full runs only)"))


if __name__ == "__main__":
    main()
