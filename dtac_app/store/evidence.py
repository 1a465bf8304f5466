"""The evidence store: files content-addressed by SHA-256 (bytes in the database, each stored once),
the evidence records of each submission and the file each cites, and assessors' checks.

Data access over one Session, like :mod:`.repo`: no access checks (the workflow does them), no
commits (the caller's unit of work does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import undefer

from dtac_app.provenance import DocumentProvenance
from dtac_app.submission import Submission as SubmissionDoc
from dtac_app.submission_io import Intake

from .errors import NotFound
from .models import EvidenceCheck, EvidenceFile, Product, ProductVersion, Submission, SubmissionEvidence
from .repository import ATTEMPTS, Repository, saved_in_savepoint


@dataclass(frozen=True)
class StoredIntake:
    """What storing an upload's evidence did: records now backed by a stored file (received or
    reused from an earlier submission of the same organisation) and how many new files were kept."""

    received: frozenset[int]
    reused: frozenset[int]
    new_files: int


class EvidenceRepo(Repository):
    # ------------------------------------------------------------------ files

    def file(self, sha256: str, *, with_content: bool = False) -> EvidenceFile:
        q = select(EvidenceFile).where(EvidenceFile.sha256 == sha256)
        if with_content:
            q = q.options(undefer(EvidenceFile.content))
        f = self.s.scalar(q)
        if f is None:
            raise NotFound(f"no evidence file with SHA-256 {sha256}")
        return f

    def put(
        self, content: bytes, sha256: str, media_type: str, *, now: dt.datetime, by: int | None
    ) -> tuple[EvidenceFile, bool]:
        """Store the bytes once: (the row, whether it is new). Same bytes, same row, also when
        several submissions bring the same new file at once (the first stores it)."""
        for _ in range(ATTEMPTS):
            existing = self.s.get(EvidenceFile, sha256)
            if existing is not None:
                return existing, False
            if saved_in_savepoint(self.s, f := self._new_file(content, sha256, media_type, now, by)):
                return f, True
        # still clashing: let the database say why
        return self._added(self._new_file(content, sha256, media_type, now, by)), True

    @staticmethod
    def _new_file(
        content: bytes, sha256: str, media_type: str, now: dt.datetime, by: int | None
    ) -> EvidenceFile:
        return EvidenceFile(
            sha256=sha256,
            size=len(content),
            media_type=media_type,
            content=content,
            stored_at=now,
            stored_by_id=by,
        )

    def known_to_organisation(self, organisation_id: int, sha256: str) -> bool:
        """Whether an earlier submission of this organisation sent these bytes (re-submissions
        may then cite them by hash alone; another organisation's files are never reused)."""
        q = (
            select(SubmissionEvidence.id)
            .join(Submission, Submission.id == SubmissionEvidence.submission_id)
            .join(ProductVersion, ProductVersion.id == Submission.product_version_id)
            .join(Product, Product.id == ProductVersion.product_id)
            .where(Product.organisation_id == organisation_id, SubmissionEvidence.sha256 == sha256)
            .limit(1)
        )
        return self.s.scalar(q) is not None

    # ------------------------------------------------------------------ records

    def records(self, submission_id: int) -> Sequence[SubmissionEvidence]:
        return self.s.scalars(
            select(SubmissionEvidence)
            .where(SubmissionEvidence.submission_id == submission_id)
            .order_by(SubmissionEvidence.record_index)
        ).all()

    def record(self, submission_id: int, index: int) -> SubmissionEvidence:
        row = self.s.scalar(
            select(SubmissionEvidence).where(
                SubmissionEvidence.submission_id == submission_id, SubmissionEvidence.record_index == index
            )
        )
        if row is None:
            raise NotFound(f"submission {submission_id} has no evidence record {index}")
        return row

    def reusable(self, organisation_id: int, sub: SubmissionDoc, intake: Intake) -> frozenset[int]:
        """Records whose file did not arrive but whose stated SHA-256 this organisation sent before."""
        got = {f.index for f in intake.files}
        return frozenset(
            i
            for i, ev in enumerate(sub.evidence)
            if i not in got and ev.sha256 and self.known_to_organisation(organisation_id, ev.sha256)
        )

    def store_intake(
        self,
        submission: Submission,
        intake: Intake,
        *,
        reusable: frozenset[int],
        now: dt.datetime,
        by: int | None,
    ) -> StoredIntake:
        """Keep every file that arrived (once per SHA-256) and record what each evidence record cites."""
        new = 0
        # In hash order: two uploads sharing files take their row locks in the same order (no deadlock).
        for f in sorted(intake.files, key=lambda f: f.sha256):
            _, created = self.put(f.content, f.sha256, f.media_type, now=now, by=by)
            new += created
        received = {f.index: f.sha256 for f in intake.files}
        for i, ev in enumerate(intake.submission.evidence):
            sha = received.get(i) or (ev.sha256 if i in reusable else None)
            self.s.add(
                SubmissionEvidence(
                    submission_id=submission.id,
                    record_index=i,
                    path=ev.file,
                    claimed_sha256=ev.sha256,
                    sha256=sha,
                    reused=i in reusable,
                )
            )
        self.s.flush()
        return StoredIntake(frozenset(received), reusable, new)

    # ------------------------------------------------------------------ checks

    def add_check(
        self,
        submission_id: int,
        index: int,
        state: str,
        checked: str,
        *,
        by_id: int | None,
        by_label: str,
        at: dt.datetime,
    ) -> EvidenceCheck:
        return self._added(
            EvidenceCheck(
                submission_id=submission_id,
                record_index=index,
                state=state,
                checked=checked,
                by_id=by_id,
                by_label=by_label,
                at=at,
            )
        )

    def all_checks(self, submission_id: int) -> Sequence[EvidenceCheck]:
        return self.s.scalars(
            select(EvidenceCheck)
            .where(EvidenceCheck.submission_id == submission_id)
            .order_by(EvidenceCheck.record_index, EvidenceCheck.id)
        ).all()

    def latest_checks(self, submission_id: int) -> dict[int, EvidenceCheck]:
        return {c.record_index: c for c in self.all_checks(submission_id)}

    # ------------------------------------------------------------------ what the engine gets

    def documents(self, submission_id: int) -> dict[int, DocumentProvenance]:
        """Each evidence record's provenance, as the engine takes it: a stored file is received,
        a record without one is asserted, and an assessor's latest check (verified or problem)
        takes precedence over both."""
        out: dict[int, DocumentProvenance] = {}
        for rec in self.records(submission_id):
            out[rec.record_index] = DocumentProvenance(state="received" if rec.sha256 else "asserted")
        for i, c in self.latest_checks(submission_id).items():
            out[i] = DocumentProvenance(
                state=c.state,
                checked=c.checked,
                by=c.by_label,
                on=c.at.date(),
            )
        return out

    def fill_hashes(self, submission_id: int, sub: SubmissionDoc) -> SubmissionDoc:
        """The submission as it was assessed: hashes the vendor left out are those of the files
        that arrived (the intake fills them in the same way)."""
        stored = {r.record_index: r.sha256 for r in self.records(submission_id) if r.sha256}
        if not stored:
            return sub
        evidence = tuple(
            ev.model_copy(update={"sha256": stored[i]}) if ev.sha256 is None and i in stored else ev
            for i, ev in enumerate(sub.evidence)
        )
        return sub.model_copy(update={"evidence": evidence})

    def intact(self, sha256: str) -> bool:
        """Whether the stored bytes still hash to their address."""
        f = self.file(sha256, with_content=True)
        return hashlib.sha256(f.content).hexdigest() == sha256
