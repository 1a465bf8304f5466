"""Plain, frozen values returned by the service API (never ORM objects, so they are safe to cache,
pass between Streamlit reruns and threads, and compare in tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from dtac_app import vocabulary

if TYPE_CHECKING:
    from dtac_app.results import Assessment, Override, Verification


Role = vocabulary.Role
AssessmentStatus = Literal["in_review", "signed_off", "changed_after_sign_off"]


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    role: Role
    display_name: str = ""
    email: str | None = None
    organisation_id: int | None = None
    organisation_name: str | None = None
    disabled: bool = False
    has_password: bool = False
    sso_linked: bool = False

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class SystemActor:
    """The local command line (``dtac user …``, ``dtac db …``): full rights, audited as ``label``."""

    label: str = "system"
    id: None = None
    role: Role = "admin"
    organisation_id: None = None
    username: str = "system"


SYSTEM = SystemActor()
Actor = UserView | SystemActor


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    slug: str
    kind: str


@dataclass(frozen=True)
class AssessmentSummary:
    id: int
    submission_id: int
    criteria_set: str
    criteria_hash: str
    profile: str
    as_of: dt.date
    current_revision: int
    decision: str
    decision_label: str
    valid_until: dt.date | None
    status: AssessmentStatus
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class SubmissionSummary:
    id: int
    filename: str
    sha256: str
    size: int
    criteria_set: str
    profile: str
    submitted_on: dt.date | None
    received_at: dt.datetime
    received_by: str
    assessments: tuple[AssessmentSummary, ...] = ()


@dataclass(frozen=True)
class VersionView:
    id: int
    version: str
    submissions: tuple[SubmissionSummary, ...]


@dataclass(frozen=True)
class ProductSummary:
    id: int
    name: str
    manufacturer: str
    organisation_id: int
    organisation_name: str
    versions: tuple[str, ...]
    latest: AssessmentSummary | None
    """The most recent assessment of the most recent version (None before any assessment)."""
    latest_version: str | None


@dataclass(frozen=True)
class ProductDetail(ProductSummary):
    version_details: tuple[VersionView, ...] = ()


@dataclass(frozen=True)
class SubmissionView:
    id: int
    product_id: int
    product_name: str
    version: str
    organisation_id: int
    filename: str
    sha256: str
    size: int
    content: bytes
    criteria_set: str
    profile: str
    submitted_on: dt.date | None
    received_at: dt.datetime
    received_by: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8-sig")


@dataclass(frozen=True)
class SignOffView:
    section: str
    by: str
    at: dt.datetime
    note: str
    name: str = ""  # the signer's display name at signing
    role: str = ""
    organisation: str = ""
    open_items: str = ""  # why it was signed with items missing or clarifications open

    @property
    def signer(self) -> str:
        return self.name or self.by


@dataclass(frozen=True)
class RevisionSummary:
    number: int
    created_at: dt.datetime
    created_by: str
    comment: str
    decision: str
    valid_until: dt.date | None
    criteria_hash: str
    overrides: int
    verified: int
    sections_signed: tuple[str, ...]
    signed_off: SignOffView | None


@dataclass(frozen=True)
class AssessmentView:
    """One revision of an assessment, with the engine's result for that revision."""

    id: int
    submission_id: int
    product_id: int
    product_name: str
    version: str
    organisation_id: int
    organisation_name: str
    criteria_set: str
    criteria_hash: str
    profile: str
    as_of: dt.date
    current_revision: int
    revision: int
    created_at: dt.datetime
    created_by: str
    comment: str
    result: Assessment
    overrides: dict[str, Override]
    verifications: dict[str, Verification]
    section_sign_offs: dict[str, SignOffView]
    signed_off: SignOffView | None
    sections_to_sign: tuple[str, ...]
    """Sections (C1 … D1) a sign-off covers: every non-context section of the result."""
    status: AssessmentStatus
    open_clarifications: int = 0

    @property
    def is_current(self) -> bool:
        return self.revision == self.current_revision

    @property
    def editable(self) -> bool:
        """Saving makes a new revision either way; after sign-off that revision needs a new sign-off."""
        return self.is_current


@dataclass(frozen=True)
class ReplyView:
    id: int
    text: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class ClarificationView:
    id: int
    assessment_id: int
    revision_number: int
    question_id: str | None
    text: str
    status: str
    asked_by: str
    asked_at: dt.datetime
    closed_at: dt.datetime | None
    replies: tuple[ReplyView, ...] = ()


@dataclass(frozen=True)
class AuditView:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str | None
    organisation_id: int | None
    product_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str
    origin: str | None


@dataclass(frozen=True)
class SeedReport:
    organisations_created: int = 0
    users_created: int = 0
    submissions_loaded: int = 0
    already_present: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
    accounts: tuple[tuple[str, str, str], ...] = ()
    """(username, role, password) of accounts created by this run, for the console."""


@dataclass(frozen=True)
class EvidenceDocumentView:
    """One evidence record of a submission and the stored file it cites (if any)."""

    submission_id: int
    index: int
    question: str
    kind: str
    title: str
    path: str | None
    state: Literal["received", "asserted", "verified", "problem"]
    claimed_sha256: str | None
    sha256: str | None
    """The stored file's SHA-256 (None: no file stored, the document is asserted)."""
    size: int | None
    media_type: str | None
    reused: bool
    sent_by: str
    received_at: dt.datetime | None
    checked: str = ""
    checked_by: str = ""
    checked_at: dt.datetime | None = None

    @property
    def has_file(self) -> bool:
        return self.sha256 is not None
