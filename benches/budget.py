"""The per-commit performance budget that does not depend on the clock:
instructions per call (callgrind) of a fixed set of production-build calls,
committed in benches/budget.json.

  python benches/budget.py check    fails when a count is more than 3 % above
                                    the committed budget (scripts/test runs it)
  python benches/budget.py update   writes the counts measured now as the budget

A change that costs instructions on purpose updates the budget in the same
commit. Deterministic: a fixed hash seed, the AVX2 kernels forced (valgrind
runs AVX2 but hides AVX-512), the documents far below the sizes that start
threads. Skipped, with a message, where valgrind or AVX2 is missing."""

import json
import os
import shutil
import sys
from pathlib import Path

import callgrind
from cases import load_cases

ROOT = Path(__file__).resolve().parent.parent
BUDGET = ROOT / "benches" / "budget.json"
TOLERANCE = 0.03
# (case, operation of benches/ops.py): corpus loads and dumps, a str result
# of non-Latin text, two options, one hook.
CALLS = [
    ("twitter.json", "loads"),
    ("citm_catalog.json", "loads"),
    ("canada.json", "loads"),
    ("i18n_cjk", "loads_str"),
    ("twitter.json", "dumps_bytes"),
    ("citm_catalog.json", "dumps_bytes"),
    ("canada.json", "dumps_bytes"),
    ("i18n_cjk", "dumps"),
    ("twitter.json", "dumps_bytes_indent2"),
    ("citm_catalog.json", "dumps_bytes_sort_keys"),
    ("twitter.json", "loads_object_hook"),
]
EXTRA_CALLS = 3


def build_path():
    return Path(os.environ.get("RJSON_BUDGET_BUILD", ROOT / "build" / "variants" / "phase5"))


def why_not():
    """None when the counts can be taken here, else the reason they cannot."""
    if shutil.which("valgrind") is None:
        return "valgrind is not installed"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "no /proc/cpuinfo to tell whether the CPU has AVX2"
    if " avx2" not in flags:
        return "the CPU has no AVX2 (the budget is counted on the AVX2 kernels)"
    if not build_path().exists():
        return f"no production build in {build_path()} (scripts/build-variants phase5)"
    return None


def count(case, op):
    """rjson's instructions for one call of `op` on `case`: (1+K calls - 1 call) / K."""
    script = callgrind.SCRIPT.format(benches=str(ROOT / "benches"))
    env = {"PYTHONPATH": str(build_path()), "RJSON_KERNELS": "avx2"}
    return callgrind.count_per_call(script, ["rjson", op, case], env, EXTRA_CALLS)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    if mode not in ("check", "update"):
        sys.exit(__doc__)
    reason = why_not()
    if reason:
        print(f"instruction budget NOT CHECKED: {reason}", file=sys.stderr)
        return 0
    load_cases([case for case, _ in CALLS])  # fail early on a missing document
    budget = json.loads(BUDGET.read_text()) if BUDGET.exists() else {}
    counts, over = {}, []
    for case, op in CALLS:
        key = f"{op} {case}"
        counts[key] = n = count(case, op)
        allowed = budget.get(key)
        if allowed is None:
            verdict = "no budget"
        else:
            change = (n - allowed) / allowed
            verdict = f"{change:+.2%} against {allowed:,}"
            if change > TOLERANCE:
                over.append(key)
                verdict += "  OVER BUDGET"
        print(f"  {key:40s} {n:>14,}  {verdict}", file=sys.stderr, flush=True)
    if mode == "update":
        BUDGET.write_text(json.dumps(counts, indent=1) + "\n")
        print(f"wrote {BUDGET}", file=sys.stderr)
        return 0
    missing = [key for key in counts if key not in budget]
    if over or missing:
        print(f"instruction budget FAILED: {len(over)} call(s) more than {TOLERANCE:.0%} over, "
              f"{len(missing)} without a budget; if it is meant, `python benches/budget.py update` "
              "and commit benches/budget.json", file=sys.stderr)
        return 1
    print("instruction budget held", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
