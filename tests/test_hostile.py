"""Hostile input, on every build: huge nesting, numbers and strings, long
backslash runs, invalid UTF-8 and lone surrogates at every offset, hooks and
`default` functions that change what is being read or written. Each case
gets json's result or a clean error; never a crash, a hang or another
exception type."""

import json

import pytest

import rjson
from conftest import run_script, utf8_fault

# A small document with every kind of token, non-ASCII text and an escape.
DOC = '{"ab": ["cd", 12, -3.5e2, true, null], "é€😀": {"k": "x\\ny"}, "z": []}'


def outcome(loads, doc):
    try:
        return ("ok", loads(doc))
    except json.JSONDecodeError as e:
        return ("error", e.msg, e.pos)


def test_deep_nesting_is_an_error_not_a_crash():
    for doc in ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000, '[{"a":' * 50_000]:
        with pytest.raises(rjson.JSONDecodeError, match="depth"):
            rjson.loads(doc)
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(rjson.JSONEncodeError):
        rjson.dumps(deep)


@pytest.mark.parametrize("run", [1, 2, 3, 4, 31, 32, 33, 64, 10_000, 10_001])
def test_backslash_runs(run):
    # An even run is that many / 2 backslashes; an odd run escapes the quote.
    doc = '["' + "\\" * run + '"]'
    assert outcome(rjson.loads, doc) == outcome(json.loads, doc)
    doc = '["' + "\\" * run + '"x"]'
    assert outcome(rjson.loads, doc) == outcome(json.loads, doc)


# DOC, a syntax fault early on, a huge int (ValueError), non-ASCII text,
# more of it than phase5 checks string by string (4 KiB: then the rest at
# once), and DOC after a BOM.
DOCS = [
    DOC.encode(),
    b'{"ab" 1, "\xc3\xa9\xc3\xa9": "x"}',
    b"[" + b"9" * 5000 + b', "\xe2\x82\xac"]',
    ('["' + "日本語のテキスト" * 5 + '", "é", {"ключ": "x\\n€"}]').encode(),
    ('["' + "é" * 2100 + '", 1, "ü", {"k": "x\\n€"}]').encode(),
    b"\xef\xbb\xbf" + DOC.encode(),  # a BOM, skipped in bytes
]


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"])
def test_invalid_utf8_at_every_offset(bad):
    for data in DOCS:
        for at in range(len(data) + 1):
            doc = data[:at] + bad + data[at:]
            fault = utf8_fault(doc)
            if fault:
                assert outcome(rjson.loads, doc) == fault, doc
            elif data is DOCS[0]:  # the insertion completed a character by chance: json's result
                assert outcome(rjson.loads, doc) == outcome(json.loads, doc)


def test_invalid_utf8_is_found_before_any_hook_runs():
    calls = []
    doc = b'[{"a": 1}, {"b": 2}, "\xff"]'
    hooks = dict(
        object_hook=lambda d: calls.append(d) or d,
        object_pairs_hook=lambda p: calls.append(p) or dict(p),
        parse_int=lambda s: calls.append(s) or int(s),
    )
    for name, hook in hooks.items():
        assert outcome(lambda d: rjson.loads(d, **{name: hook}), doc) == utf8_fault(doc)
    assert calls == []


@pytest.mark.parametrize("surrogate", ["\ud800", "\udfff", "\\ud800", "\\udc00\\ud800"])
def test_lone_surrogates_at_every_offset(surrogate):
    for at in range(len(DOC) + 1):
        doc = DOC[:at] + surrogate + DOC[at:]
        assert outcome(rjson.loads, doc) == outcome(json.loads, doc), doc


def test_runs_of_unicode_escapes_broken_at_every_byte():
    # The parser reads a run of \uXXXX escapes in one loop: a run cut short,
    # a bad hex digit, a lone or reversed surrogate half at any place in it
    # must end as json's does (the same string, or an error at its place).
    run = "\\u65e5\\u672c\\ud83d\\ude00\\u00e9\\u0041\\ud83d\\u0041"
    docs = []
    for at in range(len(run) + 1):
        for insert in ("", "x", "g", "\\", "\\u", '"', "\\udc00"):
            docs += [f'["{run[:at]}{insert}{run[at:]}"]', f'["{run[:at]}{insert}']
    for doc in docs:
        assert outcome(rjson.loads, doc) == outcome(json.loads, doc), doc
        assert outcome(rjson.loads, doc.encode()) == outcome(json.loads, doc), doc


