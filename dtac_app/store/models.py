"""SQLAlchemy 2 typed ORM models. The schema itself is created by the Alembic migrations in
``migrations/``; a test checks that the two agree.

Append-only tables (database triggers refuse UPDATE and DELETE): ``audit_log``, ``submissions``,
``assessment_revisions``, ``overrides``, ``provenance_marks``, ``sign_offs``,
``clarification_replies``. The only mutable assessment column is the head's revision counter
(``assessments.current_revision``), which is what optimistic concurrency checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from dtac_app import vocabulary

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = vocabulary.ROLES
ORG_KINDS = vocabulary.ORGANISATION_KINDS
OUTCOMES = vocabulary.OUTCOMES
PROVENANCE = ("asserted", "verified")
CLARIFICATION_STATUSES = ("open", "answered", "closed")
WHOLE_ASSESSMENT = "*"
"""``sign_offs.section`` value meaning the whole assessment (rather than one section)."""

APPEND_ONLY_TABLES = (
    "audit_log",
    "submissions",
    "assessment_revisions",
    "overrides",
    "provenance_marks",
    "sign_offs",
    "clarification_replies",
    "evidence_files",
    "submission_evidence",
    "evidence_checks",
)
EVIDENCE_CHECK_STATES = ("verified", "problem")
THROTTLE_KINDS = ("address", "account", "account_at_address")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(_in("kind", ORG_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="vendor")
    created_at: Mapped[dt.datetime]

    products: Mapped[list[Product]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("role <> 'vendor' OR organisation_id IS NOT NULL", name="vendor_has_org"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Unused since migration 0004 (sign-in throttling replaced the lock); dropping a column on
    # SQLite rebuilds the table, and every foreign key in the schema points at this one.
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]

    organisation: Mapped[Organisation | None] = relationship()


class SignInThrottle(Base):
    """Failed sign-in counters, one row per bucket (docs/security.md, "Sign-in throttling"):

    * ``address``: every user name tried from one client address (``account`` is ``''``);
    * ``account``: one user name, tried from addresses it has not signed in from (``address`` is ``''``);
    * ``account_at_address``: one user name from an address it has signed in from before; its
      ``last_success_at`` is what makes the address known.

    A sign-in reserves its attempt in two buckets under a row lock before any password is checked,
    so simultaneous attempts cannot all read the same count. Rows are updated, never deleted."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (CheckConstraint(_in("kind", THROTTLE_KINDS), name="kind"),)

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    account: Mapped[str] = mapped_column(String(100), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[dt.datetime]
    failures: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]


class WebSession(Base):
    """A browser's sign-in, kept across reloads and tabs (see dtac_app/workbench/sessions.py).

    Holds only hashes: the cookie's token (set when the browser claims the session) and the
    one-time hand-over code that lets it claim it. Revoked, never deleted."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    handoff_expires_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[str] = mapped_column(String(100), default="")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    manufacturer: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation: Mapped[Organisation] = relationship(back_populates="products")
    versions: Mapped[list[ProductVersion]] = relationship(
        back_populates="product", order_by="ProductVersion.id"
    )


class ProductVersion(Base):
    __tablename__ = "product_versions"
    __table_args__ = (UniqueConstraint("product_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]

    product: Mapped[Product] = relationship(back_populates="versions")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="product_version", order_by="Submission.id"
    )


class Submission(Base):
    """The vendor's file exactly as received, with its SHA-256."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_version_id: Mapped[int] = mapped_column(ForeignKey("product_versions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when read
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    criteria_set: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(20))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    received_at: Mapped[dt.datetime]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    product_version: Mapped[ProductVersion] = relationship(back_populates="submissions")
    received_by: Mapped[User | None] = relationship()
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="submission", order_by="Assessment.id"
    )


