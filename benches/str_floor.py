"""What a `str` result costs before any JSON is written: for each case,
`dumps` (str) and `dumps_bytes` of one build and orjson's `dumps`, beside
making a str of the result's kind and length (`chr(max) * n`) and bytes of
the UTF-8 result's length. The str must be its widest character's kind
(one emoji makes every character 4 bytes), so its making and filling is a
floor under `dumps` that orjson's bytes do not pay. Timed in rounds, in
turn, in one process (`ab_rounds.timed_rounds`); medians in µs.

Usage: benches/str_floor.py BUILD ROUNDS CASE...   (run from benches/)"""

import json
import statistics
import sys

import orjson

from ab import load_build
from ab_rounds import timed_rounds
from cases import load_cases

# A str's bytes a character, by the largest character its kind holds.
KIND_BYTES = {0xFF: 1, 0xFFFF: 2, 0x10FFFF: 4}


def main():
    rjson = load_build(sys.argv[1])
    rounds = int(sys.argv[2])
    for case in sys.argv[3:]:
        value = json.loads(load_cases([case])[case])
        text = rjson.dumps(value)
        utf8 = orjson.dumps(value)
        assert text.encode() == utf8
        widest = chr(max(map(ord, text)))
        kind = next(b for limit, b in KIND_BYTES.items() if ord(widest) <= limit)
        calls = {
            "orjson.dumps": orjson.dumps,
            "dumps": rjson.dumps,
            "dumps_bytes": rjson.dumps_bytes,
            "str filled": lambda _: widest * len(text),
            "bytes filled": lambda _: b"x" * len(utf8),
        }
        per_round = timed_rounds(list(calls.values()), value, rounds, 5)
        medians = [statistics.median(r[i] for r in per_round) * 1e6 for i in range(len(calls))]
        figures = ", ".join(f"{name} {us:.0f}" for name, us in zip(calls, medians))
        print(f"{case}: {len(text)} characters of {kind} bytes, {len(utf8)} UTF-8 bytes; {figures} µs", flush=True)


if __name__ == "__main__":
    main()
