import json
from typing import IO, Any, Callable, Iterable, Iterator, List, Literal, Optional, Tuple, Union

__version__: str

_Hook = Optional[Callable[..., Any]]

class JSONDecodeError(json.JSONDecodeError): ...
class JSONEncodeError(TypeError, ValueError): ...

class Fragment:
    """Pre-serialized JSON (UTF-8), written verbatim by dumps and dumps_bytes."""

    def __init__(self, contents: Union[str, bytes], /) -> None: ...
    @property
    def contents(self) -> Union[str, bytes]: ...

def loads(
    s: Union[str, bytes, bytearray, memoryview],
    /,
    *,
    object_hook: _Hook = None,
    object_pairs_hook: _Hook = None,
    parse_float: _Hook = None,
    parse_int: _Hook = None,
    parse_constant: _Hook = None,
    allow_partial: Union[bool, Literal["off", "on", "trailing-strings"], None] = False,
    reject_duplicate_keys: bool = False,
) -> Any: ...
def dumps(
    obj: Any,
    /,
    *,
    default: _Hook = None,
    indent: Union[None, int, str] = None,
    sort_keys: bool = False,
    ensure_ascii: bool = False,
    allow_nan: bool = False,
    skipkeys: bool = False,
    separators: Optional[Tuple[str, str]] = None,
    naive_utc: bool = False,
    utc_z: bool = False,
    omit_microseconds: bool = False,
    passthrough: Iterable[str] = (),
    strict_integer: bool = False,
) -> str: ...
def dumps_bytes(
    obj: Any,
    /,
    *,
    default: _Hook = None,
    indent: Union[None, int, str] = None,
    sort_keys: bool = False,
    ensure_ascii: bool = False,
    allow_nan: bool = False,
    skipkeys: bool = False,
    separators: Optional[Tuple[str, str]] = None,
    naive_utc: bool = False,
    utc_z: bool = False,
    omit_microseconds: bool = False,
    passthrough: Iterable[str] = (),
    strict_integer: bool = False,
) -> bytes: ...
def loads_lines(
    data: Union[str, bytes, bytearray, memoryview],
    /,
    *,
    object_hook: _Hook = None,
    object_pairs_hook: _Hook = None,
    parse_float: _Hook = None,
    parse_int: _Hook = None,
    parse_constant: _Hook = None,
    reject_duplicate_keys: bool = False,
) -> List[Any]: ...
def load_lines(fp: IO[Any], **kwargs: Any) -> Iterator[Any]: ...
def dumps_lines(iterable: Iterable[Any], **kwargs: Any) -> str: ...
def dumps_lines_bytes(iterable: Iterable[Any], **kwargs: Any) -> bytes: ...
def load(fp: IO[Any], **kwargs: Any) -> Any: ...
def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None: ...
def enabled_phases() -> Tuple[str, ...]: ...
from . import compat as compat
