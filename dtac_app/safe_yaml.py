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

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    pass


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
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
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as e:
            raise InputError(file, f"line {e.lineno} column {e.colno}", f"not valid JSON: {e.msg}") from None
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
        return yaml.load(stripped, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(file, where, f"not valid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise InputError(file, "", f"not valid YAML: {e}") from None
