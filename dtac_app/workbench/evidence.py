"""Evidence: the stored files behind a submission, their provenance, and assessors' checks.

A stored submission is always re-read through the one intake path
(:func:`dtac_app.submission_io.read_upload`) and assessed with the provenance the evidence store
holds for each record (received, asserted, verified, problem), so a re-run, a review and a
rebuilt dossier see exactly what the first assessment saw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dtac_app.criteria import Catalogue
from dtac_app.engine import assess
from dtac_app.results import Assessment, Override, Verification
from dtac_app.store.errors import NotFound, StoreError, WorkflowError
from dtac_app.store.evidence import EvidenceRepo
from dtac_app.store.models import Product, ProductVersion, Submission, SubmissionEvidence
from dtac_app.store.views import Actor, AssessmentView, EvidenceDocumentView
from dtac_app.submission import Submission as SubmissionDoc
from dtac_app.submission_io import read_upload

from . import views as V
from .unit import WorkbenchBase, clean_text

CheckState = Literal["verified", "problem"]


def stored_submission_doc(s: Session, row: Submission, catalogue: Catalogue) -> SubmissionDoc:
    """The stored submission as it was assessed: read through the intake path, with the hashes
    of the files that arrived filled in where the vendor left them out."""
    intake = read_upload(row.filename, row.content, catalogue)
    return EvidenceRepo(s).fill_hashes(row.id, intake.submission)


def assess_stored(
    s: Session,
    row: Submission,
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    profile: str | None,
    overrides: Mapping[str, Override] | None = None,
    verifications: Mapping[str, Verification] | None = None,
) -> tuple[SubmissionDoc, Assessment]:
    """Assess a stored submission with the provenance the evidence store holds for each record."""
    sub = stored_submission_doc(s, row, catalogue)
    return sub, assess(
        sub,
        catalogue,
        as_of=as_of,
        profile=profile,
        overrides=overrides,
        verifications=verifications,
        documents=EvidenceRepo(s).documents(row.id),
    )


def _first_sender(s: Session, organisation_id: int, sha256: str) -> tuple[str, dt.datetime | None]:
    """Who in this organisation first sent these bytes, and when (never another organisation)."""
    first = s.scalar(
        select(Submission)
        .join(SubmissionEvidence, SubmissionEvidence.submission_id == Submission.id)
        .join(ProductVersion, ProductVersion.id == Submission.product_version_id)
        .join(Product, Product.id == ProductVersion.product_id)
        .where(
            Product.organisation_id == organisation_id,
            SubmissionEvidence.sha256 == sha256,
            SubmissionEvidence.reused.is_(False),
        )
        .order_by(Submission.id)
        .limit(1)
    )
    if first is None:
        return "", None
    return (V.label(first.received_by) if first.received_by_id else ""), first.received_at


def document_views(s: Session, row: Submission, catalogue: Catalogue) -> list[EvidenceDocumentView]:
    repo = EvidenceRepo(s)
    sub = stored_submission_doc(s, row, catalogue)
    records = {r.record_index: r for r in repo.records(row.id)}
    checks = repo.latest_checks(row.id)
    org_id = row.product_version.product.organisation_id
    sender = V.label(row.received_by) if row.received_by_id else ""
    out = []
    for i, ev in enumerate(sub.evidence):
        rec = records.get(i)
        f = repo.file(rec.sha256) if rec is not None and rec.sha256 else None
        sent_by: str = sender
        received_at: dt.datetime | None = row.received_at
        if rec is not None and rec.reused and rec.sha256:
            sent_by, received_at = _first_sender(s, org_id, rec.sha256)
        c = checks.get(i)
        state: Literal["received", "asserted", "verified", "problem"] = "received" if f else "asserted"
        if c is not None:
            state = c.state  # type: ignore[assignment]
        out.append(
            EvidenceDocumentView(
                submission_id=row.id,
                index=i,
                question=ev.question,
                kind=ev.kind,
                title=ev.title,
                path=ev.file,
                state=state,
                claimed_sha256=rec.claimed_sha256 if rec is not None else ev.sha256,
                sha256=f.sha256 if f else None,
                size=f.size if f else None,
                media_type=f.media_type if f else None,
                reused=bool(rec is not None and rec.reused),
                sent_by=sent_by if f else "",
                received_at=received_at if f else None,
                checked=c.checked if c else "",
                checked_by=c.by_label if c else "",
                checked_at=c.at if c else None,
            )
        )
    return out


class Evidence(WorkbenchBase):
    def list_evidence(self, actor: Actor, submission_id: int) -> list[EvidenceDocumentView]:
        """Every evidence record of a submission with its stored file's facts (vendors: their own)."""
        with self._unit(actor) as u:
            row, _ = u.submission(submission_id)
            return document_views(u.s, row, self.catalogue)

    def evidence_file(
        self, actor: Actor, submission_id: int, index: int
    ) -> tuple[EvidenceDocumentView, bytes]:
        """One stored evidence file's bytes, checked against their SHA-256 before they are handed out."""
        with self._unit(actor) as u:
            row, _ = u.submission(submission_id)
            docs = document_views(u.s, row, self.catalogue)
            if not 0 <= index < len(docs):
                raise NotFound(f"submission {submission_id} has no evidence record {index + 1}")
            doc = docs[index]
            if doc.sha256 is None:
                raise NotFound(
                    f"no file was received for evidence record {index + 1} ({doc.path or doc.kind})"
                )
            repo = EvidenceRepo(u.s)
            f = repo.file(doc.sha256, with_content=True)
            import hashlib

            if hashlib.sha256(f.content).hexdigest() != doc.sha256:
                raise StoreError(
                    f"the stored file for evidence record {index + 1} no longer matches its SHA-256 {doc.sha256}"
                )
            return doc, bytes(f.content)

    def stored_submission(self, actor: Actor, submission_id: int) -> SubmissionDoc:
        """The stored submission as assessed (for dossiers): intake path plus stored hashes."""
        with self._unit(actor) as u:
            row, _ = u.submission(submission_id)
            return stored_submission_doc(u.s, row, self.catalogue)

    def check_evidence(
        self,
        actor: Actor,
        assessment_id: int,
        expected_revision: int,
        index: int,
        *,
        state: CheckState,
        checked: str,
        comment: str = "",
    ) -> AssessmentView:
        """Record an assessor's check of one document (verified, or a problem) with what was checked;
        the assessment is re-run with it as a new revision (the current overrides and question
        verifications are kept). Refused with ConcurrentChangeError if someone saved in between."""
        if state not in ("verified", "problem"):
            raise WorkflowError(f"'{state}' is not a check; use verified or problem")
        what = clean_text(checked, "What was checked")
        if len(what) < 3:
            raise WorkflowError("say what was checked (at least 3 characters)")
        view = self.get_assessment(actor, assessment_id, revision=expected_revision)
        if not 0 <= index < len(view.result.evidence):
            raise NotFound(f"assessment {assessment_id} has no evidence record {index + 1}")
        overrides = {q.id: q.override for q in view.result.questions if q.override is not None}
        verifications = {q.id: q.verification for q in view.result.questions if q.verification is not None}
        return self.save_review(  # type: ignore[attr-defined]
            actor,
            assessment_id,
            expected_revision,
            overrides=overrides,
            verifications=verifications,
            comment=comment,
            evidence_checks={index: (state, what)},
        )
