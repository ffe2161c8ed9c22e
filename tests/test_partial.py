"""loads(allow_partial=...): an incomplete document gives the value of its
complete part, exactly as jiter's `from_json(data, partial_mode=...)` does
for every prefix of a valid document; and loads(reject_duplicate_keys=True)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rjson

from conftest import CORPUS
from strategies import floats, ints

jiter = pytest.importorskip("jiter")

MODES = [True, "trailing-strings"]


def ours(data, mode):
    try:
        return ("value", rjson.loads(data, allow_partial=mode))
    except rjson.JSONDecodeError:
        return ("error", None)


def jiters(data, mode):
    if isinstance(data, str):
        data = data.encode()
    try:
        return ("value", jiter.from_json(data, partial_mode=mode))
    except ValueError:
        return ("error", None)


def assert_prefixes_as_jiter(document, mode, starts=None):
    """Every prefix of `document` (or those ending at `starts`) as jiter reads it;
    repr compares floats by their bits and tells 1 from True."""
    for end in starts if starts is not None else range(len(document) + 1):
        prefix = document[:end]
        expected = jiters(prefix, mode)
        got = ours(prefix, mode)
        assert repr(got) == repr(expected), (prefix[-60:], mode)


# Every kind of value cut at every byte: numbers with fractions and
# exponents, literals, escapes, surrogate pairs, nesting, whitespace.
DOCUMENTS = [
    '{"a": [1, -2.5e-3, true, false, null], "b": {"c": "x\\ny\\u00e9\\ud83d\\ude00"}, "d": []}',
    '[{"k":"v","n":-0,"f":1.0E+2,"e":12e5},[[]],{},"\\"\\\\\\/\\b\\f\\r\\t",0.5]',
    ' [ 1 , { "a" : "é€😀" , "b" : [ null ] } , "tail" ] ',
    '"a string with \\u0041 and \\ud834\\udd1e"',
    "12345.678e-9",
    '{"nested": {"deeper": {"deepest": [1, [2, [3, {"x": "y"}]]]}}}',
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_prefix_of_small_documents(document, mode):
    assert_prefixes_as_jiter(document, mode)
    assert_prefixes_as_jiter(document.encode(), mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["twitter.json", "citm_catalog.json", "canada.json", "update-center.json"])
def test_prefixes_of_corpus_documents(name, mode):
    # The first 100 KB (a prefix of a prefix is one): its first 1,500 bytes
    # at every byte, then 300 cuts spread over the rest (some inside a
    # character).
    document = (CORPUS / name).read_bytes()[:100_000]
    starts = list(range(1500)) + list(range(1500, len(document) + 1, len(document) // 300))
    assert_prefixes_as_jiter(document, mode, starts)


# Values whose JSON both parsers read alike: no lone surrogates (jiter
# rejects them), ints within jiter's range.
text = st.text(st.characters(exclude_categories=("Cs",)))
values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), floats, text),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(text, children, max_size=5)),
    max_leaves=25,
)


@given(values, st.booleans(), st.sampled_from([None, 0, 2]), st.sampled_from(MODES))
def test_prefixes_of_generated_documents(value, ensure_ascii, indent, mode):
    document = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert_prefixes_as_jiter(document, mode)
    assert_prefixes_as_jiter(document.encode(), mode)


@pytest.mark.parametrize(
    "document, on, trailing",
    [
        ("[1, 2", [1, 2], [1, 2]),
        ("[1.", [], []),
        ("[1e+", [], []),
        ("[-", [], []),
        ("[tr", [], []),
        ('{"a": 1, "b', {"a": 1}, {"a": 1}),
        ('{"a": "xy', {}, {"a": "xy"}),
        ('["ab\\u00', [], ["ab"]),
        ('["ab\\ud83d', [], ["ab"]),
        ('["ab\\ud83d\\ude00', [], ["ab\U0001f600"]),
        ('{"a": [{"b": [', {"a": [{"b": []}]}, {"a": [{"b": []}]}),
        ('"ab', None, "ab"),
    ],
)
def test_what_each_mode_keeps(document, on, trailing):
    if on is None:
        with pytest.raises(rjson.JSONDecodeError):
            rjson.loads(document, allow_partial=True)
    else:
        assert rjson.loads(document, allow_partial=True) == on
        assert rjson.loads(document, allow_partial="on") == on
    assert rjson.loads(document, allow_partial="trailing-strings") == trailing


def test_bytes_cut_inside_a_character():
    document = '["日本語"]'.encode()
    for end in range(2, len(document) - 1):
        got = rjson.loads(document[:end], allow_partial="trailing-strings")
        assert got == [document[2:end].decode("utf-8", "ignore")]


@pytest.mark.parametrize("mode", MODES)
def test_complete_documents_read_as_without_the_option(mode):
    for path in sorted(CORPUS.glob("*.json"))[:6]:
        data = path.read_bytes()
        assert rjson.loads(data, allow_partial=mode) == rjson.loads(data)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "document, message, pos",
    [
        ("", "Expecting value", 0),
        ("   ", "Expecting value", 3),
        ("[1 2", "Expecting ',' delimiter", 3),
        ("[1]x", "Extra data", 3),
        ('{"a" 1', "Expecting ':' delimiter", 5),
        ("[1,]", None, None),
        ("tru", "Expecting value", 0),
        ("1.", "Extra data", 1),
        ("-", "Expecting value", 0),
        ('["\\x"', "Invalid \\escape", 2),
        ('["a\x01', "Invalid control character at", 3),
    ],
)
def test_what_is_not_a_prefix_still_fails(document, message, pos, mode):
    """Not the start of any document, or a scalar alone the input ends inside:
    the fault the standard library reports for it."""
    with pytest.raises(rjson.JSONDecodeError) as raised:
        rjson.loads(document, allow_partial=mode)
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(document)
    assert (raised.value.msg, raised.value.pos) == (expected.value.msg, expected.value.pos)
    if message is not None:
        assert (raised.value.msg, raised.value.pos) == (message, pos)


def test_hooks_see_the_closed_containers():
    seen = []

    def hook(d):
        seen.append(dict(d))
        return d

    assert rjson.loads('[{"a": 1, "b": {"c": 2', allow_partial=True, object_hook=hook) == [{"a": 1, "b": {"c": 2}}]
    assert seen == [{"c": 2}, {"a": 1, "b": {"c": 2}}]
    pairs = rjson.loads('{"a": 1, "b": 2.5', allow_partial=True, object_pairs_hook=list, parse_float=str)
    assert pairs == [("a", 1), ("b", "2.5")]


def test_option_values():
    for off in (False, None, "off"):
        with pytest.raises(rjson.JSONDecodeError):
            rjson.loads("[1", allow_partial=off)
    with pytest.raises(ValueError, match="allow_partial"):
        rjson.loads("[1", allow_partial="yes")
    with pytest.raises(TypeError, match="allow_partial"):
        rjson.loads("[1", allow_partial=1)
    with pytest.raises(TypeError):
        rjson.loads_lines("[1", allow_partial=True)


# reject_duplicate_keys


@pytest.mark.parametrize(
    "document, key, repeat",
    [
        ('{"a": 1, "a": 2}', "a", '"a"'),
        ('{"a": 1, "\\u0061": 2}', "a", '"\\u0061"'),
        ('[{"x": {"k": [], "j": 0, "k": null}}]', "k", '"k"'),
        ('{"é": 1, "é": 1}', "é", '"é"'),
        ("{" + ", ".join(f'"k{i}": {i}' for i in range(40)) + ', "k0": 0}', "k0", '"k0"'),
    ],
)
@pytest.mark.parametrize("hook", [None, "object_hook", "object_pairs_hook"])
def test_a_repeated_key_is_rejected_where_it_repeats(document, key, repeat, hook):
    hooks = {hook: lambda o: o} if hook else {}
    for data in (document, document.encode()):
        with pytest.raises(rjson.JSONDecodeError) as raised:
            rjson.loads(data, reject_duplicate_keys=True, **hooks)
        # At the repeated key's opening quote.
        assert (raised.value.msg, raised.value.pos) == (f"Duplicate key {key!r}", document.rindex(repeat))
    # Without the option the last value wins, as in json.
    assert rjson.loads(document, **hooks) == json.loads(document, **hooks)


def test_distinct_keys_are_accepted():
    document = '{"a": {"a": 1}, "b": [{"a": 2, "b": 3}], "A": 4, "a ": 5}'
    assert rjson.loads(document, reject_duplicate_keys=True) == json.loads(document)
    for path in sorted(CORPUS.glob("*.json")):
        data = path.read_bytes()
        assert rjson.loads(data, reject_duplicate_keys=True) == rjson.loads(data), path.name


def test_duplicate_keys_in_lines():
    with pytest.raises(rjson.JSONDecodeError) as raised:
        rjson.loads_lines('{"a": 1}\n{"b": 1, "b": 2}\n', reject_duplicate_keys=True)
    assert (raised.value.lineno, raised.value.colno) == (2, 10)
    assert rjson.loads_lines('{"a": 1}\n{"b": 1, "b": 2}\n') == [{"a": 1}, {"b": 2}]


def test_a_repeat_anywhere_in_objects_of_any_size():
    for size in (1, 2, 7, 8, 9, 100):
        keys = [f"key{i}" for i in range(size)]
        for repeat in range(size):
            document = "{" + ", ".join(f'"{k}": 0' for k in keys + [keys[repeat]]) + "}"
            with pytest.raises(rjson.JSONDecodeError) as raised:
                rjson.loads(document, reject_duplicate_keys=True)
            assert raised.value.pos == document.rindex(f'"{keys[repeat]}"')


@given(st.dictionaries(st.text(max_size=3), ints, max_size=8))
def test_generated_objects_without_repeats(value):
    document = json.dumps(value)
    assert rjson.loads(document, reject_duplicate_keys=True) == value