class EvidenceFile(Base):
    """One evidence file's bytes, stored once however many submissions cite it (content-addressed
    by SHA-256). The bytes live in the database so several app servers share them and a backup
    holds everything."""

    __tablename__ = "evidence_files"
    __table_args__ = (CheckConstraint("length(sha256) = 64", name="sha256"),)

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only when read
    stored_at: Mapped[dt.datetime]
    stored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SubmissionEvidence(Base):
    """An evidence record of a submission and the stored file it cites: ``sha256`` is set when the
    file arrived (or an earlier submission of the same organisation had sent the same bytes);
    when it is NULL the document is only *asserted* and ``claimed_sha256`` is the supplier's claim."""

    __tablename__ = "submission_evidence"
    __table_args__ = (UniqueConstraint("submission_id", "record_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    record_index: Mapped[int] = mapped_column(Integer)
    path: Mapped[str | None] = mapped_column(String(2000))
    claimed_sha256: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(ForeignKey("evidence_files.sha256"), index=True)
    reused: Mapped[bool] = mapped_column(Boolean, default=False)

    file: Mapped[EvidenceFile | None] = relationship()


class EvidenceCheck(Base):
    """An assessor's check of one evidence document: verified (against a register or the document)
    or a problem, with what was checked, who and when. The latest check of a record counts."""

    __tablename__ = "evidence_checks"
    __table_args__ = (
        CheckConstraint(_in("state", EVIDENCE_CHECK_STATES), name="state"),
        CheckConstraint("length(trim(checked)) >= 3", name="says_what"),
        Index("ix_evidence_checks_submission_id_record_index", "submission_id", "record_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    record_index: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    checked: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime]


class Assessment(Base):
    """The head of an assessment: what was assessed, how, and which revision is current."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    criteria_set: Mapped[str] = mapped_column(String(40))
    criteria_hash: Mapped[str] = mapped_column(String(64))
    criteria_hashes: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[dt.date] = mapped_column(Date)
    current_revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime]

    submission: Mapped[Submission] = relationship(back_populates="assessments")
    revisions: Mapped[list[AssessmentRevision]] = relationship(
        back_populates="assessment", order_by="AssessmentRevision.number"
    )
    clarifications: Mapped[list[Clarification]] = relationship(
        back_populates="assessment", order_by="Clarification.id"
    )


class AssessmentRevision(Base):
    """One saved state of an assessment. Never updated: every save adds a row."""

    __tablename__ = "assessment_revisions"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(40))
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    engine_version: Mapped[str] = mapped_column(String(40))
    criteria_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)  # loaded only when read

    assessment: Mapped[Assessment] = relationship(back_populates="revisions")
    overrides: Mapped[list[OverrideRow]] = relationship(order_by="OverrideRow.question_id")
    provenance: Mapped[list[ProvenanceMark]] = relationship(order_by="ProvenanceMark.question_id")
    sign_offs: Mapped[list[SignOff]] = relationship(order_by="SignOff.id")


class OverrideRow(Base):
    """An assessor's outcome for one question in one revision; the rationale is mandatory."""

    __tablename__ = "overrides"
    __table_args__ = (
        UniqueConstraint("revision_id", "question_id"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint("length(trim(rationale)) >= 10", name="rationale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("assessment_revisions.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    rationale: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200), default="")
    on_date: Mapped[dt.date | None] = mapped_column(Date)


class ProvenanceMark(Base):
    """Provenance of one question's facts: asserted by the supplier or verified by an assessor."""

    __tablename__ = "provenance_marks"
    __table_args__ = (
        UniqueConstraint("revision_id", "question_id"),
        CheckConstraint(_in("status", PROVENANCE), name="status"),
        CheckConstraint("status <> 'verified' OR length(trim(checked)) >= 3", name="verified_says_what"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("assessment_revisions.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    checked: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200), default="")
    on_date: Mapped[dt.date | None] = mapped_column(Date)


class SignOff(Base):
    """Sign-off of one section (``C1`` …) or of the whole revision (``section == '*'``)."""

    __tablename__ = "sign_offs"
    __table_args__ = (UniqueConstraint("revision_id", "section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("assessment_revisions.id"), index=True)
    section: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    # Who signed as they were at the time (the account may be renamed or moved later).
    by_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    by_role: Mapped[str] = mapped_column(String(200), default="", server_default="")
    by_organisation: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Why it was signed off with items missing or clarifications open ("" when nothing was open).
    open_items: Mapped[str] = mapped_column(Text, default="", server_default="")


class Clarification(Base):
    """An assessor's question to the vendor about an assessment (optionally about one question)."""

    __tablename__ = "clarifications"
    __table_args__ = (CheckConstraint(_in("status", CLARIFICATION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    revision_number: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_by_label: Mapped[str] = mapped_column(String(200), default="")
    asked_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="clarifications")
    replies: Mapped[list[ClarificationReply]] = relationship(order_by="ClarificationReply.id")


class ClarificationReply(Base):
    __tablename__ = "clarification_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    clarification_id: Mapped[int] = mapped_column(ForeignKey("clarifications.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_label: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime]


class AuditEntry(Base):
    """Append-only: who did what, when, to which record, with the state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_product_id_at", "product_id", "at"),
        Index("ix_audit_log_organisation_id_at", "organisation_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str | None] = mapped_column(String(100))
