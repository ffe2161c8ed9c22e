"""Leak soak: each case of tests/test_hardening.py (corpus loads and dumps,
malformed input, failing hooks and `default`, circular references, ...)
called many thousand times; prints how much memory grew per 10,000 calls.

  blocks   sys.getallocatedblocks() after a gc.collect(): Python objects and
           buffers still alive (a leaked reference per call shows ~10,000)
  rss      resident memory (KiB) from /proc/self/statm
  traced   tracemalloc's traced bytes, over a second run with tracing on

Usage (a build on PYTHONPATH, as scripts/harden sets it):
  python fuzz/soak.py [--calls 10000] [--warmup 1000] [--max-blocks 500]
Exits non-zero if any case grows by more than --max-blocks blocks.
"""

import argparse
import gc
import os
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_hardening import CASES, call_quietly  # noqa: E402

import rjson  # noqa: E402

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_KIB


def run(fn, calls):
    for _ in range(calls):
        call_quietly(fn)
    gc.collect()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--warmup", type=int, default=1_000)
    ap.add_argument("--max-blocks", type=int, default=500)
    args = ap.parse_args()
    scale = 10_000 / args.calls
    print(f"rjson {rjson.enabled_phases() or ('baseline',)}: growth per 10,000 calls "
          f"({args.calls} calls after {args.warmup} warm-up)")
    print(f"{'case':<22} {'blocks':>8} {'rss KiB':>8} {'traced B':>9}")
    worst = 0
    for name, fn in CASES.items():
        run(fn, args.warmup)
        blocks, rss = sys.getallocatedblocks(), rss_kib()
        run(fn, args.calls)
        grown_blocks = (sys.getallocatedblocks() - blocks) * scale
        grown_rss = (rss_kib() - rss) * scale
        tracemalloc.start()
        run(fn, args.warmup // 10)
        traced = tracemalloc.get_traced_memory()[0]
        run(fn, args.calls // 10)
        grown_traced = (tracemalloc.get_traced_memory()[0] - traced) * scale * 10
        tracemalloc.stop()
        worst = max(worst, grown_blocks)
        print(f"{name:<22} {grown_blocks:>+8.0f} {grown_rss:>+8.0f} {grown_traced:>+9.0f}", flush=True)
    print(f"largest block growth: {worst:+.0f} per 10,000 calls (limit {args.max_blocks})")
    sys.exit(1 if worst > args.max_blocks else 0)


if __name__ == "__main__":
    main()
