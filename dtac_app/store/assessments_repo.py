"""Repositories of products and their versions, submissions, assessments with their revisions,
overrides, provenance and sign-offs, and clarifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import CursorResult, Row, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .errors import NotFound
from .limits import storable
from .models import (
    Assessment,
    AssessmentRevision,
    Clarification,
    ClarificationReply,
    OverrideRow,
    Product,
    ProductVersion,
    ProvenanceMark,
    SignOff,
    Submission,
)
from .repository import ATTEMPTS, Repository, saved_in_savepoint


class Products(Repository):
    def get(self, product_id: int) -> Product:
        return self._get(Product, product_id, "product")

    def find(self, organisation_id: int, name: str) -> Product | None:
        if not storable(name, Product.name):
            return None
        return self.s.scalar(
            select(Product).where(Product.organisation_id == organisation_id, Product.name == name)
        )

    def add(
        self, organisation_id: int, name: str, manufacturer: str, *, now: dt.datetime, by: int | None
    ) -> Product:
        return self._added(
            Product(
                organisation_id=organisation_id,
                name=name,
                manufacturer=manufacturer,
                created_at=now,
                created_by_id=by,
            )
        )

    def get_or_add(
        self, organisation_id: int, name: str, manufacturer: str, *, now: dt.datetime, by: int | None
    ) -> tuple[Product, bool]:
        """The organisation's product called ``name``, created if there is none: (row, created).
        Safe when several first submissions of the same new product arrive at once."""
        for _ in range(ATTEMPTS):
            found = self.find(organisation_id, name)
            if found is not None:
                return found, False
            p = Product(
                organisation_id=organisation_id,
                name=name,
                manufacturer=manufacturer,
                created_at=now,
                created_by_id=by,
            )
            if saved_in_savepoint(self.s, p):
                return p, True
        return self.add(organisation_id, name, manufacturer, now=now, by=by), True

    def version(self, product: Product, version: str, *, now: dt.datetime) -> tuple[ProductVersion, bool]:
        """The product's version ``version``, created if there is none: (row, created); safe
        under concurrent first submissions like :meth:`get_or_add`."""
        for _ in range(ATTEMPTS):
            v = self.s.scalar(
                select(ProductVersion).where(
                    ProductVersion.product_id == product.id, ProductVersion.version == version
                )
            )
            if v is not None:
                return v, False
            v = ProductVersion(product_id=product.id, version=version, created_at=now)
            if saved_in_savepoint(self.s, v):
                return v, True
        return self._added(ProductVersion(product_id=product.id, version=version, created_at=now)), True

    def list(self, organisation_id: int | None = None) -> Sequence[Product]:
        q = (
            select(Product)
            .options(
                selectinload(Product.organisation),
                selectinload(Product.versions)
                .selectinload(ProductVersion.submissions)
                .selectinload(Submission.assessments),
                selectinload(Product.versions)
                .selectinload(ProductVersion.submissions)
                .selectinload(Submission.received_by),
            )
            .order_by(Product.name, Product.id)
        )
        if organisation_id is not None:
            q = q.where(Product.organisation_id == organisation_id)
        return self.s.scalars(q).all()


class Submissions(Repository):
    def get(self, submission_id: int) -> Submission:
        return self._get(Submission, submission_id, "submission")

    def find_by_hash(self, product_version_id: int, sha256: str) -> Submission | None:
        return self.s.scalar(
            select(Submission).where(
                Submission.product_version_id == product_version_id, Submission.sha256 == sha256
            )
        )

    def add(self, sub: Submission) -> Submission:
        return self._added(sub)


class Assessments(Repository):
    def change_stamp(self) -> tuple[int, ...]:
        """Counters that move whenever anything a product listing shows may have changed: the last
        audit entry (every use-case writes one) and the last row of each append-only table the
        listing reads (revisions, sign-offs, submissions). Each is a primary-key maximum: cheap."""
        from .models import AuditEntry

        row = self.s.execute(
            select(
                select(func.max(AuditEntry.id)).scalar_subquery(),
                select(func.max(AssessmentRevision.id)).scalar_subquery(),
                select(func.max(SignOff.id)).scalar_subquery(),
                select(func.max(Submission.id)).scalar_subquery(),
                select(func.max(Product.id)).scalar_subquery(),
            )
        ).one()
        return tuple(int(v or 0) for v in row)

    def get(self, assessment_id: int) -> Assessment:
        return self._get(Assessment, assessment_id, "assessment")

    def revision(self, assessment_id: int, number: int) -> AssessmentRevision:
        r = self.s.scalar(
            select(AssessmentRevision)
            .where(AssessmentRevision.assessment_id == assessment_id, AssessmentRevision.number == number)
            .options(
                selectinload(AssessmentRevision.overrides),
                selectinload(AssessmentRevision.provenance),
                selectinload(AssessmentRevision.sign_offs),
            )
        )
        if r is None:
            raise NotFound(f"assessment {assessment_id} has no revision {number}")
        return r

    def revisions(self, assessment_id: int) -> Sequence[AssessmentRevision]:
        return self.s.scalars(
            select(AssessmentRevision)
            .where(AssessmentRevision.assessment_id == assessment_id)
            .options(
                selectinload(AssessmentRevision.overrides),
                selectinload(AssessmentRevision.provenance),
                selectinload(AssessmentRevision.sign_offs),
            )
            .order_by(AssessmentRevision.number)
        ).all()

    def advance(self, assessment_id: int, expected: int, new: int, now: dt.datetime) -> bool:
        """Compare-and-set the revision counter; False if someone else moved it first."""
        res = self.s.execute(
            update(Assessment)
            .where(Assessment.id == assessment_id, Assessment.current_revision == expected)
            .values(current_revision=new, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return isinstance(res, CursorResult) and res.rowcount == 1

    def add(self, a: Assessment) -> Assessment:
        return self._added(a)

    def add_revision(self, r: AssessmentRevision) -> AssessmentRevision:
        return self._added(r)

    def signed_revisions(self, assessment_id: int) -> list[int]:
        return list(
            self.s.scalars(
                select(AssessmentRevision.number)
                .join(SignOff, SignOff.revision_id == AssessmentRevision.id)
                .where(AssessmentRevision.assessment_id == assessment_id, SignOff.section == "*")
                .order_by(AssessmentRevision.number)
            ).all()
        )

    def fresh_current_revision(self, assessment_id: int) -> int | None:
        """The revision counter as the database has it now (not the session's cached copy)."""
        return self.s.scalar(
            select(Assessment.current_revision)
            .where(Assessment.id == assessment_id)
            .execution_options(populate_existing=True)
        )

    def current_heads(self, ids: Sequence[int]) -> Sequence[Row[int, int, str, dt.date | None, str | None]]:
        """(assessment_id, number, decision, valid_until, schema) of each assessment's current revision.

        ``schema`` is the stored result's format: a ``dtac-assessment/1`` row (saved by the first
        release) holds in ``valid_until`` the day the decision changes, not its last valid day
        (see ``views.last_valid_day``). Revisions are append-only, so old rows are read, not rewritten.
        """
        return self.s.execute(
            select(
                AssessmentRevision.assessment_id,
                AssessmentRevision.number,
                AssessmentRevision.decision,
                AssessmentRevision.valid_until,
                AssessmentRevision.result["schema"].as_string().label("schema"),
            )
            .join(Assessment, Assessment.id == AssessmentRevision.assessment_id)
            .where(
                AssessmentRevision.assessment_id.in_(ids),
                AssessmentRevision.number == Assessment.current_revision,
            )
        ).all()

    def signed_revisions_of(self, ids: Sequence[int]) -> dict[int, set[int]]:
        """For many assessments: the numbers of their signed-off (whole assessment) revisions."""
        rows = self.s.execute(
            select(AssessmentRevision.assessment_id, AssessmentRevision.number)
            .join(SignOff, SignOff.revision_id == AssessmentRevision.id)
            .where(AssessmentRevision.assessment_id.in_(ids), SignOff.section == "*")
        ).all()
        out: dict[int, set[int]] = {}
        for row in rows:
            out.setdefault(row.assessment_id, set()).add(row.number)
        return out

    def current_results(
        self, ids: Sequence[int], organisation_id: int | None = None
    ) -> dict[int, tuple[int, dict[str, Any]]]:
        """``{id: (current revision, stored result JSON)}`` in one query, optionally only one
        organisation's assessments."""
        q = (
            select(Assessment.id, AssessmentRevision.number, AssessmentRevision.result)
            .join(AssessmentRevision, AssessmentRevision.assessment_id == Assessment.id)
            .join(Submission, Submission.id == Assessment.submission_id)
            .join(ProductVersion, ProductVersion.id == Submission.product_version_id)
            .join(Product, Product.id == ProductVersion.product_id)
            .where(Assessment.id.in_(ids), AssessmentRevision.number == Assessment.current_revision)
        )
        if organisation_id is not None:
            q = q.where(Product.organisation_id == organisation_id)
        return {row.id: (row.number, row.result) for row in self.s.execute(q)}

    def add_override(self, row: OverrideRow) -> None:
        self.s.add(row)

    def add_provenance(self, row: ProvenanceMark) -> None:
        self.s.add(row)

    def add_sign_off(self, row: SignOff) -> bool:
        """Add a sign-off; False (and nothing written) if that section is already signed off."""
        try:
            with self.s.begin_nested():
                self.s.add(row)
        except IntegrityError:
            return False
        return True

    def open_clarifications(self, assessment_id: int) -> int:
        return (
            self.s.scalar(
                select(func.count())
                .select_from(Clarification)
                .where(Clarification.assessment_id == assessment_id, Clarification.status != "closed")
            )
            or 0
        )


class Clarifications(Repository):
    def get(self, clarification_id: int) -> Clarification:
        return self._get(Clarification, clarification_id, "clarification")

    def for_assessment(self, assessment_id: int) -> Sequence[Clarification]:
        return self.s.scalars(
            select(Clarification)
            .where(Clarification.assessment_id == assessment_id)
            .options(selectinload(Clarification.replies))
            .order_by(Clarification.id)
        ).all()

    def add(self, c: Clarification) -> Clarification:
        return self._added(c)

    def add_reply(self, r: ClarificationReply) -> ClarificationReply:
        return self._added(r)
