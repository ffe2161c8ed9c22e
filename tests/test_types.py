"""The types users expect a fast JSON library to write besides the standard
library's: subclasses, dataclasses, datetime, UUID, Enum."""

import dataclasses
import datetime
import enum
import json
import uuid
from collections import OrderedDict, UserString

import pytest

import rjson


class MyStr(str):
    pass


class MyInt(int):
    def __repr__(self):
        return "nope"


class MyFloat(float):
    def __repr__(self):
        return "nope"


class MyList(list):
    pass


class MyDict(dict):
    pass


class Color(enum.Enum):
    RED = "red"
    ONE = 1


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):
    FAST = "fast"


def test_subclasses_like_standard_library():
    value = [MyStr("s"), MyInt(5), MyFloat(1.5), MyList([1, 2]), MyDict(a=1), OrderedDict(b=2), (1, 2), Level.HIGH, Mode.FAST]
    assert rjson.dumps(value) == json.dumps(value, separators=(",", ":"))
    assert rjson.dumps({MyStr("k"): 1, MyInt(2): 2, MyFloat(0.5): 3}) == '{"k":1,"2":2,"0.5":3}'


def test_enum_values():
    assert rjson.dumps([Color.RED, Color.ONE, Level.HIGH, Mode.FAST]) == '["red",1,3,"fast"]'


@dataclasses.dataclass
class Point:
    x: int
    y: float
    tags: list = dataclasses.field(default_factory=list)
    nested: "Point | None" = None


def test_dataclasses():
    p = Point(1, 2.5, ["a"], Point(3, 4.0))
    assert rjson.dumps(p) == '{"x":1,"y":2.5,"tags":["a"],"nested":{"x":3,"y":4.0,"tags":[],"nested":null}}'
    with pytest.raises(rjson.JSONEncodeError):
        rjson.dumps(Point)  # the class itself is not an instance


def test_datetime_types_iso8601():
    values = [
        datetime.datetime(2024, 2, 29, 13, 45, 7),
        datetime.datetime(2024, 2, 29, 13, 45, 7, 123456, tzinfo=datetime.timezone.utc),
        datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))),
        datetime.date(1999, 12, 31),
        datetime.time(23, 59, 59, 1),
    ]
    assert rjson.loads(rjson.dumps(values)) == [v.isoformat() for v in values]
    assert rjson.dumps(values[1]) == '"2024-02-29T13:45:07.123456+00:00"'


def test_uuid():
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert rjson.dumps({"id": u}) == '{"id":"12345678-1234-5678-1234-567812345678"}'


def test_default_only_for_what_rjson_cannot_write():
    seen = []

    def default(o):
        seen.append(o)
        return str(o)

    assert rjson.dumps([uuid.UUID(int=0), UserString("u")], default=default) == '["00000000-0000-0000-0000-000000000000","u"]'
    assert [type(o) for o in seen] == [UserString]


def test_dict_subclass_items_override_is_honoured():
    class Reversed(dict):
        def items(self):
            return list(super().items())[::-1]

    value = Reversed(a=1, b=2)
    assert rjson.dumps(value) == json.dumps(value, separators=(",", ":")) == '{"b":2,"a":1}'


@pytest.mark.parametrize("call", ["dumps", "dumps_bytes", "dumps_ascii", "dumps_bytes_ascii"])
def test_dumps_leaves_the_callers_strs_as_they_were(call):
    # From phase3 on, the writer writes a non-ASCII str (value or key) from
    # its own units unless CPython has made its UTF-8 already, so that
    # CPython keeps no UTF-8 copy inside the caller's strs. The builds
    # before use serde_json's writer, which takes each str's UTF-8.
    import sys

    if "phase3" not in rjson.enabled_phases():
        pytest.skip("the builds before phase3 write strs from their cached UTF-8")
    fn = rjson.dumps_bytes if call.startswith("dumps_bytes") else rjson.dumps
    ensure_ascii = call.endswith("_ascii")

    class Sub(str):
        pass

    strs = ["ascii", "é latin", "日本語のテキスト", "emoji 😀🚀", "mixé 日本 😀", "del \x7f ctl \n \"q\""]
    strs = [s * n for s in strs for n in (1, 40)] + [Sub("sub 日本")]
    value = {s + " key": [s, {s: s}] for s in strs}
    before = [sys.getsizeof(s) for s in strs] + [sys.getsizeof(k) for k in value]
    for kw in ({}, {"indent": 2}, {"sort_keys": True}):
        text = fn(value, ensure_ascii=ensure_ascii, **kw)
        want = json.dumps(value, ensure_ascii=ensure_ascii, **kw, **({} if "indent" in kw else {"separators": (",", ":")}))
        assert text == (want.encode() if fn is rjson.dumps_bytes else want)
    assert [sys.getsizeof(s) for s in strs] + [sys.getsizeof(k) for k in value] == before


def test_decimals_are_written_as_their_exact_number_text():
    from decimal import Decimal

    values = [Decimal("1.10"), Decimal("1E+400"), Decimal("-0"), Decimal("0.000001"), Decimal("123456789012345678901234567890.5")]
    text = rjson.dumps(values)
    assert text == "[1.10,1E+400,-0,0.000001,123456789012345678901234567890.5]"
    assert rjson.dumps_bytes(values) == text.encode()
    assert rjson.loads(text, parse_float=Decimal) == values
    assert rjson.dumps({Decimal("2.50"): Decimal("1")}) == '{"2.50":1}'
    assert rjson.dumps({"a": Decimal("1.5")}, indent=1) == '{\n "a": 1.5\n}'
    for special, name in ((Decimal("NaN"), "NaN"), (Decimal("sNaN"), "NaN"), (Decimal("Infinity"), "Infinity"), (Decimal("-Infinity"), "-Infinity")):
        with pytest.raises(rjson.JSONEncodeError, match="Out of range"):
            rjson.dumps([special])
        assert rjson.dumps([special], allow_nan=True) == f"[{name}]"


def test_decimal_module_is_not_imported_by_dumps():
    import subprocess
    import sys

    script = "import sys, rjson\nrjson.dumps([object()], default=str)\nassert 'decimal' not in sys.modules, 'imported'\n"
    subprocess.run([sys.executable, "-X", "importtime", "-c", script], check=True, capture_output=True)
