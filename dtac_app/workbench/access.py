"""Accounts and access: argon2 password hashing, sign-in checks, roles and
the access checks every service function applies.

Roles:

* ``vendor`` — sees and submits for its own organisation's products only; replies to
  clarification requests on them. Cannot review, override, sign off, import or manage users.
* ``assessor`` — sees every organisation; submits on a vendor's behalf, reviews (overrides,
  verifications), requests clarifications, signs off sections and assessments, exports.
* ``admin`` — everything an assessor can do, plus user management and import.

Failed sign-ins are throttled by :mod:`dtac_app.workbench.throttle` (increasing delays per client
address and per user name, never a lock-out). Every attempt (success, failure, refused while
throttled) is written to the audit log with the name tried and the client address.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dtac_app.store.errors import AccessDenied, LoginFailed, NotFoundOrNotYours
from dtac_app.store.models import User
from dtac_app.store.views import Actor, Role, SystemActor, UserView
from dtac_app.vocabulary import as_role

if TYPE_CHECKING:
    from dtac_app.store.repo import Repos

REVIEWERS: tuple[Role, ...] = ("assessor", "admin")
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


def not_found_or_not_yours(what: str, key: object) -> NotFoundOrNotYours:
    """The one error for a record that does not exist and one of an organisation the actor may not
    see: same type, same words, so ids reveal nothing about other organisations."""
    return NotFoundOrNotYours(f"{what} {key}: not found or not yours")


def require_visible(actor: Actor, organisation_id: int | None, what: str, key: object) -> None:
    """Refuse a record of another organisation exactly as if it did not exist."""
    if not can_see_organisation(actor, organisation_id):
        raise not_found_or_not_yours(what, key)


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


# ---- sign-in --------------------------------------------------------------------------------

WRONG_NAME_OR_PASSWORD = "The user name or password is not right."
ACCOUNT_DISABLED = "This account is disabled. Ask an administrator."


def audit_sign_in(
    r: Repos,
    u: User | None,
    name: str,
    address: str,
    now: dt.datetime,
    action: str,
    reason: str,
    retry_at: dt.datetime | None = None,
) -> None:
    """An audit entry for a sign-in attempt: the name tried and the client address, never the password."""
    after: dict[str, object] = {"address": address}
    if retry_at is not None:
        after["retry_at"] = retry_at.isoformat()
    audit_account(
        r, now, u, action, actor=name or "(blank)", after=after, detail=f"{reason} (from {address})"
    )


def audit_account(
    r: Repos,
    at: dt.datetime,
    account: User | UserView | None,
    action: str,
    *,
    actor: str | None = None,
    **entry: Any,
) -> None:
    """An audit entry about what happened to a user account itself (sign-in, single sign-on link,
    browser session): the account is the entity, and its user the actor unless ``actor`` names
    someone else (the name tried at a failed sign-in). ``entry``: before, after, detail."""
    r.audit.append(
        at=at,
        actor=actor if actor is not None else (account.username if account else ""),
        actor_id=account.id if account else None,
        action=action,
        entity_type="user",
        entity_id=account.id if account else None,
        organisation_id=account.organisation_id if account else None,
        **entry,
    )


def finish_sign_in(
    r: Repos,
    name: str,
    address: str,
    checked_hash: str | None,
    ok: bool,
    password: str,
    now: dt.datetime,
    wait: str | None = None,
) -> tuple[UserView | None, LoginFailed | None]:
    """Record a checked attempt: audit it, and on success upgrade an outdated hash.

    ``checked_hash`` is the hash the password was checked against; if the account's hash changed
    meanwhile, the attempt fails. ``wait`` (in words) is how long a failure makes the next attempt
    wait. Returns ``(user, None)`` or ``(None, error)``; the caller commits, then raises the error,
    so that a failure is recorded even though the sign-in is refused."""
    u = r.users.by_username(name)
    if ok and u is not None and checked_hash and u.password_hash == checked_hash:
        if u.disabled:
            audit_sign_in(r, u, name, address, now, "login.failure", "account disabled")
            return None, LoginFailed(ACCOUNT_DISABLED)
        if needs_rehash(checked_hash):
            u.password_hash = hash_password(password)
        audit_sign_in(r, u, name, address, now, "login.success", "password")
        return user_view(u), None
    audit_sign_in(
        r, u, name, address, now, "login.failure", "unknown user name" if u is None else "wrong password"
    )
    return None, LoginFailed(WRONG_NAME_OR_PASSWORD + (f" Wait {wait} before you try again." if wait else ""))
