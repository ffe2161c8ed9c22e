"""The build under test is the one scripts/test meant to test."""

import os

import pytest

import rjson

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


def test_phase5_makes_scalars_in_place_on_cpython_311():
    """The in-place floats, ints and strs (phase5) must not fall back to the
    C API unnoticed where their layouts are the ones checked."""
    import platform
    import sys

    if not hasattr(rjson._rjson, "_objects_in_place"):
        pytest.skip("no in-place objects in this build")
    expected = platform.python_implementation() == "CPython" and sys.version_info[:2] == (3, 11) and sys.maxsize > 2**32
    rjson.loads("[1.5]")  # the layouts are checked on first use
    assert rjson._rjson._objects_in_place() is expected
