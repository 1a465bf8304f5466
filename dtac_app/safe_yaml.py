"""Parse YAML/JSON text safely: no aliases (no "billion laughs"), YAML 1.2 booleans, size caps.

YAML 1.1 reads ``No`` as ``False`` and ``Yes`` as ``True``; a vendor writing ``C1.2: No`` means
the option label "No", so only ``true``/``false`` are booleans here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    pass


# Dates stay text here: pydantic parses them into the model's date fields, so an impossible date
# ("2026-02-30", year 0) is reported with the field it is in instead of failing inside the parser.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_implicit_resolvers = {k: v for k, v in _Loader.yaml_implicit_resolvers.items() if v}


class DuplicateKey(Exception):
    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line


def _construct_mapping(loader: Any, node: Any, deep: bool = False) -> dict[Any, Any]:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    if len(mapping) != len(node.value):
        # Some key came twice (the later value silently won): name it and its second line.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in seen:
                raise DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
    return mapping


def _construct_int(loader: Any, node: Any) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:
        # Longer than Python converts (4 300 digits): keep the text so validation names the field.
        return loader.construct_scalar(node)


_Loader.construct_mapping = _construct_mapping
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _resolve(loader: Any, kind: Any, value: Any, implicit: tuple[bool, bool]) -> str:
    """``Resolver.resolve`` less its path-resolver machinery, which this loader never registers.

    libyaml's composer calls this once per node, so it is on the hot path of every parse.
    """
    if kind is yaml.ScalarNode:
        if implicit[0]:
            for tag, regexp in loader.yaml_implicit_resolvers.get(value[:1], ()):
                if regexp.match(value):
                    return str(tag)
        return "tag:yaml.org,2002:str"
    return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"


if _Loader.yaml_path_resolvers or None in _Loader.yaml_implicit_resolvers:
    raise ImportError("safe_yaml._resolve assumes no path or wildcard resolvers")  # pragma: no cover
_Loader.resolve = _resolve


# The fast path. libyaml (C) scans, parses and composes the node tree; PyYAML's generic
# constructor then spends as long again in Python turning nodes into objects (generators, recursion
# bookkeeping, a method lookup per node). Plain data (mappings, sequences, strings, numbers,
# true/false, null) is built here in one direct walk instead. Anything else (another tag, a merge
# key, a duplicate key, nesting past MAX_DEPTH, a parse error) goes to the full constructor above,
# so the result, or the error and the line it names, is exactly the full constructor's.
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SCALARS: dict[str, Any] = {
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": yaml.SafeLoader.construct_yaml_float,
    "tag:yaml.org,2002:bool": yaml.SafeLoader.construct_yaml_bool,
    "tag:yaml.org,2002:null": yaml.SafeLoader.construct_yaml_null,
}


class _NotPlain(Exception):
    """The document needs the full constructor (see above)."""


def _build(loader: Any, node: Any, budget: int) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP:
        if budget == 0:
            raise _NotPlain
        pairs = node.value
        out = {}
        for key_node, value_node in pairs:
            if key_node.tag not in _SCALARS and key_node.tag != _STR:
                raise _NotPlain  # merge key, "=" key, a collection as key, a tagged key
            out[_build(loader, key_node, budget)] = _build(loader, value_node, budget - 1)
        if len(out) != len(pairs):
            raise _NotPlain  # a duplicate key: the full constructor names it and its line
        return out
    if tag == _SEQ:
        if budget == 0:
            raise _NotPlain
        return [_build(loader, item, budget - 1) for item in node.value]
    construct = _SCALARS.get(tag)
    if construct is None or not isinstance(node, yaml.ScalarNode):
        raise _NotPlain
    return construct(loader, node)


def _load_yaml(text: str) -> tuple[Any, bool]:
    """``yaml.load(text, Loader=_Loader)``, building plain data without the generic constructor;
    and whether the nesting depth is already known to be within MAX_DEPTH."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (None if node is None else _build(loader, node, MAX_DEPTH)), True
    except (_NotPlain, yaml.YAMLError, RecursionError):
        pass
    finally:
        loader.dispose()
    return yaml.load(text, Loader=_Loader), False  # noqa: S506 - _Loader is a SafeLoader


