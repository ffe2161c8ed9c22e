"""phase3+ writes long lists of large text on a pool of threads (where the
interpreter's object layouts are read in place): worker threads write
chunks of exact built-in types without the GIL, and the writer takes over
at anything else. The text must be the serial writer's for every option and
every kind of item, and a process forked after a parallel write writes in
parallel again. RJSON_PARALLEL_MIN_BYTES=0 sends every list of 256 items or
more to the threads (a subprocess: the switches are read once a process);
RJSON_THREADS=1 turns the threads off."""

import json
import os
import random
import sys

import pytest

import rjson
from conftest import run_script

pytestmark = pytest.mark.skipif("phase3" not in rjson.enabled_phases(), reason="phase3+ only")

# Run in subprocesses: builds documents of every kind, writes each with
# every option and compares with the standard library; prints a digest of
# the texts, so that runs with different switches can be compared.
CHECK_EVERY_OPTION = r'''
import collections, hashlib, json, random, sys
import rjson

rng = random.Random(11)
WORDS = ["plain", "tab\there", 'quote"d', "back\\slash", "caf\u00e9", "\u65e5\u672c\u8a9e",
         "emoji \U0001f600", "line\nbreak", "", "x" * 40, "\u00e9" * 20, "\x7f del"]

def record(i):
    return {
        "id": i, "big": 2 ** 63 + i if i % 97 == 0 else i * 1000, "neg": -i,
        "score": i / 7, "flag": i % 2 == 0, "none": None,
        "name": rng.choice(WORDS), "tags": [rng.choice(WORDS) for _ in range(i % 4)],
        "pair": (i, i / 3), "nested": {"z": [], "a": {}, "m": [[i], {"k": "v"}]},
        rng.choice(WORDS): i,
    }

Point = collections.namedtuple("Point", "x y")

class Item:
    def __init__(self, n):
        self.n = n

    def __str__(self):
        return "Item(%d)" % self.n

class Text(str):
    pass

class Row(list):
    pass

def odd(i):
    return [float("inf"), float("nan"), Point(i, i), Item(i), Text("sub"), Row([i, "r"]),
            -(2 ** 64), {1: "int key"}, {Text("k"): "subclass key"}, Text("sub \u00e9")][i % 10]

def default(obj):
    if isinstance(obj, Item):
        return str(obj)
    raise TypeError(type(obj).__name__)

class Attrs:
    def __init__(self, i):
        self.i, self.name, self.score = i, "attrs %d" % i, i / 4

plain = [record(i) for i in range(1500)]
# A large dict with deleted entries (holes in its table).
keyed = {"r%d" % i: record(i) for i in range(3000)}
for i in range(0, 3000, 7):
    del keyed["r%d" % i]
keyed_odd = dict(keyed)
keyed_odd["r1500"] = odd(3)
docs = {
    "dict of records": keyed,
    "dict with odd": keyed_odd,
    "dict of scalars": {"k%05d" % i: [i, "v", None][i % 3] for i in range(5000)},
    # Instance dicts, whose tables may be split (shared keys).
    "instance dicts": [vars(Attrs(i)) for i in range(1000)],
    "records": plain,
    "nested": {"data": plain, "meta": {"n": len(plain)}},
    "scalars": [rng.choice([1, -2, 3.5, "s", None, True, False, 2 ** 70]) for _ in range(2000)],
    "lists": [[j for j in range(i % 5)] for i in range(2000)],
    "tuples": [tuple(range(i % 3)) for i in range(2000)],
    "sparse odd": [odd(i // 300) if i % 300 == 150 else record(i) for i in range(3000)],
    "odd late": plain[:1400] + [odd(i) for i in range(10)],
    "odd first": [odd(i) for i in range(10)] + plain[:400],
    "all odd": [odd(i) for i in range(1000)],
}
# Written as rjson writes them in every build (a lone surrogate half as an
# escape), compared between runs only.
own = {
    "surrogates": [record(i) if i % 200 else {"s": "\ud83d lone", "n": i} for i in range(1000)],
    "surrogate values": {"k%d" % i: "\ud83d lone %d" % i for i in range(1000)},
}
OPTIONS = [
    {}, {"indent": 2}, {"indent": "\t"}, {"sort_keys": True}, {"indent": 1, "sort_keys": True},
    {"ensure_ascii": True}, {"separators": (", ", ": ")}, {"separators": (",", ":"), "ensure_ascii": True},
    {"indent": 40},
]

def outcome(fn):
    try:
        return fn()
    except (TypeError, ValueError, UnicodeEncodeError, OverflowError) as exc:
        return exc

digest = hashlib.sha256()
for name, doc in own.items():
    for opts in OPTIONS:
        digest.update(rjson.dumps(doc, **opts).encode("utf-8", "surrogatepass"))
        digest.update(rjson.dumps_bytes(doc, **opts))
for name, doc in docs.items():
    for opts in OPTIONS:
        for allow_nan in (True, False):
            kw = dict(opts, allow_nan=allow_nan, default=default)
            std = dict({"ensure_ascii": False, "separators": (",", ":") if "indent" not in opts else None}, **kw)
            expected = outcome(lambda: json.dumps(doc, **std))
            got = outcome(lambda: rjson.dumps(doc, **kw))
            got_bytes = outcome(lambda: rjson.dumps_bytes(doc, **kw))
            if isinstance(got_bytes, bytes):
                got_bytes = got_bytes.decode("utf-8", "surrogatepass")
            if isinstance(expected, str) or isinstance(got, str):
                assert got == expected, (name, kw, str(got)[:200], str(expected)[:200])
                assert got_bytes == expected, (name, kw)
            else:
                # Both raise, an error of the standard library's type (or
                # rjson's subclass of it), with the same message.
                for error in (got, got_bytes):
                    assert isinstance(error, type(expected)), (name, kw, error, expected)
                    assert str(error) == str(got), (name, kw, error, got)
            digest.update(str(got).encode("utf-8", "surrogatepass"))
    # strict_integer: ints past 2**53 raise wherever they are.
    outcome_strict = outcome(lambda: rjson.dumps_bytes(doc, strict_integer=True, default=default))
    print(name, "strict", outcome_strict if isinstance(outcome_strict, Exception) else len(outcome_strict))
print("digest", digest.hexdigest())
'''


