"""The standard library's `json` module with rjson underneath: the same
functions, classes, signatures, defaults and results, faster.

    import rjson.compat as json        # or: sys.modules["json"] = rjson.compat

`dumps`, `dump`, `loads`, `load`, `JSONEncoder` and `JSONDecoder` take
json's arguments and defaults (`ensure_ascii=True`, `allow_nan=True`,
`", "`/`": "` separators, NaN and Infinity read, UTF-8/16/32 bytes).
rjson does the work whenever the encoder or decoder is json's own kind:
the default class, or a subclass that only overrides `default` (or only
`object_hook`-like attributes). A subclass that overrides `encode`,
`iterencode`, `decode` or `raw_decode`, `strict=False`, and anything else
rjson does not do, is served by the standard library's code, as `json`
would serve it. Where rjson stops with an error of its own, the standard
library's code runs the call again, so the exception is json's own (type,
message and notes; `RecursionError` where json raises it).
"""

import json as _json
from json import JSONDecodeError, detect_encoding  # noqa: F401 (public API)
from json import decoder, encoder, scanner  # noqa: F401 (json's submodules)

from . import _rjson

__all__ = ["dump", "dumps", "load", "loads", "JSONDecoder", "JSONDecodeError", "JSONEncoder"]

# The types rjson writes that json leaves to `default`.
_NOT_JSON_TYPES = ("dataclass", "datetime", "enum", "uuid", "decimal", "numpy", "fragment")
_DEPTH_FAULT = "Maximum nesting depth exceeded"


class JSONEncoder(_json.JSONEncoder):
    """json's JSONEncoder; `encode` runs on rjson unless a subclass changes
    how encoding works (`encode`, `iterencode`)."""

    def encode(self, o):
        if type(self).iterencode is not _json.JSONEncoder.iterencode:
            return super().encode(o)
        options = {
            "skipkeys": self.skipkeys,
            "ensure_ascii": self.ensure_ascii,
            "allow_nan": self.allow_nan,
            "sort_keys": self.sort_keys,
            "indent": self.indent,
            "separators": (self.item_separator, self.key_separator),
            "default": None if type(self).default is _json.JSONEncoder.default else self.default,
        }
        return _encode(o, options, lambda: super(JSONEncoder, self).encode(o))


def _encode(obj, options, json_encode):
    """rjson.dumps with json's `options`; where rjson refuses a value,
    `json_encode()`, which raises json's own exception for it."""
    try:
        return _rjson.dumps(obj, passthrough=_NOT_JSON_TYPES, **options)
    except _rjson.JSONEncodeError:
        return json_encode()


class JSONDecoder(_json.JSONDecoder):
    """json's JSONDecoder; `decode` of a str runs on rjson unless a subclass
    changes how decoding works (`decode`, `raw_decode`, the parse_object /
    parse_array / parse_string attributes) or `strict` is false."""

    def decode(self, s, _w=decoder.WHITESPACE.match):
        if not (
            isinstance(s, str)
            and self.strict
            and type(self).raw_decode is _json.JSONDecoder.raw_decode
            and self.parse_object is decoder.JSONObject
            and self.parse_array is decoder.JSONArray
            and self.parse_string is decoder.scanstring
        ):
            return super().decode(s, _w)
        hooks = {
            "object_hook": self.object_hook,
            "object_pairs_hook": self.object_pairs_hook,
            "parse_float": self.parse_float,
            "parse_int": self.parse_int,
            "parse_constant": self.parse_constant,
        }
        return _decode(s, hooks, lambda: super(JSONDecoder, self).decode(s, _w))


def _decode(s, hooks, json_decode):
    """rjson.loads with json's key memo and `hooks`; where json reads what
    rjson refuses (UTF-8 bytes with encoded surrogates) or raises another
    exception (RecursionError for nesting), `json_decode()`."""
    try:
        return _rjson.loads(s, _memo_keys=True, **hooks)
    except _rjson.JSONDecodeError as err:
        refused_bytes = isinstance(s, (bytes, bytearray)) and err.msg.startswith("Invalid UTF-8")
        if not (refused_bytes or err.msg.startswith(_DEPTH_FAULT)):
            raise
    return json_decode()


_default_decoder = JSONDecoder()


def dumps(
    obj,
    *,
    skipkeys=False,
    ensure_ascii=True,
    check_circular=True,
    allow_nan=True,
    cls=None,
    indent=None,
    separators=None,
    default=None,
    sort_keys=False,
    **kw,
):
    """json.dumps: serialize `obj` to a JSON formatted str."""
    options = {
        "skipkeys": skipkeys,
        "ensure_ascii": ensure_ascii,
        "allow_nan": allow_nan,
        "indent": indent,
        "separators": separators,
        "default": default,
        "sort_keys": sort_keys,
    }
    if cls is not None or kw:
        return (cls or JSONEncoder)(check_circular=check_circular, **options, **kw).encode(obj)
    if separators is None:
        options["separators"] = (", ", ": ") if indent is None else (",", ": ")
    return _encode(obj, options, lambda: _json.dumps(obj, check_circular=check_circular, **options))


def dump(obj, fp, **kwargs):
    """json.dump: serialize `obj` as JSON to the text file `fp`."""
    fp.write(dumps(obj, **kwargs))


def loads(
    s,
    *,
    cls=None,
    object_hook=None,
    parse_float=None,
    parse_int=None,
    parse_constant=None,
    object_pairs_hook=None,
    **kw,
):
    """json.loads: deserialize `s` (str, bytes or bytearray holding a JSON
    document in UTF-8, UTF-16 or UTF-32) to a Python object."""
    if isinstance(s, str):
        if s.startswith("\ufeff"):
            raise JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", s, 0)
    elif isinstance(s, (bytes, bytearray)):
        encoding = detect_encoding(s)
        if encoding not in ("utf-8", "utf-8-sig"):
            s = s.decode(encoding, "surrogatepass")
    else:
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {s.__class__.__name__}")
    hooks = {
        "object_hook": object_hook,
        "parse_float": parse_float,
        "parse_int": parse_int,
        "parse_constant": parse_constant,
        "object_pairs_hook": object_pairs_hook,
    }
    if cls is not None or kw:
        kw.update((name, hook) for name, hook in hooks.items() if hook is not None)
        if isinstance(s, (bytes, bytearray)):
            s = s.decode(detect_encoding(s), "surrogatepass")
        return (cls or JSONDecoder)(**kw).decode(s)
    hooks["parse_constant"] = parse_constant or _default_decoder.parse_constant
    return _decode(s, hooks, lambda: _json.loads(s, **{**hooks, "parse_constant": parse_constant}))


def load(fp, **kwargs):
    """json.load: deserialize the JSON document read from `fp`."""
    return loads(fp.read(), **kwargs)
