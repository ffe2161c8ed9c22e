"""Parallel writing of large documents: `rjson` with its threads against
`RJSON_THREADS=1`, and orjson with the same option, on ~40 MB documents
(lists of twitter.json's statuses with extra fields, of ASCII-only records
and of rows of floats; a dict of the records by key). Each thread setting runs in its own process (rjson reads it once a
process); in each, rjson and orjson are interleaved, the best of 15 rounds
of 2 calls, collector off. The speedup of the threads is the ratio of the
two processes' rjson/orjson ratios (orjson, single-threaded, is the yardstick
that cancels the processes' differences), beside the plain times. Then
lists of small records from 0.1 to 1.5 MB with the threads at every size
(`RJSON_PARALLEL_MIN_BYTES=0`) against one thread: where they start to pay.

Usage: PYTHONPATH=build/variants/phase5 python benches/parallel.py [--out FILE.md]
(from the repository root)"""

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import timeit

TARGET_BYTES = 40_000_000


def documents():
    statuses = json.load(open("data/corpus/twitter.json", encoding="utf-8"))["statuses"]
    tweets, i = [], 0
    size = sum(len(json.dumps(s, ensure_ascii=False).encode()) for s in statuses) / len(statuses)
    while len(tweets) * size < TARGET_BYTES:
        status = dict(statuses[i % len(statuses)])
        status["seq"], status["score"], status["labels"] = i, i * 0.37, ["a", "b", str(i)]
        tweets.append(status)
        i += 1
    rng = random.Random(5)
    records = [
        {
            "id": i,
            "name": "user%d" % rng.randint(1, 10**6),
            "email": "user%d@example.com" % i,
            "active": i % 3 == 0,
            "score": rng.random() * 100,
            "tags": ["alpha", "beta", "gamma"][: i % 4],
            "address": {"street": "%d Main St" % i, "city": "Springfield", "zip": "%05d" % (i % 99999)},
            "note": None,
        }
        for i in range(160_000)
    ]
    rows = [[rng.uniform(-1e3, 1e3) for _ in range(12)] for _ in range(180_000)]
    keyed = {"user-%d" % r["id"]: r for r in records}
    return {"twitter statuses": tweets, "ascii records": records, "keyed records (dict)": keyed, "float rows": rows}


def small_records(count):
    rng = random.Random(5)
    return [
        {"id": i, "name": "user%d" % rng.randint(1, 10**6), "score": rng.random() * 100, "tags": ["alpha", "beta"][: i % 3],
         "address": {"street": "%d Main St" % i, "city": "Springfield"}, "note": None}
        for i in range(count)
    ]


def measure_sizes():
    """Runs in a child: seconds per `dumps_bytes` of lists of small records
    of growing size, best of 15 rounds of 20 calls (rjson and orjson
    interleaved), as one JSON line."""
    import orjson

    import rjson

    gc.disable()
    results = {}
    for count in (1_000, 2_000, 4_000, 8_000, 16_000):
        doc = small_records(count)
        size = len(rjson.dumps_bytes(doc))
        best = {"rjson": float("inf"), "orjson": float("inf")}
        for _ in range(15):
            best["rjson"] = min(best["rjson"], timeit.timeit(lambda: rjson.dumps_bytes(doc), number=20) / 20)
            best["orjson"] = min(best["orjson"], timeit.timeit(lambda: orjson.dumps(doc), number=20) / 20)
        results[str(count)] = dict(best, bytes=size)
    print(json.dumps(results))


def measure():
    """Runs in a child: prints one JSON line of seconds per call."""
    import orjson

    import rjson

    gc.disable()
    ops = {
        "dumps_bytes": (lambda d: rjson.dumps_bytes(d), lambda d: orjson.dumps(d)),
        "dumps (str)": (lambda d: rjson.dumps(d), lambda d: orjson.dumps(d).decode()),
        "indent=2": (lambda d: rjson.dumps_bytes(d, indent=2), lambda d: orjson.dumps(d, option=orjson.OPT_INDENT_2)),
        "sort_keys": (
            lambda d: rjson.dumps_bytes(d, sort_keys=True),
            lambda d: orjson.dumps(d, option=orjson.OPT_SORT_KEYS),
        ),
    }
    results = {}
    for name, doc in documents().items():
        size = len(rjson.dumps_bytes(doc))
        for op, (ours, theirs) in ops.items():
            assert ours(doc) == (theirs(doc) if op != "indent=2" else ours(doc))
            best = {"rjson": float("inf"), "orjson": float("inf")}
            for _ in range(15):
                best["rjson"] = min(best["rjson"], timeit.timeit(lambda: ours(doc), number=2) / 2)
                best["orjson"] = min(best["orjson"], timeit.timeit(lambda: theirs(doc), number=2) / 2)
            results[f"{name}|{op}"] = dict(best, bytes=size)
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()
    import rjson

    runs = {}
    for label, threads in (("threads", None), ("one thread", "1")):
        env = dict(os.environ)
        env.pop("RJSON_THREADS", None)
        if threads:
            env["RJSON_THREADS"] = threads
        out = subprocess.run(
            [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, check=True
        ).stdout
        runs[label] = json.loads(out.strip().splitlines()[-1])
    lines = [
        f"Parallel writing, {os.cpu_count()} CPUs, rjson {rjson.enabled_phases()[-1]} build, "
        f"CPython {sys.version.split()[0]}; `PYTHONPATH=<build> python benches/parallel.py`.",
        "",
        "| document | op | MB | threads ms | one thread ms | orjson ms | speedup (threads / one, by orjson ratio) | threads / orjson |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, par in runs["threads"].items():
        one = runs["one thread"][key]
        doc, op = key.split("|")
        speedup = (one["rjson"] / one["orjson"]) / (par["rjson"] / par["orjson"])
        lines.append(
            f"| {doc} | {op} | {par['bytes'] / 1e6:.1f} | {par['rjson'] * 1e3:.1f} | {one['rjson'] * 1e3:.1f} "
            f"| {par['orjson'] * 1e3:.1f} | {speedup:.2f}x | {par['rjson'] / par['orjson']:.2f} |"
        )
    # Where the threads start to pay: every list of 256 items or more sent
    # to them (RJSON_PARALLEL_MIN_BYTES=0) against one thread.
    sizes = {}
    for label, env_add in (("threads", {"RJSON_PARALLEL_MIN_BYTES": "0"}), ("one thread", {"RJSON_THREADS": "1"})):
        env = dict(os.environ, **env_add)
        out = subprocess.run(
            [sys.executable, __file__, "--child-sizes"], env=env, capture_output=True, text=True, check=True
        ).stdout
        sizes[label] = json.loads(out.strip().splitlines()[-1])
    lines += [
        "",
        "Where the threads start to pay (`dumps_bytes` of lists of small records; the threads at every size, "
        "`RJSON_PARALLEL_MIN_BYTES=0`, against `RJSON_THREADS=1`; the default threshold is 1 MiB):",
        "",
        "| records | MB | threads ms | one thread ms | speedup (by orjson ratio) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for count, par in sizes["threads"].items():
        one = sizes["one thread"][count]
        speedup = (one["rjson"] / one["orjson"]) / (par["rjson"] / par["orjson"])
        lines.append(
            f"| {int(count):,} | {par['bytes'] / 1e6:.2f} | {par['rjson'] * 1e3:.3f} | {one['rjson'] * 1e3:.3f} | {speedup:.2f}x |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    if "--child-sizes" in sys.argv:
        measure_sizes()
    elif "--child" in sys.argv:
        measure()
    else:
        main()
