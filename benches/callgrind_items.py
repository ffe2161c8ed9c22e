"""Instructions per inner item of a list built from an expression, under
`valgrind --tool=callgrind`: `dumps_bytes` (or orjson's `dumps`) of the
value run 10 and 50 times, the difference over 40 calls and over the
outer list's length. For costs a few instructions wide (a list of one
int, a small dict), where a corpus file mixes too much.

Usage: ../.venv/bin/python callgrind_items.py LIB:BUILD ... -- EXPR ...   (from benches/)
LIB is rjson or orjson; BUILD an installed build's directory. Run it with
the project's venv: its orjson is the one the benchmarks compare with
(another Python's may be an older orjson).
e.g.   ../.venv/bin/python callgrind_items.py orjson:A rjson:A rjson:B -- '[[i] for i in range(1000)]'"""

import sys

from callgrind import count_script

SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import orjson, rjson
fn = orjson.dumps if sys.argv[2] == "orjson" else rjson.dumps_bytes
value = eval(sys.argv[3])
for _ in range(int(sys.argv[4])):
    fn(value)
"""


def instructions(lib, build, expr, calls):
    return count_script(SCRIPT, [build, lib, expr, str(calls)], {})


def main():
    split = sys.argv.index("--")
    specs, exprs = [s.split(":", 1) for s in sys.argv[1:split]], sys.argv[split + 1 :]
    for expr in exprs:
        items = len(eval(expr))
        cells = [(instructions(lib, build, expr, 50) - instructions(lib, build, expr, 10)) // (40 * items) for lib, build in specs]
        print(f"{expr:50s}", " ".join(f"{n:6d}" for n in cells), flush=True)


if __name__ == "__main__":
    main()
