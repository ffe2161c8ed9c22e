"""rjson against orjson where both promise the same text: datetimes, dates
and times under every combination of naive_utc / utc_z / omit_microseconds,
UUIDs, Enums, dataclasses, Fragment, dict keys of those types (orjson's
OPT_NON_STR_KEYS), strict_integer, passthrough, numpy ints, bools and
datetime64. Property tests (hypothesis) over the values; every build."""

import dataclasses
import datetime as dt
import enum
import itertools
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rjson

orjson = pytest.importorskip("orjson")

OPTIONS = list(itertools.product([False, True], repeat=3))


def orjson_option(naive_utc, utc_z, omit_microseconds, *extra):
    option = 0
    option |= orjson.OPT_NAIVE_UTC if naive_utc else 0
    option |= orjson.OPT_UTC_Z if utc_z else 0
    option |= orjson.OPT_OMIT_MICROSECONDS if omit_microseconds else 0
    for flag in extra:
        option |= flag
    return option


# Offsets of whole minutes (orjson cuts seconds off an offset; isoformat keeps them).
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
zones = st.one_of(st.none(), st.just(dt.timezone.utc), offsets)
datetimes = st.builds(
    lambda d, tz: d.replace(tzinfo=tz),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    zones,
)
# Times without microseconds: orjson 3.13 writes time(0, 0, 0, 10000) as
# "00:00:00.10000" (rjson as isoformat does, ".010000").
times = st.times().map(lambda t: t.replace(microsecond=0))
values = st.one_of(datetimes, st.dates(), times, st.uuids())


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=8))
def test_datetimes_and_uuids(items):
    for naive_utc, utc_z, omit in OPTIONS:
        want = orjson.dumps(items, option=orjson_option(naive_utc, utc_z, omit))
        got = rjson.dumps_bytes(items, naive_utc=naive_utc, utc_z=utc_z, omit_microseconds=omit)
        assert got == want, (items, naive_utc, utc_z, omit)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.one_of(st.dates(), st.uuids(), st.text(max_size=5), st.integers(-(10**6), 10**6)), st.integers(-(2**63), 2**63 - 1), max_size=6))
def test_keys_of_native_types(value):
    want = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    assert rjson.dumps_bytes(value) == want


class Color(enum.Enum):
    RED = "red"
    ONE = 1


@dataclasses.dataclass
class Point:
    x: int
    label: str


def test_enums_dataclasses_fragments():
    value = [Color.RED, Color.ONE, Point(1, "é"), {Color.RED: 1}, rjson.Fragment(b'{"a":[1,2]}')]
    want = orjson.dumps(value[:3] + [{"red": 1}, orjson.Fragment(b'{"a":[1,2]}')], option=orjson.OPT_NON_STR_KEYS)
    assert rjson.dumps_bytes(value) == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**60), 2**60), max_size=10))
def test_strict_integer(items):
    try:
        want = orjson.dumps(items, option=orjson.OPT_STRICT_INTEGER)
    except orjson.JSONEncodeError:
        with pytest.raises(rjson.JSONEncodeError):
            rjson.dumps_bytes(items, strict_integer=True)
    else:
        assert rjson.dumps_bytes(items, strict_integer=True) == want


def test_passthrough():
    def default(obj):
        return type(obj).__name__

    class Text(str):
        pass

    value = [Point(1, "x"), dt.date(2020, 1, 1), Text("t"), dt.datetime(2020, 1, 1)]
    for names, flags in (
        (("dataclass",), [orjson.OPT_PASSTHROUGH_DATACLASS]),
        (("datetime",), [orjson.OPT_PASSTHROUGH_DATETIME]),
        (("subclass",), [orjson.OPT_PASSTHROUGH_SUBCLASS]),
        (("dataclass", "datetime", "subclass"), [orjson.OPT_PASSTHROUGH_DATACLASS, orjson.OPT_PASSTHROUGH_DATETIME, orjson.OPT_PASSTHROUGH_SUBCLASS]),
    ):
        want = orjson.dumps(value, default=default, option=orjson_option(False, False, False, *flags))
        assert rjson.dumps_bytes(value, default=default, passthrough=names) == want, names


def test_numpy_ints_bools_and_datetime64():
    np = pytest.importorskip("numpy")
    option = orjson.OPT_SERIALIZE_NUMPY
    rng = np.random.default_rng(5)
    arrays = [
        rng.integers(-(2**40), 2**40, (3, 4)),
        rng.integers(0, 255, 50).astype(np.uint8),
        rng.random(20) > 0.5,
        np.array(["2021-01-01T12:34:56.789", "1969-12-31T23:59:59.5", "2000-02-29"], dtype="datetime64[us]"),
        np.array(["2021-01-01", "1900-03-01"], dtype="datetime64[D]"),
    ]
    for array in arrays:
        for naive_utc, utc_z, omit in OPTIONS:
            want = orjson.dumps(array, option=orjson_option(naive_utc, utc_z, omit, option))
            got = rjson.dumps_bytes(array, naive_utc=naive_utc, utc_z=utc_z, omit_microseconds=omit)
            assert got == want, (array.dtype, naive_utc, utc_z, omit)
