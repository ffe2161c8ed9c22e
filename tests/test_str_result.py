"""`dumps`' str result in every kind (phase5 writes it in its final kind as
it goes: src/phase5/str_result.rs). ASCII text between non-ASCII strs,
the result widened when a wider str comes (latin-1 -> UCS-2 -> UCS-4, at
the start, in the middle, at the end, past the 64 KiB checkpoints),
non-ASCII keys, escapes inside wide strs, strs whose UTF-8 CPython has
made and strs it has not, indentation, an error part way. Each result must
be the standard library's str, of its kind (CPython compares kinds first,
and `sys.getsizeof` shows the kind), whatever came before on the thread."""

import json
import sys

import pytest

import rjson

WIDE = ["\xe9", "\u3042", "\U0001f600"]


def expected(doc, **kw):
    if "indent" not in kw:
        kw["separators"] = (",", ":")
    return json.dumps(doc, ensure_ascii=False, **kw)


def check(doc, **kw):
    got = rjson.dumps(doc, **kw)
    want = expected(doc, **kw)
    assert got == want
    assert sys.getsizeof(got) == sys.getsizeof(want)


def record(i, text):
    return {"id": i, "text": text, "tags": [text[:3], i * 0.5]}


PLAIN = [record(i, "plain ascii text %d " % i * 4) for i in range(16000)]  # ~2 MB


def with_chars(places):
    doc = list(PLAIN)
    for at, char in places:
        doc[at] = record(at, "wide %s here" % char)
    return doc


@pytest.mark.parametrize("char", WIDE)
@pytest.mark.parametrize("at", [0, 4000, 15999])
def test_one_wide_str_in_a_large_result(char, at):
    check(with_chars([(at, char)]))
    check(with_chars([(at, char)]))  # sized by the call before


@pytest.mark.parametrize("first,later", [(a, b) for a in WIDE for b in WIDE if a < b])
@pytest.mark.parametrize("at", [1, 8000, 15999])
def test_a_wider_str_later_widens_the_result(first, later, at):
    check(with_chars([(0, first), (at, later)]))
    # And the narrower after the wider: the kind stays the wider's.
    check(with_chars([(0, later), (at, first)]))


def test_results_of_every_size_after_one_another():
    for doc in (
        with_chars([(0, "\u3042")]),
        with_chars([(0, "\u3042")]) + PLAIN + PLAIN,
        ["\u3042"],
        "\U0001f600",
        with_chars([(0, "\xe9")]),
        "plain",
        ["\xe9" * 100_000, "x" * 300_000, "\u3042"],
    ):
        check(doc)


def test_long_strs_and_short_ones_of_every_kind():
    for char in WIDE:
        for n in (1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 70_000):
            text = ("a" + char) * (n // 2) + char * (n % 2)
            check([text, {"k": text}, text[:1]])
            check({text: text})


@pytest.mark.parametrize("char", WIDE)
def test_escapes_inside_wide_strs(char):
    for escape in ['"', "\\", "\n", "\x00", "\x1f", "\u2028"]:
        for n in (0, 1, 7, 8, 15, 16, 17, 40):
            text = char * n + escape + char + escape * 2 + "tail"
            check([text, {text: text}])


def test_non_ascii_keys():
    doc = {f"鍵{i}": i for i in range(3000)}
    doc["é"] = {"😀": ["x", "é"], "plain": "日本"}
    check(doc)
    check(doc, indent=2)
    check(doc, sort_keys=True)
    check({"é" * 20: 1, "a": "b"}, sort_keys=True, indent=1)


def test_str_subclass_keys_and_values():
    class S(str):
        pass

    check({S("鍵"): S("値"), "x": [S("é"), S("\U0001f600")]})


def test_strs_with_and_without_utf8_made():
    doc = [f"文字{i} plain {i}" for i in range(20000)]
    fresh = json.loads(json.dumps(doc))
    rjson.dumps_bytes(doc)  # CPython now keeps each str's UTF-8
    check(doc)
    check(fresh)


def test_lone_surrogates_stay_escaped_and_narrow():
    # rjson writes lone surrogates escaped (every result encodes to UTF-8),
    # so a str whose kind comes from them alone must not widen the result.
    got = rjson.dumps(["\ud800", "é"])
    assert got == '["\\ud800","é"]'
    assert sys.getsizeof(got) == sys.getsizeof('["\\ud800","é"]')
    got = rjson.dumps(["日\udfff本", "x"])
    assert got == '["日\\udfff本","x"]'


def test_indent_and_separators():
    doc = with_chars([(0, "\u3042"), (9000, "\U0001f600")])
    for _ in range(2):
        check(doc, indent=2)
    check({"é": ["ü", {"日": "本"}]}, indent="\t", separators=(" ,", " : "))


class Unknown:
    pass


@pytest.mark.parametrize("at", [1, 3000, 15999])
def test_an_error_part_way_leaves_nothing_behind(at):
    check(with_chars([(0, "\u3042")]))
    doc = with_chars([(0, "\u3042")])
    doc[at] = Unknown()
    with pytest.raises(TypeError, match="Unknown"):
        rjson.dumps(doc)
    check(with_chars([(0, "\u3042")]))
    check(PLAIN[:10])
