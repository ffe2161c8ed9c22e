"""`python -m rjson` like `python -m json.tool`, and load/dump with files."""

import io
import json
import os
import subprocess
import sys

import rjson
from conftest import CORPUS


def run_cli(*args, stdin=b""):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "rjson", *args], input=stdin, capture_output=True, env=env, timeout=60)


def test_cli_pretty_prints_stdin_like_json_tool():
    doc = b'{"b": [1, 2.5, "\xc3\xa9"], "a": null}'
    result = run_cli(stdin=doc)
    assert result.returncode == 0
    expected = subprocess.run([sys.executable, "-m", "json.tool"], input=doc, capture_output=True, timeout=60)
    assert result.stdout == expected.stdout


def test_cli_reads_a_file_and_writes_a_file(tmp_path):
    out = tmp_path / "out.json"
    result = run_cli(str(CORPUS / "github_events.json"), str(out), "--sort-keys", "--compact")
    assert result.returncode == 0
    assert json.loads(out.read_text()) == json.loads((CORPUS / "github_events.json").read_text())


def test_cli_reports_the_error_position_and_fails():
    result = run_cli(stdin=b'{"a": [1, 2,, 3]}')
    assert result.returncode == 1
    assert b"Expecting value: line 1 column 13 (char 12)" in result.stderr


def test_cli_missing_file_fails():
    result = run_cli("/nonexistent/file.json")
    assert result.returncode == 1


def test_load_and_dump_with_files(tmp_path):
    value = {"a": [1, 2.5, "é"], "b": None}
    path = tmp_path / "v.json"
    with open(path, "w", encoding="utf-8") as f:
        rjson.dump(value, f, indent=2)
    assert path.read_text(encoding="utf-8") == json.dumps(value, indent=2, ensure_ascii=False)
    with open(path, "rb") as f:
        assert rjson.load(f) == value
    with open(path, encoding="utf-8") as f:
        assert rjson.load(f, object_pairs_hook=list) == [("a", [1, 2.5, "é"]), ("b", None)]


def test_dump_to_stringio():
    buf = io.StringIO()
    rjson.dump([1, {"x": True}], buf)
    assert buf.getvalue() == '[1,{"x":true}]'
