"""Instructions per call under `valgrind --tool=callgrind`: the stable figure
for comparing phases on a noisy machine. Each (variant, case, op) runs a small
script twice, with 1 and with 1+K calls; the difference over K is the cost of
one call, free of interpreter start-up and setup."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from cases import load_cases
from ops import PEER_NAMES

ROOT = Path(__file__).resolve().parent.parent
# Calls counted beyond the first: 2, or enough for 200 KB of JSON, so
# that a small document's count is not lost in the interpreter's own
# variation between runs (one_small_object: +-700 instructions with 2).
MIN_EXTRA_CALLS = 2
EXTRA_BYTES = 200_000

# The measured loop: `lib`'s call for `op` (any operation of benches/ops.py)
# on `case`, `calls` times.
SCRIPT = """
import sys, json
sys.path[:0] = [{benches!r}]
import ops, rjson
from cases import load_cases
lib, op, case, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = ops.operations(rjson)[op]
data = load_cases([case])[case]
arg = {{"bytes": data, "str": data.decode(), "value": json.loads(data)}}[spec["input"]]
fn = spec["calls"][lib]
for _ in range(calls):
    fn(arg)
"""


def count_script(script, args, env):
    """Instructions of the Python source `script` run with `args` under
    callgrind, `env` added to the environment."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        path = Path(tmp) / "run.py"
        path.write_text(script)
        # A fixed hash seed: dict and str hashing must cost the same in every run.
        env = dict(os.environ, PYTHONHASHSEED="0", **env)
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(path), *args]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        match = re.search(r"^summary:\s*(\d+)", out.read_text(), re.M)
        return int(match.group(1))


def count_per_call(script, args, env, extra):
    """Instructions of one call: `script`, whose last argument is how many
    calls it makes, run with `args` and 1 call, then 1 + `extra` calls; the
    difference over `extra`, free of start-up and setup."""
    one = count_script(script, [*args, "1"], env)
    more = count_script(script, [*args, str(1 + extra)], env)
    return (more - one) // extra


def per_call(variant, lib, op, case):
    extra = max(MIN_EXTRA_CALLS, EXTRA_BYTES // len(load_cases([case])[case]))
    script = SCRIPT.format(benches=str(ROOT / "benches"))
    env = {"PYTHONPATH": str(ROOT / "build" / "variants" / variant)}
    return count_per_call(script, [lib, op, case], env, extra)


def main():
    """`python benches/callgrind.py OP CASES BUILD...`: rjson's instructions
    per call (millions) of OP (any operation of benches/ops.py) on each of the
    comma-separated CASES, for each installed BUILD (a variant under
    build/variants, or a directory; a peer's name, such as `orjson` or
    `ssrjson`, counts that library's call for OP): the A/B figure for one
    change."""
    op, cases, builds = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
    resolved = [str(Path(b).resolve()) if os.sep in b else b for b in builds]
    # orjson's call runs beside the first rjson build named (benches/ops.py
    # imports rjson), which is built for the interpreter running this.
    beside = next((b for b in resolved if b not in PEER_NAMES), "phase5")

    def count(build, case):
        if build in PEER_NAMES:
            return per_call(beside, build, op, case)
        return per_call(build, "rjson", op, case)

    for case in cases:
        counts = [count(build, case) for build in resolved]
        print(f"{op:12s} {case:24s}", " ".join(f"{n / 1e6:8.3f}" for n in counts), flush=True)


if __name__ == "__main__":
    main()
