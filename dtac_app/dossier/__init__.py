"""The assessment dossier: PDF for the record, accessible HTML, JSON and CSV, from one assessment.

    files = build_dossier(assessment, submission, ("pdf", "html"))   # {"pdf": b"...", "html": b"..."}
    paths = write_dossier(assessment, submission, "out/")           # every format, written atomically

Rendering only: the assessment is computed elsewhere (``dtac_app.workbench.assessing``); nothing here reads
the clock, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dtac_app.results import Assessment
from dtac_app.submission import Submission

from .content import DossierInput, DossierKind, SignOff
from .document import Document, build_document

if TYPE_CHECKING:
    from dtac_app.signing import SigningKey

FORMATS: tuple[str, ...] = ("pdf", "html", "json", "csv")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


def _renderer(fmt: str) -> Callable[[DossierInput, Document | None], bytes]:
    # Imported on demand: a JSON-only caller need not load ReportLab or pandas. PDF and HTML
    # render the one document; JSON and CSV are data exports of the assessment itself.
    if fmt == "pdf":
        from .pdf import render_pdf

        return render_pdf
    if fmt == "html":
        from .html import render_html

        return render_html
    if fmt == "json":
        from .json_export import render_json

        return lambda d, _doc: render_json(d)
    if fmt == "csv":
        from .csv_export import render_csv

        return lambda d, _doc: render_csv(d)
    raise ValueError(f"unknown dossier format '{fmt}'; use {', '.join(FORMATS)}")


def parse_formats(spec: str | Iterable[str]) -> tuple[str, ...]:
    """``"pdf,html"`` or ``["pdf", "html"]`` → ``("pdf", "html")``; unknown names raise ValueError."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for raw in items:
        f = raw.strip().lower()
        if not f:
            continue
        if f not in FORMATS:
            raise ValueError(f"unknown dossier format '{raw.strip()}'; use {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise ValueError(f"no dossier format given; use {', '.join(FORMATS)}")
    return tuple(out)


def _signoffs(signoff: SignOff | Sequence[SignOff] | None) -> tuple[SignOff, ...]:
    if signoff is None:
        return ()
    if isinstance(signoff, SignOff):
        return (signoff,)
    return tuple(signoff)


def build_dossier(
    assessment: Assessment,
    submission: Submission,
    formats: str | Iterable[str] = FORMATS,
    *,
    signoff: SignOff | Sequence[SignOff] | None = None,
    source: str | None = None,
    kind: DossierKind = "assessment",
    signing_key: SigningKey | None = None,
) -> dict[str, bytes]:
    """Render the dossier in each of ``formats``; returns ``{format: bytes}`` in the order asked.

    ``submission`` is the normalised submission the assessment was made from (its inputs go into
    the JSON so ``dtac verify`` can re-run it). ``signoff`` fills the sign-off block; without it
    the block has blank lines to sign on paper. ``source`` names the submission file, recorded
    in the JSON so ``dtac verify`` can find the evidence files beside it. Without a sign-off of
    the whole assessment every page is marked as a draft, or, for ``kind="precheck"``, as a
    vendor's pre-check. ``signing_key`` signs the JSON with the organisation's key
    (``dtac keys init``) and puts the key's fingerprint on the PDF and HTML.
    """
    d = DossierInput(
        assessment=assessment,
        submission=submission,
        signoffs=_signoffs(signoff),
        source=source,
        kind=kind,
        signing_key=signing_key,
    )
    fmts = parse_formats(formats)
    doc = build_document(d) if {"pdf", "html"} & set(fmts) else None
    return {f: _renderer(f)(d, doc) for f in fmts}


def dossier_basename(assessment: Assessment) -> str:
    """A file-system-safe name: ``<product>-<version>-<as-of>-dossier``."""

    def slug(text: str, limit: int) -> str:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        s = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
        return s[:limit].strip("-")

    product = slug(assessment.product.name, 60) or "product"
    version = slug(assessment.product.version, 30)
    parts = [product, f"v{version}" if version else "", assessment.as_of.isoformat(), "dossier"]
    return "-".join(p for p in parts if p)


def write_dossier(
    assessment: Assessment,
    submission: Submission,
    out_dir: str | os.PathLike[str],
    formats: str | Iterable[str] = FORMATS,
    *,
    signoff: SignOff | Sequence[SignOff] | None = None,
    source: str | None = None,
    basename: str | None = None,
    kind: DossierKind = "assessment",
    signing_key: SigningKey | None = None,
) -> dict[str, Path]:
    """Build every format first, then write each file atomically; returns ``{format: path}``.

    Nothing is written unless every format built, and a failed write leaves no partial file.
    """
    files = build_dossier(
        assessment,
        submission,
        formats,
        signoff=signoff,
        source=source,
        kind=kind,
        signing_key=signing_key,
    )
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    stem = basename or dossier_basename(assessment)
    written: dict[str, Path] = {}
    for fmt, data in files.items():
        path = target / f"{stem}.{fmt}"
        fd, tmp = tempfile.mkstemp(prefix=".dtac-", suffix=f".{fmt}.tmp", dir=target)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a dossier is a document to share
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written[fmt] = path
    return written


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Document",
    "DossierInput",
    "DossierKind",
    "SignOff",
    "build_document",
    "build_dossier",
    "dossier_basename",
    "parse_formats",
    "write_dossier",
]
