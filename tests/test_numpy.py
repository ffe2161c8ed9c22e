"""numpy arrays and scalars (src/api/numpy.rs), on every build: written
natively for bool, int, uint and float dtypes in C order and native byte
order, as `json` writes the same values as lists of Python numbers (float32
and float16 with the shortest digits of their own width); any other array
goes to `default`; numpy is never imported by rjson."""

import json
import subprocess
import sys

import pytest

import rjson

np = pytest.importorskip("numpy")


def expected(value, **kw):
    kw.setdefault("separators", None if "indent" in kw else (",", ":"))
    return json.dumps(value, **kw)


def both(value, **kw):
    text = rjson.dumps(value, **kw)
    assert rjson.dumps_bytes(value, **kw) == text.encode()
    return text


INT_TYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", INT_TYPES + [np.bool_, np.float64])
@pytest.mark.parametrize("shape", [(0,), (1,), (5,), (3, 4), (2, 0, 3), (2, 3, 4), ()])
def test_arrays_as_their_lists(dtype, shape):
    rng = np.random.default_rng(7)
    size = int(np.prod(shape))
    if dtype is np.float64:
        data = rng.standard_normal(size) * 10.0 ** rng.integers(-30, 30, size)
    elif dtype is np.bool_:
        data = rng.random(size) > 0.5
    else:
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, size, dtype=dtype, endpoint=True)
    array = np.asarray(data, dtype=dtype).reshape(shape)
    assert both(array) == expected(array.tolist())
    assert both({"a": [array]}, indent=2) == expected({"a": [array.tolist()]}, indent=2)


def test_integer_limits_and_scalars():
    for dtype in INT_TYPES:
        info = np.iinfo(dtype)
        array = np.array([info.min, info.max, 0], dtype=dtype)
        assert both(array) == expected(array.tolist())
        assert both(dtype(info.max)) == str(info.max)
    assert both([np.bool_(True), np.bool_(False)]) == "[true,false]"
    assert both(np.float64(1.5)) == "1.5"
    assert both(np.array(7)) == "7"


def test_float32_and_float16_take_their_own_shortest_digits():
    values = np.array([0.1, 1 / 3, 3e15, 1e16, 1e-5, 3.4028235e38, 1e-45, 123.456, 0.0, -0.0, 100.0], dtype=np.float32)
    texts = json.loads(both(values).replace("[", '["').replace("]", '"]').replace(",", '","'))
    for value, text in zip(values.tolist(), texts):
        assert np.float32(float(text)) == np.float32(value), text
        assert repr(float(text)) == text, text  # Python's layout
        assert len(text.lstrip("-").replace(".", "").split("e")[0].strip("0")) <= 9, text
    assert both(np.float32(0.1)) == "0.1"
    assert both(np.array([0.1], dtype=np.float16)) == "[0.099975586]"
    random = np.random.default_rng(1).standard_normal(2000).astype(np.float32)
    assert [np.float32(v) for v in json.loads(both(random))] == list(random)


def test_non_finite_values_follow_allow_nan():
    for dtype in (np.float64, np.float32, np.float16):
        array = np.array([1.0, np.nan], dtype=dtype)
        with pytest.raises(rjson.JSONEncodeError, match="Out of range"):
            rjson.dumps(array)
        assert both(np.array([np.nan, np.inf, -np.inf], dtype=dtype), allow_nan=True) == "[NaN,Infinity,-Infinity]"


def test_strict_integer_applies_to_arrays():
    with pytest.raises(rjson.JSONEncodeError, match="53-bit"):
        rjson.dumps(np.array([1, 2**53]), strict_integer=True)
    with pytest.raises(rjson.JSONEncodeError, match="53-bit"):
        rjson.dumps(np.array([2**63], dtype=np.uint64), strict_integer=True)
    assert both(np.array([2**53 - 1]), strict_integer=True) == str([2**53 - 1]).replace(" ", "")


