"""phase5 transcodes a large wide `dumps` result on a second thread while
the writer goes on (src/phase5/transcode_thread.rs). The thread stops at a
piece it cannot write (a wider character, no room left in the str) and the
writer takes the rest back; the writer's buffer may have to grow under the
thread. Every such result must be the standard library's str, and a failing
call must leave nothing behind. Run in a subprocess with
RJSON_TRANSCODE_THREAD_MIN=0 (the threshold is read once) and
RJSON_TRANSCODE_BACK_OFF=0 (on a busy machine the thread must not be left
out), which also checks that the thread did the work
(`_transcode_thread_stats`)."""

import os

import pytest

import rjson
from conftest import run_script

pytestmark = pytest.mark.skipif("phase5" not in rjson.enabled_phases(), reason="phase5 only")

SCRIPT = r'''
import json, os, sys
import rjson

MAKE_UTF8 = os.environ["MAKE_UTF8"] == "1"

def expected(doc):
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))

def check(doc, label):
    if MAKE_UTF8:
        # strs whose UTF-8 is made are written from it, all through the
        # thread; others from their units, and the thread only moves the
        # text between them (src/phase5/str_units.rs).
        rjson.dumps_bytes(doc)
    got = rjson.dumps(doc)
    want = expected(doc)
    assert got == want, label
    # The standard library's kind (CPython compares kinds first).
    assert sys.getsizeof(got) == sys.getsizeof(want), label

def record(i, text):
    return {"id": i, "text": text, "tags": [text[:3], i * 0.5]}

plain = [record(i, "plain ascii text %d " % i * 4) for i in range(16000)]  # ~2 MB

def with_chars(places):
    doc = list(plain)
    for at, char in places:
        doc[at] = record(at, "wide %s here" % char)
    return doc

started = lambda: rjson._rjson._transcode_thread_stats()

# Each case twice: the first call sizes the thread's next result (the
# thread starts from the second call on).
before = started()
for char in ("\xe9", "\u3042", "\U0001f600"):
    for _ in range(2):
        check(with_chars([(0, char)]), ("one kind", char))
after = started()
assert after[0] >= before[0] + 3 and after[1] > before[1], (before, after)

# A wider character after the thread started: it stops there, the writer
# widens the str and takes the rest back.
for first, later in (("\xe9", "\u3042"), ("\xe9", "\U0001f600"), ("\u3042", "\U0001f600")):
    for at in (4000, 8000, 15999):
        check(with_chars([(0, first)]), "size the next")
        check(with_chars([(0, first), (at, later)]), (first, later, at))

# A result longer than the last: the str runs out of room under the thread.
check(with_chars([(0, "\u3042")]), "size the next")
check(with_chars([(0, "\u3042")]) + plain, "twice as long")
check(with_chars([(0, "\u3042")]) + plain + plain, "three times as long")

# One string longer than the buffer's room, in the middle: the buffer
# grows, the thread stopped first.
long_text = "long \u3042 text " * 150000  # ~2.4 MB
for at in (1, 8000, 15999):
    check(with_chars([(0, "\xe9")]), "size the next")
    doc = with_chars([(0, "\xe9")])
    doc[at] = {"long": long_text}
    check(doc, ("long string", at))

# An error after the thread took pieces: the error, then a clean next call.
class Unknown:
    pass

check(with_chars([(0, "\u3042")]), "size the next")
for at in (3000, 15999):
    doc = with_chars([(0, "\u3042")])
    doc[at] = Unknown()
    try:
        rjson.dumps(doc)
    except TypeError as err:
        assert "Unknown" in str(err), err
    else:
        raise AssertionError("no error")
    check(with_chars([(0, "\u3042")]), ("after the error", at))

# Indented output goes the same way.
doc = with_chars([(0, "\u3042"), (9000, "\U0001f600")])
for _ in range(2):
    got = rjson.dumps(doc, indent=2)
    assert got == json.dumps(doc, ensure_ascii=False, indent=2)
print("ok", started())
'''


@pytest.mark.parametrize("make_utf8", ["1", "0"])
def test_wide_results_through_the_thread(make_utf8):
    out = run_script(
        SCRIPT, timeout=600, RJSON_TRANSCODE_THREAD_MIN="0", RJSON_TRANSCODE_BACK_OFF="0", MAKE_UTF8=make_utf8
    )
    assert out.startswith("ok"), out


def test_mostly_dense_results_keep_the_thread_off():
    """A result mostly of dense strs (Cyrillic, Japanese: src/phase5/str_units.rs)
    is copied from their units by the writer, faster than the worker
    decodes their UTF-8: the next call starts no worker. A result of mostly
    ASCII text brings it back from the call after."""
    script = (
        "import json, rjson\n"
        "stats = rjson._rjson._transcode_thread_stats\n"
        "dense = ['Привет мир 日本語 %d' % i for i in range(20000)]\n"
        "sparse = ['plain text \\u3042 and more %d' % i for i in range(20000)]\n"
        "rjson.dumps_bytes([dense, sparse])\n"
        "def check(doc):\n"
        "    assert rjson.dumps(doc) == json.dumps(doc, ensure_ascii=False, separators=(',', ':'))\n"
        "for doc, thread in ((sparse, True), (dense, True), (dense, False), (dense, False), (sparse, False), (sparse, True)):\n"
        "    before = stats()[0]\n"
        "    check(doc)\n"
        "    assert (stats()[0] > before) == thread, (doc[0], thread, before, stats())\n"
        "print('ok')\n"
    )
    assert run_script(script, RJSON_TRANSCODE_THREAD_MIN="0", RJSON_TRANSCODE_BACK_OFF="0").startswith("ok")


def test_fork_after_a_threaded_dumps():
    """The worker is made once and kept; a child made by fork (which has no
    thread but the one that forked) makes its own, which does the work."""
    if not hasattr(os, "fork"):
        pytest.skip("needs fork")
    script = (
        "import os, json, rjson\n"
        "doc = [{'t': '\\u3042 plain text %d' % i * 5} for i in range(30000)]\n"
        "want = json.dumps(doc, ensure_ascii=False, separators=(',', ':'))\n"
        "stats = rjson._rjson._transcode_thread_stats\n"
        "def workers():\n"
        "    if not os.path.isdir('/proc/self/task'):\n"
        "        return 1\n"
        "    names = [open('/proc/self/task/%s/comm' % t).read().strip() for t in os.listdir('/proc/self/task')]\n"
        "    return names.count('rjson-transcode')\n"
        # Written from their UTF-8, through the thread.
        "rjson.dumps_bytes(doc)\n"
        "for _ in range(5):\n"
        "    assert rjson.dumps(doc) == want\n"
        "assert stats()[0] >= 4 and workers() == 1, (stats(), workers())\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    before = stats()\n"
        "    ok = rjson.dumps(doc) == want and rjson.dumps(doc) == want\n"
        "    after = stats()\n"
        "    os._exit(0 if ok and after[1] > before[1] and workers() == 1 else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0\n"
        "assert rjson.dumps(doc) == want and workers() == 1\n"
    )
    run_script(script, RJSON_TRANSCODE_THREAD_MIN="0", RJSON_TRANSCODE_BACK_OFF="0")
