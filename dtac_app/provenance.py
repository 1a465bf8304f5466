"""Where each evidence document stands: received, asserted, verified or problem. Pure data.

The engine takes one :class:`DocumentProvenance` per evidence record as input (it never looks at
files or the database itself), and every view shows the same state:

* ``received`` — the file arrived and its bytes match the SHA-256;
* ``asserted`` — the submission cites it but no file arrived: the SHA-256 shown is the supplier's claim;
* ``verified`` — an assessor checked it (against a register or the document), recorded with what,
  who and when;
* ``problem`` — the stored bytes do not match the hash, or an assessor found the file unreadable or wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentState = Literal["received", "asserted", "verified", "problem"]
DOCUMENT_STATES: tuple[DocumentState, ...] = ("received", "asserted", "verified", "problem")
DOCUMENT_STATE_LABELS: dict[DocumentState, str] = {
    "received": "Received",
    "asserted": "Asserted (no file)",
    "verified": "Verified",
    "problem": "Problem",
}


class DocumentProvenance(BaseModel):
    """One evidence record's state, and for *verified* / *problem* what was checked, by whom, when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: DocumentState
    checked: str = Field(default="", max_length=5_000)
    by: str = ""
    on: dt.date | None = None


ASSERTED = DocumentProvenance(state="asserted")
RECEIVED = DocumentProvenance(state="received")


def provenance_of(
    documents: Mapping[int, DocumentState | DocumentProvenance] | None, index: int
) -> DocumentProvenance:
    """The record's provenance; a record nobody vouches for is *asserted*."""
    if not documents:
        return ASSERTED
    p = documents.get(index)
    if p is None:
        return ASSERTED
    if isinstance(p, DocumentProvenance):
        return p
    return RECEIVED if p == "received" else DocumentProvenance(state=p)


def all_received(count: int) -> dict[int, DocumentProvenance]:
    """Every record's file in hand (tests, benchmarks, and the CLI once it has read every file)."""
    return dict.fromkeys(range(count), RECEIVED)


def documents_of(evidence: Iterable[Any]) -> dict[int, DocumentProvenance]:
    """The provenance input an assessment ran with, read back from its evidence register
    (``EvidenceResult`` rows): re-running it with these gives the same result."""
    return {
        e.index: DocumentProvenance(state=e.provenance, checked=e.checked, by=e.checked_by, on=e.checked_on)
        for e in evidence
    }
