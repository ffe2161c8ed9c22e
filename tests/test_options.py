"""Every keyword argument of loads and dumps behaves as in the standard library."""

import collections
import decimal
import json

import pytest

import rjson
from conftest import assert_same

DOC = '{"b": [1, 2.5, -0, 1E5, 12345678901234567890123], "a": {"x": null}, "b2": true, "a": "dup"}'


@pytest.mark.parametrize(
    "kw",
    [
        dict(object_hook=lambda d: sorted(d.items())),
        dict(object_pairs_hook=lambda pairs: pairs),
        dict(object_pairs_hook=collections.OrderedDict),
        dict(object_hook=dict, object_pairs_hook=list),
        dict(parse_float=decimal.Decimal),
        dict(parse_float=str),
        dict(parse_int=str),
        dict(parse_int=float),
        dict(parse_float=float, parse_int=int),
    ],
    ids=repr,
)
def test_loads_hooks(kw):
    assert_same(rjson.loads(DOC, **kw), json.loads(DOC, **kw))


CORPUS = __import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "corpus"


@pytest.mark.parametrize("name", ["twitter.json", "citm_catalog.json", "github_events.json", "update-center.json"])
@pytest.mark.parametrize(
    "kw",
    [
        dict(object_hook=lambda d: ("hooked", sorted(d.items()))),
        dict(object_pairs_hook=list),
        dict(object_pairs_hook=tuple, object_hook=len),
        dict(object_pairs_hook=collections.OrderedDict, reject_duplicate_keys=True),
    ],
    ids=["object_hook", "pairs_list", "pairs_over_object_hook", "pairs_rejecting"],
)
def test_object_hooks_on_corpus_documents(name, kw):
    data = (CORPUS / name).read_bytes()
    want_kw = {k: v for k, v in kw.items() if k != "reject_duplicate_keys"}
    assert_same(rjson.loads(data, **kw), json.loads(data, **want_kw))


@pytest.mark.parametrize("kw", [dict(), dict(reject_duplicate_keys=False)])
def test_pairs_keep_repeated_keys_in_order(kw):
    doc = '{"a": 1, "a": 2, "b": {"a": 3, "c": [], "a": 4}, "": {}}'
    want = [("a", 1), ("a", 2), ("b", [("a", 3), ("c", []), ("a", 4)]), ("", [])]
    assert rjson.loads(doc, object_pairs_hook=list, **kw) == want == json.loads(doc, object_pairs_hook=list)
    assert rjson.loads(doc, object_hook=lambda d: sorted(d.items())) == json.loads(doc, object_hook=lambda d: sorted(d.items()))


def test_duplicate_keys_last_wins_in_first_position():
    assert_same(rjson.loads('{"a": 1, "b": 2, "a": 3}'), {"a": 3, "b": 2})


def test_parse_constant():
    doc = "[NaN, Infinity, -Infinity, 1]"
    assert rjson.loads(doc, parse_constant=str) == ["NaN", "Infinity", "-Infinity", 1]
    assert_same(rjson.loads(doc, parse_constant=float), json.loads(doc))
    with pytest.raises(rjson.JSONDecodeError):
        rjson.loads(doc)


def test_numbers_exact():
    assert_same(rjson.loads("[1e400, -1e400, 1e-400, -0.0, -0]"), [float("inf"), float("-inf"), 0.0, -0.0, 0])
    big = "-" + "9" * 300
    assert rjson.loads(big) == int(big)
    assert rjson.loads("0.1") == 0.1
    # Rounded once and correctly (a double-rounding trap for naive parsers).
    assert rjson.loads("2.2250738585072011e-308") == 2.2250738585072011e-308
    assert rjson.loads("9007199254740993") == 9007199254740993


VALUE = {"b": [1, 2.5, None, True, "é"], "a": {"z": [], "y": {}}, "c": "x\ny", "3": 4.0}


