"""Use-cases shared by the CLI, the workbench and the dossier: load, assess, batch.

This is where the edges meet the pure core: files are read here, the clock is read by
callers (never by the engine), and results go out as plain data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalogue import get_catalogue
from .criteria import Catalogue
from .engine import assess
from .errors import InputError
from .results import Assessment, Override, Verification
from .safe_yaml import parse_document
from .submission import Submission
from .submission_io import load_submission, parse_submission

SUBMISSION_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class AssessedFile:
    path: str
    submission: Submission | None
    assessment: Assessment | None
    error: InputError | None


def assess_file(
    path: str | os.PathLike[str],
    *,
    as_of: dt.date,
    profile: str | None = None,
    catalogue: Catalogue | None = None,
    check_files: bool = True,
) -> tuple[Submission, Assessment]:
    cat = catalogue or get_catalogue()
    sub = load_submission(path, cat, check_files=check_files)
    return sub, assess(sub, cat, as_of=as_of, profile=profile)


def assess_text(
    text: str,
    *,
    name: str,
    as_of: dt.date,
    profile: str | None = None,
    catalogue: Catalogue | None = None,
    overrides: Mapping[str, Override] | None = None,
    verifications: Mapping[str, Verification] | None = None,
) -> tuple[Submission, Assessment]:
    """Assess a submission held in memory (an upload). Evidence files are not read."""
    cat = catalogue or get_catalogue()
    sub = parse_submission(parse_document(text, file=name), cat, file=name)
    return sub, assess(
        sub, cat, as_of=as_of, profile=profile, overrides=overrides, verifications=verifications
    )


def find_submissions(directory: str | os.PathLike[str]) -> list[Path]:
    root = Path(directory)
    if not root.is_dir():
        raise InputError(str(root), "", "not a directory")
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES)


BATCH_COLUMNS = [
    "file",
    "product",
    "version",
    "manufacturer",
    "criteria",
    "profile",
    "as_of",
    "decision",
    "decision_label",
    "valid_until",
    "C1",
    "C2",
    "C3",
    "C4",
    "d1_percent",
    "device_class",
    "marking",
    "regulatory",
    "nice_technology",
    "nice_status",
    "failures",
    "missing",
    "conditions",
    "top_fix",
    "error",
]


def batch_row(item: AssessedFile) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(BATCH_COLUMNS, "")
    row["file"] = item.path
    if item.error is not None or item.assessment is None:
        row["decision"] = "error"
        row["error"] = item.error.message if item.error else "unknown error"
        return row
    a = item.assessment
    sev = [f.severity for f in a.findings]
    row.update(
        product=a.product.name,
        version=a.product.version,
        manufacturer=a.product.manufacturer,
        criteria=a.criteria.set,
        profile=a.profile,
        as_of=a.as_of.isoformat(),
        decision=a.decision,
        decision_label=a.decision_label,
        valid_until=a.valid_until.isoformat() if a.valid_until else "",
        d1_percent="" if a.d1.percent is None else f"{a.d1.percent:.1f}",
        device_class=a.regulatory.device_class or "",
        marking=a.regulatory.marking or "",
        regulatory=a.regulatory.status,
        nice_technology=a.nice.technology or "",
        nice_status=a.nice.nice_status or ("not assessed" if a.nice.applies else ""),
        failures=sev.count("fail"),
        missing=sev.count("missing"),
        conditions=sev.count("condition"),
        top_fix=a.fixes[0].action if a.fixes else "",
    )
    for s in a.sections:
        if s.id in ("C1", "C2", "C3", "C4"):
            row[s.id] = s.status
    return row


def neutralise_cell(value: Any) -> Any:
    """Stop spreadsheet formula injection: text starting with = + - @ (or tab/CR) gets a leading quote."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
