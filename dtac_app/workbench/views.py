"""Stored rows to the frozen views the pages and CLI get (:mod:`dtac_app.store.views`).

Pure mapping over rows already loaded through the repositories: no access checks and no writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from dtac_app.results import Assessment, Override, Verification
from dtac_app.store.models import (
    WHOLE_ASSESSMENT,
    AssessmentRevision,
    AuditEntry,
    Clarification,
    Product,
    Submission,
    User,
)
from dtac_app.store.models import Assessment as AssessmentRow
from dtac_app.store.models import SignOff as SignOffRow
from dtac_app.store.repo import Repos
from dtac_app.store.views import (
    AssessmentStatus,
    AssessmentSummary,
    AssessmentView,
    AuditView,
    ClarificationView,
    ProductSummary,
    ReplyView,
    SignOffView,
    SubmissionSummary,
    UserView,
)
from dtac_app.vocabulary import decision_label

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

V = TypeVar("V", bound="DataclassInstance")


def _copied(view: type[V], row: object, **given: Any) -> V:
    """A ``view`` whose fields not ``given`` are the row's attributes of the same name."""
    names = [f.name for f in dataclasses.fields(view) if f.name not in given]
    return view(**{n: getattr(row, n) for n in names}, **given)


def label(u: User | None) -> str:
    return u.username if u is not None else ""


def user_state(v: UserView) -> dict[str, Any]:
    """The audited fields of an account."""
    return {
        "username": v.username,
        "role": v.role,
        "email": v.email,
        "organisation_id": v.organisation_id,
        "disabled": v.disabled,
        "has_password": v.has_password,
    }


def sections_to_sign(result: Assessment) -> tuple[str, ...]:
    return tuple(sec.id for sec in result.sections if sec.role != "context")


def status(current: int, signed: Iterable[int]) -> AssessmentStatus:
    signed = set(signed)
    if current in signed:
        return "signed_off"
    return "changed_after_sign_off" if signed else "in_review"


def last_valid_day(valid_until: dt.date | None, schema: str | None) -> dt.date | None:
    """A stored revision's ``valid_until`` as the last day its decision holds: rows saved in the
    ``dtac-assessment/1`` format recorded the first day of the change instead."""
    if valid_until is not None and schema == "dtac-assessment/1":
        return valid_until - dt.timedelta(days=1)
    return valid_until


def summaries(r: Repos, heads: list[AssessmentRow]) -> dict[int, AssessmentSummary]:
    """One summary per assessment (current revision's decision and status), in two queries."""
    if not heads:
        return {}
    ids = [a.id for a in heads]
    current = {row.assessment_id: row for row in r.assessments.current_heads(ids)}
    signed_by = r.assessments.signed_revisions_of(ids)
    out = {}
    for a in heads:
        cur = current[a.id]
        out[a.id] = _copied(
            AssessmentSummary,
            a,
            decision=cur.decision,
            decision_label=decision_label(cur.decision),
            valid_until=last_valid_day(cur.valid_until, cur.schema),
            status=status(a.current_revision, signed_by.get(a.id, set())),
        )
    return out


def product_summary(p: Product, summaries: dict[int, AssessmentSummary]) -> ProductSummary:
    latest: AssessmentSummary | None = None
    latest_version = p.versions[-1].version if p.versions else None
    for v in reversed(p.versions):
        cands = [summaries[a.id] for sub in v.submissions for a in sub.assessments]
        if cands:
            latest = max(cands, key=lambda x: (x.created_at, x.id))
            latest_version = v.version
            break
    return _copied(
        ProductSummary,
        p,
        organisation_name=p.organisation.name,
        versions=tuple(v.version for v in p.versions),
        latest=latest,
        latest_version=latest_version,
    )


def submission_summary(sub: Submission, summaries: dict[int, AssessmentSummary]) -> SubmissionSummary:
    return _copied(
        SubmissionSummary,
        sub,
        received_by=label(sub.received_by),
        assessments=tuple(summaries[a.id] for a in sub.assessments),
    )


def sign_off_view(so: SignOffRow) -> SignOffView:
    return SignOffView(
        so.section,
        so.by_label,
        so.at,
        so.note,
        name=so.by_name,
        role=so.by_role,
        organisation=so.by_organisation,
        open_items=so.open_items,
    )


def assessment_view(r: Repos, a: AssessmentRow, rev: AssessmentRevision) -> AssessmentView:
    product = a.submission.product_version.product
    result = Assessment.model_validate(rev.result)
    signs = {so.section: sign_off_view(so) for so in rev.sign_offs}
    whole = signs.pop(WHOLE_ASSESSMENT, None)
    # id, submission_id, criteria set and hash, profile, as_of and current_revision are the
    # assessment's; everything else is named here (created_at and comment are the revision's).
    return _copied(
        AssessmentView,
        a,
        product_id=product.id,
        product_name=product.name,
        version=a.submission.product_version.version,
        organisation_id=product.organisation_id,
        organisation_name=product.organisation.name,
        revision=rev.number,
        created_at=rev.created_at,
        created_by=r.users.label(rev.created_by_id),
        comment=rev.comment,
        result=result,
        overrides={
            o.question_id: Override(outcome=o.outcome, rationale=o.rationale, by=o.by_label, on=o.on_date)
            for o in rev.overrides
        },
        verifications={
            m.question_id: Verification(checked=m.checked, by=m.by_label, on=m.on_date)
            for m in rev.provenance
            if m.status == "verified"
        },
        section_sign_offs=signs,
        signed_off=whole,
        sections_to_sign=sections_to_sign(result),
        status=status(a.current_revision, r.assessments.signed_revisions(a.id)),
        open_clarifications=r.assessments.open_clarifications(a.id),
    )


def audit_view(e: AuditEntry) -> AuditView:
    return _copied(AuditView, e)


def clarification_view(c: Clarification) -> ClarificationView:
    return _copied(
        ClarificationView,
        c,
        asked_by=c.asked_by_label,
        replies=tuple(ReplyView(x.id, x.text, x.by_label, x.at) for x in c.replies),
    )