@pytest.mark.parametrize(
    "kw",
    [
        dict(indent=None),
        dict(indent=0),
        dict(indent=2),
        dict(indent=-3),
        dict(indent="\t"),
        dict(indent=True),
        dict(sort_keys=True, indent=1),
        dict(ensure_ascii=True),
        dict(separators=(", ", ": ")),
        dict(separators=[";", "="]),
        dict(indent=2, separators=(", ", ": ")),
    ],
    ids=repr,
)
def test_dumps_layout(kw):
    std = dict(kw)
    if std.get("indent") is None and "separators" not in std:
        std["separators"] = (",", ":")
    std.setdefault("ensure_ascii", False)
    assert rjson.dumps(VALUE, **kw) == json.dumps(VALUE, **std)


def test_sort_keys_mixed_types_raise_like_standard_library():
    with pytest.raises(TypeError):
        json.dumps({1: 1, "a": 2}, sort_keys=True)
    with pytest.raises(TypeError):
        rjson.dumps({1: 1, "a": 2}, sort_keys=True)


def test_sort_keys_orders_strs_of_every_kind_as_python():
    # Keys of the four str kinds sharing prefixes, compared by code point
    # (the writer sorts exact str keys itself, by their own units).
    parts = ["", "a", "ab", "\x7f", "\x80", "é", "ÿ", "\u0100", "€", "\ud7ff", "\ue000", "\uffff", "😀", "\U0010ffff"]
    keys = {a + b for a in parts for b in parts}
    doc = {key: len(key) for key in sorted(keys, key=hash)}
    doc["nested"] = {key: [key] for key in list(keys)[:50]}
    for kw in ({}, {"indent": 2}, {"ensure_ascii": True}):
        std = dict(kw, sort_keys=True)
        std.setdefault("ensure_ascii", False)
        if "indent" not in kw:
            std["separators"] = (",", ":")
        assert rjson.dumps(doc, sort_keys=True, **kw) == json.dumps(doc, **std)


def test_sort_keys_orders_latin1_keys_past_their_first_eight_characters():
    # The writer orders latin-1 keys by their first 8 characters as a number
    # and the rest only on a tie: keys alike there, NULs, lengths 7 to 10.
    stems = ["", "\x00", "a", "a\x00", "abcdefg", "abcdefg\x00", "abcdefgh", "abcdefghi", "\xff" * 9]
    keys = sorted({a + b for a in stems for b in stems}, key=hash)
    doc = {key: {inner: [inner] for inner in keys[i:] + keys[:i]} for i, key in enumerate(keys)}
    for kw in ({}, {"indent": 2}, {"ensure_ascii": True}):
        std = dict(kw, sort_keys=True)
        std.setdefault("ensure_ascii", False)
        if "indent" not in kw:
            std["separators"] = (",", ":")
        assert rjson.dumps(doc, sort_keys=True, **kw) == json.dumps(doc, **std)
        assert rjson.dumps_bytes(doc, sort_keys=True, **kw) == json.dumps(doc, **std).encode()


def test_sort_keys_with_one_entry_of_any_key():
    # Nothing to compare, as in json: any key the writer takes.
    for doc in ({1: "x"}, {None: [{2.5: {}}]}, {"a": {True: 1}}, {}):
        want = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        assert rjson.dumps(doc, sort_keys=True) == want


def test_sort_keys_with_str_subclass_keys_uses_their_order():
    class Reversed(str):
        def __lt__(self, other):
            return str.__gt__(self, other)

    doc = {Reversed("a"): 1, Reversed("b"): 2}
    assert rjson.dumps(doc, sort_keys=True) == json.dumps(doc, sort_keys=True, separators=(",", ":"))


def test_allow_nan():
    value = [float("nan"), float("inf"), float("-inf"), {float("inf"): 1}]
    assert rjson.dumps(value, allow_nan=True) == json.dumps(value, separators=(",", ":"))


def test_skipkeys():
    value = {"a": 1, (1, 2): 2, "b": {frozenset(): 3}, None: 4}
    assert rjson.dumps(value, skipkeys=True) == json.dumps(value, skipkeys=True, separators=(",", ":"))


def test_default():
    value = {"s": {3, 1, 2}, "c": complex(1, 2)}

    def default(o):
        if isinstance(o, set):
            return sorted(o)
        if isinstance(o, complex):
            return {"re": o.real, "im": o.imag}
        raise TypeError

    assert rjson.dumps(value, default=default) == json.dumps(value, default=default, separators=(",", ":"))
    assert rjson.dumps(value, default=repr) == json.dumps(value, default=repr, separators=(",", ":"))


