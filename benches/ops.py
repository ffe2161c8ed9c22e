"""The operations the benchmark times, and for each the callable of rjson
and of every peer that has the same operation with the same options.

Each operation has a reference library whose time the others' times are
divided by: orjson for what orjson does (with the same option where it has
one), the standard library's `json` for hooks and Decimal, which orjson
lacks. `dumps` (str) and `dumps(ensure_ascii=True)` are compared with plain
`orjson.dumps` (bytes): what a user who switches gets. The standard
library's `json` is left out of `indent` and `sort_keys` (10-50x orjson's
time, it would take most of the run)."""

import decimal
import importlib
import json

PEER_NAMES = ("orjson", "ssrjson", "msgspec", "ujson", "json")


def _object_hook(d):
    return d


def _peers():
    mods = {}
    for name in PEER_NAMES:
        try:
            mods[name] = importlib.import_module(name)
        except ImportError:
            pass
    return mods


def operations(rjson):
    """{op: {"input": "bytes" | "str" | "value", "reference": lib, "calls": {lib: fn}}}."""
    m = _peers()
    o, ss, ms, uj = m.get("orjson"), m.get("ssrjson"), m.get("msgspec"), m.get("ujson")

    def calls(**fns):
        return {lib: fn for lib, fn in fns.items() if fn is not None}

    def peer(mod, make):
        return make(mod) if mod is not None else None

    loads_peers = dict(
        orjson=peer(o, lambda o: o.loads),
        ssrjson=peer(ss, lambda s: s.loads),
        msgspec=peer(ms, lambda m: m.json.decode),
        ujson=peer(uj, lambda u: u.loads),
        json=json.loads,
    )
    return {
        "loads": {"input": "bytes", "reference": "orjson", "calls": calls(rjson=rjson.loads, **loads_peers)},
        "loads_str": {"input": "str", "reference": "orjson", "calls": calls(rjson=rjson.loads, **loads_peers)},
        "dumps": {"input": "value", "reference": "orjson", "calls": calls(
            rjson=rjson.dumps,
            orjson=peer(o, lambda o: o.dumps),
            ssrjson=peer(ss, lambda s: s.dumps),
            ujson=peer(uj, lambda u: lambda v: u.dumps(v, ensure_ascii=False)),
            json=lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":")),
        )},
        "dumps_bytes": {"input": "value", "reference": "orjson", "calls": calls(
            rjson=rjson.dumps_bytes,
            orjson=peer(o, lambda o: o.dumps),
            ssrjson=peer(ss, lambda s: s.dumps_to_bytes),
            msgspec=peer(ms, lambda m: m.json.encode),
        )},
        "dumps_bytes_indent2": {"input": "value", "reference": "orjson", "calls": calls(
            rjson=lambda v: rjson.dumps_bytes(v, indent=2),
            orjson=peer(o, lambda o: lambda v: o.dumps(v, option=o.OPT_INDENT_2)),
            ssrjson=peer(ss, lambda s: lambda v: s.dumps_to_bytes(v, indent=2)),
        )},
        "dumps_bytes_sort_keys": {"input": "value", "reference": "orjson", "calls": calls(
            rjson=lambda v: rjson.dumps_bytes(v, sort_keys=True),
            orjson=peer(o, lambda o: lambda v: o.dumps(v, option=o.OPT_SORT_KEYS)),
            msgspec=peer(ms, lambda m: lambda v: m.json.encode(v, order="sorted")),
        )},
        "dumps_ensure_ascii": {"input": "value", "reference": "orjson", "calls": calls(
            rjson=lambda v: rjson.dumps(v, ensure_ascii=True),
            orjson=peer(o, lambda o: o.dumps),
            ujson=peer(uj, lambda u: u.dumps),
            json=lambda v: json.dumps(v, separators=(",", ":")),
        )},
        "loads_object_hook": {"input": "bytes", "reference": "json", "calls": calls(
            rjson=lambda b: rjson.loads(b, object_hook=_object_hook),
            json=lambda b: json.loads(b, object_hook=_object_hook),
        )},
        "loads_object_pairs_hook": {"input": "bytes", "reference": "json", "calls": calls(
            rjson=lambda b: rjson.loads(b, object_pairs_hook=dict),
            json=lambda b: json.loads(b, object_pairs_hook=dict),
        )},
        "loads_decimal": {"input": "bytes", "reference": "json", "calls": calls(
            rjson=lambda b: rjson.loads(b, parse_float=decimal.Decimal),
            msgspec=peer(ms, lambda m: m.json.Decoder(float_hook=decimal.Decimal).decode),
            json=lambda b: json.loads(b, parse_float=decimal.Decimal),
        )},
    }


# The operations every build variant is timed on (the per-phase tables).
PHASE_OPS = ("loads", "dumps", "dumps_bytes")
