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
        default = None if type(self).default is _json.JSONEncoder.default else self.default
        try:
            return _rjson.dumps(
                o,
                skipkeys=self.skipkeys,
                ensure_ascii=self.ensure_ascii,
                allow_nan=self.allow_nan,
                sort_keys=self.sort_keys,
                indent=self.indent,
                separators=(self.item_separator, self.key_separator),
                default=default,
                passthrough=_NOT_JSON_TYPES,
            )
        except _rjson.JSONEncodeError:
            return super().encode(o)


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
        try:
            return _rjson.loads(
                s,
                object_hook=self.object_hook,
                object_pairs_hook=self.object_pairs_hook,
                parse_float=self.parse_float,
                parse_int=self.parse_int,
                parse_constant=self.parse_constant,
                _memo_keys=True,
            )
        except _rjson.JSONDecodeError as err:
            if not err.msg.startswith(_DEPTH_FAULT):
                raise
        return super().decode(s, _w)


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
    if cls is not None or kw:
        return (cls or JSONEncoder)(
            skipkeys=skipkeys,
            ensure_ascii=ensure_ascii,
            check_circular=check_circular,
            allow_nan=allow_nan,
            indent=indent,
            separators=separators,
            default=default,
            sort_keys=sort_keys,
            **kw,
        ).encode(obj)
    if separators is None:
        separators = (", ", ": ") if indent is None else (",", ": ")
    try:
        return _rjson.dumps(
            obj,
            skipkeys=skipkeys,
            ensure_ascii=ensure_ascii,
            allow_nan=allow_nan,
            indent=indent,
            separators=separators,
            default=default,
            sort_keys=sort_keys,
            passthrough=_NOT_JSON_TYPES,
        )
    except _rjson.JSONEncodeError:
        pass
    # json's own exception for what rjson refused.
    return _json.dumps(
        obj,
        skipkeys=skipkeys,
        ensure_ascii=ensure_ascii,
        check_circular=check_circular,
        allow_nan=allow_nan,
        indent=indent,
        separators=separators,
        default=default,
        sort_keys=sort_keys,
    )


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
    if cls is not None or kw:
        hooks = {
            "object_hook": object_hook,
            "parse_float": parse_float,
            "parse_int": parse_int,
            "parse_constant": parse_constant,
            "object_pairs_hook": object_pairs_hook,
        }
        kw.update((name, hook) for name, hook in hooks.items() if hook is not None)
        if isinstance(s, (bytes, bytearray)):
            s = s.decode(detect_encoding(s), "surrogatepass")
        return (cls or JSONDecoder)(**kw).decode(s)
    try:
        return _rjson.loads(
            s,
            object_hook=object_hook,
            parse_float=parse_float,
            parse_int=parse_int,
            parse_constant=parse_constant or _default_decoder.parse_constant,
            object_pairs_hook=object_pairs_hook,
            _memo_keys=True,
        )
    except _rjson.JSONDecodeError as err:
        # rjson reads UTF-8 only, where json lets encoded surrogates through;
        # and json's nesting fault is a RecursionError.
        refused_bytes = isinstance(s, (bytes, bytearray)) and err.msg.startswith("Invalid UTF-8")
        if not (refused_bytes or err.msg.startswith(_DEPTH_FAULT)):
            raise
    return _json.loads(
        s,
        object_hook=object_hook,
        parse_float=parse_float,
        parse_int=parse_int,
        parse_constant=parse_constant,
        object_pairs_hook=object_pairs_hook,
    )


def load(fp, **kwargs):
    """json.load: deserialize the JSON document read from `fp`."""
    return loads(fp.read(), **kwargs)
