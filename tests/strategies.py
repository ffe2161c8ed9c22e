"""Hypothesis strategies for JSON-able Python values and JSON texts."""

import math
import struct

from hypothesis import strategies as st

# Any double from a random bit pattern (subnormals, huge exponents), finite.
float_bits = st.integers(0, 2**64 - 1).map(lambda b: struct.unpack("<d", struct.pack("<Q", b))[0]).filter(math.isfinite)
floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False), float_bits, st.sampled_from([0.0, -0.0, 1e16, 1e-5, 1e-4, 5e-324]))
ints = st.one_of(st.integers(-(2**70), 2**70), st.integers(), st.sampled_from([0, -1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, -(2**64)]))
# Unicode across all planes, control characters, quotes and backslashes.
text = st.one_of(
    st.text(),
    st.text(st.characters(max_codepoint=0x7F)),
    st.text(st.sampled_from('"\\\n\r\t\x00\x1f\x7f\x08\x0c/é€😀\u2028\u2029\ufeff')),
)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, text)

values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=6), st.dictionaries(text, children, max_size=6)),
    max_leaves=40,
)

# Dict keys of every kind the standard library converts.
keys = st.one_of(text, ints, floats, st.booleans(), st.none())
values_with_any_keys = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=5)),
    max_leaves=30,
)
