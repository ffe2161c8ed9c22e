"""Property-based equivalence with the standard library: dumps byte for byte,
loads equal (floats by bits, dict key order too), errors at the same place."""

import array
import gc
import json
import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import rjson
from conftest import assert_same
from strategies import text, values, values_with_any_keys


def std_dumps(obj, **kw):
    kw.setdefault("ensure_ascii", False)
    kw.setdefault("allow_nan", False)
    if kw.get("indent") is None and kw.get("separators") is None:
        kw["separators"] = (",", ":")  # rjson's default is compact
    return json.dumps(obj, **kw)


@given(values)
def test_dumps_matches_standard_library(value):
    expected = std_dumps(value)
    assert rjson.dumps(value) == expected
    assert rjson.dumps_bytes(value) == expected.encode("utf-8")


@given(values_with_any_keys)
def test_dumps_converts_keys_like_standard_library(value):
    assert rjson.dumps(value) == std_dumps(value)


@given(
    values,
    st.sampled_from([None, 0, 2, 4, "\t", "--"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([None, (",", ":"), (", ", ": "), (" , ", " : ")]),
)
def test_dumps_options_match_standard_library(value, indent, ensure_ascii, sort_keys, separators):
    kw = dict(indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys, separators=separators)
    assert rjson.dumps(value, **kw) == std_dumps(value, **kw)


@given(values, st.sampled_from([None, 2]), st.booleans())
def test_loads_matches_standard_library(value, indent, ensure_ascii):
    doc = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    expected = json.loads(doc)
    assert_same(rjson.loads(doc), expected)
    assert_same(rjson.loads(doc.encode("utf-8")), expected)
    assert_same(rjson.loads(bytearray(doc.encode("utf-8"))), expected)
    assert_same(rjson.loads(memoryview(doc.encode("utf-8"))), expected)


@given(values)
def test_round_trip(value):
    assert_same(rjson.loads(rjson.dumps(value)), json.loads(json.dumps(value)))


def std_outcome(doc):
    try:
        return ("ok", json.loads(doc))
    except json.JSONDecodeError as e:
        return ("error", e.msg, e.pos)


def rjson_outcome(doc):
    try:
        return ("ok", rjson.loads(doc))
    except rjson.JSONDecodeError as e:
        return ("error", e.msg, e.pos)


def assert_same_outcome(doc):
    expected = std_outcome(doc)
    actual = rjson_outcome(doc)
    if expected[0] == "ok":
        assert actual[0] == "ok", f"{doc!r}: rjson raised {actual}"
        assert_same(actual[1], expected[1])
    else:
        assert actual == expected, f"{doc!r}"


# Documents the standard library accepts but rjson rejects by design: the
# non-standard constants (accepted only with parse_constant).
def uses_constants(doc):
    return any(word in doc for word in ("NaN", "Infinity"))


json_fragments = st.sampled_from(
    ['{', '}', '[', ']', ',', ':', '"', '\\', 'u', '0', '1', '-', '.', 'e', 'E', '+', ' ', '\n', 'null', 'true',
     'false', 'nul', 'tru', '"a"', '"\\u12', '\\ud800', '\\udc00', '\\n', '\x01', '\x1f', 'é', '😀', '00', '1.5',
     '-0', '1e5', '9' * 30]
)


@given(st.lists(json_fragments, max_size=12).map("".join))
@example('"\\ud800\\udc00')
@example('"\\ud800\\u"')
@example('{"a":1,}')
@example('[1,]')
@example('1.')
@example('01')
@example('\ufeff[]')
def test_malformed_documents_fail_like_standard_library(doc):
    if uses_constants(doc):
        return
    assert_same_outcome(doc)


@given(values, st.data())
def test_damaged_documents_fail_like_standard_library(value, data):
    doc = json.dumps(value, ensure_ascii=False)
    at = data.draw(st.integers(0, len(doc)))
    cut = data.draw(st.integers(0, 3))
    insert = data.draw(st.sampled_from(["", ",", "]", "}", '"', "\\", "x", " ", "\x00", "{", "["]))
    damaged = doc[:at] + insert + doc[at + cut :]
    if uses_constants(damaged):
        return
    assert_same_outcome(damaged)


@given(text)
def test_string_escapes_decode_like_standard_library(s):
    for doc in (json.dumps(s), json.dumps(s, ensure_ascii=False)):
        assert rjson.loads(doc) == s


@pytest.mark.parametrize(
    "doc",
    ['"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '"\\udbff\\udfff"', '["\\ud800", "\\udfff\\ud800"]', '{"\\ud834": 1}'],
)
def test_lone_surrogate_escapes_decode_like_standard_library(doc):
    assert_same(rjson.loads(doc), json.loads(doc))
    assert_same(rjson.loads(doc.encode()), json.loads(doc))


def test_floats_are_written_as_repr_in_bulk():
    import random
    import struct

    rng = random.Random(7)
    values = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(100_000)]
    values = [v for v in values if v == v and abs(v) != float("inf")]
    values += [rng.uniform(-1e6, 1e6) for _ in range(50_000)] + [10.0**e for e in range(-320, 309)]
    values += [1.234 * 10.0**e for e in range(-10, 20)]
    assert rjson.dumps(values) == json.dumps(values, separators=(",", ":"))


def test_floats_are_read_correctly_rounded_in_bulk():
    import random
    import struct

    rng = random.Random(11)
    texts = [repr(struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]) for _ in range(50_000)]
    texts = [t for t in texts if t not in ("nan", "inf", "-inf")]
    # Short decimals with exponents: the exact fast path's range and its edges.
    for _ in range(50_000):
        digits = str(rng.randrange(10 ** rng.randint(1, 20)))
        point = rng.randint(0, len(digits))
        text = (digits[:point] or "0") + "." + (digits[point:] or "0")
        if rng.random() < 0.5:
            text += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 30))
        texts.append(rng.choice(["", "-"]) + text)
    # Up to 19 digits at every power of ten of the double range and past it
    # (the table-driven path, subnormals, overflow to inf, underflow to 0).
    for _ in range(50_000):
        digits = str(rng.randrange(1, 10 ** rng.randint(1, 19)))
        texts.append(rng.choice(["", "-"]) + digits + "e" + str(rng.randint(-360, 330)))
    texts += ["9007199254740993.0", "9007199254740992.0", "1e22", "1e23", "1e400", "-1e400", "1e-400", "-0.0", "1.7976931348623157e308", "5e-324", "2.2250738585072011e-308"]
    doc = "[" + ",".join(texts) + "]"
    expected = json.loads(doc)
    actual = rjson.loads(doc)
    for t, a, e in zip(texts, actual, expected):
        assert struct.pack("<d", a) == struct.pack("<d", e), t


