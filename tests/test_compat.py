"""rjson.compat against the standard library's json, call for call: results,
exceptions (type, message), defaults, classes and hooks. CPython's own
test_json runs against it in test_stdlib_json.py."""

import dataclasses
import datetime
import decimal
import enum
import io
import json
import subprocess
import sys
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rjson
import rjson.compat as compat

from strategies import values


def outcome(call):
    try:
        return ("value", repr(call()))
    except Exception as err:  # noqa: BLE001 (the exception is what is compared)
        return (type(err).__name__, str(err))


def same(call):
    """`call(module)` gives the same result or exception with json and compat."""
    assert outcome(lambda: call(compat)) == outcome(lambda: call(json))


@dataclasses.dataclass
class Point:
    x: int = 1


class Color(enum.Enum):
    RED = 1


class Number(enum.IntEnum):
    TWO = 2


class Letter(str, enum.Enum):
    C = "c"


circular = []
circular.append(circular)

DUMPS_CASES = {
    "defaults": lambda m: m.dumps({"é": [1, 2.5, None, True, "x\n"], "b": {}}),
    "nan written": lambda m: m.dumps([float("nan"), float("inf"), -float("inf")]),
    "nan refused": lambda m: m.dumps([float("nan")], allow_nan=False),
    "ascii off": lambda m: m.dumps({"é": "😀"}, ensure_ascii=False),
    "indent": lambda m: m.dumps({"a": [1, {"b": []}]}, indent=2),
    "indent str": lambda m: m.dumps({"a": [1]}, indent="\t"),
    "indent negative": lambda m: m.dumps({"a": [1]}, indent=-1),
    "separators": lambda m: m.dumps({"a": [1, 2]}, separators=(",", ":")),
    "sort_keys": lambda m: m.dumps({"b": 1, "a": 2, "c": {"z": 1, "y": 2}}, sort_keys=True),
    "sort_keys mixed": lambda m: m.dumps({"a": 1, 1: "a"}, sort_keys=True),
    "scalar keys": lambda m: m.dumps({1: 1, 2.5: 2, True: 3, None: 4}),
    "tuple key": lambda m: m.dumps({(1, 2): 1}),
    "tuple key skipped": lambda m: m.dumps({(1, 2): 1, "a": 2}, skipkeys=True),
    "dataclass": lambda m: m.dumps(Point()),
    "date": lambda m: m.dumps([datetime.date(2020, 1, 1)]),
    "datetime key": lambda m: m.dumps({datetime.datetime(2020, 1, 1): 1}),
    "uuid": lambda m: m.dumps(uuid.UUID(int=1)),
    "enum": lambda m: m.dumps([Color.RED]),
    "enum key": lambda m: m.dumps({Color.RED: 1}),
    "int and str enums": lambda m: m.dumps([Number.TWO, Letter.C, {Number.TWO: 1}]),
    "decimal": lambda m: m.dumps(decimal.Decimal("1.10")),
    "fragment": lambda m: m.dumps(rjson.Fragment("[1]")),
    "circular": lambda m: m.dumps(circular),
    "circular unchecked": lambda m: m.dumps(circular, check_circular=False),
    "deep": lambda m: m.dumps(eval("[" * 3000 + "]" * 3000)),
    "default": lambda m: m.dumps([Point(), {1, 2}], default=repr),
    "default raises": lambda m: m.dumps([{1}], default=lambda o: 1 / 0),
    "cls": lambda m: m.dumps([1], cls=m.JSONEncoder, indent=1),
    "unknown keyword": lambda m: m.dumps([1], colour="red"),
}


@pytest.mark.parametrize("case", sorted(DUMPS_CASES))
def test_dumps_as_json(case):
    same(DUMPS_CASES[case])