def test_other_arrays_go_to_default():
    seen = []

    def default(obj):
        seen.append(type(obj).__name__)
        return "D"

    grid = np.arange(12).reshape(3, 4)
    others = [
        grid[:, ::2],  # not contiguous
        np.asfortranarray(grid),
        np.array([1.0], dtype=">f8"),  # swapped byte order
        np.array(["a"]),
        np.array([1 + 2j]),
        np.array([object()]),
        np.array(["2020-01-01", "2021-01-01", "2022-01-01"], dtype="datetime64[D]")[::2],
        np.timedelta64(5),
        np.complex64(1),
    ]
    assert both(others, default=default) == json.dumps(["D"] * len(others), separators=(",", ":"))
    with pytest.raises(TypeError, match="ndarray"):
        rjson.dumps(grid[:, ::2])
    # A str_ is a str.
    assert both(np.str_("x")) == '"x"'


def test_numpy_is_never_imported():
    script = (
        "import sys, rjson, datetime, decimal\n"
        "rjson.dumps([1, 'a', 1.5, datetime.date(2020, 1, 1)], default=str)\n"
        "rjson.dumps(object(), default=str)\n"
        "assert 'numpy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_large_float_array():
    values = np.random.default_rng(3).standard_normal(200_000)
    assert both(values) == expected(values.tolist())
    assert both(values.reshape(400, 500)) == expected(values.reshape(400, 500).tolist())


def test_datetime64_as_orjson_writes_it():
    values = ["2021-01-01", "2021-01-01T12:34:56", "2021-01-01T12:34:56.789", "2021-01-01T12:34:56.123456789", "1969-12-31T23:59:59.5"]
    want = {
        "D": ["2021-01-01T00:00:00", "2021-01-01T00:00:00", "2021-01-01T00:00:00", "2021-01-01T00:00:00", "1969-12-31T00:00:00"],
        "s": ["2021-01-01T00:00:00", "2021-01-01T12:34:56", "2021-01-01T12:34:56", "2021-01-01T12:34:56", "1969-12-31T23:59:59"],
        "ms": ["2021-01-01T00:00:00", "2021-01-01T12:34:56", "2021-01-01T12:34:56.789000", "2021-01-01T12:34:56.123000", "1969-12-31T23:59:59.500000"],
        "ns": ["2021-01-01T00:00:00", "2021-01-01T12:34:56", "2021-01-01T12:34:56.789000", "2021-01-01T12:34:56.123456", "1969-12-31T23:59:59.500000"],
        "Y": ["2021-01-01T00:00:00"] * 4 + ["1969-01-01T00:00:00"],
        "M": ["2021-01-01T00:00:00"] * 4 + ["1969-12-01T00:00:00"],
        "W": ["2020-12-31T00:00:00"] * 4 + ["1969-12-25T00:00:00"],
        "h": ["2021-01-01T00:00:00"] + ["2021-01-01T12:00:00"] * 3 + ["1969-12-31T23:00:00"],
    }
    for unit, texts in want.items():
        array = np.array(values, dtype=f"datetime64[{unit}]")
        assert json.loads(both(array)) == texts, unit
        assert json.loads(both(array[1])) == texts[1], unit
    array = np.array(values, dtype="datetime64[us]")
    assert json.loads(both(array, naive_utc=True, utc_z=True, omit_microseconds=True))[2] == "2021-01-01T12:34:56Z"
    assert json.loads(both(array, naive_utc=True))[3] == "2021-01-01T12:34:56.123456+00:00"
    assert both(np.array(["2021-01-01T00:00"], dtype="datetime64[10s]")) == '["2021-01-01T00:00:00"]'


def test_datetime64_errors():
    for bad in (np.array(["NaT"], dtype="datetime64[s]"), np.array(["10000-01-01"], dtype="datetime64[D]"), np.array(["-0100-01-01"], dtype="datetime64[D]")):
        with pytest.raises(rjson.JSONEncodeError, match="datetime64"):
            rjson.dumps(bad)
    with pytest.raises(rjson.JSONEncodeError, match="unit: ps"):
        rjson.dumps(np.array(["2020-01-01"], dtype="datetime64[ps]"))