def test_whole_floats_are_written_as_repr():
    values = [float(i) for i in range(-2000, 2000)] + [2.0**k for k in range(0, 60)] + [10.0**k for k in range(0, 20)]
    values += [9007199254740994.0, 9999999999999998.0, 1e16 - 2, 1e16, 1e16 + 2, -0.0, 0.0]
    assert rjson.dumps(values) == json.dumps(values, separators=(",", ":"))


class Real(float):
    pass


def test_float_lists_broken_by_other_items_anywhere():
    # A list's leading floats are formatted as a run (phase3+, chunks of 64);
    # the run stops at the first item that is not an exact, finite float,
    # wherever it falls, and the rest is written item by item.
    for length in (1, 2, 7, 8, 9, 63, 64, 65, 129, 200):
        floats = [i * 1.25 - 7.5 for i in range(length)]
        assert rjson.dumps(floats) == json.dumps(floats, separators=(",", ":"))
        for at in sorted({0, 1, length // 2, length - 1, 63, 64, 65} & set(range(length))):
            for odd in (3, "x", None, True, Real(2.5), [1.5, 2.5], {"k": 0.5}, 1e300, -0.0):
                items = floats[:at] + [odd] + floats[at:]
                assert rjson.dumps(items) == json.dumps(items, separators=(",", ":")), (length, at, odd)
                assert rjson.dumps(items, indent=1) == json.dumps(items, indent=1), (length, at, odd)
            nan = floats[:at] + [float("nan")] + floats[at:]
            with pytest.raises(rjson.JSONEncodeError):
                rjson.dumps(nan)
            assert rjson.dumps(nan, allow_nan=True) == json.dumps(nan, separators=(",", ":"))


def test_short_float_lists_inside_containers():
    # Coordinate pairs and other short lists of floats are written in one go
    # (phase3+) when they hold nothing else; any other item sends the list
    # down the usual path.
    odd = [3, "x", None, Real(2.5), float("inf"), [0.5]]
    for length in range(1, 10):
        floats = [0.1 * i - 0.35 for i in range(length)]
        shapes = [floats, [floats, floats], {"a": floats, "b": [floats]}]
        for at in range(length):
            for item in odd:
                shapes.append([floats[:at] + [item] + floats[at + 1 :], floats])
        for doc in shapes:
            assert rjson.dumps(doc, allow_nan=True) == json.dumps(doc, separators=(",", ":")), doc
            assert rjson.dumps(doc, allow_nan=True, indent=2) == json.dumps(doc, indent=2), doc
    with pytest.raises(rjson.JSONEncodeError):
        rjson.dumps([[1.5, float("nan")]])


def test_short_float_lists_at_the_depth_limit():
    # Written in one go or not, a list one level past the limit (1024) fails:
    # short float lists, lists of scalars and empty containers are written
    # in one go, and a list's leading scalars before its writer is entered.
    for inner in ([1.5, 2.5], [1, 2], [], {}, [1, "x", None, True, 2.5], [1.5, 2], [1, {}], ["x", [2]]):
        # A container among the items is a level deeper.
        deeper = any(isinstance(item, (list, dict)) for item in inner)
        for depth in (1022, 1023, 1024):
            doc = inner
            for _ in range(depth):
                doc = [doc]
            if depth + deeper < 1024:
                inner_text = json.dumps(inner, separators=(",", ":"))
                assert rjson.dumps(doc) == "[" * depth + inner_text + "]" * depth
            else:
                with pytest.raises(rjson.JSONEncodeError, match="depth"):
                    rjson.dumps(doc)


def test_empty_containers_in_every_layout():
    # Written in one go as items and values; as the standard library writes them.
    doc = [[], {}, [[]], [{}], {"a": [], "b": {}, "c": [[], {}]}, [1, [], 2, {}, 3]]
    for options in ({}, {"indent": 2}, {"indent": 0}, {"sort_keys": True}, {"separators": (", ", ": ")}):
        # rjson's separators are compact unless indenting, as the standard library's.
        compact = {} if "indent" in options else {"separators": (",", ":")}
        expected = json.dumps(doc, **{**compact, **options})
        assert rjson.dumps(doc, **options) == expected, options
        assert rjson.dumps_bytes(doc, **options) == expected.encode(), options


def test_short_strings_with_a_special_character_at_every_position():
    # Lengths around the writer's 8- and 16-byte short-string moves, as
    # values and as keys, each special character at every position.
    for length in range(0, 20):
        for special in ['"', "\\", "\x00", "\x1f", "\x7f", "é", "a", "\n"]:
            for at in range(length):
                s = "".join(special if i == at else chr(ord("a") + i % 26) for i in range(length))
                value = [s, {s: s}, {"k": [s]}]
                for ensure_ascii in (False, True):
                    assert rjson.dumps(value, ensure_ascii=ensure_ascii) == json.dumps(
                        value, ensure_ascii=ensure_ascii, separators=(",", ":")
                    ), (s, ensure_ascii)


def test_lists_of_short_strings_broken_anywhere():
    # Lists of short ASCII strs are written in runs, 32 strs to a
    # reservation, until an item the run does not take: an escape, an empty
    # or long str, non-ASCII, a str subclass, another type. Each such item at
    # each place around the chunk boundaries, after any number of strs.
    class Str(str):
        pass

    breakers = ['a"b', 'ab"defghijkl', "tab\t", "", "x" * 17, "é", Str("sub"), 7, None, ["in"], {"k": "v"}]
    for count in [1, 2, 31, 32, 33, 64, 65, 70]:
        plain = [("abcdefghijklmnop" * 2)[i % 7 : i % 7 + 1 + i % 16] for i in range(count)]
        for at in sorted({0, 1, count // 2, count - 1, 31, 32, 33} & set(range(count))):
            for breaker in breakers:
                value = plain[:at] + [breaker] + plain[at + 1 :]
                for ensure_ascii in (False, True):
                    expected = json.dumps(value, ensure_ascii=ensure_ascii, separators=(",", ":"))
                    assert rjson.dumps(value, ensure_ascii=ensure_ascii) == expected, (count, at, breaker)
                    assert rjson.dumps_bytes(value, ensure_ascii=ensure_ascii) == expected.encode()
                assert rjson.dumps(value, indent=1) == json.dumps(value, indent=1, ensure_ascii=False)


def test_lists_of_ints_broken_anywhere():
    # Lists of ints are written in runs, 64 ints to a reservation, until an
    # item the run does not take: a bool, an int past i64, an int subclass,
    # another type. Each at each place around the chunk boundaries, among
    # ints of every length and sign and both i64 limits.
    class Int(int):
        pass

    edges = [0, 7, -7, 10, 99, -100, 9999, 10_000, 12_345_678, 99_999_999, 100_000_000, -(2**63), 2**63 - 1]
    breakers = [True, False, 2**63, -(2**63) - 1, 10**30, Int(5), 1.5, "s", None, [1], {"k": 1}]
    for count in [1, 2, 63, 64, 65, 128, 130]:
        plain = [edges[i % len(edges)] * (1 if i % 3 else -1) for i in range(count)]
        for at in sorted({0, 1, count // 2, count - 1, 63, 64, 65} & set(range(count))):
            for breaker in breakers:
                value = plain[:at] + [breaker] + plain[at + 1 :]
                expected = json.dumps(value, separators=(",", ":"))
                assert rjson.dumps(value) == expected, (count, at, breaker)
                assert rjson.dumps_bytes(value) == expected.encode()
                assert rjson.dumps(value, indent=1) == json.dumps(value, indent=1)


def test_non_ascii_strings_of_every_kind_and_width():
    # phase5 builds non-ASCII strs itself, the parser's and dumps' result:
    # the kind (1, 2 or 4 bytes a character) from the largest UTF-8 lead
    # byte, ASCII runs 32 bytes at a time, surveyed 128 at a time. Each
    # boundary character after ASCII runs of 0-17 bytes and across those
    # blocks, alone and with wider characters after it; as values, keys,
    # escaped. (A str of the wrong kind compares unequal to the right one.)
    edges = ["\x80", "\xe9", "\xff", "\u0100", "\u07ff", "\u0800", "\u3042", "\uffff", "\U00010000", "\U0010ffff"]
    texts = []
    for edge in edges:
        for before in [*range(18), 31, 32, 33, 63, 64, 65, 127, 128, 129, 200]:
            for after in (0, 1, 9):
                texts.append("a" * before + edge + "b" * after)
                texts.append("a" * before + edge + "b" * after + "\u0101" + "\U0001f600")
    texts.append("".join(edges) * 3)
    for text in texts:
        doc = {text: [text, text + "\n"], "k": text}
        for ensure_ascii in (False, True):
            data = json.dumps(doc, ensure_ascii=ensure_ascii)
            for source in (data, data.encode()):
                loaded = rjson.loads(source)
                assert loaded == doc, (text, ensure_ascii)
                key = next(iter(loaded))
                assert [type(k) for k in loaded] == [str, str] and len(key) == len(text), text
        assert rjson.dumps(doc) == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def test_dumps_result_holds_each_wide_character_anywhere():
    # dumps' str is transcoded from the UTF-8 it wrote: one wide character
    # at every offset of a long output (across 32-byte blocks and 128-byte
    # survey chunks), after a run of other wide characters, and at the end.
    edges = ["\x80", "\xff", "\u0100", "\uffff", "\U00010000", "\U0010ffff"]
    for edge in edges:
        for at in range(0, 300, 7):
            for doc in (["a" * at + edge + "b" * 40], ["a" * at + edge * 40], ["é" * at + edge], [edge * at, 1.5]):
                expected = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
                assert rjson.dumps(doc) == expected, (edge, at, doc)
                assert rjson.dumps_bytes(doc) == expected.encode(), (edge, at, doc)
    # After a latin-1 result phase5 makes the next one latin-1 at once: one
    # wider character, early or late, must still widen it.
    for tail in ("\xe9", "\u3042", "\xe9", "\U0001f600", "\xe9", "\xe9", "", "\xe9"):
        for doc in (["\xe9" + "a" * 3000 + tail], [tail + "a" * 3000 + "\xe9"]):
            assert rjson.dumps(doc) == json.dumps(doc, ensure_ascii=False, separators=(",", ":")), doc
    # phase5 writes into a str object sized by the thread's last result and
    # grows it: small, then much larger results, ASCII and not.
    for size in (10, 5_000, 300_000, 10, 2_000_000):
        for tail in ("", "\xe9", "\u3042", "\U0001f600"):
            doc = {"k": ["x" * size + tail, size]}
            assert rjson.dumps(doc) == json.dumps(doc, ensure_ascii=False, separators=(",", ":")), (size, tail)


def test_dumps_result_widens_chunk_by_chunk():
    # phase5 moves dumps' text into its str every 64 KiB, at the end of a
    # container: the first wide text can come in any chunk, and a later
    # chunk can hold a wider character than every one before.
    def record(i, text):
        return {"id": i, "text": text, "tags": [text[:3], i * 0.5]}

    plain = [record(i, "plain ascii text %d " % i * 4) for i in range(3000)]
    for kinds in (["\xe9"], ["\u3042"], ["\U0001f600"], ["\xe9", "\u3042"], ["\xe9", "\U0001f600"],
                  ["\u3042", "\U0001f600"], ["\xe9", "\u3042", "\U0001f600"], ["\U0001f600", "\xe9"]):
        for first in (0, 1, 1500, 2999):
            doc = list(plain)
            for n, char in enumerate(kinds):
                at = min(first + n * 700, len(doc) - 1)
                doc[at] = record(at, "wide %s here" % char)
            expected = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            got = rjson.dumps(doc)
            assert got == expected, (kinds, first)
            # The same kind as the standard library's str (CPython compares kinds first).
            assert sys.getsizeof(got) == sys.getsizeof(expected), (kinds, first)
    # Results of other sizes in between: the thread's sizing must not matter.
    for doc in ([record(0, "\xe9")], plain[:10] + [record(1, "\U0001f600")] * 5000, [record(2, "\u3042")] * 20000):
        assert rjson.dumps(doc) == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def test_dumps_failing_after_wide_chunks_raises_cleanly():
    # An error after some text was moved into the wide result: the error, no partial str.
    class Unknown:
        pass

    doc = [{"text": "\u3042 %d" % i * 10} for i in range(5000)] + [Unknown()]
    with pytest.raises(TypeError, match="Unknown"):
        rjson.dumps(doc)
    assert rjson.dumps(doc[:-1]) == json.dumps(doc[:-1], ensure_ascii=False, separators=(",", ":"))


def test_dumps_results_a_little_shorter_than_the_last():
    # phase5 sizes a result by the thread's previous one and, when it is at
    # most an eighth shorter, sets its length in place instead of
    # reallocating: each result must still be exactly its text.
    for tail in ("", "\xe9", "\u3042", "\U0001f600"):
        for size in (100_000, 95_000, 90_000, 99_000, 101_000, 60_000, 200_000, 199_000):
            doc = ["x" * 50 + tail] * (size // 60)
            expected = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            got = rjson.dumps(doc)
            assert got == expected and len(got) == len(expected), (tail, size)
            assert hash(got) == hash(expected) and sys.getsizeof(got) == sys.getsizeof(expected), (tail, size)
            assert got[-3:] == expected[-3:] and (got + "!")[-1] == "!"
            # The str's wchar_t view (before 3.12, the data itself for kind 4
            # on Linux) must have the same length.
            if sys.version_info < (3, 12):
                assert array.array("u", got).tounicode() == expected, (tail, size)
            got_bytes = rjson.dumps_bytes(doc)
            assert got_bytes == expected.encode() and len(got_bytes) == len(expected.encode()), (tail, size)
            assert hash(got_bytes) == hash(expected.encode()) and got_bytes.decode() == expected


def test_ints_at_every_digit_boundary():
    # CPython stores ints in 30-bit digits; the writer reads up to two in place.
    values = [0, 1, -1, 7, -7]
    for bits in (15, 29, 30, 31, 59, 60, 61, 62, 63, 64, 65, 90, 200):
        for delta in (-1, 0, 1):
            values += [2**bits + delta, -(2**bits) - delta]
    values.append(True)  # an int subclass: written as true
    for value in values:
        assert rjson.dumps([value, {str(value): value}]) == json.dumps([value, {str(value): value}], separators=(",", ":"))
        assert rjson.dumps({value: 1}) == json.dumps({value: 1}, separators=(",", ":"))


def test_parsed_scalars_behave_as_the_interpreter_makes_them():
    # phase5 on CPython 3.11-3.13 makes floats, ints of one to three 30-bit
    # digits (every i64) and ASCII strs in place: each must be a complete
    # object of its exact type, equal, hashing and sized as the
    # interpreter's own. The parser reads ints of up to 19 digits itself
    # when they fit an i64, and hands longer or larger ones to int().
    ints = [0, 1, -1, 256, 1024, 1025, -257, 10**18 - 1, -(10**18) + 1, 10**18, -(10**18)]
    ints += [10**19 - 1, -(10**19) + 1, 10**19, -(10**19), 2**64 - 1, -(2**64) + 1]
    for bits in (29, 30, 31, 59, 60, 61, 62, 63, 64, 89, 90):
        for delta in (-1, 0, 1):
            ints += [2**bits + delta, -(2**bits) - delta]
    floats = [0.0, -0.0, 1.5, -2.25, 5e-324, 1.7976931348623157e308, 0.1, 123456.789e-3]
    strs = ["", "a", "ab", "abcdefg", "abcdefgh", "x" * 100, "key with spaces", "0123456789" * 30]
    doc = json.dumps({"ints": ints, "floats": floats, "strs": strs, **{s: s for s in strs}})
    for source in (doc, doc.encode()):
        got = rjson.loads(source)
        want = json.loads(doc)
        for name in ("ints", "floats", "strs"):
            assert len(got[name]) == len(want[name])
            for g, w in zip(got[name], want[name]):
                assert type(g) is type(w) and g == w and hash(g) == hash(w), (g, w)
                assert sys.getsizeof(g) == sys.getsizeof(w), (g, w)
                assert repr(g) == repr(w) and str(g) == str(w)
        for g, w in zip(got["ints"], want["ints"]):
            assert (g.bit_length(), -g, g >> 30, g * 3 + 1) == (w.bit_length(), -w, w >> 30, w * 3 + 1)
            assert g.to_bytes(16, "little", signed=True) == w.to_bytes(16, "little", signed=True)
        for g, w in zip(got["floats"], want["floats"]):
            assert g.hex() == w.hex() and g.is_integer() == w.is_integer()
        for g, w in zip(got["strs"], want["strs"]):
            assert g.isascii() and g.encode() == w.encode() and g + "é" == w + "é"
            assert sys.intern(g) == g and {g: 1}[w] == 1
        assert list(got) == list(want) and got == want


def test_parsed_scalars_are_traced_by_tracemalloc():
    # Objects made in place come from the same allocator, so tracemalloc
    # sees them as it sees the interpreter's own.
    import tracemalloc

    tracemalloc.start()
    try:
        # Empty the interpreter's float free list (blocks from before the
        # start are not traced), so every build's floats are fresh blocks.
        keep = [i + 0.5 for i in range(300)]
        got = rjson.loads('[1.25, 123456789012, "a traced string", {"key": 7.5}]')
        for obj in (got[0], got[1], got[2], got[3]["key"]):
            assert tracemalloc.get_object_traceback(obj) is not None, obj
        assert len(keep) == 300
    finally:
        tracemalloc.stop()


def test_dicts_of_every_table_layout():
    class Record:
        def __init__(self):
            self.a, self.b, self.c = 1, "x", [2.5]

    holes = {str(i): i for i in range(50)}
    for i in range(0, 50, 3):
        del holes[str(i)]  # deleted entries left in the table
    mixed = {1: "int key", "s": 2, 2.5: None, None: True, False: 0}  # not a str-keys table
    mixed_holes = dict(mixed)
    del mixed_holes[1], mixed_holes[None]
    split = Record().__dict__  # a split table (shared keys)
    grown = {}
    for i in range(1000):
        grown[f"k{i}"] = i
        if i % 7 == 0:
            grown.pop(f"k{i // 2}", None)
    for value in (holes, mixed, mixed_holes, split, grown, {}, {"": ""}):
        assert rjson.dumps(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        assert rjson.dumps(value, indent=1) == json.dumps(value, indent=1, ensure_ascii=False)


def test_dicts_of_every_size_and_repeated_keys():
    # phase3 on CPython 3.11 fills a dict's table in place: every key must be
    # found by CPython's own lookup, repeated keys keep their first position
    # and last value, and the dict must behave as one made by inserts.
    kinds = [
        lambda i: f"k{i}",  # short ASCII: the key cache
        lambda i: f"a_rather_long_key_number_{i}",  # past the cache's 16 bytes
        lambda i: f"clé{i}",  # non-ASCII
        lambda i: f"tab\t{i}",  # escaped
    ]
    for size in list(range(0, 40)) + [85, 86, 127, 128, 170, 171, 1000, 5000]:
        for kind in kinds:
            keys = [kind(i) for i in range(size)]
            for doc in (
                json.dumps({k: i for i, k in enumerate(keys)}),
                # Every key again at the end, with a container value.
                json.dumps({k: i for i, k in enumerate(keys)})[:-1] + ("," if keys else "")
                + ",".join(f"{json.dumps(k)}: [{i}]" for i, k in enumerate(keys)) + "}",
            ):
                got, want = rjson.loads(doc), json.loads(doc)
                assert got == want and list(got) == list(want), (size, doc[:80])
                assert all(got[k] == want[k] for k in want)
                assert gc.is_tracked(got) == gc.is_tracked(want), (size, doc[:80])
                got["new key"] = 1
                for k in keys[::3]:
                    del got[k]
                    del want[k]
                want["new key"] = 1
                assert got == want and list(got) == list(want)
    # A key repeated many times, values released as they are replaced.
    doc = "{" + ",".join(f'"k{i % 7}": {{"v": {i}}}' for i in range(100)) + "}"
    assert rjson.loads(doc) == json.loads(doc)
    # Small tables go back to CPython's free list and are handed out again.
    for _ in range(2000):
        rjson.loads('[{"a": 1}, {"b": 2, "c": 3}]')
        made = {f"x{j}": j for j in range(5)}
        assert made == dict(zip([f"x{j}" for j in range(5)], range(5)))


def test_keys_that_differ_only_in_the_middle():
    # The key cache matches a key of 17-64 bytes by its first and last 8
    # bytes, then its middle: keys that differ in one middle byte must each
    # come back as themselves.
    for length in range(17, 66):
        base = "k" * length
        keys = [base] + [base[:i] + "x" + base[i + 1 :] for i in range(8, length - 8)]
        doc = json.dumps([{k: i} for i, k in enumerate(keys)] * 2)
        assert rjson.loads(doc) == json.loads(doc), length


def test_dumps_bytes_results_of_changing_sizes():
    # phase5 starts each result at about the size of the one before and
    # grows it in place: smaller, larger, exact and failing calls in turn.
    def doc(n):
        return {"k%d" % i: ["v" * (i % 40), i, i / 7, None, "é" * (i % 5)] for i in range(n)}

    for n in [0, 1, 500, 3, 2000, 2000, 10, 50_000, 0, 7]:
        value = doc(n)
        assert rjson.dumps_bytes(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        with pytest.raises(TypeError):
            rjson.dumps_bytes([value, object()])
    for size in range(1000, 1100):
        # Numbers and strings ending exactly at, and just past, the room reserved.
        value = ["x" * size, 12345678901234, 1.5e-7]
        assert rjson.dumps_bytes(value) == json.dumps(value, separators=(",", ":")).encode()


def test_every_way_non_ascii_text_reaches_dumps():
    # Each way non-ASCII text enters dumps' output (a str value, a str
    # subclass, a key by each dict path, separators, indent, `default=`),
    # after and before long ASCII text: phase5 writes an ASCII str and moves
    # the text into a wide one from the first non-ASCII text on, at 64 KiB
    # checkpoints. (A first try that skipped the checkpoints' survey until
    # the writer said it wrote such text crashed here when one way did not
    # say so.)
    class Text(str):
        pass

    class Dict(dict):
        pass

    plain = ["ascii text %d" % i for i in range(8000)]  # ~120 KB

    def around(value):
        return [plain, value, plain]

    docs = [
        around("\xe9"),
        around("\u3042"),
        around("\U0001f600"),
        around(Text("\xe9 sub")),
        around(Text("ascii sub")),
        around({"\xe9": 1}),
        around({"k": 1, "\u3042": 2}),
        around(Dict({"\xe9": 1})),
        around({"\U0001f600": "b", "a": 1.5}),
    ]
    for doc in docs:
        for sort_keys in (False, True):
            want = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
            assert rjson.dumps(doc, sort_keys=sort_keys) == want
            assert rjson.dumps(doc, sort_keys=sort_keys, ensure_ascii=True) == json.dumps(
                doc, separators=(",", ":"), sort_keys=sort_keys
            )
    doc = around({"k": [1, "v"]})
    for separators in ((", ", ": "), ("\xb7", ":"), (",", "\u2192"), ("\U0001f600", ":")):
        want = json.dumps(doc, ensure_ascii=False, separators=separators)
        assert rjson.dumps(doc, separators=separators) == want, separators
    for indent in (2, "\t", "\xa0", "\u3000"):
        want = json.dumps(doc, ensure_ascii=False, indent=indent)
        assert rjson.dumps(doc, indent=indent) == want, indent
    marker = object()
    doc = around(marker)
    want = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=lambda o: "d\xe9fault")
    assert rjson.dumps(doc, default=lambda o: "d\xe9fault") == want
