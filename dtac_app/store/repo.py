"""Repositories: data access over one Session. No access checks here (the workflow layer does
them); no commits here (the caller's unit of work does). The audit repository can only append
and read: there is deliberately no method that changes or removes an audit row."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .errors import NotFound
from .limits import storable
from .models import (
    Assessment,
    AssessmentRevision,
    AuditEntry,
    Clarification,
    ClarificationReply,
    Organisation,
    OverrideRow,
    Product,
    ProductVersion,
    ProvenanceMark,
    SignInThrottle,
    SignOff,
    Submission,
    User,
)

ATTEMPTS = 5
"""How often a get-or-create tries again when a concurrent transaction took the key first."""


def saved_in_savepoint(s: Session, row: object) -> bool:
    """Insert ``row`` inside a savepoint: True if it was stored, False (and nothing written, the
    surrounding transaction intact) if a unique constraint refused it because a concurrent
    transaction stored the same key first. The caller then reads the row that one stored:
    on PostgreSQL the refused INSERT waits for the other transaction to commit, and the next
    statement sees its row (READ COMMITTED). On SQLite writers queue, so this never happens."""
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError:
        return False
    return True


RowT = TypeVar("RowT")


class Repository:
    """Data access over one session (the repositories here and in ``evidence.py``)."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def _added(self, row: RowT) -> RowT:
        """``row``, added to the session and flushed so that it has its id."""
        self.s.add(row)
        self.s.flush()
        return row

    def _get(self, model: type[RowT], key: int, what: str) -> RowT:
        """The row with primary key ``key``, or NotFound naming it ("user 7 does not exist")."""
        row = self.s.get(model, key)
        if row is None:
            raise NotFound(f"{what} {key} does not exist")
        return row


def slugify(text: str, *, max_len: int = 80) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", norm).strip("-")
    return (slug[:max_len].rstrip("-")) or "org"


class Organisations(Repository):
    def get(self, org_id: int) -> Organisation:
        return self._get(Organisation, org_id, "organisation")

    def by_name(self, name: str) -> Organisation | None:
        if not storable(name, Organisation.name):
            return None  # no organisation can be called that (and PostgreSQL would refuse to look)
        return self.s.scalar(
            select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
        )

    def by_slug(self, slug: str) -> Organisation | None:
        if not storable(slug, Organisation.slug):
            return None
        return self.s.scalar(select(Organisation).where(Organisation.slug == slug))

    def find(self, key: str) -> Organisation | None:
        """By id (digits), slug or name."""
        if key.isdigit():
            return self.s.get(Organisation, int(key))
        return self.by_slug(key) or self.by_name(key)

    def _new(self, name: str, kind: str, now: dt.datetime) -> Organisation:
        base = slugify(name)
        slug, n = base, 2
        while self.by_slug(slug) is not None:
            slug, n = f"{base}-{n}", n + 1
        return Organisation(name=name.strip(), slug=slug, kind=kind, created_at=now)

    def add(self, name: str, *, kind: str, now: dt.datetime) -> Organisation:
        return self._added(self._new(name, kind, now))

    def get_or_add(self, name: str, *, kind: str, now: dt.datetime) -> tuple[Organisation, bool]:
        """The organisation called ``name`` (any case), created if there is none: (row, created).
        Safe when several transactions create the same new organisation at once: one creates it,
        the others get that row (a clash on the slug alone is retried with the next free slug)."""
        for _ in range(ATTEMPTS):
            found = self.by_name(name)
            if found is not None:
                return found, False
            org = self._new(name, kind, now)
            if saved_in_savepoint(self.s, org):
                return org, True
        return self.add(name, kind=kind, now=now), True  # still clashing: let the database say why

    def list(self, only: int | None = None) -> Sequence[Organisation]:
        q = select(Organisation).order_by(Organisation.name)
        if only is not None:
            q = q.where(Organisation.id == only)
        return self.s.scalars(q).all()


class Users(Repository):
    def get(self, user_id: int) -> User:
        return self._get(User, user_id, "user")

    def by_username(self, username: str) -> User | None:
        if not storable(username.strip(), User.username):
            return None
        return self.s.scalar(select(User).where(User.username == username.strip()))

    def by_email(self, email: str) -> User | None:
        if not storable(email.strip(), User.email):
            return None
        return self.s.scalar(select(User).where(User.email == email.strip().lower()))

    def by_subject(self, subject: str) -> User | None:
        if not storable(subject, User.oidc_subject):
            return None
        return self.s.scalar(select(User).where(User.oidc_subject == subject))

    def find(self, key: str) -> User | None:
        if key.isdigit():
            return self.s.get(User, int(key))
        return self.by_username(key)

    def add(self, user: User) -> User:
        return self._added(user)

    def list(self) -> Sequence[User]:
        return self.s.scalars(
            select(User).options(selectinload(User.organisation)).order_by(User.username)
        ).all()

    def label(self, user_id: int | None) -> str:
        """The user name to show for a stored user id ("system" for none, "user N" if gone)."""
        if user_id is None:
            return "system"
        u = self.s.get(User, user_id)
        return u.username if u else f"user {user_id}"


