"""Bad input gets a clear error: JSONDecodeError with the standard library's
message and position, JSONEncodeError naming the type; limits on depth,
cycles and int size; never another exception type or a crash."""

import json
import sys

import pytest

import rjson


def decode_error(doc, **kw):
    with pytest.raises(rjson.JSONDecodeError) as info:
        rjson.loads(doc, **kw)
    return info.value


@pytest.mark.parametrize(
    "doc, msg, pos",
    [
        ("", "Expecting value", 0),
        ("   ", "Expecting value", 3),
        ("[1,", "Expecting value", 3),
        ("[1 2]", "Expecting ',' delimiter", 3),
        ('{"a" 1}', "Expecting ':' delimiter", 5),
        # CPython 3.13 names a trailing comma, at the comma.
        ('{"a": 1,}', *(("Illegal trailing comma before end of object", 7) if sys.version_info >= (3, 13)
                        else ("Expecting property name enclosed in double quotes", 8))),
        ("[1, ]", *(("Illegal trailing comma before end of array", 2) if sys.version_info >= (3, 13)
                    else ("Expecting value", 4))),
        ("[1,,]", "Expecting value", 3),
        ("{,}", "Expecting property name enclosed in double quotes", 1),
        ("{1: 2}", "Expecting property name enclosed in double quotes", 1),
        ('"abc', "Unterminated string starting at", 0),
        ('["a\x01"]', "Invalid control character at", 3),
        ('"\\x"', "Invalid \\escape", 1),
        ('"\\u12"', "Invalid \\uXXXX escape", 2),
        ("[] []", "Extra data", 3),
        ("nul", "Expecting value", 0),
        ("NaN", "Expecting value", 0),
        ("[-Infinity]", "Expecting value", 1),
        ("\ufeff1", "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0),
    ],
)
def test_message_and_position_match_standard_library(doc, msg, pos):
    err = decode_error(doc)
    assert (err.msg, err.pos) == (msg, pos)
    if "BOM" not in msg and "NaN" not in doc and "Infinity" not in doc:
        with pytest.raises(json.JSONDecodeError) as std:
            json.loads(doc)
        assert (std.value.msg, std.value.pos) == (msg, pos)


def test_error_is_a_json_decode_error_with_line_and_column():
    err = decode_error('{\n  "a": [1,\n  2,,]\n}')
    assert isinstance(err, json.JSONDecodeError) and isinstance(err, ValueError)
    assert (err.lineno, err.colno) == (3, 5)
    assert err.doc == '{\n  "a": [1,\n  2,,]\n}'
    assert str(err) == "Expecting value: line 3 column 5 (char 17)"


def test_position_counts_characters_not_bytes():
    doc = '["é😀", x]'
    assert decode_error(doc).pos == 7
    assert decode_error(doc.encode()).pos == 7


def test_invalid_utf8_bytes():
    err = decode_error(b'["abc", "\xff"]')
    assert err.pos == 9 and "UTF-8" in err.msg
    assert decode_error(b'"\xed\xa0\x80"').pos == 1  # an encoded surrogate is not UTF-8


def test_bytes_with_utf8_bom_are_accepted_like_the_standard_library():
    assert rjson.loads(b"\xef\xbb\xbf[1]") == json.loads(b"\xef\xbb\xbf[1]") == [1]


def test_wrong_input_type():
    with pytest.raises(TypeError):
        rjson.loads(123)
    with pytest.raises(TypeError):
        rjson.loads(None)


def nested(depth, open_="[", close="]"):
    return open_ * depth + close * depth


def test_nesting_limit_1024_on_loads():
    assert rjson.loads(nested(1024)) is not None
    assert rjson.loads('{"a":' * 1024 + "1" + "}" * 1024) is not None
    err = decode_error(nested(1025))
    assert err.pos == 1024 and "depth" in err.msg
    err = decode_error("[" * 100_000)
    assert err.pos == 1024


def test_nesting_limit_1024_on_dumps():
    value = []
    for _ in range(1023):
        value = [value]
    assert rjson.dumps(value) == nested(1024)
    with pytest.raises(rjson.JSONEncodeError, match="depth"):
        rjson.dumps([value])


SMALL_STACK_SCRIPT = """
import threading, rjson
threading.stack_size(STACK)
deep_list = []
for _ in range(1023):
    deep_list = [deep_list]
outcomes = []

def run():
    for doc in ("[" * 1024 + "]" * 1024, '{"a":' * 1024 + "1" + "}" * 1024, "[" * 100_000):
        for data in (doc, doc.encode()):
            try:
                rjson.loads(data)
                outcomes.append("parsed")
            except rjson.JSONDecodeError as err:
                assert "depth" in err.msg, err.msg
                outcomes.append("depth_error")
    for value in (deep_list, {"a": deep_list}):
        for dumps in (rjson.dumps, rjson.dumps_bytes):
            try:
                dumps(value)
                outcomes.append("written")
            except rjson.JSONEncodeError as err:
                assert "depth" in str(err), err
                outcomes.append("depth_error")

thread = threading.Thread(target=run)
thread.start()
thread.join()
print(" ".join(outcomes))
"""


@pytest.mark.parametrize("stack_kib", [64, 256, 2048])
def test_deep_nesting_on_a_small_thread_stack_raises_instead_of_crashing(stack_kib):
    # Every level of nesting is a frame of the parser or writer: a thread's
    # stack too small for 1024 of them gets the depth error, not a crash.
    import subprocess

    script = SMALL_STACK_SCRIPT.replace("STACK", str(stack_kib << 10))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    outcomes = run.stdout.split()
    assert len(outcomes) == 10, run.stdout
    if stack_kib == 64:
        assert "parsed" not in outcomes and "written" not in outcomes, run.stdout


def test_circular_references_raise():
    a = []
    a.append(a)
    with pytest.raises(rjson.JSONEncodeError, match="Circular reference detected"):
        rjson.dumps(a)
    d = {}
    d["self"] = [d]
    with pytest.raises(ValueError, match="Circular reference detected"):
        rjson.dumps(d)
    shared = [1]
    assert rjson.dumps([shared, shared]) == "[[1],[1]]"


def test_default_returning_its_argument_is_circular():
    class Thing:
        pass

    with pytest.raises(rjson.JSONEncodeError, match="Circular reference detected"):
        rjson.dumps(Thing(), default=lambda o: o)


def test_unserializable_type_is_named():
    with pytest.raises(rjson.JSONEncodeError, match="Object of type set is not JSON serializable") as info:
        rjson.dumps({"a": {1, 2}})
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_bad_key_type():
    with pytest.raises(rjson.JSONEncodeError, match="keys must be str, int, float, bool or None, not tuple"):
        rjson.dumps({(1, 2): 3})


def test_nan_rejected_by_default():
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            rjson.dumps([value])
        with pytest.raises(rjson.JSONEncodeError):
            rjson.dumps({value: 1})


def test_int_digit_limit():
    limit = sys.get_int_max_str_digits()
    if limit == 0:
        pytest.skip("no int digit limit in this interpreter")
    digits = "7" * (limit + 1)
    err = decode_error("[" + digits + "]")
    assert err.pos == 1 and "digits" in err.msg
    assert rjson.loads("7" * limit) == int("7" * limit)
    with pytest.raises(ValueError):
        rjson.dumps(int(digits[:-1]) * 10)


def test_hook_exceptions_propagate_unchanged():
    class Boom(Exception):
        pass

    def boom(*args):
        raise Boom

    for kw in ("object_hook", "object_pairs_hook"):
        with pytest.raises(Boom):
            rjson.loads('{"a": 1}', **{kw: boom})
    with pytest.raises(Boom):
        rjson.loads("[1.5]", parse_float=boom)
    with pytest.raises(Boom):
        rjson.loads("[1]", parse_int=boom)
    with pytest.raises(Boom):
        rjson.loads("[NaN]", parse_constant=boom)
    with pytest.raises(Boom):
        rjson.dumps(object(), default=boom)


def test_hostile_inputs_raise_cleanly():
    for doc in ["\\" * 10_000, '"' + "\\" * 10_001, "[" * 5000 + "]" * 4999, "{" * 3000, '{"a":' * 2000, "-" * 100]:
        with pytest.raises(rjson.JSONDecodeError):
            rjson.loads(doc)


def test_dict_resized_by_default_while_written_raises():
    d = {"a": object(), "b": 2}

    def default(o):
        d["new"] = 1
        return None

    with pytest.raises(RuntimeError, match="changed size"):
        rjson.dumps(d, default=default)
    d2 = {"a": object(), "b": 2}

    def shrink(o):
        d2.clear()
        return "x"

    with pytest.raises(RuntimeError, match="changed size"):
        rjson.dumps(d2, default=shrink)


def test_list_shortened_by_default_while_written():
    items = [1, object(), 3, 4]

    def default(o):
        del items[2:]
        return "x"

    assert rjson.dumps(items, default=default) == '[1,"x"]'
