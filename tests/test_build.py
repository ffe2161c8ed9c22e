"""The build under test is the one scripts/test meant to test."""

import os

import pytest

import rjson
from conftest import run_script

PHASES = ("phase1", "phase2", "phase3", "phase4", "phase5")


def test_enabled_phases_match_the_variant():
    variant = os.environ.get("RJSON_VARIANT")
    if variant is None:
        pytest.skip("RJSON_VARIANT not set: run through scripts/test")
    expected = () if variant == "baseline" else PHASES[: int(variant[-1])]
    assert rjson.enabled_phases() == expected


def test_enabled_phases_is_a_prefix_of_the_roadmap():
    phases = rjson.enabled_phases()
    assert isinstance(phases, tuple)
    assert phases == PHASES[: len(phases)]


def test_version():
    assert isinstance(rjson.__version__, str) and rjson.__version__.count(".") == 2


def test_scalar_kernels_give_the_same_results():
    """phase4+ choose vector kernels at run time; the forced scalar path must
    agree on the corpus (run in a subprocess: the choice is made once)."""
    if not hasattr(rjson._rjson, "_kernels"):
        pytest.skip("no run-time kernels in this build")
    from conftest import CORPUS, run_script

    script = (
        "import rjson, json, pathlib, sys\n"
        "assert rjson._rjson._kernels() == sys.argv[1], rjson._rjson._kernels()\n"
        "for p in sorted(pathlib.Path(sys.argv[2]).glob('*.json')):\n"
        "    data = p.read_bytes(); v = rjson.loads(data)\n"
        "    assert v == json.loads(data), p\n"
        "    assert rjson.dumps(v) == json.dumps(v, ensure_ascii=False, separators=(',', ':')), p\n"
        "    assert rjson.dumps(v, ensure_ascii=True) == json.dumps(v, separators=(',', ':')), p\n"
    )
    import platform

    for name in ("scalar", "sse2") if platform.machine() in ("x86_64", "AMD64") else ("scalar",):
        run_script(script, name, str(CORPUS), RJSON_KERNELS=name)


def test_phase5_makes_scalars_in_place_on_cpython_311_to_313():
    """The in-place floats, ints and strs (phase5) must not fall back to the
    C API unnoticed where their layouts are the ones checked (CPython 3.11,
    3.12 and 3.13 with the GIL, 64-bit), and must not be used elsewhere."""
    import platform
    import sys
    import sysconfig

    if not hasattr(rjson._rjson, "_objects_in_place"):
        pytest.skip("no in-place objects in this build")
    expected = (
        platform.python_implementation() == "CPython"
        and (3, 11) <= sys.version_info[:2] <= (3, 13)
        and sys.maxsize > 2**32
        and not sysconfig.get_config_var("Py_GIL_DISABLED")
    )
    rjson.loads("[1.5]")  # the layouts are checked on first use
    assert rjson._rjson._objects_in_place() is expected


def test_objects_made_in_place_use_the_interpreters_allocators():
    """Dicts filled in place and the scalars made in place are freed by
    CPython with the allocator it would have used (the key table's changed
    from PyObject_Malloc to PyMem_Malloc in 3.13): the debug allocator
    aborts the process on a mismatch."""
    script = """
import gc, rjson
for n in (1, 5, 6, 9, 40, 200, 3000):
    doc = "{" + ",".join('"k%d": [%d, %d.5, "s%d", {"x": null}]' % (i, i, i, i) for i in range(n)) + "}"
    for _ in range(3):
        value = rjson.loads(doc)
        assert len(value) == n
        del value
        gc.collect()
print("ok")
"""
    assert run_script(script, PYTHONMALLOC="debug").strip() == "ok"
