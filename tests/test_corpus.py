"""Every file of the bundled benchmark corpus loads as the standard library
loads it and dumps byte for byte as the standard library dumps it."""

import json

import pytest

import rjson
from conftest import CORPUS, assert_same

FILES = sorted(CORPUS.glob("*.json"))


def test_corpus_is_present():
    assert len(FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path):
    data = path.read_bytes()
    expected = json.loads(data)
    value = rjson.loads(data)
    assert_same(value, expected)
    assert_same(rjson.loads(data.decode("utf-8")), expected)
    assert rjson.dumps(value) == json.dumps(expected, separators=(",", ":"), ensure_ascii=False)
    assert rjson.dumps(value, indent=2, ensure_ascii=True) == json.dumps(expected, indent=2)
    assert_same(rjson.loads(rjson.dumps_bytes(value)), expected)
