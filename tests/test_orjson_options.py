"""orjson's types and options in rjson's keywords, on every build:
`Fragment`, `naive_utc`, `utc_z`, `omit_microseconds`, `passthrough`,
`strict_integer`, and dict keys of the types rjson writes natively."""

import dataclasses
import datetime as dt
import enum
import json
import uuid

import pytest

import rjson

UTC = dt.timezone.utc
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def both(value, **kw):
    """`dumps` and `dumps_bytes` agree; the text."""
    text = rjson.dumps(value, **kw)
    assert rjson.dumps_bytes(value, **kw) == text.encode()
    return text


# Fragment


def test_fragment_is_written_verbatim():
    F = rjson.Fragment
    value = {"a": F('{"x": [1,2]}'), "b": [F(b"null"), F('"日本"'), 1], "c": F(b" 7 ")}
    assert both(value) == '{"a":{"x": [1,2]},"b":[null,"日本",1],"c": 7 }'
    assert both([F("[]")], indent=2) == "[\n  []\n]"
    # Not checked as JSON, as orjson's is not.
    assert both([F("not json")]) == "[not json]"


def test_fragment_in_a_large_wide_result():
    doc = [{"i": i, "f": rjson.Fragment('{"t":"é 😀"}' if i == 5000 else '"x"')} for i in range(20000)]
    want = json.dumps([{"i": i, "f": {"t": "é 😀"} if i == 5000 else "x"} for i in range(20000)], ensure_ascii=False, separators=(",", ":"))
    assert both(doc) == want


def test_fragment_contents_repr_and_errors():
    assert rjson.Fragment("x").contents == "x"
    assert rjson.Fragment(b"1").contents == b"1"
    assert repr(rjson.Fragment(b"1")) == "rjson.Fragment(b'1')"
    with pytest.raises(TypeError, match="str or bytes"):
        rjson.Fragment(1)
    with pytest.raises(ValueError, match="UTF-8"):
        rjson.Fragment(b"\xff")
    with pytest.raises(UnicodeEncodeError):
        rjson.Fragment("\ud800")
    with pytest.raises(TypeError):

        class Sub(rjson.Fragment):  # final, as orjson's
            pass

    with pytest.raises(TypeError):
        rjson.dumps({rjson.Fragment("1"): 1})


def test_fragment_leaves_the_callers_str_alone():
    import sys

    text = "".join(["日本", "語"])
    size = sys.getsizeof(text)
    fragment = rjson.Fragment(text)
    both([fragment])
    assert sys.getsizeof(text) == size


# Datetime options


def test_datetime_options():
    naive = dt.datetime(2024, 1, 2, 3, 4, 5, 123456)
    aware = naive.replace(tzinfo=UTC)
    india = naive.replace(tzinfo=IST)
    values = [naive, aware, india, dt.date(2020, 5, 6), dt.time(1, 2, 3, 9), dt.datetime(1, 1, 1)]
    assert json.loads(both(values)) == [v.isoformat() for v in values]
    assert json.loads(both(values, omit_microseconds=True)) == [
        "2024-01-02T03:04:05", "2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05+05:30",
        "2020-05-06", "01:02:03", "0001-01-01T00:00:00",
    ]
    assert json.loads(both(values, naive_utc=True)) == [
        "2024-01-02T03:04:05.123456+00:00", "2024-01-02T03:04:05.123456+00:00",
        "2024-01-02T03:04:05.123456+05:30", "2020-05-06", "01:02:03.000009", "0001-01-01T00:00:00+00:00",
    ]
    assert json.loads(both(values, utc_z=True))[:3] == [
        "2024-01-02T03:04:05.123456", "2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05.123456+05:30",
    ]
    assert json.loads(both([naive], naive_utc=True, utc_z=True, omit_microseconds=True)) == ["2024-01-02T03:04:05Z"]


def test_datetime_options_reach_keys():
    naive = dt.datetime(2024, 1, 2, 3, 4, 5, 6)
    assert both({naive: 1}, naive_utc=True, utc_z=True, omit_microseconds=True) == '{"2024-01-02T03:04:05Z":1}'


# Keys of the types written natively


class Color(enum.Enum):
    RED = "red"
    ONE = 1
    HALF = 0.5


