"""The JSONTestSuite (tests/data/JSONTestSuite, MIT): every y_ document parses
to what the standard library gives, every n_ raises JSONDecodeError, every i_
either parses (then as the standard library does) or raises JSONDecodeError."""

import json

import pytest

import rjson
from conftest import TEST_SUITE, assert_same

FILES = sorted(TEST_SUITE.glob("*.json"))


def ids(path):
    return path.name


def test_suite_is_present():
    assert len(FILES) > 300


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("y_")], ids=ids)
def test_accepts(path):
    data = path.read_bytes()
    expected = json.loads(data)
    assert_same(rjson.loads(data), expected)
    assert_same(rjson.loads(data.decode("utf-8")), expected)


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("n_")], ids=ids)
def test_rejects(path):
    data = path.read_bytes()
    with pytest.raises(rjson.JSONDecodeError):
        rjson.loads(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    with pytest.raises(rjson.JSONDecodeError):
        rjson.loads(text)


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("i_")], ids=ids)
def test_either(path):
    data = path.read_bytes()
    try:
        result = rjson.loads(data)
    except rjson.JSONDecodeError:
        return
    assert_same(result, json.loads(data))
