"""Assess a submission file or text: shared by the CLI, the workbench pages and the batch.

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

from dtac_app.catalogue import get_catalogue
from dtac_app.criteria import Catalogue, CriteriaSet
from dtac_app.engine import assess, route
from dtac_app.errors import InputError
from dtac_app.provenance import DocumentProvenance, DocumentState
from dtac_app.results import Assessment, Override, Verification
from dtac_app.safe_yaml import parse_document
from dtac_app.submission import Submission
from dtac_app.submission_io import parse_submission, read_path

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
    intake = read_path(path, cat, check_files=check_files)
    if check_files:
        intake.require_files()
    return intake.submission, assess(
        intake.submission, cat, as_of=as_of, profile=profile, documents=intake.states()
    )


def assess_text(
    text: str,
    *,
    name: str,
    as_of: dt.date,
    profile: str | None = None,
    catalogue: Catalogue | None = None,
    overrides: Mapping[str, Override] | None = None,
    verifications: Mapping[str, Verification] | None = None,
    documents: Mapping[int, DocumentState | DocumentProvenance] | None = None,
) -> tuple[Submission, Assessment]:
    """Assess a submission held in memory. Evidence files are not read: ``documents`` says which
    records' files are in hand (the others are asserted)."""
    cat = catalogue or get_catalogue()
    sub = parse_submission(parse_document(text, file=name), cat, file=name)
    return sub, assess(
        sub,
        cat,
        as_of=as_of,
        profile=profile,
        overrides=overrides,
        verifications=verifications,
        documents=documents,
    )


def assess_parsed(
    sub: Submission,
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    profile: str | None = None,
    documents: Mapping[int, DocumentState | DocumentProvenance] | None = None,
) -> Assessment:
    """Assess a submission already parsed (the pre-check page's upload or form); ``documents``
    as :func:`dtac_app.submission_io.Intake.states` gives them (the rest are asserted)."""
    return assess(sub, catalogue, as_of=as_of, profile=profile, documents=documents)


def questions_asked(criteria_set: CriteriaSet, answers: Mapping[str, Any]) -> dict[str, bool | None]:
    """Which questions the routing asks for these answers: True asked, False routed out, None waiting."""
    return route(criteria_set, answers)


def find_submissions(directory: str | os.PathLike[str]) -> list[Path]:
    root = Path(directory)
    if not root.is_dir():
        raise InputError(str(root), "", "not a directory")
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in SUBMISSION_SUFFIXES)
