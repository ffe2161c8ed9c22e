"""Every dict rjson.loads builds passes CPython's full consistency check.

Run under a debug CPython (Debian's python3.11-dbg, which exports
`_PyDict_CheckConsistency`; scripts/harden pydebug does it) with a phase5
build made for it on sys.path. The check (with check_content=1) walks the
whole table: sizes and counters, every index, every entry's key and hash
where the lookup finds it; it aborts the process on the first fault. Phase3
and later fill dicts in place (src/phase3/dicts.rs), so this checks that
code against the interpreter's own idea of a valid dict."""

import ctypes
import json
import sys
from pathlib import Path

import rjson

ROOT = Path(__file__).resolve().parent.parent
check = ctypes.pythonapi._PyDict_CheckConsistency
check.argtypes = [ctypes.py_object, ctypes.c_int]
checked = 0


def walk(value):
    global checked
    if type(value) is dict:
        assert check(value, 1) == 1
        checked += 1
        for item in value.values():
            walk(item)
    elif type(value) is list:
        for item in value:
            walk(item)


# The corpus, the conformance suite, and tables of every index width.
documents = [p.read_bytes() for p in sorted((ROOT / "data" / "corpus").glob("*.json"))]
documents += [p.read_bytes() for p in sorted((ROOT / "tests" / "data").rglob("*.json"))]
documents.append("{" + ",".join(f'"k{i % 50}":[{i}]' for i in range(200)) + "}")
for size in (0, 1, 5, 6, 85, 86, 1000, 100_000):  # 1-, 2- and 4-byte indices
    documents.append(json.dumps({f"key{i}": {"x": i} for i in range(size)}))
for document in documents:
    try:
        walk(rjson.loads(document))
    except (ValueError, RecursionError):
        pass
print(f"{checked} dicts from {len(documents)} documents pass _PyDict_CheckConsistency", file=sys.stderr)