def test_every_option_and_item_kind_through_the_threads():
    threads = run_script(CHECK_EVERY_OPTION, timeout=600, RJSON_PARALLEL_MIN_BYTES="0")
    alone = run_script(CHECK_EVERY_OPTION, timeout=600, RJSON_THREADS="1")
    assert threads == alone and "digest" in threads


def test_cycles_and_the_depth_limit_through_the_threads():
    script = r'''
import json, rjson
cyclic = [{"i": i} for i in range(600)]
cyclic[500]["self"] = cyclic
for fn in (rjson.dumps, rjson.dumps_bytes):
    try:
        fn(cyclic)
    except ValueError as exc:
        assert "Circular" in str(exc), exc
    else:
        raise AssertionError("no error for a cycle")
# Items nested just within the limit and past it.
def nest(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value
ok = [nest(1000) for _ in range(300)]
assert rjson.dumps(ok) == "[" + ",".join(["[" * 1000 + "1" + "]" * 1000] * 300) + "]"
deep = [nest(3) for _ in range(299)] + [nest(1100)]
try:
    rjson.dumps(deep)
except (ValueError, RecursionError) as exc:
    print(type(exc).__name__, exc)
else:
    raise AssertionError("no error past the depth limit")
'''
    threads = run_script(script, timeout=120, RJSON_PARALLEL_MIN_BYTES="0")
    assert threads == run_script(script, timeout=120, RJSON_THREADS="1") and "Error" in threads


