"""phase3+ formats long lists of floats on several threads (the values are
copied out first; workers never touch a Python object). The output must be
the same as item by item, and a process forked after such a call works."""

import json
import os
import random

import pytest

import rjson
from conftest import run_script

pytestmark = pytest.mark.skipif("phase3" not in rjson.enabled_phases(), reason="phase3+ only")

rng = random.Random(7)
FLOATS = [rng.uniform(-1e6, 1e6) for _ in range(70_000)] + [0.0, -0.0, 1e-7, 1e22, 5e-324, 1.5]


def compact(value, **kw):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, **kw)


def test_long_float_lists_match_the_standard_library():
    assert rjson.dumps(FLOATS) == compact(FLOATS)
    assert rjson.dumps({"a": [FLOATS, FLOATS[:10]]}) == compact({"a": [FLOATS, FLOATS[:10]]})
    # Not all floats, or not all finite: the item-by-item path decides.
    for odd in ([*FLOATS, 1], [*FLOATS, float("inf")], [1.5, *FLOATS, "x"]):
        assert rjson.dumps(odd, allow_nan=True) == compact(odd)
    with pytest.raises(ValueError):
        rjson.dumps([*FLOATS, float("nan")])


def test_every_list_length_through_the_threads():
    # RJSON_THREADS_MIN=1 sends every float list to the threads (a subprocess:
    # the threshold is read once).
    script = (
        "import json, rjson, sys\n"
        "vals = [i / 7 for i in range(50)]\n"
        "for n in range(len(vals)):\n"
        "    doc = [vals[:n], [1.0] * n, {'k': vals[:n]}]\n"
        "    assert rjson.dumps(doc) == json.dumps(doc, separators=(',', ':')), n\n"
        "    assert rjson.dumps(doc, indent=2) == json.dumps(doc, indent=2), n\n"
    )
    run_script(script, timeout=120, RJSON_THREADS_MIN="1")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
# The pool's threads stay for the process's life: CPython 3.12+ warns at a fork.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_fork_after_threaded_dumps():
    expected = rjson.dumps(FLOATS)
    pid = os.fork()
    if pid == 0:  # the child: threads must start afresh
        os._exit(0 if rjson.dumps(FLOATS) == expected else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
