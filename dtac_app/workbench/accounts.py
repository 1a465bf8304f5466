"""Accounts and sign-in: local login, single sign-on mapping, and the admin's user management."""

from __future__ import annotations

import datetime as dt
import re

from dtac_app.store.errors import AccessDenied, NotFound, SignInThrottled, WorkflowError
from dtac_app.store.limits import checked, column_length, storable
from dtac_app.store.models import Organisation, User
from dtac_app.store.repo import Repos
from dtac_app.store.views import Actor, Role, SystemActor, UserView
from dtac_app.vocabulary import ROLES

from . import access, throttle
from .organisations import audit_new_organisation
from .sessions import revoke_user_sessions
from .unit import Unit, WorkbenchBase
from .views import user_state

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


def sign_in_name(typed: str) -> str:
    """The user name typed at sign-in, as it is looked up and recorded. A name no account can have
    (too long for the column, or holding control characters) is kept recognisable but made
    unmistakably not a user name (``\\x00`` escapes, cut with "…"), so the attempt fails, is
    counted and audited like any other, and the database is never handed what it cannot store."""
    name = typed.strip()
    if storable(name, User.username) and name.isprintable():
        return name
    shown = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in name)
    limit = column_length(User.username) or 100
    return shown[: limit - 1] + "…" if len(shown) > limit else shown


def _own_or_admin(u: Unit, user: int | str, doing: str) -> User:
    """The named account, if the actor is an admin (or the command line) or that account itself."""
    found = u.r.users.find(str(user))
    if found is None:
        raise NotFound(f"no user {user}")
    act = u.act
    if not (isinstance(act, SystemActor) or act.role == "admin" or act.id == found.id):
        raise AccessDenied(f"{act.username} may only {doing}")
    return found


def _check_password(password: str, username: str) -> None:
    try:
        access.check_password_strength(password, username=username)
    except ValueError as e:
        raise WorkflowError(str(e)) from None


