"""phase5's two-stage path: large documents are validated and indexed with
the GIL released, and give the one-stage path's results. (scripts/test also
runs the whole suite on phase5 with every document forced through both
stages: RJSON_TWO_STAGE_MIN=0, with the vector and the scalar kernels.)"""

import json
import sys
import threading
import time

import pytest

import rjson
from conftest import CORPUS

pytestmark = pytest.mark.skipif("phase5" not in rjson.enabled_phases(), reason="phase5 only")

# Above the default two-stage threshold (4 MiB): 8 x twitter.json, 5 MB.
TWITTER = (CORPUS / "twitter.json").read_bytes()
BIG = b"[" + b",".join([TWITTER] * 8) + b"]"


def steps_of_another_thread_during_loads(doc):
    """Steps another thread makes while `loads(doc)` runs. A long switch
    interval keeps it from taking the GIL by request while loads holds it
    (it would, after 5 ms, once loads returns and before `end` is read); it
    can run only while loads has released the GIL itself."""
    stamps, running, stop = [], threading.Event(), threading.Event()

    def count():
        running.set()
        while not stop.is_set():
            stamps.append(time.perf_counter_ns())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.5)
    counter = threading.Thread(target=count)
    try:
        counter.start()
        running.wait()
        start = time.perf_counter_ns()
        value = rjson.loads(doc)
        end = time.perf_counter_ns()
    finally:
        stop.set()
        counter.join()
        sys.setswitchinterval(interval)
    return value, sum(start < t < end for t in stamps)


def test_another_thread_runs_while_a_large_document_is_indexed():
    # 48 MiB of trailing spaces: ~15 ms without the GIL on this machine, long
    # enough for the other thread to be scheduled even on a busy one.
    doc = BIG + b" " * (48 << 20)
    steps = []
    for _ in range(5):
        value, n = steps_of_another_thread_during_loads(doc)
        assert len(value) == 8
        steps.append(n)
        if n > 0:
            break
    assert max(steps) > 0, steps


@pytest.mark.parametrize("doc", [BIG, BIG.decode(), bytearray(BIG), memoryview(BIG)], ids=type)
def test_large_inputs_of_every_type(doc):
    value = rjson.loads(doc)
    assert value == [rjson.loads(TWITTER)] * 8


def test_large_malformed_documents_fail_like_the_standard_library():
    for damage in (b"1x", b'"a"b', b"\\", b"tru", b'"\x01"', b"]", b"[1,]", b'{"a" 1}'):
        for doc in (BIG[:-1] + b", " + damage + b"]", b"[" + damage + b", " + BIG[1:]):
            with pytest.raises(json.JSONDecodeError) as expected:
                json.loads(doc)
            with pytest.raises(rjson.JSONDecodeError) as actual:
                rjson.loads(doc)
            assert (actual.value.msg, actual.value.pos) == (expected.value.msg, expected.value.pos), damage
