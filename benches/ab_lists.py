"""Two rjson builds (and orjson) timed on `dumps_bytes` of lists of ASCII
strs, to see the string writer's cost per string apart from the rest of a
document. A spec `COUNTxLEN` is COUNT strs of LEN bytes; `COUNTxLENxK`
puts a `\\n` (an escape) every K bytes. Rounds as in ab_rounds.py: every
function in turn (order reversed every other round), the figure the median
of the per-round ratios.

Usage: benches/ab_lists.py DIR_A DIR_B ROUNDS SPEC...   (run from benches/)
e.g.   benches/ab_lists.py A B 30 1500x20 1500x40 1500x186 1500x1000 1500x186x40"""

import sys

import orjson

from ab import load_build
from ab_rounds import rounds_ratios


def strs(spec):
    count, length, *every = map(int, spec.split("x"))
    text = ("abcdefghij" * (length // 10 + 1))[:length]
    if every:
        text = "".join("\n" if (i + 1) % every[0] == 0 else c for i, c in enumerate(text))
    # Distinct objects, as a document's strs are.
    return [text[:-1] + str(i % 10) for i in range(count)]


def main():
    build_a, build_b = load_build(sys.argv[1]), load_build(sys.argv[2])
    rounds = int(sys.argv[3])
    fns = [build_a.dumps_bytes, build_b.dumps_bytes, orjson.dumps]
    for spec in sys.argv[4:]:
        obj = strs(spec)
        b_a, o_a, o_b = rounds_ratios(fns, obj, rounds, max(1, 20_000 // len(obj)))
        print(f"{spec}: B/A {b_a:.3f}  orjson/A {o_a:.3f}  orjson/B {o_b:.3f}", flush=True)


if __name__ == "__main__":
    main()
