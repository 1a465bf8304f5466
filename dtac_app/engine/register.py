"""The evidence register: every evidence record with its state on the assessment date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from dtac_app.criteria import Catalogue
from dtac_app.dates import fmt
from dtac_app.provenance import DocumentProvenance, DocumentState, provenance_of
from dtac_app.rules_evidence import EvidenceCheck
from dtac_app.submission import Submission


def evidence_register(
    sub: Submission,
    catalogue: Catalogue,
    states: dict[int, EvidenceCheck],
    labels: dict[int, str],
    documents: Mapping[int, DocumentState | DocumentProvenance] | None,
) -> list[dict[str, Any]]:
    """Every evidence record with its state, as the fields of an ``EvidenceResult`` (validated with
    the assessment)."""
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
            {
                "index": i,
                "question": rec.question,
                "kind": rec.kind,
                "label": label,
                "title": rec.title,
                "reference": rec.reference,
                "issuer": rec.issuer,
                "issued": rec.issued,
                "expires": expires,
                "file": rec.file,
                "sha256": rec.sha256,
                "state": state,
                "detail": detail,
                "provenance": prov.state,
                "checked": prov.checked,
                "checked_by": prov.by,
                "checked_on": prov.on,
            }
        )
    return out


_DEVICE_KINDS = frozenset({"declaration_of_conformity", "mhra_registration", "device_certificate"})


def device_evidence(register: list[dict[str, Any]], as_of: dt.date) -> None:
    """Device documents support the GB device verdict even when no DTAC question asks for them
    (updates the register's unchecked device records in place)."""
    for e in register:
        if e["state"] == "unchecked" and e["kind"] in _DEVICE_KINDS:
            provenance, expires = e["provenance"], e["expires"]
            if provenance in ("asserted", "problem"):
                what = "no file received and not verified" if provenance == "asserted" else "problem"
                e["state"], e["detail"] = provenance, f"Cited for the GB device verdict; {what}"
            elif expires is not None and as_of > expires:
                e["state"] = "expired"
                e["detail"] = f"{e['label']} expired after {fmt(expires)} (GB device evidence)"
            else:
                until = f", valid until {fmt(expires)}" if expires else ""
                e["state"], e["detail"] = "valid", f"Supports the GB device verdict{until}"