class Accounts(WorkbenchBase):
    def login(
        self, username: str, password: str, *, address: str | None = None, now: dt.datetime | None = None
    ) -> UserView:
        """Local sign-in from the client ``address`` (None: unknown, e.g. the command line).

        Raises :class:`LoginFailed` with the same words for an unknown name and a wrong password, or
        :class:`SignInThrottled` (refused without checking the password) while the name or the
        address must wait after failed attempts (:mod:`.throttle`). Every attempt is audited."""
        t = self._now(now)
        name = throttle.account_key(sign_in_name(username))
        addr = throttle.address_key(address)
        # 1. Reserve the attempt; committed before any password is checked, so simultaneous
        #    attempts cannot all see the same count.
        with self._repos(write=True) as r:
            slot = throttle.reserve(r, name, addr, t)
            u = r.users.by_username(name)
            checked_hash = u.password_hash if u else None
            if slot.refused_until is not None:
                access.audit_sign_in(
                    r, u, name, addr, t, "login.refused", "too many attempts", retry_at=slot.refused_until
                )
        if slot.refused_until is not None:
            raise SignInThrottled(
                f"Too many sign-in attempts. Try again in {throttle.wait_words(slot.refused_until - t)}.",
                slot.refused_until,
            )
        # 2. Check the password outside any transaction (argon2 is slow on purpose); an unknown
        #    name is checked against a dummy hash, so it takes as long as a wrong password.
        ok = access.verify_password(checked_hash, password)
        # 3. Record the outcome.
        wait = throttle.wait_words(slot.wait_until - t) if slot.wait_until is not None else None
        with self._repos(write=True) as r:
            user, error = access.finish_sign_in(r, name, addr, checked_hash, ok, password, t, wait)
            if user is not None:
                throttle.release(r, slot, t)
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
        with self._repos(write=True) as r:
            u = _linked_account(r, email_n, subject_n, t)
            if u is None or u.disabled:
                access.audit_account(
                    r,
                    t,
                    u,
                    "login.failure",
                    actor=email_n or subject_n or "(unknown)",
                    detail="single sign-on: " + ("account disabled" if u else "no matching account"),
                )
                return None
            access.audit_account(r, t, u, "login.success", detail="single sign-on")
            return access.user_view(u)

    def refresh_user(self, actor: UserView) -> UserView:
        """The acting user as the database has it now (raises AccessDenied if disabled)."""
        with self._unit(actor) as u:
            v = u.act
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
        if role not in ROLES:
            raise WorkflowError(f"unknown role '{role}'; use vendor, assessor or admin")
        username = username.strip()
        if not USERNAME_RE.match(username):
            raise WorkflowError(
                "a user name is 2–100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"
            )
        if password is not None:
            _check_password(password, username)
        display_name = checked(display_name, User.display_name, "display name")
        email_n = checked(email, User.email, "e-mail").lower() or None
        org_key = (
            organisation
            if isinstance(organisation, int)
            else checked(organisation, Organisation.name, "organisation")
        )
        with self._unit(actor, write=True) as u:
            r = u.r
            access.require_role(u.act, "admin", doing="add users")
            if r.users.by_username(username) is not None:
                raise WorkflowError(f"a user called {username} already exists")
            if email_n and r.users.by_email(email_n) is not None:
                raise WorkflowError(f"another user already has the e-mail address {email_n}")
            org_id = None
            if isinstance(org_key, int) or org_key:
                org = r.orgs.get(org_key) if isinstance(org_key, int) else r.orgs.find(org_key)
                if org is None:
                    assert isinstance(org_key, str)
                    kind = "vendor" if role == "vendor" else "nhs"
                    org, created = r.orgs.get_or_add(org_key, kind=kind, now=u.t)
                    if created:
                        audit_new_organisation(u, org)
                org_id = org.id
            if role == "vendor" and org_id is None:
                raise WorkflowError("a vendor user needs an organisation (--org)")
            row = r.users.add(
                User(
                    username=username,
                    display_name=display_name,
                    email=email_n,
                    role=role,
                    organisation_id=org_id,
                    password_hash=access.hash_password(password) if password else None,
                    disabled=False,
                    created_at=u.t,
                )
            )
            u.s.refresh(row)
            view = access.user_view(row)
            u.audit("user.create", "user", row.id, organisation_id=org_id, after=user_state(view))
            return view

    def list_users(self, actor: Actor) -> list[UserView]:
        with self._unit(actor) as u:
            access.require_role(u.act, "admin", doing="list users")
            return [access.user_view(x) for x in u.r.users.list()]

    def get_user(self, actor: Actor, user: int | str) -> UserView:
        with self._unit(actor) as u:
            return access.user_view(_own_or_admin(u, user, "look up their own account"))

    def disable_user(self, actor: Actor, user: int | str) -> UserView:
        return self._set_disabled(actor, user, True)

    def enable_user(self, actor: Actor, user: int | str) -> UserView:
        """Re-enable an account (also forgets the failed sign-ins counted against its name)."""
        return self._set_disabled(actor, user, False)

    def _set_disabled(self, actor: Actor, user: int | str, disabled: bool) -> UserView:
        with self._unit(actor, write=True) as u:
            act = u.act
            access.require_role(act, "admin", doing="disable or enable users")
            row = u.r.users.find(str(user))
            if row is None:
                raise NotFound(f"no user {user}")
            if disabled and not isinstance(act, SystemActor) and act.id == row.id:
                raise WorkflowError("you cannot disable your own account")
            before = user_state(access.user_view(row))
            row.disabled = disabled
            if not disabled:
                u.r.throttles.clear_account(row.username)
            else:
                revoke_user_sessions(u.r, row.id, u.t, "account disabled")
            u.s.flush()
            view = access.user_view(row)
            u.audit(
                "user.disable" if disabled else "user.enable",
                "user",
                row.id,
                organisation_id=row.organisation_id,
                before=before,
                after=user_state(view),
            )
            return view

    def set_password(self, actor: Actor, user: int | str, new_password: str) -> None:
        """Admins may set anyone's password; other users only their own. Every session of the
        account ends (browsers signed in with the old password must sign in again)."""
        with self._unit(actor, write=True) as u:
            row = _own_or_admin(u, user, "change their own password")
            _check_password(new_password, row.username)
            row.password_hash = access.hash_password(new_password)
            u.r.throttles.clear_account(row.username)
            # Whoever signed in with the old password keeps no session (the user signs in again).
            revoke_user_sessions(u.r, row.id, u.t, "password changed")
            u.audit(
                "user.password",
                "user",
                row.id,
                organisation_id=row.organisation_id,
                detail="password changed",
            )


def _linked_account(r: Repos, email_n: str | None, subject_n: str | None, t: dt.datetime) -> User | None:
    """The account linked to ``subject_n``, else the unlinked one with that e-mail (linking it, audited)."""
    u = r.users.by_subject(subject_n) if subject_n else None
    if u is None and email_n:
        cand = r.users.by_email(email_n)
        if cand is not None and (cand.oidc_subject is None or cand.oidc_subject == subject_n):
            u = cand
            if subject_n and cand.oidc_subject is None:
                cand.oidc_subject = subject_n
                access.audit_account(
                    r,
                    t,
                    cand,
                    "user.sso_link",
                    before={"oidc_subject": None},
                    after={"oidc_subject": subject_n},
                    detail=f"linked to single sign-on identity {email_n}",
                )
    return u