def test_key_conversion():
    value = {1: "i", 2.5: "f", True: "t", None: "n", "s": "s", -(10**30): "big", 1e20: "e"}
    assert rjson.dumps(value) == json.dumps(value, separators=(",", ":"))


def test_dumps_bytes_is_utf8():
    assert rjson.dumps_bytes({"é": "😀"}) == '{"é":"😀"}'.encode()
    assert rjson.dumps_bytes("é", ensure_ascii=True) == b'"\\u00e9"'


def test_bad_options():
    with pytest.raises(TypeError):
        rjson.dumps([], indent=1.5)
    with pytest.raises(TypeError):
        rjson.dumps([], separators=(",",))
    with pytest.raises(TypeError):
        rjson.dumps([], unknown=True)
    with pytest.raises(TypeError):
        rjson.loads("[]", unknown=True)


def test_lone_surrogates_in_strings_are_escaped():
    # The standard library writes a lone surrogate raw (a str no codec can
    # encode); rjson escapes it, so dumps_bytes works and loads reads it back.
    assert rjson.dumps("a\ud800") == '"a\\ud800"'
    assert rjson.dumps_bytes(["\udfff"], ensure_ascii=True) == b'["\\udfff"]'
    assert rjson.loads(rjson.dumps("a\ud800b")) == "a\ud800b"
    assert rjson.loads('"a\ud800b"') == json.loads('"a\ud800b"')


@pytest.mark.parametrize("key", ["\ud800", "日\ud800", "é\udfff", "😀\udc00x"])
@pytest.mark.parametrize("kw", [{}, {"ensure_ascii": True}, {"sort_keys": True}, {"indent": 2}])
def test_a_lone_surrogate_in_a_key_raises_in_every_build(key, kw):
    # A key is text the reader matches on: rjson refuses to write one that
    # no codec can encode, in every build, whether or not its UTF-8 exists.
    for fn in (rjson.dumps, rjson.dumps_bytes):
        with pytest.raises(rjson.JSONEncodeError):
            fn({"a": 1, key: 2}, **kw)


def test_garbage_collector_state_is_left_as_found():
    import gc

    assert gc.isenabled()
    rjson.loads('{"a": [1, 2, {"b": null}]}')
    assert gc.isenabled()
    with pytest.raises(rjson.JSONDecodeError):
        rjson.loads('{"a": [1, 2, {"b": nul}]}')
    assert gc.isenabled()
    gc.disable()
    try:
        rjson.loads('{"a": [1]}')
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("indent", [0, 1, 2, 3, 8, 40, "\t", "-- "])
@pytest.mark.parametrize("separators", [None, (",", ": "), (" ,  ", " :  "), (","  + " " * 70, ":" + " " * 70)])
def test_breaks_at_every_depth_and_width(indent, separators):
    # A break is copied from a prepared run when it fits one fixed-size
    # copy; deeper levels, wide indents and long separators take the
    # general path. Scalars in runs and keys, at depths 0 to 40.
    leaf = [1, -2, 2.5, "ab", "a" * 20, None, True, False, "\u3042", {"k": "v", "long key " * 3: [0]}, [], {}]
    doc = leaf
    for depth in range(40):
        doc = {"level": depth, "items": [doc, leaf], "x": [1.5, 2.5]}
    for sort_keys in (False, True):
        kw = dict(indent=indent, separators=separators, sort_keys=sort_keys)
        assert rjson.dumps(doc, **kw) == json.dumps(doc, ensure_ascii=False, **kw)
        assert rjson.dumps_bytes(doc, **kw) == json.dumps(doc, ensure_ascii=False, **kw).encode()
    kw = dict(separators=separators or (", ", ": "))
    assert rjson.dumps(doc, **kw) == json.dumps(doc, ensure_ascii=False, **kw)
    # Short float lists the one-go path leaves to the list writer.
    odd = [[float("nan"), 1.0], [1.0, float("inf")], [1.0, 2], [1.0] * 8, [1.0], [[1.0, 2.0]]]
    kw = dict(indent=indent, separators=separators, allow_nan=True)
    assert rjson.dumps(odd, **kw) == json.dumps(odd, **kw)
