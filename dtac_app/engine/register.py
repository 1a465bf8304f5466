"""The evidence register: every evidence record with its state on the assessment date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dtac_app.criteria import Catalogue
from dtac_app.dates import fmt
from dtac_app.provenance import DocumentProvenance, DocumentState, provenance_of
from dtac_app.results import EvidenceResult
from dtac_app.rules_evidence import EvidenceCheck
from dtac_app.submission import Submission


def evidence_register(
    sub: Submission,
    catalogue: Catalogue,
    states: dict[int, EvidenceCheck],
    labels: dict[int, str],
    documents: Mapping[int, DocumentState | DocumentProvenance] | None,
) -> tuple[EvidenceResult, ...]:
    out = []
    kinds = catalogue.regulatory.evidence_kinds
    for i, rec in enumerate(sub.evidence):
        c = states.get(i)
        kind = kinds.get(rec.kind)
        label = labels.get(i) or (kind.label if kind else rec.kind)
        if c is None:
            state, detail, expires = (
                "unchecked",
                "Not used by any question asked with this answer",
                rec.expires,
            )
        else:
            state, detail, expires = c.state, c.detail, c.expires or rec.expires
        prov = provenance_of(documents, i)
        out.append(
            EvidenceResult(
                index=i,
                question=rec.question,
                kind=rec.kind,
                label=label,
                title=rec.title,
                reference=rec.reference,
                issuer=rec.issuer,
                issued=rec.issued,
                expires=expires,
                file=rec.file,
                sha256=rec.sha256,
                state=state,
                detail=detail,
                provenance=prov.state,
                checked=prov.checked,
                checked_by=prov.by,
                checked_on=prov.on,
            )
        )
    return tuple(out)


_DEVICE_KINDS = frozenset({"declaration_of_conformity", "mhra_registration", "device_certificate"})


def device_evidence(register: tuple[EvidenceResult, ...], as_of: dt.date) -> tuple[EvidenceResult, ...]:
    """Device documents support the GB device verdict even when no DTAC question asks for them."""
    out = []
    for e in register:
        if e.state == "unchecked" and e.kind in _DEVICE_KINDS:
            if e.provenance in ("asserted", "problem"):
                what = "no file received and not verified" if e.provenance == "asserted" else "problem"
                e = e.model_copy(
                    update={"state": e.provenance, "detail": f"Cited for the GB device verdict; {what}"}
                )
            elif e.expires is not None and as_of > e.expires:
                e = e.model_copy(
                    update={
                        "state": "expired",
                        "detail": f"{e.label} expired after {fmt(e.expires)} (GB device evidence)",
                    }
                )
            else:
                until = f", valid until {fmt(e.expires)}" if e.expires else ""
                e = e.model_copy(
                    update={"state": "valid", "detail": f"Supports the GB device verdict{until}"}
                )
        out.append(e)
    return tuple(out)
