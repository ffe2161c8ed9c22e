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


@pytest.mark.skipif(not hasattr(rjson._rjson, "_key_cache_stats"), reason="the key cache is phase3's")
def test_the_key_cache_keeps_all_of_twitters_keys():
    # twitter.json has 94 distinct keys in 13,345 dict entries. With one way
    # a slot, 4 pairs of them shared a slot and evicted each other: 1,052
    # misses on every call. With two ways none is lost after the first call.
    data = (CORPUS / "twitter.json").read_bytes()
    stats = rjson._rjson._key_cache_stats
    rjson.loads(data)
    hits, misses = stats()
    rjson.loads(data)
    assert (stats()[0] - hits, stats()[1] - misses) == (13345, 0)
