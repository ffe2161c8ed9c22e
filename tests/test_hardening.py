"""Quick hardening checks, run on every build: no reference leaks on success
or error paths, and threads calling loads/dumps at once get the results a
single thread gets (the key cache and buffer pools are per thread)."""

import gc
import json
import sys
import threading

import pytest

import rjson
from conftest import CORPUS

DOC = (CORPUS / "twitter.json").read_bytes()
VALUE = json.loads(DOC)


class Boom(Exception):
    pass


def boom(*args):
    raise Boom


def call_quietly(fn):
    try:
        fn()
    except (ValueError, TypeError, RuntimeError, Boom):
        pass


REPEATED_KEYS = "{" + ",".join(f'"k{i % 50}":[{i}]' for i in range(200)) + "}"

circular = []
circular.append(circular)

CASES = {
    "loads": lambda: rjson.loads(DOC),
    "loads str": lambda: rjson.loads(DOC.decode()),
    "dumps": lambda: rjson.dumps(VALUE),
    "dumps_bytes": lambda: rjson.dumps_bytes(VALUE),
    "dumps_bytes indent": lambda: rjson.dumps_bytes(VALUE, indent=2, sort_keys=True),
    # phase5 fails with a large result object half written.
    "dumps_bytes raises": lambda: rjson.dumps_bytes([VALUE, object()]),
    # ... and a wide str result with phase5's transcoding worker at work.
    "dumps raises": lambda: rjson.dumps([VALUE, object()]),
    "malformed": lambda: rjson.loads(DOC[:-10]),
    "bad utf-8": lambda: rjson.loads(DOC[:1000] + b"\xff" + DOC[1000:]),
    "object_hook raises": lambda: rjson.loads(b'[{"a": 1}, {"b": [2]}]', object_hook=boom),
    "parse_int raises": lambda: rjson.loads(b"[1, 2, [3]]", parse_int=boom),
    "pairs hook": lambda: rjson.loads(b'{"a": {"b": 1}}', object_pairs_hook=list),
    "default raises": lambda: rjson.dumps([1, {"a": object()}], default=boom),
    "unserializable": lambda: rjson.dumps({"a": [1, {2, 3}]}),
    "circular": lambda: rjson.dumps(circular),
    "too deep": lambda: rjson.loads("[" * 2000 + "]" * 2000),
    "surrogates": lambda: rjson.loads('["\\ud800", "\\udc00x"]'),
    "big ints": lambda: rjson.dumps(rjson.loads("[" + "9" * 400 + "]")),
    # Each repeated key releases the value it replaces (and its own key).
    "repeated keys": lambda: rjson.loads(REPEATED_KEYS),
}


@pytest.mark.parametrize("name", CASES, ids=str)
def test_no_reference_leaks(name):
    fn = CASES[name]
    for _ in range(50):  # warm caches: key cache, pools, lazily imported types
        call_quietly(fn)
    gc.collect()
    before = sys.getallocatedblocks()
    for _ in range(500):
        call_quietly(fn)
    gc.collect()
    grown = sys.getallocatedblocks() - before
    assert grown < 200, f"{name}: {grown} blocks more after 500 calls"


@pytest.mark.skipif(not hasattr(sys, "gettotalrefcount"), reason="a debug interpreter counts references (scripts/harden pydebug)")
def test_debug_reference_total_holds():
    # Objects made in place must enter a debug build's total of references
    # as the C API's do: each of the 3,000 per call would move it by one.
    doc = "[" + ",".join(f'{i}.5, {i * 100000007}, "s{i}"' for i in range(1000)) + "]"
    for _ in range(3):
        rjson.loads(doc)
    before = sys.gettotalrefcount()
    for _ in range(100):
        rjson.loads(doc)
    assert abs(sys.gettotalrefcount() - before) < 100


def test_threads_get_single_threaded_results():
    docs = [p.read_bytes() for p in sorted(CORPUS.glob("*.json"))[:6]]
    expected = [(rjson.loads(d), rjson.dumps(rjson.loads(d))) for d in docs]
    failures = []

    def work(seed):
        try:
            for i in range(20):
                k = (seed + i) % len(docs)
                value = rjson.loads(docs[k])
                if value != expected[k][0] or rjson.dumps(value) != expected[k][1]:
                    failures.append((seed, k))
                rjson.dumps(VALUE)  # a shared object, written by many threads
        except Exception as e:  # pragma: no cover - reported below
            failures.append(repr(e))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
