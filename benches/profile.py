"""Where one call spends its time, for one build variant on one case.

  python benches/profile.py --variant phase5 --case twitter.json --op loads
      callgrind profile of the call: the functions with the most instructions
  ... --tool perf      perf record/report instead (where the kernel allows perf)
  ... --alloc          heap allocations per call (valgrind dhat, with Python's
                       allocator routed to malloc so every object counts;
                       --pymalloc keeps Python's own: only blocks over 512
                       bytes and the library's own buffers count)
  ... --env K=V        run the call with an environment switch (repeatable),
                       e.g. RJSON_TWO_STAGE_MIN=0

Run scripts/build-variants <variant> first (scripts/bench does)."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benches"))
from callgrind import SCRIPT  # noqa: E402  the same measured loop


def run(tool_args, variant, op, case, calls, tmp, extra_env=None):
    script = Path(tmp) / "run.py"
    script.write_text(SCRIPT.format(benches=str(ROOT / "benches")))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "build" / "variants" / variant), PYTHONHASHSEED="0", **(extra_env or {}))
    cmd = tool_args + [sys.executable, str(script), "rjson", op, case, str(calls)]
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", default="phase5")
    parser.add_argument("--case", default="twitter.json")
    parser.add_argument("--op", default="loads", choices=["loads", "dumps", "dumps_bytes"])
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--tool", default="callgrind", choices=["callgrind", "perf"])
    parser.add_argument("--alloc", action="store_true", help="count heap allocations per call instead")
    parser.add_argument("--pymalloc", action="store_true", help="with --alloc: keep Python's small-object allocator")
    parser.add_argument("--env", action="append", default=[], metavar="K=V", help="an environment switch for the call")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()

    switches = dict(pair.split("=", 1) for pair in args.env)
    with tempfile.TemporaryDirectory() as tmp:
        if args.alloc:
            counts = []
            for calls in (1, 1 + args.calls):
                out = run(["valgrind", "--tool=dhat", f"--dhat-out-file={tmp}/dhat.json"], args.variant, args.op, args.case, calls, tmp,
                          dict(switches, **({} if args.pymalloc else {"PYTHONMALLOC": "malloc"})))
                m = re.search(r"Total:\s+([\d,]+) bytes in ([\d,]+) blocks", out.stderr)
                counts.append((int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))))
            (b1, n1), (b2, n2) = counts
            print(f"{args.variant} {args.op} {args.case}: {(n2 - n1) / args.calls:,.0f} allocations, "
                  f"{(b2 - b1) / args.calls:,.0f} bytes allocated per call")
            return
        if args.tool == "perf":
            if shutil.which("perf") is None:
                sys.exit("perf is not installed (Debian: linux-perf)")
            data = f"{tmp}/perf.data"
            run(["perf", "record", "-g", "-o", data], args.variant, args.op, args.case, args.calls * 20, tmp, switches)
            report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children"], capture_output=True, text=True)
            print("\n".join(report.stdout.splitlines()[: args.top * 3]))
            return
        out_file = f"{tmp}/callgrind.out"
        run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"], args.variant, args.op, args.case, args.calls, tmp, switches)
        report = subprocess.run(["callgrind_annotate", "--inclusive=no", out_file], capture_output=True, text=True)
        print("\n".join(report.stdout.splitlines()[: args.top + 20]))


if __name__ == "__main__":
    main()
