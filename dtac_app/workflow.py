"""The service API the workbench and the CLI call: one method per use-case.

Every method takes the acting user first (a :class:`UserView` from :meth:`Workflow.login` /
:meth:`Workflow.find_user_for_identity`, or :data:`SYSTEM` for the local command line), re-reads
that user from the database, and checks access itself (:class:`AccessDenied`). The UI is not the
only guard. Results are frozen values from :mod:`dtac_app.store.views`, never ORM objects.

The engine stays pure: a review re-runs :func:`dtac_app.engine.assess` on the stored submission
with the overrides and verifications of the new revision, and stores the result.

Revisions, not overwrites: every save adds a revision and earlier ones stay readable. Saves name
the revision they started from (``expected_revision``); if someone saved in between, the save is
refused with :class:`ConcurrentChangeError` and nothing is written. A signed-off revision never
changes; saving after sign-off adds a revision that needs its own sign-off.

Usage::

    from dtac_app.workflow import open_workflow
    wf = open_workflow()                       # DTAC_DATABASE_URL or ./data/dtac.sqlite3, migrated
    me = wf.login("assessor", "…")
    for p in wf.list_products(me): ...
    view = wf.get_assessment(me, assessment_id)
    view = wf.save_review(me, view.id, view.revision, overrides={...}, verifications={...})
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import auth
from .catalogue import get_catalogue
from .criteria import Catalogue
from .errors import InputError
from .results import DECISION_LABELS, Assessment, Override, Verification
from .safe_yaml import MAX_DOCUMENT_BYTES
from .services import assess_text
from .store.db import Database, open_database
from .store.errors import (
    AccessDenied,
    ConcurrentChangeError,
    NotFound,
    SignedOffError,
    WorkflowError,
)
from .store.models import (
    WHOLE_ASSESSMENT,
    AssessmentRevision,
    Clarification,
    ClarificationReply,
    OverrideRow,
    Product,
    ProductVersion,
    ProvenanceMark,
    SignOff,
    Submission,
    User,
)
from .store.models import Assessment as AssessmentRow
from .store.repo import Repos
from .store.views import (
    SYSTEM,
    Actor,
    AssessmentStatus,
    AssessmentSummary,
    AssessmentView,
    AuditView,
    ClarificationView,
    OrganisationView,
    ProductDetail,
    ProductSummary,
    ReplyView,
    RevisionSummary,
    Role,
    SeedReport,
    SignOffView,
    SubmissionSummary,
    SubmissionView,
    SystemActor,
    UserView,
    VersionView,
)

__all__ = ["SYSTEM", "Workflow", "open_workflow"]

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")
MAX_TEXT = 20_000
ALL_ROLES: tuple[Role, ...] = ("vendor", "assessor", "admin")


def criteria_digest(hashes: Mapping[str, str]) -> str:
    """One SHA-256 over the content hashes of every criteria file an assessment used."""
    return hashlib.sha256(json.dumps(dict(hashes), sort_keys=True).encode()).hexdigest()


def _label(u: User | None) -> str:
    return u.username if u is not None else ""


def _clean_text(text: str, what: str) -> str:
    t = (text or "").strip()
    if not t:
        raise WorkflowError(f"{what} must not be empty")
    if len(t) > MAX_TEXT:
        raise WorkflowError(f"{what} is longer than {MAX_TEXT} characters")
    return t


class Workflow:
    """Use-cases over one :class:`Database`. Thread-safe: each call uses its own session."""

    def __init__(
        self,
        db: Database,
        *,
        catalogue: Catalogue | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.db = db
        self._catalogue = catalogue
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue or get_catalogue()

    def _now(self, now: dt.datetime | None = None) -> dt.datetime:
        t = now or self.clock()
        if t.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        return t.astimezone(dt.UTC)

    # ================================================================ accounts and sign-in

    def login(self, username: str, password: str, *, now: dt.datetime | None = None) -> UserView:
        """Local sign-in. Raises :class:`LoginFailed` (or :class:`AccountLocked`) on failure;
        failures are rate-limited per user name and every attempt is audited."""
        t = self._now(now)
        with self.db.write() as s:
            user, error = auth.authenticate(Repos(s), username, password, t)
        if error is not None:
            raise error
        assert user is not None
        return user

    def find_user_for_identity(
        self, email: str | None, subject: str | None, *, now: dt.datetime | None = None
    ) -> UserView | None:
        """Map an OIDC identity (``st.user.email`` / ``st.user.sub``) to a local account.

        A user already linked to ``subject`` is returned; otherwise an account whose e-mail matches
        and that is not linked to another subject is linked to it (audited). Disabled accounts and
        unknown identities give None. Accounts are never created here: an admin adds them first."""
        t = self._now(now)
        email_n = (email or "").strip().lower() or None
        subject_n = (subject or "").strip() or None
        if not email_n and not subject_n:
            return None
        with self.db.write() as s:
            r = Repos(s)
            u = r.users.by_subject(subject_n) if subject_n else None
            if u is None and email_n:
                cand = r.users.by_email(email_n)
                if cand is not None and (cand.oidc_subject is None or cand.oidc_subject == subject_n):
                    u = cand
                    if subject_n and cand.oidc_subject is None:
                        cand.oidc_subject = subject_n
                        r.audit.append(
                            at=t,
                            actor=cand.username,
                            actor_id=cand.id,
                            action="user.sso_link",
                            entity_type="user",
                            entity_id=cand.id,
                            organisation_id=cand.organisation_id,
                            before={"oidc_subject": None},
                            after={"oidc_subject": subject_n},
                            detail=f"linked to single sign-on identity {email_n}",
                        )
            if u is None or u.disabled:
                r.audit.append(
                    at=t,
                    actor=email_n or subject_n or "(unknown)",
                    actor_id=u.id if u else None,
                    action="login.failure",
                    entity_type="user",
                    entity_id=u.id if u else None,
                    organisation_id=u.organisation_id if u else None,
                    detail="single sign-on: " + ("account disabled" if u else "no matching account"),
                )
                return None
            r.audit.append(
                at=t,
                actor=u.username,
                actor_id=u.id,
                action="login.success",
                entity_type="user",
                entity_id=u.id,
                organisation_id=u.organisation_id,
                detail="single sign-on",
            )
            return auth.user_view(u)

    def refresh_user(self, actor: UserView) -> UserView:
        """The acting user as the database has it now (raises AccessDenied if disabled)."""
        with self.db.read() as s:
            v = auth.load_actor(Repos(s), actor)
        assert isinstance(v, UserView)
        return v

    def create_user(
        self,
        actor: Actor,
        username: str,
        *,
        role: Role,
        password: str | None = None,
        email: str | None = None,
        display_name: str = "",
        organisation: int | str | None = None,
    ) -> UserView:
        """Admin only. Vendors need an organisation (id, slug or name; a new name creates it).
        ``password=None`` makes a single-sign-on-only account."""
        if role not in ALL_ROLES:
            raise WorkflowError(f"unknown role '{role}'; use vendor, assessor or admin")
        username = username.strip()
        if not USERNAME_RE.match(username):
            raise WorkflowError(
                "a user name is 2–100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
            )
        if password is not None:
            try:
                auth.check_password_strength(password, username=username)
            except ValueError as e:
                raise WorkflowError(str(e)) from None
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "admin", doing="add users")
            if r.users.by_username(username) is not None:
                raise WorkflowError(f"a user called {username} already exists")
            email_n = email.strip().lower() if email and email.strip() else None
            if email_n and r.users.by_email(email_n) is not None:
                raise WorkflowError(f"another user already has the e-mail address {email_n}")
            org_id = None
            if organisation is not None and str(organisation).strip():
                org = (
                    r.orgs.get(organisation)
                    if isinstance(organisation, int)
                    else r.orgs.find(str(organisation).strip())
                )
                if org is None:
                    org = r.orgs.add(str(organisation), kind="vendor" if role == "vendor" else "nhs", now=t)
                    self._audit(
                        r,
                        act,
                        t,
                        "organisation.create",
                        "organisation",
                        org.id,
                        organisation_id=org.id,
                        after={"name": org.name, "slug": org.slug, "kind": org.kind},
                    )
                org_id = org.id
            if role == "vendor" and org_id is None:
                raise WorkflowError("a vendor user needs an organisation (--org)")
            u = r.users.add(
                User(
                    username=username,
                    display_name=display_name.strip(),
                    email=email_n,
                    role=role,
                    organisation_id=org_id,
                    password_hash=auth.hash_password(password) if password else None,
                    disabled=False,
                    created_at=t,
                )
            )
            s.refresh(u)
            view = auth.user_view(u)
            self._audit(
                r, act, t, "user.create", "user", u.id, organisation_id=org_id, after=self._user_state(view)
            )
            return view

    def list_users(self, actor: Actor) -> list[UserView]:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "admin", doing="list users")
            return [auth.user_view(u) for u in r.users.list()]

    def get_user(self, actor: Actor, user: int | str) -> UserView:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            return auth.user_view(self._own_or_admin(r, act, user, "look up their own account"))

    @staticmethod
    def _own_or_admin(r: Repos, act: Actor, user: int | str, doing: str) -> User:
        """The named account, if the actor is an admin (or the command line) or that account itself."""
        u = r.users.find(str(user))
        if u is None:
            raise NotFound(f"no user {user}")
        if not (isinstance(act, SystemActor) or act.role == "admin" or act.id == u.id):
            raise AccessDenied(f"{act.username} may only {doing}")
        return u

    def disable_user(self, actor: Actor, user: int | str) -> UserView:
        return self._set_disabled(actor, user, True)

    def enable_user(self, actor: Actor, user: int | str) -> UserView:
        """Re-enable an account (also clears a login lock)."""
        return self._set_disabled(actor, user, False)

    def _set_disabled(self, actor: Actor, user: int | str, disabled: bool) -> UserView:
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "admin", doing="disable or enable users")
            u = r.users.find(str(user))
            if u is None:
                raise NotFound(f"no user {user}")
            if disabled and not isinstance(act, SystemActor) and act.id == u.id:
                raise WorkflowError("you cannot disable your own account")
            before = self._user_state(auth.user_view(u))
            u.disabled = disabled
            if not disabled:
                u.locked_until = None
            s.flush()
            view = auth.user_view(u)
            self._audit(
                r,
                act,
                t,
                "user.disable" if disabled else "user.enable",
                "user",
                u.id,
                organisation_id=u.organisation_id,
                before=before,
                after=self._user_state(view),
            )
            return view

    def set_password(self, actor: Actor, user: int | str, new_password: str) -> None:
        """Admins may set anyone's password; other users only their own."""
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            u = self._own_or_admin(r, act, user, "change their own password")
            try:
                auth.check_password_strength(new_password, username=u.username)
            except ValueError as e:
                raise WorkflowError(str(e)) from None
            u.password_hash = auth.hash_password(new_password)
            u.locked_until = None
            self._audit(
                r,
                act,
                t,
                "user.password",
                "user",
                u.id,
                organisation_id=u.organisation_id,
                detail="password changed",
            )

    @staticmethod
    def _user_state(v: UserView) -> dict[str, Any]:
        return {
            "username": v.username,
            "role": v.role,
            "email": v.email,
            "organisation_id": v.organisation_id,
            "disabled": v.disabled,
            "has_password": v.has_password,
        }

    # ================================================================ organisations

    def list_organisations(self, actor: Actor) -> list[OrganisationView]:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            return [
                OrganisationView(o.id, o.name, o.slug, o.kind)
                for o in r.orgs.list(auth.organisation_scope(act))
            ]

    def create_organisation(self, actor: Actor, name: str, *, kind: str = "vendor") -> OrganisationView:
        t = self._now()
        name = _clean_text(name, "an organisation's name")[:300]
        if kind not in ("vendor", "nhs"):
            raise WorkflowError("kind must be vendor or nhs")
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "assessor", "admin", doing="create organisations")
            if r.orgs.by_name(name) is not None:
                raise WorkflowError(f"an organisation called {name} already exists")
            o = r.orgs.add(name, kind=kind, now=t)
            self._audit(
                r,
                act,
                t,
                "organisation.create",
                "organisation",
                o.id,
                organisation_id=o.id,
                after={"name": o.name, "slug": o.slug, "kind": o.kind},
            )
            return OrganisationView(o.id, o.name, o.slug, o.kind)

    # ================================================================ products and submissions

    def list_products(self, actor: Actor) -> list[ProductSummary]:
        """Products the user may see (a vendor: its own organisation's), each with its latest result."""
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            products = r.products.list(auth.organisation_scope(act))
            heads = [
                a for p in products for v in p.versions for sub in v.submissions for a in sub.assessments
            ]
            summaries = self._summaries(r, heads)
            return [self._product_summary(p, summaries) for p in products]

    def get_product(self, actor: Actor, product_id: int) -> ProductDetail:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            p = r.products.get(product_id)
            auth.require_organisation(act, p.organisation_id, doing=f"read product {product_id}")
            heads = [a for v in p.versions for sub in v.submissions for a in sub.assessments]
            summaries = self._summaries(r, heads)
            base = self._product_summary(p, summaries)
            versions = tuple(
                VersionView(
                    v.id, v.version, tuple(self._submission_summary(sub, summaries) for sub in v.submissions)
                )
                for v in p.versions
            )
            return ProductDetail(
                **{f: getattr(base, f) for f in base.__dataclass_fields__}, version_details=versions
            )

    def get_submission(self, actor: Actor, submission_id: int) -> SubmissionView:
        """The vendor's file exactly as received, with its SHA-256."""
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            sub = r.submissions.get(submission_id)
            p = sub.product_version.product
            auth.require_organisation(act, p.organisation_id, doing=f"read submission {submission_id}")
            received_by = _label(s.get(User, sub.received_by_id)) if sub.received_by_id else ""
            return SubmissionView(
                id=sub.id,
                product_id=p.id,
                product_name=p.name,
                version=sub.product_version.version,
                organisation_id=p.organisation_id,
                filename=sub.filename,
                sha256=sub.sha256,
                size=sub.size,
                content=sub.content,
                criteria_set=sub.criteria_set,
                profile=sub.profile,
                submitted_on=sub.submitted_on,
                received_at=sub.received_at,
                received_by=received_by,
            )

    def submit(
        self,
        actor: Actor,
        file: str | bytes,
        filename: str,
        *,
        organisation_id: int | None = None,
        as_of: dt.date | None = None,
        profile: str | None = None,
        comment: str = "",
    ) -> AssessmentView:
        """Store a submission file as received, assess it, and store the assessment (revision 1).

        A vendor submits for its own organisation (``organisation_id`` None or its own). An
        assessor or admin names the vendor organisation, or leaves it None to file the product under
        an organisation named after the submission's manufacturer (created if needed).
        Bad files raise :class:`dtac_app.errors.InputError` and nothing is stored."""
        raw = file.encode("utf-8") if isinstance(file, str) else bytes(file)
        name = Path(filename or "submission.yaml").name[:500]
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise InputError(
                name,
                "",
                f"file is {len(raw) / 1_048_576:.1f} MB; the limit is {MAX_DOCUMENT_BYTES / 1_048_576:.0f} MB",
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(name, f"byte {e.start}", "file is not UTF-8 text") from None
        if profile is not None and profile not in ("dtac", "nice-lbp"):
            raise InputError(name, "profile", f"'{profile}' is not a profile; use dtac or nice-lbp")
        t = self._now()
        day = as_of or t.date()
        cat = self.catalogue
        sub, result = assess_text(text, name=name, as_of=day, profile=profile, catalogue=cat)
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            # Which organisation?
            if isinstance(act, UserView) and act.role == "vendor":
                if organisation_id is not None and organisation_id != act.organisation_id:
                    raise AccessDenied(f"{act.username} may only submit for their own organisation")
                org = r.orgs.get(act.organisation_id or 0)
            elif organisation_id is not None:
                org = r.orgs.get(organisation_id)
            else:
                found = r.orgs.by_name(sub.product.manufacturer)
                if found is None:
                    found = r.orgs.add(sub.product.manufacturer, kind="vendor", now=t)
                    self._audit(
                        r,
                        act,
                        t,
                        "organisation.create",
                        "organisation",
                        found.id,
                        organisation_id=found.id,
                        after={"name": found.name, "slug": found.slug, "kind": found.kind},
                    )
                org = found
            product = r.products.find(org.id, sub.product.name)
            if product is None:
                product = r.products.add(org.id, sub.product.name, sub.product.manufacturer, now=t, by=act.id)
                self._audit(
                    r,
                    act,
                    t,
                    "product.create",
                    "product",
                    product.id,
                    organisation_id=org.id,
                    product_id=product.id,
                    after={"name": product.name, "manufacturer": product.manufacturer},
                )
            version, created = r.products.version(product, sub.product.version, now=t)
            if created:
                self._audit(
                    r,
                    act,
                    t,
                    "version.create",
                    "product_version",
                    version.id,
                    organisation_id=org.id,
                    product_id=product.id,
                    after={"version": version.version},
                )
            row = r.submissions.add(
                Submission(
                    product_version_id=version.id,
                    filename=name,
                    content=raw,
                    sha256=hashlib.sha256(raw).hexdigest(),
                    size=len(raw),
                    criteria_set=sub.criteria,
                    profile=sub.profile,
                    submitted_on=sub.submitted_on,
                    received_at=t,
                    received_by_id=act.id,
                )
            )
            self._audit(
                r,
                act,
                t,
                "submission.create",
                "submission",
                row.id,
                organisation_id=org.id,
                product_id=product.id,
                after={"filename": name, "sha256": row.sha256, "size": row.size, "version": version.version},
            )
            a = self._create_assessment(
                r, act, row, result, day, t, comment=comment, product_id=product.id, organisation_id=org.id
            )
            a_id = a.id
        return self.get_assessment(actor, a_id, revision=1)

    def assess_submission(
        self,
        actor: Actor,
        submission_id: int,
        *,
        as_of: dt.date | None = None,
        profile: str | None = None,
        comment: str = "",
    ) -> AssessmentView:
        """A new assessment of a stored submission (e.g. on a later date or under another profile)."""
        t = self._now()
        day = as_of or t.date()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            row = r.submissions.get(submission_id)
            product = row.product_version.product
            auth.require_organisation(
                act, product.organisation_id, doing=f"assess submission {submission_id}"
            )
            prof = profile or row.profile
            _, result = assess_text(
                row.content.decode("utf-8-sig"),
                name=row.filename,
                as_of=day,
                profile=prof,
                catalogue=self.catalogue,
            )
            a = self._create_assessment(
                r,
                act,
                row,
                result,
                day,
                t,
                comment=comment,
                product_id=product.id,
                organisation_id=product.organisation_id,
            )
            a_id = a.id
        return self.get_assessment(actor, a_id, revision=1)

    def _create_assessment(
        self,
        r: Repos,
        act: Actor,
        row: Submission,
        result: Assessment,
        day: dt.date,
        t: dt.datetime,
        *,
        comment: str,
        product_id: int,
        organisation_id: int,
    ) -> AssessmentRow:
        digest = criteria_digest(result.criteria.hashes)
        a = r.assessments.add(
            AssessmentRow(
                submission_id=row.id,
                criteria_set=result.criteria.set,
                criteria_hash=digest,
                criteria_hashes=dict(result.criteria.hashes),
                profile=result.profile,
                as_of=day,
                current_revision=1,
                created_at=t,
                created_by_id=act.id,
                updated_at=t,
            )
        )
        r.assessments.add_revision(
            AssessmentRevision(
                assessment_id=a.id,
                number=1,
                created_at=t,
                created_by_id=act.id,
                comment=comment.strip()[:MAX_TEXT],
                decision=result.decision,
                valid_until=result.valid_until,
                engine_version=result.engine_version,
                criteria_hash=digest,
                result=result.model_dump(mode="json", by_alias=True),
            )
        )
        self._audit(
            r,
            act,
            t,
            "assessment.create",
            "assessment",
            a.id,
            organisation_id=organisation_id,
            product_id=product_id,
            after={
                "revision": 1,
                "submission_id": row.id,
                "criteria_set": a.criteria_set,
                "criteria_hash": digest,
                "profile": a.profile,
                "as_of": day.isoformat(),
                "decision": result.decision,
            },
        )
        return a

    # ================================================================ assessments and reviews

    def get_assessment(
        self, actor: Actor, assessment_id: int, *, revision: int | None = None
    ) -> AssessmentView:
        """The current revision (or any earlier one) with its result, overrides and sign-offs."""
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            a = r.assessments.get(assessment_id)
            product = a.submission.product_version.product
            auth.require_organisation(act, product.organisation_id, doing=f"read assessment {assessment_id}")
            rev = r.assessments.revision(a.id, revision or a.current_revision)
            return self._assessment_view(r, a, rev)

    def current_results(
        self, actor: Actor, assessment_ids: list[int]
    ) -> dict[int, tuple[int, dict[str, Any]]]:
        """For many assessments at once: ``{id: (current revision, result as JSON data)}``.

        One query for the portfolio and calendar instead of one per product. Assessments the
        actor may not see are left out (a vendor gets only its own organisation's)."""
        if not assessment_ids:
            return {}
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            scope = auth.organisation_scope(act)
            q = (
                select(AssessmentRow.id, AssessmentRevision.number, AssessmentRevision.result)
                .join(AssessmentRevision, AssessmentRevision.assessment_id == AssessmentRow.id)
                .join(Submission, Submission.id == AssessmentRow.submission_id)
                .join(ProductVersion, ProductVersion.id == Submission.product_version_id)
                .join(Product, Product.id == ProductVersion.product_id)
                .where(
                    AssessmentRow.id.in_(assessment_ids),
                    AssessmentRevision.number == AssessmentRow.current_revision,
                )
            )
            if scope is not None:
                q = q.where(Product.organisation_id == scope)
            return {row.id: (row.number, row.result) for row in r.s.execute(q)}

    def list_revisions(self, actor: Actor, assessment_id: int) -> list[RevisionSummary]:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            a = r.assessments.get(assessment_id)
            auth.require_organisation(
                act,
                a.submission.product_version.product.organisation_id,
                doing=f"read assessment {assessment_id}",
            )
            out = []
            for rev in r.assessments.revisions(a.id):
                signs = {so.section: so for so in rev.sign_offs}
                whole = signs.pop(WHOLE_ASSESSMENT, None)
                out.append(
                    RevisionSummary(
                        number=rev.number,
                        created_at=rev.created_at,
                        created_by=self._user_label(r, rev.created_by_id),
                        comment=rev.comment,
                        decision=rev.decision,
                        valid_until=rev.valid_until,
                        criteria_hash=rev.criteria_hash,
                        overrides=len(rev.overrides),
                        verified=sum(1 for m in rev.provenance if m.status == "verified"),
                        sections_signed=tuple(sorted(signs)),
                        signed_off=SignOffView(whole.section, whole.by_label, whole.at, whole.note)
                        if whole
                        else None,
                    )
                )
            return out

    def save_review(
        self,
        actor: Actor,
        assessment_id: int,
        expected_revision: int,
        *,
        overrides: Mapping[str, Override],
        verifications: Mapping[str, Verification],
        comment: str = "",
    ) -> AssessmentView:
        """Save an assessor's review as a new revision: the complete set of overrides and
        verifications (questions left out have none). Re-runs the engine with them.

        ``expected_revision`` is the revision the assessor was looking at; if another save came
        first, :class:`ConcurrentChangeError` is raised and nothing is written. Saving after
        sign-off is allowed and makes a new, unsigned revision (the signed one is kept as it was)."""
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "assessor", "admin", doing="review assessments")
            a = r.assessments.get(assessment_id)
            product = a.submission.product_version.product
            auth.require_organisation(
                act, product.organisation_id, doing=f"review assessment {assessment_id}"
            )
            if a.current_revision != expected_revision:
                raise self._conflict(r, a, expected_revision)
            prev = r.assessments.revision(a.id, expected_revision)
            prev_result = Assessment.model_validate(prev.result)
            self._check_questions(prev_result, overrides, "override")
            self._check_questions(prev_result, verifications, "verification")
            label = auth.actor_label(act)
            old_ov = {o.question_id: o for o in prev.overrides}
            old_ver = {m.question_id: m for m in prev.provenance if m.status == "verified"}
            new_ov: dict[str, Override] = {}
            for qid, ov in sorted(overrides.items()):
                ov = Override.model_validate(ov) if not isinstance(ov, Override) else ov
                o = old_ov.get(qid)
                if o is not None and o.outcome == ov.outcome and o.rationale == ov.rationale:
                    new_ov[qid] = Override(
                        outcome=ov.outcome, rationale=ov.rationale, by=o.by_label, on=o.on_date
                    )
                else:
                    new_ov[qid] = Override(outcome=ov.outcome, rationale=ov.rationale, by=label, on=t.date())
            new_ver: dict[str, Verification] = {}
            for qid, ver in sorted(verifications.items()):
                ver = Verification.model_validate(ver) if not isinstance(ver, Verification) else ver
                m = old_ver.get(qid)
                if m is not None and m.checked == ver.checked.strip():
                    new_ver[qid] = Verification(checked=m.checked, by=m.by_label, on=m.on_date)
                else:
                    new_ver[qid] = Verification(checked=ver.checked.strip(), by=label, on=t.date())
            result = self._evaluate(a, new_ov, new_ver)
            number = expected_revision + 1
            if not r.assessments.advance(a.id, expected_revision, number, t):
                raise self._conflict(r, a, expected_revision)
            digest = criteria_digest(result.criteria.hashes)
            rev = r.assessments.add_revision(
                AssessmentRevision(
                    assessment_id=a.id,
                    number=number,
                    created_at=t,
                    created_by_id=act.id,
                    comment=comment.strip()[:MAX_TEXT],
                    decision=result.decision,
                    valid_until=result.valid_until,
                    engine_version=result.engine_version,
                    criteria_hash=digest,
                    result=result.model_dump(mode="json", by_alias=True),
                )
            )
            user_ids = {label: act.id}
            for qid, ov in new_ov.items():
                r.s.add(
                    OverrideRow(
                        revision_id=rev.id,
                        question_id=qid,
                        outcome=ov.outcome,
                        rationale=ov.rationale,
                        by_id=user_ids.get(ov.by, old_ov[qid].by_id if qid in old_ov else None),
                        by_label=ov.by,
                        on_date=ov.on,
                    )
                )
            for qid, ver in new_ver.items():
                r.s.add(
                    ProvenanceMark(
                        revision_id=rev.id,
                        question_id=qid,
                        status="verified",
                        checked=ver.checked,
                        by_id=user_ids.get(ver.by, old_ver[qid].by_id if qid in old_ver else None),
                        by_label=ver.by,
                        on_date=ver.on,
                    )
                )
            s.flush()
            was_signed = expected_revision in r.assessments.signed_revisions(a.id)
            before = self._review_state(
                prev.decision,
                expected_revision,
                {q: (o.outcome, o.rationale) for q, o in old_ov.items()},
                {q: m.checked for q, m in old_ver.items()},
            )
            after = self._review_state(
                result.decision,
                number,
                {q: (o.outcome, o.rationale) for q, o in new_ov.items()},
                {q: v.checked for q, v in new_ver.items()},
            )
            changes = self._describe_changes(before, after)
            if was_signed:
                changes += f"; revision {expected_revision} was signed off and stays as it was: revision {number} needs its own sign-off"
            self._audit(
                r,
                act,
                t,
                "assessment.save",
                "assessment",
                a.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                before=before,
                after=after,
                detail=changes,
            )
        return self.get_assessment(actor, assessment_id, revision=number)

    def sign_off_section(
        self, actor: Actor, assessment_id: int, expected_revision: int, section: str, *, note: str = ""
    ) -> AssessmentView:
        """Sign off one section (C1 … D1) of the current revision."""
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "assessor", "admin", doing="sign off")
            a, rev, product = self._lock_current(r, act, assessment_id, expected_revision, t)
            result = Assessment.model_validate(rev.result)
            sections = self._sections(result)
            sec = section.strip().upper()
            if sec not in sections:
                raise WorkflowError(
                    f"{section}: not a section of this assessment (sections: {', '.join(sections)})"
                )
            signs = {so.section: so for so in rev.sign_offs}
            if WHOLE_ASSESSMENT in signs:
                w = signs[WHOLE_ASSESSMENT]
                raise SignedOffError(
                    f"revision {rev.number} was signed off by {w.by_label} on {w.at:%Y-%m-%d} and cannot change"
                )
            if sec in signs:
                raise WorkflowError(
                    f"section {sec} of revision {rev.number} is already signed off by {signs[sec].by_label}"
                )
            self._add_sign_off(r, rev, sec, act, t, note)
            self._audit(
                r,
                act,
                t,
                "assessment.section_sign_off",
                "assessment",
                a.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                after={"revision": rev.number, "section": sec, "note": note.strip()},
                detail=f"section {sec} of revision {rev.number} signed off",
            )
        return self.get_assessment(actor, assessment_id, revision=expected_revision)

    def sign_off(
        self, actor: Actor, assessment_id: int, expected_revision: int, *, note: str = ""
    ) -> AssessmentView:
        """Sign off the whole current revision; every section must be signed off first. A
        signed-off revision never changes; a later save makes a new revision needing its own sign-off."""
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "assessor", "admin", doing="sign off")
            a, rev, product = self._lock_current(r, act, assessment_id, expected_revision, t)
            signs = {so.section: so for so in rev.sign_offs}
            if WHOLE_ASSESSMENT in signs:
                w = signs[WHOLE_ASSESSMENT]
                raise SignedOffError(
                    f"revision {rev.number} is already signed off by {w.by_label} on {w.at:%Y-%m-%d}"
                )
            missing = [
                sec for sec in self._sections(Assessment.model_validate(rev.result)) if sec not in signs
            ]
            if missing:
                raise WorkflowError(
                    f"sign off every section first: {', '.join(missing)} not signed off in revision {rev.number}"
                )
            self._add_sign_off(r, rev, WHOLE_ASSESSMENT, act, t, note)
            self._audit(
                r,
                act,
                t,
                "assessment.sign_off",
                "assessment",
                a.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                after={"revision": rev.number, "decision": rev.decision, "note": note.strip()},
                detail=f"revision {rev.number} signed off: {DECISION_LABELS.get(rev.decision, rev.decision)}",
            )  # type: ignore[call-overload]
        return self.get_assessment(actor, assessment_id, revision=expected_revision)

    def _lock_current(
        self, r: Repos, act: Actor, assessment_id: int, expected: int, t: dt.datetime
    ) -> tuple[AssessmentRow, AssessmentRevision, Any]:
        a = r.assessments.get(assessment_id)
        product = a.submission.product_version.product
        auth.require_organisation(act, product.organisation_id, doing=f"sign off assessment {assessment_id}")
        if a.current_revision != expected:
            raise self._conflict(r, a, expected)
        # Touch the head row: serialises with concurrent saves (row lock on PostgreSQL).
        if not r.assessments.advance(a.id, expected, expected, t):
            raise self._conflict(r, a, expected)
        return a, r.assessments.revision(a.id, expected), product

    def _add_sign_off(
        self, r: Repos, rev: AssessmentRevision, section: str, act: Actor, t: dt.datetime, note: str
    ) -> None:
        try:
            with r.s.begin_nested():
                r.s.add(
                    SignOff(
                        revision_id=rev.id,
                        section=section,
                        by_id=act.id,
                        by_label=auth.actor_label(act),
                        at=t,
                        note=note.strip()[:MAX_TEXT],
                    )
                )
        except IntegrityError:
            raise ConcurrentChangeError(
                f"someone else signed off {'revision' if section == WHOLE_ASSESSMENT else 'section ' + section} "
                f"of assessment {rev.assessment_id} revision {rev.number} at the same moment; reload to see it",
                assessment_id=rev.assessment_id,
                expected=rev.number,
                current=rev.number,
            ) from None

    # ================================================================ clarifications

    def request_clarification(
        self, actor: Actor, assessment_id: int, text: str, *, question_id: str | None = None
    ) -> ClarificationView:
        """Assessor asks the vendor something (about one question, or in general)."""
        t = self._now()
        body = _clean_text(text, "a clarification request")
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "assessor", "admin", doing="request clarifications")
            a = r.assessments.get(assessment_id)
            product = a.submission.product_version.product
            qid = question_id.strip() if question_id else None
            if qid:
                result = Assessment.model_validate(r.assessments.revision(a.id, a.current_revision).result)
                if result.question(qid) is None:
                    raise WorkflowError(f"{qid}: no such question in this assessment")
            c = r.clarifications.add(
                Clarification(
                    assessment_id=a.id,
                    revision_number=a.current_revision,
                    question_id=qid,
                    text=body,
                    status="open",
                    asked_by_id=act.id,
                    asked_by_label=auth.actor_label(act),
                    asked_at=t,
                )
            )
            self._audit(
                r,
                act,
                t,
                "clarification.request",
                "clarification",
                c.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                after={"assessment_id": a.id, "question_id": qid, "text": body, "status": "open"},
            )
            c_id = c.id
        return self._clarification(actor, c_id)

    def reply_clarification(self, actor: Actor, clarification_id: int, text: str) -> ClarificationView:
        """The vendor (or an assessor, following up) replies. A vendor's reply marks it answered."""
        t = self._now()
        body = _clean_text(text, "a reply")
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            c = r.clarifications.get(clarification_id)
            product = c.assessment.submission.product_version.product
            auth.require_organisation(
                act, product.organisation_id, doing=f"reply to clarification {clarification_id}"
            )
            if c.status == "closed":
                raise WorkflowError(f"clarification {clarification_id} is closed")
            before = c.status
            reply = r.clarifications.add_reply(
                ClarificationReply(
                    clarification_id=c.id,
                    text=body,
                    by_id=act.id,
                    by_label=auth.actor_label(act),
                    at=t,
                )
            )
            c.status = "answered" if act.role == "vendor" else "open"
            self._audit(
                r,
                act,
                t,
                "clarification.reply",
                "clarification",
                c.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                before={"status": before},
                after={"status": c.status, "reply_id": reply.id, "text": body},
            )
        return self._clarification(actor, clarification_id)

    def close_clarification(self, actor: Actor, clarification_id: int) -> ClarificationView:
        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "assessor", "admin", doing="close clarifications")
            c = r.clarifications.get(clarification_id)
            product = c.assessment.submission.product_version.product
            if c.status == "closed":
                raise WorkflowError(f"clarification {clarification_id} is already closed")
            before = c.status
            c.status, c.closed_at, c.closed_by_id = "closed", t, act.id
            self._audit(
                r,
                act,
                t,
                "clarification.close",
                "clarification",
                c.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                before={"status": before},
                after={"status": "closed"},
            )
        return self._clarification(actor, clarification_id)

    def list_clarifications(self, actor: Actor, assessment_id: int) -> list[ClarificationView]:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            a = r.assessments.get(assessment_id)
            auth.require_organisation(
                act,
                a.submission.product_version.product.organisation_id,
                doing=f"read assessment {assessment_id}",
            )
            return [self._clarification_view(c) for c in r.clarifications.for_assessment(a.id)]

    def _clarification(self, actor: Actor, clarification_id: int) -> ClarificationView:
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            c = r.clarifications.get(clarification_id)
            auth.require_organisation(
                act,
                c.assessment.submission.product_version.product.organisation_id,
                doing=f"read clarification {clarification_id}",
            )
            return self._clarification_view(c)

    @staticmethod
    def _clarification_view(c: Clarification) -> ClarificationView:
        return ClarificationView(
            id=c.id,
            assessment_id=c.assessment_id,
            revision_number=c.revision_number,
            question_id=c.question_id,
            text=c.text,
            status=c.status,
            asked_by=c.asked_by_label,
            asked_at=c.asked_at,
            closed_at=c.closed_at,
            replies=tuple(ReplyView(x.id, x.text, x.by_label, x.at) for x in c.replies),
        )

    # ================================================================ history and audit

    def history(self, actor: Actor, product_id: int) -> list[AuditView]:
        """Everything that happened to one product, oldest first."""
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            p = r.products.get(product_id)
            auth.require_organisation(
                act, p.organisation_id, doing=f"read the history of product {product_id}"
            )
            return [self._audit_view(e) for e in r.audit.query(product_id=p.id, limit=None, ascending=True)]

    def audit_trail(
        self,
        actor: Actor,
        *,
        organisation_id: int | None = None,
        product_id: int | None = None,
        entity_type: str | None = None,
        entity_id: object = None,
        action: str | None = None,
        limit: int = 500,
    ) -> list[AuditView]:
        """Audit entries, newest first. Vendors see only entries about their own organisation."""
        with self.db.read() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            scope = auth.organisation_scope(act)
            if scope is not None:
                if organisation_id is not None and organisation_id != scope:
                    raise AccessDenied(f"{act.username} may only read their own organisation's audit trail")
                organisation_id = scope
            if product_id is not None:
                auth.require_organisation(
                    act,
                    r.products.get(product_id).organisation_id,
                    doing=f"read the audit trail of product {product_id}",
                )
            rows = r.audit.query(
                organisation_id=organisation_id,
                product_id=product_id,
                entity_type=entity_type,
                entity_id=entity_id,
                action=action,
                limit=limit,
            )
            return [self._audit_view(e) for e in rows]

    @staticmethod
    def _audit_view(e: Any) -> AuditView:
        return AuditView(
            id=e.id,
            at=e.at,
            actor=e.actor,
            action=e.action,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            organisation_id=e.organisation_id,
            product_id=e.product_id,
            before=e.before,
            after=e.after,
            detail=e.detail,
            origin=e.origin,
        )

    # ================================================================ import / export / seed

    def export_product(self, actor: Actor, product_id: int) -> dict[str, Any]:
        """One product's whole history as a portable JSON-ready package (see ``store.portable``)."""
        from .store import portable

        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            p = r.products.get(product_id)
            auth.require_organisation(act, p.organisation_id, doing=f"export product {product_id}")
            package = portable.export_product(r, p, exported_at=t, exported_by=auth.actor_label(act))
            self._audit(
                r,
                act,
                t,
                "product.export",
                "product",
                p.id,
                organisation_id=p.organisation_id,
                product_id=p.id,
                detail=f"exported {portable.package_digest(package)[:16]}",
            )
            return package

    def import_product(self, actor: Actor, package: Mapping[str, Any]) -> ProductSummary:
        """Admin only. Recreates a product's history from an export package; refuses if the
        organisation already has a product of that name (:class:`ImportConflict`)."""
        from .store import portable

        t = self._now()
        with self.db.write() as s:
            r = Repos(s)
            act = auth.load_actor(r, actor)
            auth.require_role(act, "admin", doing="import products")
            p = portable.import_product(r, package, actor_label=auth.actor_label(act), actor_id=act.id, now=t)
            p_id = p.id
        products = [x for x in self.list_products(actor) if x.id == p_id]
        return products[0]

    def seed_examples(
        self,
        actor: Actor | str | Path = SYSTEM,
        directory: str | Path | None = None,
        *,
        as_of: dt.date | None = None,
    ) -> SeedReport:
        """Admin only. Load example submissions and default accounts for local use (idempotent):
        see :mod:`dtac_app.store.seed`. ``seed_examples(SYSTEM, dir)``; ``seed_examples(dir)`` is
        the same call from the local command line (the SYSTEM actor)."""
        from .store.seed import seed_examples

        who: Actor
        if isinstance(actor, str | Path):
            who, directory = SYSTEM, actor
        else:
            who = actor
        if directory is None:
            raise TypeError("seed_examples needs the examples directory")
        with self.db.read() as s:
            act = auth.load_actor(Repos(s), who)
            auth.require_role(act, "admin", doing="load example data")
        return seed_examples(self, Path(directory), as_of=as_of)

    # ================================================================ internals

    def _audit(
        self,
        r: Repos,
        act: Actor,
        t: dt.datetime,
        action: str,
        entity_type: str,
        entity_id: object,
        *,
        organisation_id: int | None = None,
        product_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str = "",
    ) -> None:
        r.audit.append(
            at=t,
            actor=auth.actor_label(act),
            actor_id=act.id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            organisation_id=organisation_id,
            product_id=product_id,
            before=before,
            after=after,
            detail=detail,
        )

    def _evaluate(
        self, a: AssessmentRow, overrides: Mapping[str, Override], verifications: Mapping[str, Verification]
    ) -> Assessment:
        sub = a.submission
        _, result = assess_text(
            sub.content.decode("utf-8-sig"),
            name=sub.filename,
            as_of=a.as_of,
            profile=a.profile,
            catalogue=self.catalogue,
            overrides=overrides,
            verifications=verifications,
        )
        if result.criteria.set != a.criteria_set:  # pragma: no cover - the stored file names its set
            raise WorkflowError(
                f"the submission now assesses under {result.criteria.set}, not {a.criteria_set}"
            )
        return result

    @staticmethod
    def _check_questions(result: Assessment, items: Mapping[str, object], what: str) -> None:
        for qid in items:
            q = result.question(qid)
            if q is None:
                raise WorkflowError(f"{what} for {qid}: no such question in this assessment")
            if not q.asked:
                raise WorkflowError(f"{what} for {qid}: the question is not asked with these answers")

    @staticmethod
    def _sections(result: Assessment) -> tuple[str, ...]:
        return tuple(sec.id for sec in result.sections if sec.role != "context")

    @staticmethod
    def _review_state(
        decision: str, revision: int, ov: dict[str, tuple[str, str]], ver: dict[str, str]
    ) -> dict[str, Any]:
        return {
            "revision": revision,
            "decision": decision,
            "overrides": {q: {"outcome": o, "rationale": why} for q, (o, why) in sorted(ov.items())},
            "verified": dict(sorted(ver.items())),
        }

    @staticmethod
    def _describe_changes(before: dict[str, Any], after: dict[str, Any]) -> str:
        parts = []
        bo, ao = before["overrides"], after["overrides"]
        for q in sorted(set(bo) | set(ao)):
            if q not in bo:
                parts.append(f"override {q} → {ao[q]['outcome']}")
            elif q not in ao:
                parts.append(f"override {q} removed")
            elif bo[q] != ao[q]:
                parts.append(f"override {q} {bo[q]['outcome']} → {ao[q]['outcome']}")
        bv, av = before["verified"], after["verified"]
        for q in sorted(set(bv) | set(av)):
            if q not in bv:
                parts.append(f"verified {q}")
            elif q not in av:
                parts.append(f"verification of {q} removed")
            elif bv[q] != av[q]:
                parts.append(f"verification of {q} changed")
        if before["decision"] != after["decision"]:
            parts.append(f"decision {before['decision']} → {after['decision']}")
        return f"revision {before['revision']} → {after['revision']}: " + (
            "; ".join(parts) or "no changes to overrides or verifications"
        )

    def _conflict(self, r: Repos, a: AssessmentRow, expected: int) -> ConcurrentChangeError:
        current = (
            r.s.scalar(
                select(AssessmentRow.current_revision)
                .where(AssessmentRow.id == a.id)
                .execution_options(populate_existing=True)
            )
            or a.current_revision
        )
        who, when = "someone else", ""
        if current != expected:
            try:
                rev = r.assessments.revision(a.id, current)
                who = self._user_label(r, rev.created_by_id) or who
                when = f" at {rev.created_at:%Y-%m-%d %H:%M} UTC"
            except NotFound:  # pragma: no cover - the counter only moves with a revision
                pass
            msg = (
                f"Assessment {a.id} changed while you were editing it: you started from revision {expected}, "
                f"but {who} saved revision {current}{when}. Your changes were NOT saved. Reload the assessment "
                f"to see theirs, then apply yours again."
            )
        else:
            msg = (
                f"Assessment {a.id} was being changed by someone else at the same moment; your changes were NOT "
                f"saved. Reload the assessment and try again."
            )
        return ConcurrentChangeError(msg, assessment_id=a.id, expected=expected, current=current)

    @staticmethod
    def _user_label(r: Repos, user_id: int | None) -> str:
        if user_id is None:
            return "system"
        u = r.s.get(User, user_id)
        return u.username if u else f"user {user_id}"

    def _summaries(self, r: Repos, heads: list[AssessmentRow]) -> dict[int, AssessmentSummary]:
        if not heads:
            return {}
        ids = [a.id for a in heads]
        revs = r.s.execute(
            select(
                AssessmentRevision.assessment_id,
                AssessmentRevision.number,
                AssessmentRevision.decision,
                AssessmentRevision.valid_until,
            )
            .join(AssessmentRow, AssessmentRow.id == AssessmentRevision.assessment_id)
            .where(
                AssessmentRevision.assessment_id.in_(ids),
                AssessmentRevision.number == AssessmentRow.current_revision,
            )
        ).all()
        current = {row.assessment_id: row for row in revs}
        signed = r.s.execute(
            select(AssessmentRevision.assessment_id, AssessmentRevision.number)
            .join(SignOff, SignOff.revision_id == AssessmentRevision.id)
            .where(AssessmentRevision.assessment_id.in_(ids), SignOff.section == WHOLE_ASSESSMENT)
        ).all()
        signed_by: dict[int, set[int]] = {}
        for row in signed:
            signed_by.setdefault(row.assessment_id, set()).add(row.number)
        out = {}
        for a in heads:
            cur = current[a.id]
            out[a.id] = AssessmentSummary(
                id=a.id,
                submission_id=a.submission_id,
                criteria_set=a.criteria_set,
                criteria_hash=a.criteria_hash,
                profile=a.profile,
                as_of=a.as_of,
                current_revision=a.current_revision,
                decision=cur.decision,
                decision_label=DECISION_LABELS.get(cur.decision, cur.decision),
                valid_until=cur.valid_until,
                status=self._status(a.current_revision, signed_by.get(a.id, set())),
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
        return out

    @staticmethod
    def _status(current: int, signed: set[int] | list[int]) -> AssessmentStatus:
        if current in signed:
            return "signed_off"
        return "changed_after_sign_off" if signed else "in_review"

    def _product_summary(self, p: Any, summaries: dict[int, AssessmentSummary]) -> ProductSummary:
        latest: AssessmentSummary | None = None
        latest_version = p.versions[-1].version if p.versions else None
        for v in reversed(p.versions):
            cands = [summaries[a.id] for sub in v.submissions for a in sub.assessments]
            if cands:
                latest = max(cands, key=lambda x: (x.created_at, x.id))
                latest_version = v.version
                break
        return ProductSummary(
            id=p.id,
            name=p.name,
            manufacturer=p.manufacturer,
            organisation_id=p.organisation_id,
            organisation_name=p.organisation.name,
            versions=tuple(v.version for v in p.versions),
            latest=latest,
            latest_version=latest_version,
        )

    @staticmethod
    def _submission_summary(sub: Submission, summaries: dict[int, AssessmentSummary]) -> SubmissionSummary:
        return SubmissionSummary(
            id=sub.id,
            filename=sub.filename,
            sha256=sub.sha256,
            size=sub.size,
            criteria_set=sub.criteria_set,
            profile=sub.profile,
            submitted_on=sub.submitted_on,
            received_at=sub.received_at,
            received_by=_label(sub.received_by),
            assessments=tuple(summaries[a.id] for a in sub.assessments),
        )

    def _assessment_view(self, r: Repos, a: AssessmentRow, rev: AssessmentRevision) -> AssessmentView:
        product = a.submission.product_version.product
        result = Assessment.model_validate(rev.result)
        signs = {so.section: SignOffView(so.section, so.by_label, so.at, so.note) for so in rev.sign_offs}
        whole = signs.pop(WHOLE_ASSESSMENT, None)
        return AssessmentView(
            id=a.id,
            submission_id=a.submission_id,
            product_id=product.id,
            product_name=product.name,
            version=a.submission.product_version.version,
            organisation_id=product.organisation_id,
            organisation_name=product.organisation.name,
            criteria_set=a.criteria_set,
            criteria_hash=a.criteria_hash,
            profile=a.profile,
            as_of=a.as_of,
            current_revision=a.current_revision,
            revision=rev.number,
            created_at=rev.created_at,
            created_by=self._user_label(r, rev.created_by_id),
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
            sections_to_sign=self._sections(result),
            status=self._status(a.current_revision, r.assessments.signed_revisions(a.id)),
            open_clarifications=r.assessments.open_clarifications(a.id),
        )


def open_workflow(
    url: str | None = None, *, upgrade: bool = True, catalogue: Catalogue | None = None
) -> Workflow:
    """Open the configured database (creating/upgrading its schema) and return the service API.
    In Streamlit, hold the result in ``st.cache_resource``."""
    return Workflow(open_database(url, upgrade=upgrade), catalogue=catalogue)
