"""Memory figures, each library in a fresh process of the interpreter
running this script (rjson from whichever build is on sys.path):

- peak RSS growth (Linux) while loading a large document (a list of records of about
  40 MB): the resident-set peak after `loads` minus the peak before it, the
  document's bytes already read;
- bytes added to the caller's objects by dumps: the sum of `sys.getsizeof`
  over every str in the value (keys too) after one call minus before
  (CPython caches a str's UTF-8 inside the str when a library asks for it).

`python benches/memory.py` prints the figures as JSON."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import shapes

LARGE_MB = 40
LOADERS = {
    "rjson": "import rjson; fn = rjson.loads",
    "orjson": "import orjson; fn = orjson.loads",
    "ssrjson": "import ssrjson; fn = ssrjson.loads",
    "msgspec": "import msgspec; fn = msgspec.json.decode",
    "ujson": "import ujson; fn = ujson.loads",
    "json": "import json; fn = json.loads",
}
DUMPERS = {
    "rjson dumps": "import rjson; fn = rjson.dumps",
    "rjson dumps_bytes": "import rjson; fn = rjson.dumps_bytes",
    "orjson dumps": "import orjson; fn = orjson.dumps",
    "ssrjson dumps": "import ssrjson; fn = ssrjson.dumps",
    "ssrjson dumps_to_bytes": "import ssrjson; fn = ssrjson.dumps_to_bytes",
    "msgspec encode": "import msgspec; fn = msgspec.json.encode",
    "json dumps": "import json; fn = lambda v: json.dumps(v, ensure_ascii=False)",
}
CALLER_CASES = ("i18n_cjk", "emoji_records", "twitter.json")

# The peak is the kernel's VmHWM of this process's own memory map: ru_maxrss
# would carry over the peak of the process that forked it.
PEAK_SCRIPT = """
import gc, sys
{setup}

def peak():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))

data = open(sys.argv[1], "rb").read()
gc.collect()
before = peak()
value = fn(data)
print(peak() - before)
"""

CALLER_SCRIPT = """
import json, sys
sys.path.insert(0, {benches!r})
from cases import load_cases
{setup}

def strs(value, out):
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append(k)
            strs(v, out)
    elif isinstance(value, list):
        for v in value:
            strs(v, out)
    return out

value = json.loads(load_cases([sys.argv[1]])[sys.argv[1]])
every = strs(value, [])
before = sum(map(sys.getsizeof, every))
fn(value)
print(sum(map(sys.getsizeof, every)) - before)
"""


def run(script, *args):
    out = subprocess.run([sys.executable, "-c", script, *args], check=True, stdout=subprocess.PIPE, text=True, env=os.environ)
    return int(out.stdout.strip())


def available(setup):
    return subprocess.run([sys.executable, "-c", setup], stderr=subprocess.DEVNULL).returncode == 0


def main():
    benches = str(Path(__file__).resolve().parent)
    figures = {"large_document_bytes": 0, "peak_rss_growth": {}, "caller_bytes_added": {}}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.json"
        path.write_bytes(json.dumps(shapes.large_records(LARGE_MB), ensure_ascii=False).encode())
        figures["large_document_bytes"] = path.stat().st_size
        for lib, setup in LOADERS.items():
            if available(setup):
                figures["peak_rss_growth"][lib] = run(PEAK_SCRIPT.format(setup=setup), str(path))
    for name, setup in DUMPERS.items():
        if available(setup):
            figures["caller_bytes_added"][name] = {
                case: run(CALLER_SCRIPT.format(benches=benches, setup=setup), case) for case in CALLER_CASES
            }
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