def test_a_large_document_is_written_the_same_with_and_without_threads():
    # The default threshold (1 MiB of text): a 3 MB list of records.
    script = r'''
import hashlib, json, rjson
doc = [{"id": i, "text": "record %d \u00e9\u3042" % i * 3, "v": [i / 3, None, True]} for i in range(20000)]
out = rjson.dumps_bytes(doc)
assert out == json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
assert rjson.dumps(doc, indent=2, sort_keys=True) == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
print(len(out), hashlib.sha256(out).hexdigest())
'''
    assert run_script(script, timeout=120) == run_script(script, timeout=120, RJSON_THREADS="1")


def test_strs_whose_utf8_is_made_through_the_threads():
    # A str whose UTF-8 CPython keeps (made here as orjson makes it) is
    # written from it; any other from its own units, left as it is.
    script = r'''
import ctypes, json, sys, rjson
ctypes.pythonapi.PyUnicode_AsUTF8.restype = ctypes.c_char_p
ctypes.pythonapi.PyUnicode_AsUTF8.argtypes = [ctypes.py_object]
texts = ["".join(chr(c) for c in (0xe9, 0x3042 + i % 50, 0x1f600 + i % 30, 0x22, 0x0a)) * (1 + i % 9)
         for i in range(2000)]
for text in texts[::2]:
    ctypes.pythonapi.PyUnicode_AsUTF8(text)
sizes = [sys.getsizeof(text) for text in texts]
doc = [{"t": text, text: [text, i]} for i, text in enumerate(texts)]
for ensure_ascii in (False, True):
    for indent in (None, 2):
        want = json.dumps(doc, ensure_ascii=ensure_ascii, indent=indent, separators=None if indent else (",", ":"))
        assert rjson.dumps_bytes(doc, ensure_ascii=ensure_ascii, indent=indent) == want.encode()
        assert rjson.dumps(doc, ensure_ascii=ensure_ascii, indent=indent) == want
assert [sys.getsizeof(text) for text in texts] == sizes
print("ok")
'''
    assert run_script(script, timeout=120, RJSON_PARALLEL_MIN_BYTES="0") == "ok\n"
    assert run_script(script, timeout=120, RJSON_THREADS="1") == "ok\n"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_after_a_parallel_dumps():
    # The parent writes in parallel (its pool's threads exist only in it);
    # the child forked after it writes in parallel on a pool of its own,
    # never waiting on the parent's.
    script = r'''
import os, sys, rjson
doc = [{"id": i, "text": "x" * 40} for i in range(3000)]
expected = rjson.dumps_bytes(doc)
pid = os.fork()
if pid == 0:
    ok = all(rjson.dumps_bytes(doc) == expected for _ in range(3))
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
assert rjson.dumps_bytes(doc) == expected
print("ok")
'''
    assert run_script(script, timeout=60, RJSON_PARALLEL_MIN_BYTES="0").strip() == "ok"


def test_objects_are_left_as_they_were():
    # No reference taken or left by the threads: counts equal after many calls.
    script = r'''
import sys, rjson
shared = "shared value"
doc = [{"k": shared, "n": [shared, 1.5]} for _ in range(2000)]
before = sys.getrefcount(shared), sys.getrefcount(doc[0])
for _ in range(50):
    rjson.dumps_bytes(doc)
    rjson.dumps(doc, sort_keys=True)
assert (sys.getrefcount(shared), sys.getrefcount(doc[0])) == before
print("ok")
'''
    assert run_script(script, timeout=60, RJSON_PARALLEL_MIN_BYTES="0").strip() == "ok"


def test_default_that_changes_later_items_is_seen_as_with_one_thread():
    # The threads never write past an item that needs Python: what `default`
    # changes further on is written as changed, as one thread writes it.
    script = r'''
import rjson
class Marker:
    pass
doc = [{"i": i, "v": "x" * 20} for i in range(2000)]
doc[700] = Marker()
def default(obj):
    doc[900]["v"] = "changed"
    doc[1500] = {"replaced": True}
    return "marker"
print(rjson.dumps_bytes(doc, default=default).decode())
'''
    threads = run_script(script, timeout=60, RJSON_PARALLEL_MIN_BYTES="0")
    assert threads == run_script(script, timeout=60, RJSON_THREADS="1")
    assert '"changed"' in threads and '{"replaced":true}' in threads
