"""Counts the valgrind memcheck errors that are rjson's in an --xml=yes log.

Leak records (Leak_*) are left out: the interpreter frees little at exit,
and what rjson keeps for the process's life (its exception types, caches)
shows as "possibly lost"; growth per call is the soak's to measure
(fuzz/soak.py). An error is rjson's when its stack passes through the extension module
(`_rjson...so`) and, for an uninitialised value with a recorded origin
(--track-origins=yes), the origin's stack does too: CPython's own errors
(thousands of them under PYTHONMALLOC=malloc) and a collection started inside
an rjson call that reads an object made elsewhere are not.

Usage: python fuzz/memcheck_errors.py LOG.xml   (exit status 1 if any)
"""

import sys
import xml.etree.ElementTree as ET
from collections import Counter


def in_rjson(stack):
    return any("_rjson" in (frame.findtext("obj") or "") for frame in stack.iter("frame"))


def main(path):
    errors = ET.parse(path).getroot().findall("error")
    ours, others = [], Counter()
    for error in errors:
        if error.findtext("kind", "").startswith("Leak_"):
            others["leak records (not counted)"] += 1
            continue
        stacks = error.findall("stack")
        if stacks and in_rjson(stacks[0]) and all(in_rjson(s) for s in stacks[1:]):
            ours.append(error)
        else:
            others[error.findtext("kind")] += 1
    print(f"{len(errors)} error contexts: {len(ours)} rjson's, "
          f"{sum(others.values())} elsewhere ({dict(others)})")
    for error in ours:
        print("--", error.findtext("kind"), error.findtext("what") or error.findtext("xwhat/text"))
        for frame in error.find("stack").iter("frame"):
            print("   ", frame.findtext("fn"), frame.findtext("file") or frame.findtext("obj"), frame.findtext("line") or "")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
