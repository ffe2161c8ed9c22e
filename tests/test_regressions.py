"""Inputs that once failed (fuzz/regressions/, from scripts/fuzz): each
must now load as the standard library loads it, or fail cleanly."""

import json
from pathlib import Path

import pytest

import rjson
from conftest import assert_same

FILES = sorted((Path(__file__).resolve().parent.parent / "fuzz" / "regressions").glob("*"))
FILES = [p for p in FILES if p.is_file() and p.name != "README.md"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_regression(path):
    data = path.read_bytes()
    try:
        expected = json.loads(data)
    except (ValueError, RecursionError):
        with pytest.raises(rjson.JSONDecodeError):
            rjson.loads(data)
        return
    text = data.decode("utf-8", "replace")
    if "NaN" in text or "Infinity" in text:
        return
    assert_same(rjson.loads(data), expected)
