"""Accounts and access: argon2 password hashing, login with a failed-login rate limit, roles and
the access checks every service function applies.

Roles:

* ``vendor`` — sees and submits for its own organisation's products only; replies to
  clarification requests on them. Cannot review, override, sign off, import or manage users.
* ``assessor`` — sees every organisation; submits on a vendor's behalf, reviews (overrides,
  verifications), requests clarifications, signs off sections and assessments, exports.
* ``admin`` — everything an assessor can do, plus user management and import.

Rate limit: ``MAX_FAILURES`` failed logins for one user name within ``FAILURE_WINDOW`` lock the
account for ``LOCK_DURATION``. Every attempt (success, failure, refused while locked) is written to
the audit log. ``now`` is always a parameter, so the clock can be fixed in tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dtac_app.store.errors import AccessDenied, AccountLocked, LoginFailed
from dtac_app.store.models import User
from dtac_app.store.views import Actor, Role, SystemActor, UserView
from dtac_app.vocabulary import as_role

if TYPE_CHECKING:
    from dtac_app.store.repo import Repos

REVIEWERS: tuple[Role, ...] = ("assessor", "admin")
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_DURATION = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
_DUMMY_HASH: str | None = None


def set_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the password hasher (tests use a cheap profile); returns the previous one."""
    global _hasher, _DUMMY_HASH
    old, _hasher, _DUMMY_HASH = _hasher, hasher, None
    return old


def check_password_strength(password: str, *, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if username and password.strip().lower() == username.strip().lower():
        raise ValueError("the password must not be the user name")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time whether or not the account has a password (no user enumeration by timing)."""
    global _DUMMY_HASH
    if not password_hash:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash("dtac-dummy-password")
        password_hash = _DUMMY_HASH
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(password_hash, password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# ---- access checks --------------------------------------------------------------------------


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        allowed = " or ".join(roles)
        raise AccessDenied(f"{actor.username} ({actor.role}) may not {doing}: that needs the {allowed} role")


def can_see_organisation(actor: Actor, organisation_id: int | None) -> bool:
    if isinstance(actor, SystemActor) or actor.role in REVIEWERS:
        return True
    return organisation_id is not None and actor.organisation_id == organisation_id


def require_organisation(actor: Actor, organisation_id: int | None, *, doing: str) -> None:
    if not can_see_organisation(actor, organisation_id):
        raise AccessDenied(f"{actor.username} may not {doing}: it belongs to another organisation")


def organisation_scope(actor: Actor) -> int | None:
    """The only organisation a vendor may see; None means every organisation."""
    if isinstance(actor, SystemActor) or actor.role in REVIEWERS:
        return None
    if actor.organisation_id is None:  # pragma: no cover - a CHECK constraint forbids this
        raise AccessDenied(f"{actor.username} is a vendor without an organisation")
    return actor.organisation_id


def user_view(u: User) -> UserView:
    return UserView(
        id=u.id,
        username=u.username,
        role=as_role(u.role),
        display_name=u.display_name,
        email=u.email,
        organisation_id=u.organisation_id,
        organisation_name=u.organisation.name if u.organisation else None,
        disabled=u.disabled,
        has_password=bool(u.password_hash),
        sso_linked=bool(u.oidc_subject),
    )


def load_actor(r: Repos, actor: Actor) -> Actor:
    """Re-read the acting user from the database: a disabled or deleted account is refused and the
    role and organisation come from the database, not from whatever the caller holds."""
    if isinstance(actor, SystemActor):
        return actor
    if not isinstance(actor, UserView):
        raise AccessDenied("no acting user given")
    u = r.s.get(User, actor.id)
    if u is None or u.username != actor.username:
        raise AccessDenied("the acting user does not exist")
    if u.disabled:
        raise AccessDenied(f"the account {u.username} is disabled")
    return user_view(u)


def actor_label(actor: Actor) -> str:
    return actor.label if isinstance(actor, SystemActor) else actor.username


# ---- login ----------------------------------------------------------------------------------


def authenticate(
    r: Repos, username: str, password: str, now: dt.datetime
) -> tuple[UserView | None, LoginFailed | None]:
    """Check a password, apply the rate limit, record the attempt and audit it.

    Returns ``(user, None)`` on success or ``(None, error)``; the caller commits, then raises the
    error, so that the failure is recorded even though the login is refused."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    name = username.strip()
    u = r.users.by_username(name)

    def audit(action: str, detail: str, after: dict[str, object] | None = None) -> None:
        r.audit.append(
            at=now,
            actor=name or "(blank)",
            actor_id=u.id if u else None,
            action=action,
            entity_type="user",
            entity_id=u.id if u else None,
            organisation_id=u.organisation_id if u else None,
            after=after,
            detail=detail,
        )

    generic = LoginFailed("Wrong user name or password.")
    if u is not None and u.locked_until is not None and u.locked_until > now:
        audit("login.refused", f"account locked until {u.locked_until.isoformat()}")
        return None, AccountLocked(
            f"Too many failed logins: the account is locked until {u.locked_until:%H:%M} UTC. Try again later.",
            u.locked_until,
        )
    ok = verify_password(u.password_hash if u else None, password)
    if ok and u is not None and u.disabled:
        r.logins.add(name, u.id, now, False)
        audit("login.failure", "account disabled")
        return None, LoginFailed("This account is disabled. Ask an administrator.")
    if ok and u is not None:
        r.logins.add(name, u.id, now, True)
        if u.locked_until is not None or (u.password_hash and needs_rehash(u.password_hash)):
            if u.password_hash and needs_rehash(u.password_hash):
                u.password_hash = hash_password(password)
            u.locked_until = None
        audit("login.success", "password")
        return user_view(u), None
    r.logins.add(name, u.id if u else None, now, False)
    failures = r.logins.failures_since(name, now - FAILURE_WINDOW)
    audit(
        "login.failure",
        "unknown user name" if u is None else f"wrong password ({failures} in {FAILURE_WINDOW})",
    )
    if u is not None and failures >= MAX_FAILURES:
        u.locked_until = now + LOCK_DURATION
        audit(
            "login.locked",
            f"{failures} failed logins within {FAILURE_WINDOW}",
            after={"locked_until": u.locked_until.isoformat()},
        )
        return None, AccountLocked(
            f"Too many failed logins: the account is locked for {int(LOCK_DURATION.total_seconds() // 60)} minutes.",
            u.locked_until,
        )
    return None, generic
