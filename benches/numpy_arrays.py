"""numpy arrays: rjson's `dumps_bytes` against `orjson.dumps(...,
option=OPT_SERIALIZE_NUMPY)` on 1M-element arrays (float64, int64, float32,
bool) and a 1000x1000 int8 array; the best of 5 rounds of 3 calls each,
collector off.

Usage: PYTHONPATH=build/variants/phase5 python benches/numpy_arrays.py"""

import gc
import timeit

import numpy as np
import orjson

import rjson


def main():
    gc.disable()
    option = orjson.OPT_SERIALIZE_NUMPY
    rng = np.random.default_rng(1)
    arrays = [
        ("float64 1M", rng.random(1_000_000)),
        ("int64 1M", rng.integers(-(10**12), 10**12, 1_000_000)),
        ("float32 1M", rng.random(1_000_000).astype(np.float32)),
        ("int8 1000x1000", rng.integers(-100, 100, (1000, 1000)).astype(np.int8)),
        ("bool 1M", rng.random(1_000_000) > 0.5),
    ]
    for name, array in arrays:
        ours = min(timeit.repeat(lambda: rjson.dumps_bytes(array), number=3, repeat=5)) / 3
        theirs = min(timeit.repeat(lambda: orjson.dumps(array, option=option), number=3, repeat=5)) / 3
        print(f"{name:15s} rjson {ours * 1e3:7.2f} ms  orjson {theirs * 1e3:7.2f} ms  ratio {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
