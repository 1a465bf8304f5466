"""The machine-readable dossier (schema ``dtac-dossier/1``): the assessment, the inputs that re-run
it, and the evidence hash manifest that ``dtac verify`` checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dtac_app import __version__
from dtac_app.provenance import DocumentState
from dtac_app.results import Assessment, EvidenceState, Override, Verification
from dtac_app.submission import Submission
from dtac_app.vocabulary import Profile

from .content import DossierInput, SignOff

DOSSIER_SCHEMA = "dtac-dossier/1"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Generator(_Doc):
    name: Literal["dtac-workbench"] = "dtac-workbench"
    version: str
    engine_version: str


class CriteriaInput(_Doc):
    set: str
    version: str
    hashes: dict[str, str] = Field(description="SHA-256 of every criteria file the assessment used, by key")


class Inputs(_Doc):
    """Everything ``assess`` was given, so the assessment can be re-run and compared."""

    as_of: dt.date
    profile: Profile
    criteria: CriteriaInput
    submission: Submission
    submission_sha256: str = Field(description="SHA-256 of the canonical JSON of `submission`")
    overrides: dict[str, Override] = {}
    verifications: dict[str, Verification] = {}
    source: str | None = Field(
        default=None, description="The submission file as named when the dossier was made"
    )


class ManifestEntry(_Doc):
    ref: str = Field(description="How the dossier names the record: E1, E2, …")
    index: int
    question: str
    kind: str
    label: str
    file: str | None
    sha256: str | None
    issued: dt.date | None
    expires: dt.date | None
    state: EvidenceState
    provenance: DocumentState = Field(description="received, asserted, verified or problem")


class Signature(_Doc):
    """The organisation's Ed25519 signature over the rest of the dossier (see dtac_app/signing.py)."""

    algorithm: Literal["ed25519"] = "ed25519"
    signer: str = Field(description="The name the signing organisation gave its key")
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64")
    key_fingerprint: str = Field(description="SHA256:<base64> of the public key, as printed on the PDF")
    value: str = Field(
        description="The signature, base64, over the canonical JSON of the dossier without this value"
    )


class DossierDocument(_Doc):
    """The JSON dossier. Keys are stable within a schema version."""

    schema_: Literal["dtac-dossier/1"] = Field(default="dtac-dossier/1", alias="schema")
    generator: Generator
    inputs: Inputs
    evidence_manifest: tuple[ManifestEntry, ...]
    signoff: tuple[SignOff, ...] = ()
    assessment: Assessment
    assessment_sha256: str = Field(description="SHA-256 of the canonical JSON of `assessment`")
    signature: Signature | None = None


def canonical_sha256(data: Any) -> str:
    """SHA-256 of JSON with sorted keys and no whitespace: the same data always hashes the same."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def assessment_data(a: Assessment) -> dict[str, Any]:
    return a.model_dump(mode="json", by_alias=True)


def assessment_sha256(a: Assessment) -> str:
    return canonical_sha256(assessment_data(a))


def submission_data(sub: Submission) -> dict[str, Any]:
    return sub.model_dump(mode="json", by_alias=True)


def dossier_document(d: DossierInput) -> DossierDocument:
    a, sub = d.assessment, d.submission
    overrides = {q.id: q.override for q in a.questions if q.override is not None}
    verifications = {q.id: q.verification for q in a.questions if q.verification is not None}
    manifest = tuple(
        ManifestEntry(
            ref=f"E{e.index + 1}",
            index=e.index,
            question=e.question,
            kind=e.kind,
            label=e.label,
            file=e.file,
            sha256=e.sha256,
            issued=e.issued,
            expires=e.expires,
            state=e.state,
            provenance=e.provenance,
        )
        for e in a.evidence
    )
    return DossierDocument(
        generator=Generator(version=__version__, engine_version=a.engine_version),
        inputs=Inputs(
            as_of=a.as_of,
            profile=a.profile,
            criteria=CriteriaInput(
                set=a.criteria.set, version=a.criteria.version, hashes=dict(a.criteria.hashes)
            ),
            submission=sub,
            submission_sha256=canonical_sha256(submission_data(sub)),
            overrides=overrides,
            verifications=verifications,
            source=d.source,
        ),
        evidence_manifest=manifest,
        signoff=d.signoffs,
        assessment=a,
        assessment_sha256=assessment_sha256(a),
    )


def render_json(d: DossierInput) -> bytes:
    """The JSON dossier as UTF-8 bytes; the same input always gives the same bytes."""
    data = dossier_document(d).model_dump(mode="json", by_alias=True)
    if d.signing_key is not None:
        from dtac_app.signing import sign_document

        data = sign_document(data, d.signing_key)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in some answer: fall back to \\u escapes, still valid JSON
        return (json.dumps(data, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def dossier_json_schema() -> dict[str, Any]:
    """JSON Schema for the dossier JSON (``dtac schema dossier``)."""
    schema = DossierDocument.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://dtac-workbench.invalid/schemas/dtac-dossier-1.json"
    schema["title"] = "DTAC Workbench assessment dossier (dtac-dossier/1)"
    schema["description"] = (
        "An assessment dossier: the full assessment (dtac-assessment/2), the submission and assessor inputs "
        "needed to re-run it, the criteria file hashes it used, and a manifest of every evidence file with "
        "its SHA-256. `dtac verify` recomputes the hashes and re-runs the assessment."
    )
    return schema
