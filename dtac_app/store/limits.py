"""What text can be stored: the one check for what a person typed, with limits taken from the model.

PostgreSQL refuses a NUL character and a string longer than its column with a raw ``DataError``
(showing the SQL); SQLite stores both without a word. So every value a person typed is checked
before the database sees it, with a message naming the field and the limit:

* :func:`text_problem` says why a string cannot be stored ("" if it can);
* :func:`checked` applies it at the service boundary (the workbench) with the field's own name;
* :func:`refuse_unstorable_rows` does the same for every row a session is about to write, so a field
  the workbench does not check by name (an import, a label) is still refused the same way on both
  databases, before any SQL is sent.

Lengths are read from the column definitions in :mod:`.models` (``String(200)`` → 200), so the
checks cannot drift from the schema. ``Text`` columns have no length of their own; free text is
held to :data:`MAX_FREE_TEXT` by the workbench.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session

from .errors import InvalidField

MAX_FREE_TEXT = 20_000
"""Longest free text (notes, rationales, clarifications) the workbench accepts."""

_LINE_BREAKS = frozenset("\t\n\r")


def column_length(column: Any) -> int | None:
    """The length a model column allows (``User.display_name`` → 200); None for ``Text``."""
    col = column.property.columns[0] if hasattr(column, "property") else column
    length = getattr(col.type, "length", None)
    return length if isinstance(length, int) else None


def text_problem(value: str, *, limit: int | None = None, single_line: bool = True) -> str:
    """Why ``value`` cannot be stored as it is ("" if it can).

    Refused: NUL and every other control character (tab, line feed and carriage return are allowed
    when ``single_line`` is False, i.e. in free text), lone surrogates (not text at all) and, in a
    single line, the Unicode line and paragraph separators. ``limit`` counts characters, as
    PostgreSQL's ``varchar(n)`` does."""
    for i, ch in enumerate(value):
        cat = unicodedata.category(ch)
        if cat == "Cc" and (single_line or ch not in _LINE_BREAKS):
            if ch in _LINE_BREAKS:
                return f"contains a line break or tab (U+{ord(ch):04X}) at character {i + 1}; keep it to one line"
            return f"contains a control character (U+{ord(ch):04X}) at character {i + 1}; remove it"
        if cat == "Cs" or (single_line and cat in ("Zl", "Zp")):
            return f"contains a control character (U+{ord(ch):04X}) at character {i + 1}; remove it"
    if limit is not None and len(value) > limit:
        return f"is {len(value):,} characters long; at most {limit:,} are allowed"
    return ""


def checked(
    value: str | None,
    column: Any,
    field: str,
    *,
    required: bool = False,
    single_line: bool = True,
    limit: int | None = None,
) -> str:
    """``value`` stripped, if it fits ``column`` (a model attribute such as ``User.email``);
    otherwise :class:`InvalidField` naming ``field``. ``limit`` tightens the column's own length
    (needed for ``Text`` columns)."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidField(field, "must not be empty")
    own = column_length(column)
    cap = min(x for x in (own, limit) if x is not None) if (own or limit) else None
    problem = text_problem(text, limit=cap, single_line=single_line)
    if problem:
        raise InvalidField(field, problem)
    return text


def storable(value: str, column: Any) -> bool:
    """Whether ``value`` could be in ``column`` at all (a look-up of anything else finds nothing)."""
    return not text_problem(value, limit=column_length(column), single_line=False)


def refuse_unstorable_rows(session: Session, _context: Any, _instances: Any) -> None:
    """``before_flush`` hook: refuse any new or changed string attribute that its column cannot hold."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        mapper = state.mapper
        for prop in mapper.column_attrs:
            col = prop.columns[0]
            if not isinstance(col.type, String):
                continue
            attr = state.attrs[prop.key]
            values = attr.history.added if obj not in session.new else [attr.value]
            for v in values:
                if not isinstance(v, str):
                    continue
                problem = text_problem(v, limit=column_length(col), single_line=False)
                if problem:
                    raise InvalidField(f"{mapper.local_table.name}.{col.name}".replace("_", " "), problem)