def test_huge_numbers():
    for doc in ["9" * 4000, "-" + "9" * 4000, "0." + "1" * 4000, "1" * 300 + "." + "5" * 300,
                "1e" + "9" * 1000, "1e-" + "9" * 1000, "-0e" + "9" * 1000, "2.5e+" + "0" * 1000 + "3"]:
        assert outcome(rjson.loads, f"[{doc}]") == outcome(json.loads, f"[{doc}]"), doc[:20]


def test_huge_strings_both_ways():
    text = "a" * 20_000_000
    assert rjson.loads(f'"{text}"') == text
    assert rjson.dumps(text) == f'"{text}"'
    wide = "é😀\n" * 1_000_000
    assert rjson.loads(rjson.dumps(wide)) == wide
    assert rjson.dumps(wide) == json.dumps(wide, ensure_ascii=False)


# Limits the process to ROOM more bytes than it has mapped so far.
MEMORY_LIMIT = """
import resource
with open("/proc/self/status") as status:
    mapped = next(int(line.split()[1]) << 10 for line in status if line.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (mapped + ROOM, mapped + ROOM))
"""

OUT_OF_MEMORY_SCRIPT = """
import rjson
ascii_text, wide_text = "x" * 10_000_000, "€" * 5_000_000
# Large wide results before: phase5 then transcodes the next one on its
# worker thread, which must be stopped before the unwind frees its str.
mostly_ascii = "x" * 100_000 + "€"
rjson.dumps_bytes([mostly_ascii])  # makes its UTF-8, which the worker reads
for _ in range(3):
    rjson.dumps([mostly_ascii] * 4)
part = ascii_text[:3_000_000]
cases = [
    ("dumps", [[mostly_ascii]] * 20_000, {}),
    ("dumps", [ascii_text] * 200, {}),
    ("dumps_bytes", [ascii_text] * 200, {}),
    ("dumps", [wide_text] * 200, {}),
    ("dumps_bytes", [wide_text] * 200, {}),
    ("dumps", {"k": [ascii_text] * 200}, {"indent": 2}),
    ("dumps", [ascii_text] * 200, {"ensure_ascii": True}),
    # Long enough for parallel writing (phase3 on): the room for the rest
    # is asked for after the first items.
    ("dumps_bytes", [part] * 400, {}),
    ("dumps_bytes", dict.fromkeys(["k%d" % i for i in range(400)], part), {}),
]
for name, value, options in cases:
    try:
        getattr(rjson, name)(value, **options)
        print("written")
    except MemoryError:
        print("MemoryError")
# The process goes on as before, the next results of either type right.
small = {"a": [ascii_text[:100], wide_text[:100], 1, 2.5]}
expected = '{"a":["' + ascii_text[:100] + '","' + wide_text[:100] + '",1,2.5]}'
assert rjson.dumps(small) == expected
assert rjson.dumps_bytes(small) == expected.encode()
print("after: right")
"""


def test_output_beyond_memory_raises_memory_error():
    # A result the process has no memory for raises MemoryError, as json's
    # does; it used to abort the whole process (Rust's `Vec` growth, and
    # phase5's result object, called the allocation-failure handler).
    # Every case needs more than 1 GB of output; the process has 600 MB.
    script = OUT_OF_MEMORY_SCRIPT.replace("import rjson", "import rjson" + MEMORY_LIMIT.replace("ROOM", str(600 << 20)))
    lines = run_script(script, timeout=600).split()
    assert lines == ["MemoryError"] * 9 + ["after:", "right"]


INPUT_OUT_OF_MEMORY_SCRIPT = """
import rjson
ints = b"[" + b"1," * 30_000_000 + b"1]"
docs = [
    ints,
    ints.decode(),
    bytearray(ints),
    memoryview(ints),
    # Escaped: the parser's own copy of the text (serde_json's, before
    # phase3, which aborts: left out below).
    b'["\\\\n' + b"x" * 150_000_000 + b'"]',
    # Invalid (a raw newline in a str): the error's `doc` is a str of it all.
    b'["\\n' + b"x" * 150_000_000 + b'"]',
]
if "phase3" not in rjson.enabled_phases():
    del docs[4]
LIMIT
for doc in docs:
    try:
        rjson.loads(doc)
        print("parsed")
    except MemoryError:
        print("MemoryError")
assert rjson.loads(b'{"a": [1, "\\u00e9", 2.5]}') == {"a": [1, "\u00e9", 2.5]}
print("after: right")
"""