def test_keys_of_native_types_are_written_as_their_text():
    day = dt.date(2020, 1, 1)
    value = {
        dt.datetime(2024, 1, 2, 3, 4, 5): 1,
        day: 2,
        dt.time(7, 8): 3,
        uuid.UUID(int=1): 4,
        Color.RED: 5,
        Color.ONE: 6,
        Color.HALF: 7,
        "s": 8,
        9: 9,
    }
    assert json.loads(both(value)) == {
        "2024-01-02T03:04:05": 1, "2020-01-01": 2, "07:08:00": 3,
        "00000000-0000-0000-0000-000000000001": 4, "red": 5, "1": 6, "0.5": 7, "s": 8, "9": 9,
    }
    # Duplicate texts after conversion are written as they come.
    assert both({day: 1, "2020-01-01": 2}) == '{"2020-01-01":1,"2020-01-01":2}'


def test_sort_keys_sorts_native_keys_by_their_text():
    value = {dt.date(2021, 1, 1): 1, dt.date(2020, 1, 1): 2, "b": 0, uuid.UUID(int=0): 3}
    assert both(value, sort_keys=True) == (
        '{"00000000-0000-0000-0000-000000000000":3,"2020-01-01":2,"2021-01-01":1,"b":0}'
    )
    # Mixed with int keys, the standard library's TypeError.
    with pytest.raises(TypeError):
        rjson.dumps({dt.date(2021, 1, 1): 1, 2: 2}, sort_keys=True)


def test_other_keys_still_raise_or_are_skipped():
    with pytest.raises(TypeError, match="keys must be"):
        rjson.dumps({(1, 2): 1})
    assert both({(1, 2): 1, "a": 2}, skipkeys=True) == '{"a":2}'
    with pytest.raises(TypeError, match="keys must be"):
        rjson.dumps({dt.date(2020, 1, 1): 1}, passthrough=["datetime"])


# passthrough


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Text(str):
    pass


class Number(int):
    pass


class Items(list):
    pass


class Mapping(dict):
    pass


def test_passthrough_sends_types_to_default():
    seen = []

    def default(obj):
        seen.append(type(obj).__name__)
        return "D"

    day = dt.date(2020, 1, 1)
    assert both([Point(1, 2), day], passthrough=("dataclass",), default=default) == '["D","2020-01-01"]'
    assert both([Point(1, 2), day], passthrough=["datetime"], default=default) == '[{"x":1,"y":2},"D"]'
    values = [Text("t"), Number(3), Items([1]), Mapping(a=1), 1.5, "s", 2, True, [1], {"a": 1}, (1,)]
    assert both(values, passthrough={"subclass"}, default=default) == '["D","D","D","D",1.5,"s",2,true,[1],{"a":1},[1]]'
    assert both(values) == '["t",3,[1],{"a":1},1.5,"s",2,true,[1],{"a":1},[1]]'
    assert "Point" in seen and "date" in seen and "Text" in seen


def test_passthrough_without_default_raises():
    with pytest.raises(TypeError, match="Point"):
        rjson.dumps(Point(1, 2), passthrough=["dataclass"])
    with pytest.raises(TypeError, match="datetime"):
        rjson.dumps(dt.datetime(2020, 1, 1), passthrough=["datetime"])


def test_passthrough_keeps_enums_native():
    class Level(enum.IntEnum):
        HIGH = 3

    assert both([Level.HIGH, Color.RED], passthrough=["subclass"]) == '[3,"red"]'


def test_bad_passthrough_values():
    with pytest.raises(ValueError, match="passthrough"):
        rjson.dumps([], passthrough=["datetimes"])
    with pytest.raises(TypeError, match="passthrough"):
        rjson.dumps([], passthrough=[1])
    with pytest.raises(TypeError, match="passthrough"):
        rjson.dumps([], passthrough=1)
    assert both([], passthrough="datetime") == "[]"
    assert both([], passthrough=None) == "[]"


# strict_integer


def test_strict_integer():
    top = 2**53 - 1
    ok = [top, -top, 0, True, 1.5, [top, 1, 2], {"a": -top}]
    assert both(ok, strict_integer=True) == json.dumps(ok, separators=(",", ":"))
    for bad in (2**53, -(2**53), 2**64, -(2**100)):
        for value in (bad, [1, 2, bad], [bad], {"k": bad}, [1.5, "s", None, bad], {"k": [[bad]]}):
            with pytest.raises(rjson.JSONEncodeError, match="53-bit"):
                rjson.dumps(value, strict_integer=True)
            with pytest.raises(rjson.JSONEncodeError, match="53-bit"):
                rjson.dumps_bytes(value, strict_integer=True, indent=1)
        assert rjson.dumps(bad) == str(bad)
    # Keys are text, not numbers: not checked.
    assert both({2**60: 1}, strict_integer=True) == '{"1152921504606846976":1}'