LOADS_CASES = {
    "constants": lambda m: m.loads("[NaN, Infinity, -Infinity]"),
    "constant hook": lambda m: m.loads('{"a": NaN, "b": [-Infinity]}', parse_constant=str),
    "utf-16": lambda m: m.loads('[1, "é"]'.encode("utf-16")),
    "utf-32-be": lambda m: m.loads('{"a": "😀"}'.encode("utf-32-be")),
    "utf-8-sig": lambda m: m.loads('["é"]'.encode("utf-8-sig")),
    "str bom": lambda m: m.loads('\ufeff[1]'),
    "encoded surrogate": lambda m: m.loads(b'["\xed\xa0\x80"]'),
    "not utf-8": lambda m: m.loads(b'["\xff"]'),
    "memoryview": lambda m: m.loads(memoryview(b"[1]")),
    "int": lambda m: m.loads(1),
    "fault": lambda m: m.loads('{"a": [1,]}'),
    "too deep": lambda m: m.loads("[" * 100000),
    "deep": lambda m: m.loads("[" * 3000 + "]" * 3000),
    "control character": lambda m: m.loads('"\x01"'),
    "not strict": lambda m: m.loads('"\x01"', strict=False),
    "hooks": lambda m: m.loads('{"a": 1.5, "b": [2]}', object_pairs_hook=list, parse_float=str, parse_int=float),
    "object hook": lambda m: m.loads('[{"a": 1}]', object_hook=sorted),
    "cls": lambda m: m.loads('{"a": 1}', cls=m.JSONDecoder),
    "repeated keys": lambda m: m.loads('{"a": 1, "a": 2}'),
}


@pytest.mark.parametrize("case", sorted(LOADS_CASES))
def test_loads_as_json(case):
    same(LOADS_CASES[case])


@given(values, st.booleans(), st.sampled_from([None, 2]), st.booleans())
def test_generated_values_as_json(value, ensure_ascii, indent, sort_keys):
    options = {"ensure_ascii": ensure_ascii, "indent": indent, "sort_keys": sort_keys}
    same(lambda m: m.dumps(value, **options))
    text = json.dumps(value)
    same(lambda m: m.loads(text))
    same(lambda m: m.loads(text.encode("utf-8")))


def test_repeated_keys_are_one_object():
    """json's memo: equal keys of one document are one str."""
    long_key = "a_long_key_" + "x" * 100
    for key in ("é_key", long_key, "short"):
        document = f'[{{"{key}": 1}}, {{"{key}": 2}}]'
        for data in (document, document.encode()):
            first, second = compat.loads(data)
            assert next(iter(first)) is next(iter(second))


def test_encoder_subclasses():
    class ReprDefault(compat.JSONEncoder):
        def default(self, o):
            return repr(o)

    class Chunks(compat.JSONEncoder):
        def iterencode(self, o, _one_shot=False):
            yield "chunk"

    assert compat.dumps([Point()], cls=ReprDefault) == '["Point(x=1)"]'
    assert compat.dumps([Point()], cls=Chunks) == "chunk"
    assert ReprDefault(indent=1).encode({"a": {1}}) == '{\n "a": "{1}"\n}'


def test_decoder_subclasses():
    class Upper(compat.JSONDecoder):
        def decode(self, s):
            return super().decode(s.upper())

    class Pairs(compat.JSONDecoder):
        def __init__(self, **kw):
            super().__init__(object_pairs_hook=list, **kw)

    assert compat.loads('["a"]', cls=Upper) == ["A"]
    assert compat.loads('{"a": 1}', cls=Pairs) == [("a", 1)]
    assert compat.JSONDecoder().raw_decode('[1] tail') == ([1], 3)


def test_dump_and_load_files():
    out = io.StringIO()
    compat.dump({"é": [1]}, out, indent=1)
    assert out.getvalue() == json.dumps({"é": [1]}, indent=1)
    assert compat.load(io.StringIO(out.getvalue())) == {"é": [1]}
    assert compat.load(io.BytesIO(out.getvalue().encode("utf-16"))) == {"é": [1]}


def test_public_names_are_json_s():
    assert set(json.__all__) <= set(dir(compat))
    assert compat.JSONDecodeError is json.JSONDecodeError
    assert compat.detect_encoding is json.detect_encoding
    assert rjson.compat is compat
    assert issubclass(compat.JSONEncoder, json.JSONEncoder)
    assert issubclass(compat.JSONDecoder, json.JSONDecoder)


def test_in_place_of_json():
    script = (
        "import sys, rjson.compat; sys.modules['json'] = rjson.compat\n"
        "import json\n"
        "assert json is rjson.compat\n"
        "print(json.dumps({'a': [1, 2.5, None]}), json.loads('[NaN]'))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout == '{"a": [1, 2.5, null]} [nan]\n'