def test_input_beyond_memory_raises_memory_error():
    # Each document's values (a list of 30 M items, a 150 MB str) or the
    # error's `doc` need more than the 100 MB the process has left, in one
    # large allocation. (Memory used up by small objects, a dict of
    # millions of keys, is out of reach: then any small allocation fails,
    # in Rust's error handling too.) `loads` used to abort the whole process where the parsers'
    # own memory could not grow (the item stack, stage 1's index, an
    # escaped str's text), and to panic where the error's `doc` could not
    # be made.
    script = INPUT_OUT_OF_MEMORY_SCRIPT.replace("LIMIT", MEMORY_LIMIT.replace("ROOM", str(100 << 20)))
    lines = run_script(script, timeout=600).split()
    docs = 6 if "phase3" in rjson.enabled_phases() else 5
    assert lines == ["MemoryError"] * docs + ["after:", "right"]


def test_default_returning_new_containers_of_itself():
    class Node:
        pass

    # Each call returns a fresh list holding the object: unbounded, not circular.
    with pytest.raises((rjson.JSONEncodeError, RecursionError)):
        rjson.dumps(Node(), default=lambda o: [o])


def test_dict_rebuilt_at_the_same_size_while_written():
    d = {"a": object(), "b": 2, "c": 3}

    def default(o):
        d.clear()
        d.update({"x": 1, "y": 2, "z": 3})
        return "replaced"

    try:
        out = rjson.dumps(d, default=default)
    except RuntimeError:
        return
    assert json.loads(out)  # whatever was read, it is valid JSON


def test_sorted_dict_keeps_the_entries_a_default_replaces():
    # With sort_keys, the entries still to be written when a default
    # replaces them (and so frees them) are written as they were, as json
    # writes its snapshot of the items; never read after being freed.
    def build():
        d = {f"k{i:02d}": "".join(["value ", str(i)]) * 3 for i in range(30)}
        d["k15"] = object()
        d["k20"] = {"inner": "".join(["i", "j"]), "list": ["".join(["l", "m"])]}
        return d

    for module in (json, rjson):
        d = build()

        def default(o):
            for key in list(d):
                d[key] = "replaced"
            return "object"

        out = module.dumps(d, sort_keys=True, default=default, separators=(",", ":"))
        if module is json:
            want = out
    assert out == want
    assert '"k16":"value 16value 16value 16"' in want


def test_sorted_dict_gives_back_the_references_it_takes():
    # The references sort_keys takes to a dict's entries are given back,
    # also when a default raises in the middle of the dict.
    import sys

    objects = [object() for _ in range(3)]
    s1, s2 = "x" * 40 + "q", "y" * 40 + "w"
    d = {"b": s1, "a": objects[0], "c": [objects[1]], "d": s2, "z": {"y": objects[2], "x": s1}}
    before = [sys.getrefcount(o) for o in (s1, s2, *objects)]
    for fail in (False, True):

        def default(o):
            if fail and o is objects[1]:
                raise ValueError("no")
            return 1

        for _ in range(100):
            try:
                rjson.dumps(d, sort_keys=True, default=default)
            except ValueError:
                assert fail
    assert [sys.getrefcount(o) for o in (s1, s2, *objects)] == before


def test_list_emptied_and_refilled_by_default():
    items = [object(), 1, 2]

    def default(o):
        items.clear()
        items.extend(["a"] * 1000)
        return "x"

    out = rjson.dumps(items, default=default)
    assert json.loads(out)[0] == "x"


def test_bytearray_rewritten_by_object_hook_while_parsed():
    data = bytearray(b'[{"a": 1}, {"b": 2}, "tail"]')

    def hook(d):
        data[:] = b"garbage" * 100  # resize and rewrite the input mid-parse
        return d

    assert rjson.loads(data, object_hook=hook) == [{"a": 1}, {"b": 2}, "tail"]


def test_object_hook_keeping_and_mutating_results():
    seen = []

    def hook(d):
        seen.append(d)
        if len(seen) > 1:
            seen[0].clear()  # an already finished dict, changed under the parser
        return d

    doc = '[{"a": 1}, {"b": {"c": 2}}]'
    assert outcome(lambda s: rjson.loads(s, object_hook=hook), doc)[0] == "ok"
