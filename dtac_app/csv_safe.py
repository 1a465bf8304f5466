"""The project's one CSV writer: every cell a person typed is neutralised against formula injection.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula, so a product name such as ``=HYPERLINK("http://…")`` in an export
would become a live link or worse. Every CSV the workbench writes (batch results, the CSV dossier,
the compliance calendar) goes through :func:`csv_text` or :class:`SafeCsvWriter`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dtac_app.results import Assessment

FORMULA_STARTS = "=+-@\t\r"

ASSESSMENT_COLUMNS = ("product", "version", "manufacturer", "criteria", "profile", "as_of")
"""The columns that say which assessment a row belongs to, first in the batch CSV and the CSV
dossier alike, so the two join on them in a spreadsheet."""


def assessment_cells(a: Assessment) -> dict[str, str]:
    """The :data:`ASSESSMENT_COLUMNS` of one assessment."""
    return {
        "product": a.product.name,
        "version": a.product.version,
        "manufacturer": a.product.manufacturer,
        "criteria": a.criteria.set,
        "profile": a.profile,
        "as_of": a.as_of.isoformat(),
    }


def neutralise_cell(value: Any) -> Any:
    """Text starting with = + - @ (or tab/CR) gets a leading quote; other values pass unchanged."""
    if isinstance(value, str) and value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.DictWriter`` that neutralises every cell; for streaming many rows to a file."""

    def __init__(self, fh: IO[str], columns: Sequence[str], *, lineterminator: str = "\r\n") -> None:
        self._w = csv.DictWriter(
            fh, fieldnames=list(columns), extrasaction="ignore", lineterminator=lineterminator
        )

    def writeheader(self) -> None:
        self._w.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._w.writerow({k: neutralise_cell(v) for k, v in row.items()})


def csv_text(
    columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, lineterminator: str = "\r\n"
) -> str:
    """A whole CSV document (header and rows) as text."""
    buf = io.StringIO()
    w = SafeCsvWriter(buf, columns, lineterminator=lineterminator)
    w.writeheader()
    for row in rows:
        w.writerow(row)
    return buf.getvalue()
