"""JSON Lines (NDJSON), on every build: `loads_lines` (str and bytes, blank
lines, `\\r\\n`, errors placed in the whole input), `load_lines` (text and
binary files read a block at a time, lines across blocks, errors placed in
the whole file), `dumps_lines` and `dumps_lines_bytes`."""

import io
import json

import pytest

import rjson

VALUES = [1, "é", {"a": [1, 2.5, None]}, [], "x\\ny", {"日本": "語 😀"}, True]
TEXT = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in VALUES)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_loads_lines(as_bytes):
    def data(text):
        return text.encode() if as_bytes else text

    assert rjson.loads_lines(data(TEXT)) == VALUES
    assert rjson.loads_lines(data(TEXT.rstrip("\n"))) == VALUES
    assert rjson.loads_lines(data(TEXT.replace("\n", "\r\n"))) == VALUES
    assert rjson.loads_lines(data("\n\n " + TEXT.replace("\n", "\n \t\n"))) == VALUES
    assert rjson.loads_lines(data("")) == []
    assert rjson.loads_lines(data("\n \n")) == []
    assert rjson.loads_lines(bytearray(b"1\n2")) == [1, 2]
    assert rjson.loads_lines(memoryview(b"1\n2")) == [1, 2]


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize(
    "text",
    ["1\n2 3\n", "1\n\n{\"a\" 1}\n", "[1,\n2]\n", "é\n", "\"é\"\n\"ü\" x\n", "{}\n[\n", "1\n,\n"],
)
def test_errors_point_into_the_whole_input(text, as_bytes):
    with pytest.raises(rjson.JSONDecodeError) as caught:
        rjson.loads_lines(text.encode() if as_bytes else text)
    err = caught.value
    # The first bad line alone, as the standard library reports it, moved to
    # where that line starts.
    start = 0
    for line in text.split("\n"):
        if line.strip():
            try:
                json.loads(line)
            except json.JSONDecodeError as want:
                assert (err.msg, err.pos) == (want.msg, want.pos + start)
                assert err.doc == text
                assert (err.lineno, err.colno) == (text.count("\n", 0, err.pos) + 1, err.pos - text.rfind("\n", 0, err.pos))
                return
        start += len(line) + 1
    raise AssertionError("no bad line")


def test_hooks_apply_to_each_line():
    assert rjson.loads_lines('{"a": 1.5}\n{"b": 2}', object_pairs_hook=list, parse_float=str) == [[("a", "1.5")], [("b", 2)]]


