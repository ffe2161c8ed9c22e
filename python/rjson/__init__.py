"""rjson: a fast JSON library for Python, written in Rust.

A drop-in for the standard library's ``json`` in behaviour (see README.md for
the few deliberate differences), with ``dumps_bytes`` for UTF-8 output;
``rjson.compat`` is json's API with json's defaults.
"""

from ._rjson import (
    Fragment,
    JSONDecodeError,
    JSONEncodeError,
    __version__,
    dumps,
    dumps_bytes,
    enabled_phases,
    loads,
    loads_lines,
)

__all__ = [
    "Fragment",
    "JSONDecodeError",
    "JSONEncodeError",
    "__version__",
    "compat",
    "dump",
    "dumps",
    "dumps_bytes",
    "enabled_phases",
    "load",
    "load_lines",
    "loads",
    "loads_lines",
    "dumps_lines",
    "dumps_lines_bytes",
]

from . import compat  # noqa: E402 (json's API, on the functions above)

# Bytes `load_lines` reads at a time.
_LINES_BLOCK = 1 << 20


def load(fp, **kwargs):
    """Deserialize the JSON document read from ``fp`` (a text or binary file)."""
    return loads(fp.read(), **kwargs)


def dump(obj, fp, **kwargs):
    """Serialize ``obj`` as JSON text into ``fp`` (a text file)."""
    fp.write(dumps(obj, **kwargs))


def load_lines(fp, **kwargs):
    """Iterate over the documents of a JSON Lines file (one JSON document a
    line; ``fp`` a text or binary file), read a block at a time: never the
    whole file at once. Blank lines are skipped. An error's ``pos``,
    ``lineno`` and ``colno`` count from the start of the file; its ``doc`` is
    the part of the file being read."""
    chars_before = lines_before = 0
    rest = None
    while True:
        data = fp.read(_LINES_BLOCK)
        if not data:
            if rest:
                yield from _block_values(rest, chars_before, lines_before, kwargs)
            return
        block = rest + data if rest else data
        newline = b"\n" if isinstance(block, bytes) else "\n"
        cut = block.rfind(newline) + 1
        if cut == 0:
            rest = block  # a line longer than a block: read on
            continue
        complete, rest = block[:cut], block[cut:]
        yield from _block_values(complete, chars_before, lines_before, kwargs)
        if isinstance(complete, str) or complete.isascii():
            chars_before += len(complete)
        else:
            chars_before += len(complete.decode("utf-8"))  # valid: it parsed
        lines_before += complete.count(newline)


def _block_values(block, chars_before, lines_before, kwargs):
    try:
        return loads_lines(block, **kwargs)
    except JSONDecodeError as err:
        raise _moved(err, chars_before, lines_before) from None


def _moved(err, chars_before, lines_before):
    """`err` (from one block of a file) placed in the whole file."""
    pos, lineno = err.pos + chars_before, err.lineno + lines_before
    moved = JSONDecodeError.__new__(JSONDecodeError)
    ValueError.__init__(moved, "%s: line %d column %d (char %d)" % (err.msg, lineno, err.colno, pos))
    moved.msg, moved.doc, moved.pos, moved.lineno, moved.colno = err.msg, err.doc, pos, lineno, err.colno
    return moved


def _check_lines_options(kwargs):
    if kwargs.get("indent") is not None:
        raise TypeError("dumps_lines writes one document a line: indent is not accepted")


def dumps_lines(iterable, **kwargs):
    """Serialize each value of ``iterable`` as one compact JSON document a
    line (JSON Lines), each line ending in a newline."""
    _check_lines_options(kwargs)
    return "".join([dumps(value, **kwargs) + "\n" for value in iterable])


def dumps_lines_bytes(iterable, **kwargs):
    """``dumps_lines`` as UTF-8 ``bytes``."""
    _check_lines_options(kwargs)
    return b"".join([dumps_bytes(value, **kwargs) + b"\n" for value in iterable])
