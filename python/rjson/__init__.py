"""rjson: a fast JSON library for Python, written in Rust.

A drop-in for the standard library's ``json`` in behaviour (see README.md for
the few deliberate differences), with ``dumps_bytes`` for UTF-8 output.
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
)

__all__ = [
    "Fragment",
    "JSONDecodeError",
    "JSONEncodeError",
    "__version__",
    "dump",
    "dumps",
    "dumps_bytes",
    "enabled_phases",
    "load",
    "loads",
]


def load(fp, **kwargs):
    """Deserialize the JSON document read from ``fp`` (a text or binary file)."""
    return loads(fp.read(), **kwargs)


def dump(obj, fp, **kwargs):
    """Serialize ``obj`` as JSON text into ``fp`` (a text file)."""
    fp.write(dumps(obj, **kwargs))
