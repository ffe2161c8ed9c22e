"""Shared fixtures and helpers. The suite runs once per build variant:
scripts/test puts build/variants/<variant> on PYTHONPATH and names it in
RJSON_VARIANT, and test_build.py checks that the right build was imported."""

import math
import os
import struct
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
TEST_SUITE = ROOT / "tests" / "data" / "JSONTestSuite" / "test_parsing"

# Deterministic and without per-example deadlines: CI machines are shared and
# noisy, and a flaky test blocks everyone.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Many more random examples, for a local hunt: HYPOTHESIS_PROFILE=stress.
settings.register_profile("stress", deadline=None, max_examples=5000, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def run_script(script, *args, timeout=300, **env):
    """Runs `script` with this interpreter in a subprocess, `env` added to
    its environment (rjson reads its switches once a process); fails the
    test with the end of its stderr unless it exits 0. Returns its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def utf8_fault(doc):
    """The outcome of `loads` of bytes that are not UTF-8: the error at the
    first such byte (after a leading BOM, which is skipped), wherever the
    document's other faults are (phase5 checks the strings that are not
    ASCII as it parses, the builds before all of it first); None for UTF-8."""
    body = doc[3:] if doc.startswith(b"\xef\xbb\xbf") else doc
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        return ("error", f"Invalid UTF-8 byte 0x{body[e.start]:02x}", len(body[: e.start].decode("utf-8")))
    return None


def assert_same(actual, expected, path="$"):
    """Equal values of the same types, floats bit for bit (NaN included),
    dict keys in the same order."""
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, float):
        if math.isnan(expected):
            assert math.isnan(actual), f"{path}: {actual!r} != nan"
        else:
            assert struct.pack("<d", actual) == struct.pack("<d", expected), f"{path}: {actual!r} != {expected!r}"
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys {list(actual)[:5]} != {list(expected)[:5]}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected), f"{path}: length {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{path}[{i}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