def too_big(size: int, limit: int) -> str:
    """The one wording of a size limit: "6.2 MB; the limit is 5 MB"."""
    return f"{size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB"


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of a file someone named, refused (InputError) when the name holds a NUL, the file
    cannot be read or is not a regular file, or it is larger than ``max_bytes`` (checked before
    reading, so a huge file is never loaded)."""
    name = str(path)
    if "\x00" in name:
        raise InputError(name.replace("\x00", "\\0"), "path", "the file name contains a NUL character")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(name, "", f"cannot read file: {e.strerror or e}") from None
    if not path.is_file():
        raise InputError(name, "", "not a file")
    if size > max_bytes:
        raise InputError(name, "", f"file is {too_big(size, max_bytes)}")
    return path.read_bytes()


def decode_text(raw: bytes, *, file: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """A document's bytes as text: at most ``max_bytes``, UTF-8 (a byte-order mark is dropped)."""
    if len(raw) > max_bytes:
        raise InputError(file, "", f"file is {too_big(len(raw), max_bytes)}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(file, f"byte {e.start}", "file is not UTF-8 text") from None


def parse_document(text: str, *, file: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse YAML or JSON text into plain Python data, or raise InputError."""
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > max_bytes else len(text)
    if size > max_bytes:
        raise InputError(file, "", f"file is {too_big(size, max_bytes)}")
    stripped = text.lstrip("\ufeff \t\r\n")
    if "\x00" in stripped:
        raise InputError(
            file, f"line {stripped.count(chr(10), 0, stripped.index(chr(0))) + 1}", "contains a NUL character"
        )
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped, object_pairs_hook=_json_object, parse_int=_json_int)
        except json.JSONDecodeError as e:
            raise InputError(file, f"line {e.lineno} column {e.colno}", f"not valid JSON: {e.msg}") from None
        except DuplicateKey as e:
            raise InputError(
                file, f"line {_json_key_line(stripped, e.key)}", f"key '{_clip(e.key)}' appears twice"
            ) from None
        except RecursionError:
            raise InputError(
                file, "", f"nested more than {MAX_DEPTH} levels deep; a submission needs a handful"
            ) from None
        if _too_deep(data, MAX_DEPTH):
            raise InputError(
                file, "", f"nested more than {MAX_DEPTH} levels deep; a submission needs a handful"
            )
        return data
    try:
        # Refuse anchors and aliases outright: they are never needed in a submission or criteria
        # file and are the vector for exponential-expansion attacks.
        # Anchors need "&" and aliases "*": when neither character occurs there is nothing to scan for.
        events = yaml.parse(stripped, Loader=_Loader) if ("&" in stripped or "*" in stripped) else ()
        for event in events:
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                mark = event.start_mark
                raise InputError(
                    file,
                    f"line {mark.line + 1}" if mark is not None else "",
                    "YAML anchors and aliases (& and *) are not allowed",
                )
        data, depth_checked = _load_yaml(stripped)
    except DuplicateKey as e:
        raise InputError(file, f"line {e.line}", f"key '{_clip(e.key)}' appears twice") from None
    except RecursionError:
        raise InputError(
            file, "", f"nested more than {MAX_DEPTH} levels deep; a submission needs a handful"
        ) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(file, where, f"not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InputError(file, "", f"not valid YAML: {e}") from None
    if not depth_checked and _too_deep(data, MAX_DEPTH):
        raise InputError(file, "", f"nested more than {MAX_DEPTH} levels deep; a submission needs a handful")
    return data


def _too_deep(value: Any, budget: int) -> bool:
    """True when lists/mappings nest more than ``budget`` levels (stops there: never recurses further)."""
    if isinstance(value, dict):
        if budget == 0:
            return True
        return any(_too_deep(v, budget - 1) for v in value.values() if isinstance(v, dict | list))
    if isinstance(value, list):
        if budget == 0:
            return True
        return any(_too_deep(v, budget - 1) for v in value if isinstance(v, dict | list))
    return False


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise DuplicateKey(k, 0)
            seen.add(k)
    return obj


def _json_int(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text  # longer than Python converts: validation reports it with its field


def _json_key_line(text: str, key: object) -> int:
    """Line of the second ``"key":`` in the text (JSON gives no positions to the pair hook)."""
    rx = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    hits = [m.start() for m in rx.finditer(text)]
    pos = hits[1] if len(hits) > 1 else (hits[0] if hits else 0)
    return text.count("\n", 0, pos) + 1


def _clip(key: object, n: int = 60) -> str:
    t = str(key).replace("\n", " ")
    return t if len(t) <= n else t[: n - 1] + "…"