class Throttles(Repository):
    """The sign-in throttle's counters (:class:`SignInThrottle`); the policy is in
    :mod:`dtac_app.workbench.throttle`."""

    def lock(self, kind: str, account: str, address: str, now: dt.datetime) -> SignInThrottle:
        """The bucket's row, created if missing, locked until the transaction ends.

        PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING`` then ``SELECT … FOR UPDATE``, so concurrent
        sign-ins on one bucket queue on its row. SQLite: the write transaction (``BEGIN IMMEDIATE``)
        already holds the database's only write lock."""
        insert = pg_insert if self.s.get_bind().dialect.name == "postgresql" else sqlite_insert
        self.s.execute(
            insert(SignInThrottle)
            .values(kind=kind, account=account, address=address, window_start=now, failures=0)
            .on_conflict_do_nothing()
        )
        row = self.s.scalar(
            select(SignInThrottle)
            .where(
                SignInThrottle.kind == kind,
                SignInThrottle.account == account,
                SignInThrottle.address == address,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None  # inserted above if it was missing
        return row

    def last_success(self, account: str, address: str) -> dt.datetime | None:
        """When ``account`` last signed in from ``address`` (None: never, as far as we know)."""
        return self.s.scalar(
            select(SignInThrottle.last_success_at).where(
                SignInThrottle.kind == "account_at_address",
                SignInThrottle.account == account,
                SignInThrottle.address == address,
            )
        )

    def clear_account(self, account: str) -> None:
        """Forget the failures counted against one user name (an admin enabled it or set its password)."""
        self.s.execute(
            update(SignInThrottle)
            .where(SignInThrottle.account == account, SignInThrottle.kind != "address")
            .values(failures=0, next_at=None)
            .execution_options(synchronize_session=False)
        )


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


class Audit(Repository):
    """Append and read. There is no update or delete, by design."""

    def append(
        self,
        *,
        at: dt.datetime,
        actor: str,
        actor_id: int | None,
        action: str,
        entity_type: str,
        entity_id: object = None,
        organisation_id: int | None = None,
        product_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str = "",
        origin: str | None = None,
    ) -> AuditEntry:
        return self._added(
            AuditEntry(
                at=at,
                actor=actor,
                actor_id=actor_id,
                action=action,
                entity_type=entity_type,
                entity_id=None if entity_id is None else str(entity_id),
                organisation_id=organisation_id,
                product_id=product_id,
                before=before,
                after=after,
                detail=detail,
                origin=origin,
            )
        )

    def query(
        self,
        *,
        organisation_id: int | None = None,
        product_id: int | None = None,
        entity_type: str | None = None,
        entity_id: object = None,
        action: str | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        limit: int | None = 1000,
        ascending: bool = False,
    ) -> Sequence[AuditEntry]:
        q = select(AuditEntry)
        if organisation_id is not None:
            q = q.where(AuditEntry.organisation_id == organisation_id)
        if product_id is not None:
            q = q.where(AuditEntry.product_id == product_id)
        if entity_type is not None:
            q = q.where(AuditEntry.entity_type == entity_type)
        if entity_id is not None:
            q = q.where(AuditEntry.entity_id == str(entity_id))
        if action is not None:
            q = q.where(AuditEntry.action == action)
        if actor is not None:
            q = q.where(AuditEntry.actor == actor)
        if since is not None:
            q = q.where(AuditEntry.at >= since)
        q = q.order_by(AuditEntry.id if ascending else AuditEntry.id.desc())
        if limit is not None:
            q = q.limit(limit)
        return self.s.scalars(q).all()


class Repos:
    """All repositories over one session: ``r = Repos(session); r.users.get(1)``."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.orgs = Organisations(s)
        self.users = Users(s)
        self.throttles = Throttles(s)
        self.products = Products(s)
        self.submissions = Submissions(s)
        self.assessments = Assessments(s)
        self.clarifications = Clarifications(s)
        self.audit = Audit(s)
