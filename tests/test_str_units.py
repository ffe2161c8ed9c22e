"""`dumps` of non-ASCII strs, on every build. phase5 writes every non-ASCII
str into a `str` result from its own units (1, 2 or 4 bytes a character),
16 at a time, into a result widened as wider strs come
(src/phase5/str_units.rs, src/phase5/str_result.rs); from phase3 on,
`dumps_bytes` writes a str whose UTF-8 CPython has not made from its units
too (src/text/units_utf8.rs), and one whose UTF-8 is made from that.
Each result is json's text, with lone surrogate halves escaped as rjson
writes them, and json's kind of str."""

import json
import sys

import pytest

import rjson

WIDE = ["\xe9", "\u3042", "\U0001f600"]
ESCAPED = ['"', "\\", "\n", "\x01", "\x1f", "\ud800", "\udfff"]


def expected(doc):
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # json writes a lone surrogate half raw; rjson escapes it.
    for half in range(0xD800, 0xE000):
        if chr(half) in text:
            text = text.replace(chr(half), "\\u%04x" % half)
    return text


def check(doc):
    got = rjson.dumps(doc)
    want = expected(doc)
    assert got == want
    assert sys.getsizeof(got) == sys.getsizeof(want)  # the same kind
    assert rjson.dumps_bytes(doc) == want.encode()


def fresh(text):
    # A new str object (no UTF-8 copy made yet).
    return "".join(list(text))


@pytest.mark.parametrize("wide", WIDE)
@pytest.mark.parametrize("escape", ESCAPED)
def test_an_escape_at_every_offset_of_blocks(wide, escape):
    for length in (1, 2, 15, 16, 17, 31, 32, 33, 50):
        for at in range(length):
            units = [wide] * length
            units[at] = escape
            text = fresh("".join(units))
            check(["a", text, {"k": text}])


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 0, 2), (0, 2, 1)])
def test_the_result_widens_as_wider_strs_come(order):
    ascii_run = ["plain %d" % i for i in range(300)]
    doc = []
    for k in order:
        doc += ascii_run + [fresh("x" + WIDE[k] * 40 + "\n")]
    check(doc)
    check([fresh(WIDE[k] + "y") for k in order] + ascii_run)


@pytest.mark.parametrize("doc", [
    ["\ud800"], ["\xe9\ud800"], ["\ud800", "\xe9"], ["\xe9", "\udfff\u3042"], ["\ud83d\ude00"],
    [{"\u3042": "\ud800x"}], ["\U0001f600", "\ud800"],
])
def test_strs_wide_only_by_their_surrogates(doc):
    check([fresh(s) if isinstance(s, str) else s for s in doc])


def test_strs_with_and_without_utf8_in_one_result():
    made = [fresh("m\u3042 %d\n" % i) for i in range(200)]
    rjson.dumps_bytes(made)  # makes their UTF-8 copies
    doc = [x for i in range(200) for x in (made[i], fresh("f\U0001f600 %d\t" % i), fresh("l\xe9%d" % i))]
    check(doc)
    check({"k%d" % i: v for i, v in enumerate(doc)})


def test_dense_strs_with_utf8_made():
    # Strs of dense text (1.5 bytes of UTF-8 a character or more) and sparse
    # ones whose UTF-8 is made. Each doc twice (the first call sizes the
    # next one's result), small and large, escapes inside, widening in
    # turn.
    dense = ["Привет\n мир %d", "日本語\"テキスト%d", "Ελλη\\νικά %d", "😀🚀\t%d", "ñandú%d"]
    sparse = ["plain text é %d", "more \u3042 plain text %d"]
    for count in (10, 3000):
        made = [dense[i % len(dense)] % i for i in range(count)]
        sparse_made = [sparse[i % len(sparse)] % i for i in range(count)]
        rjson.dumps_bytes([made, sparse_made])  # makes their UTF-8 copies
        docs = [made, made[::-1], [x for pair in zip(made, sparse_made) for x in pair], {"k%d" % i: v for i, v in enumerate(made)}]
        for doc in docs + docs[::-1]:
            check(doc)
            check(doc)


def test_str_subclasses_and_long_strs():
    class S(str):
        pass

    long_text = fresh("\u3042\"\u0100" * 100_000)
    check([S("\xe9 sub"), S("ascii sub"), long_text, S("\U0001f600\n"), long_text[:-1]])


@pytest.mark.skipif("phase3" not in rjson.enabled_phases(), reason="from phase3 on, strs are written from their units")
def test_dumps_makes_no_utf8_copy():
    text = fresh("\u3042\xe9 text\n" * 50)
    size = sys.getsizeof(text)
    rjson.dumps([text, {"k": text}], indent=2)
    rjson.dumps_bytes([text, {text: text}])
    rjson.dumps_bytes([text], ensure_ascii=True)
    assert sys.getsizeof(text) == size
    # A str whose UTF-8 is made (as orjson makes it) is written from it.
    import ctypes

    made = fresh("\u3042 made")
    ctypes.pythonapi.PyUnicode_AsUTF8.restype = ctypes.c_char_p
    ctypes.pythonapi.PyUnicode_AsUTF8.argtypes = [ctypes.py_object]
    ctypes.pythonapi.PyUnicode_AsUTF8(made)
    grown = sys.getsizeof(made)
    assert rjson.dumps_bytes([made]) == json.dumps([made], ensure_ascii=False, separators=(",", ":")).encode()
    assert sys.getsizeof(made) == grown
