"""phase5 `dumps` with and without its transcoding thread, in one process:
two copies of one build, one with the thread from any size and one without
(RJSON_TRANSCODE_THREAD_MIN is read once per copy), timed in rounds beside
its `dumps_bytes` and orjson's `dumps` (benches/ab_rounds.py's
`timed_rounds`). The strs' UTF-8 is made first (by orjson), as in
benches/measure.py's runs.

Usage: benches/ab_thread.py BUILD ROUNDS CASE...   (run from benches/)
A CASE `twitter:N` is twitter.json's first N statuses."""

import json
import os
import shutil
import statistics
import sys
import tempfile

import orjson

from ab import load_build
from ab_rounds import timed_rounds
from cases import load_cases


def case_value(case):
    if case.startswith("twitter:"):
        statuses = json.loads(load_cases(["twitter.json"])["twitter.json"])["statuses"]
        return {"statuses": statuses[: int(case.split(":")[1])]}
    return json.loads(load_cases([case])[case])


def copy_with_thread_min(build, thread_min, value, scratch):
    """The build loaded from a copy of its own in `scratch` (its own
    statics), the threshold set by its first wide `dumps`."""
    os.environ["RJSON_TRANSCODE_THREAD_MIN"] = str(thread_min)
    module = load_build(shutil.copytree(build, tempfile.mkdtemp(dir=scratch) + "/build"))
    module.dumps(value)
    return module


def main():
    build, rounds = sys.argv[1], int(sys.argv[2])
    scratch = tempfile.TemporaryDirectory()
    for case in sys.argv[3:]:
        value = case_value(case)
        orjson.dumps(value)
        threaded = copy_with_thread_min(build, 0, value, scratch.name)
        alone = copy_with_thread_min(build, 1 << 60, value, scratch.name)
        fns = [threaded.dumps, alone.dumps, threaded.dumps_bytes, orjson.dumps]
        per_round = timed_rounds(fns, value, rounds, 5)
        m = [statistics.median(t[i] for t in per_round) * 1e6 for i in range(len(fns))]
        chars = len(threaded.dumps(value))
        print(
            f"{case} ({chars} characters): dumps with thread {m[0]:.1f} us, without {m[1]:.1f} us "
            f"(ratio {m[0] / m[1]:.3f}); dumps_bytes {m[2]:.1f} us; orjson {m[3]:.1f} us "
            f"(orjson/thread {m[3] / m[0]:.3f}); thread stats {threaded._transcode_thread_stats()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
