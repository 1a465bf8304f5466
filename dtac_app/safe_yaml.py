"""Parse YAML/JSON text safely: no aliases (no "billion laughs"), YAML 1.2 booleans, size caps.

YAML 1.1 reads ``No`` as ``False`` and ``Yes`` as ``True``; a vendor writing ``C1.2: No`` means
the option label "No", so only ``true``/``false`` are booleans here.
"""

from __future__ import annotations

import json
import re
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


def parse_document(text: str, *, file: str, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse YAML or JSON text into plain Python data, or raise InputError."""
    size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > max_bytes else len(text)
    if size > max_bytes:
        raise InputError(
            file, "", f"file is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB"
        )
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
        data = yaml.load(stripped, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
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
    if _too_deep(data, MAX_DEPTH):
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