@pytest.mark.parametrize("block", [1, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("binary", [False, True])
def test_load_lines_reads_blocks(monkeypatch, block, binary):
    monkeypatch.setattr(rjson, "_LINES_BLOCK", block)
    text = TEXT + "\n  \n" + '{"long": "' + "z" * 50 + '"}'
    fp = io.BytesIO(text.encode()) if binary else io.StringIO(text)
    got = rjson.load_lines(fp)
    assert iter(got) is got
    assert list(got) == VALUES + [{"long": "z" * 50}]


class CountingReader(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.largest = 0

    def read(self, size=-1):
        assert size is not None and size >= 0, "read the whole file"
        self.largest = max(self.largest, size)
        return super().read(size)


def test_load_lines_never_reads_the_whole_file(monkeypatch):
    monkeypatch.setattr(rjson, "_LINES_BLOCK", 16)
    fp = CountingReader(("[1, 2, 3]\n" * 100).encode())
    values = rjson.load_lines(fp)
    assert next(values) == [1, 2, 3]
    assert fp.tell() < 100  # lazily: only what the first value needs
    assert len(list(values)) == 99
    assert fp.largest == 16


@pytest.mark.parametrize("block", [5, 1 << 20])
@pytest.mark.parametrize("binary", [False, True])
def test_load_lines_errors_count_from_the_start_of_the_file(monkeypatch, block, binary):
    monkeypatch.setattr(rjson, "_LINES_BLOCK", block)
    text = '"é"\n1\n\n22\n[3,,]\n4\n'
    fp = io.BytesIO(text.encode()) if binary else io.StringIO(text)
    with pytest.raises(rjson.JSONDecodeError) as caught:
        list(rjson.load_lines(fp))
    err = caught.value
    assert (err.msg, err.pos, err.lineno, err.colno) == ("Expecting value", 13, 5, 4)
    assert str(err) == "Expecting value: line 5 column 4 (char 13)"


def test_dumps_lines():
    assert rjson.dumps_lines(VALUES) == "".join(rjson.dumps(v) + "\n" for v in VALUES)
    assert rjson.dumps_lines_bytes(iter(VALUES)) == rjson.dumps_lines(VALUES).encode()
    assert rjson.dumps_lines([]) == "" and rjson.dumps_lines_bytes([]) == b""
    assert rjson.loads_lines(rjson.dumps_lines(VALUES)) == VALUES
    assert rjson.dumps_lines([{"b": 1, "a": "é"}], sort_keys=True, ensure_ascii=True) == '{"a":"\\u00e9","b":1}\n'
    with pytest.raises(TypeError, match="indent"):
        rjson.dumps_lines([1], indent=2)
    with pytest.raises(TypeError, match="indent"):
        rjson.dumps_lines_bytes([1], indent=0)
    assert rjson.dumps_lines([1], indent=None) == "1\n"


def test_runs_of_lines_stop_and_go_on():
    # One parser runs over many lines: a hook's exception ends the call with
    # the collector as it was; inputs the parser does not take (lone
    # surrogates, parse_constant) go line by line through the reference
    # decoder; an error after many good lines is placed in the whole input.
    import gc

    calls = []

    def hook(obj):
        calls.append(obj)
        if len(calls) == 3:
            raise KeyError("third")
        return obj

    text = "".join('{"i": %d}\n' % i for i in range(10))
    assert gc.isenabled()
    with pytest.raises(KeyError, match="third"):
        rjson.loads_lines(text, object_hook=hook)
    assert gc.isenabled() and len(calls) == 3
    assert rjson.loads_lines('"a\ud800"\n"b"\n') == ["a\ud800", "b"]
    assert rjson.loads_lines("NaN\n[Infinity]\n", parse_constant=str) == ["NaN", ["Infinity"]]
    bad = text * 100 + '{"i": }\n' + text
    with pytest.raises(rjson.JSONDecodeError) as caught:
        rjson.loads_lines(bad.encode())
    assert caught.value.pos == len(text * 100) + 6 and caught.value.lineno == 1001
    assert rjson.loads_lines(text * 100) == [{"i": i} for i in range(10)] * 100


@pytest.mark.parametrize("bad_line", [0, 3, 200, 399])
@pytest.mark.parametrize("syntax_fault_line", [None, 1, 398])
def test_bytes_that_are_not_utf8(bad_line, syntax_fault_line):
    """The first byte that is not UTF-8 is the fault, wherever it is and
    whatever syntax fault comes before it (as for bytes json decodes
    first); also past the text the parser checks string by string."""
    lines = [json.dumps({"text": "日本語のテキスト" * 3, "n": i}, ensure_ascii=False).encode() for i in range(400)]
    lines[bad_line] = lines[bad_line].replace("語".encode(), b"\xff\xfe\xfd", 1)
    if syntax_fault_line is not None:
        lines[syntax_fault_line] += b" x"
    data = b"\n".join(lines)
    with pytest.raises(rjson.JSONDecodeError) as caught:
        rjson.loads_lines(data)
    assert caught.value.msg == "Invalid UTF-8 byte 0xff"
    assert caught.value.lineno == bad_line + 1


def test_long_non_ascii_lines_then_a_syntax_fault():
    lines = [json.dumps(["ü" * 100, i], ensure_ascii=False).encode() for i in range(200)]
    lines[150] = b"[1,]"
    with pytest.raises(rjson.JSONDecodeError) as caught:
        rjson.loads_lines(b"\n".join(lines))
    assert caught.value.lineno == 151
    good = b"\n".join(lines[:150] + lines[151:])
    assert rjson.loads_lines(good) == [json.loads(line) for line in lines[:150] + lines[151:]]
