"""Web sessions: a sign-in that survives a reload, a new tab or a deep link, and can be revoked.

How a browser gets one (the server side is :mod:`dtac_app.web`, started by ``dtac serve``):

1. The sign-in form checks the password (:meth:`Accounts.login`) and calls :meth:`begin_session`,
   which stores a session row with the SHA-256 of a one-time **hand-over code** (valid
   :data:`HANDOFF_TTL`) and returns the code to the page.
2. The page requests ``/dtac/session?code=…`` (a hidden image). That endpoint calls
   :meth:`claim_session`: the code is spent, a fresh 256-bit **token** is drawn, its SHA-256 is
   stored and the token goes to the browser only in the ``Set-Cookie`` header, signed
   (itsdangerous, with a timestamp) and ``HttpOnly; SameSite=Strict``. No page script ever sees
   the token. The claim is audited once (``session.start``).
3. Every new Streamlit session (reload, tab, deep link) reads the cookie and calls
   :meth:`resume_session`: the signature and its age, then the row (not revoked, not expired, the
   account not disabled). No login is audited for that.
4. Sign-out (:meth:`end_session`) and disabling the account (:func:`revoke_user_sessions`)
   set ``revoked_at``; the row stays (the app role may not delete). Expiry is
   ``created_at + DTAC_SESSION_HOURS``, checked here on the server, whatever the cookie says.

The cookie's signing key is ``DTAC_SESSION_SECRET``, else a random key generated once into
``DATA_DIR/keys/session-secret`` (mode 0600). The signature is a second lock: a token is only
honoured if its hash is in the table *and* it was signed with the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import select, update

from dtac_app.settings import get_settings
from dtac_app.store.errors import AccessDenied
from dtac_app.store.location import data_dir
from dtac_app.store.models import User, WebSession
from dtac_app.store.repo import Repos
from dtac_app.store.views import UserView
from dtac_app.vocabulary import SESSION_COOKIE_NAME

from . import access
from .unit import WorkbenchBase

COOKIE_NAME = SESSION_COOKIE_NAME
HANDOFF_TTL = dt.timedelta(minutes=2)
LAST_SEEN_EVERY = dt.timedelta(minutes=5)
"""``last_seen_at`` is written at most this often (a reload is a read, not a write, most times)."""
_SALT = "dtac-web-session"
_SECRET_FILE = "session-secret"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("ascii", "replace")).hexdigest()


def session_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=get_settings().session_hours)


def secret_path() -> Path:
    return data_dir() / "keys" / _SECRET_FILE


def cookie_secret() -> bytes:
    """``DTAC_SESSION_SECRET``, else the key in the data folder (created, 0600, on first use)."""
    configured = get_settings().session_secret
    if configured is not None:
        return configured.get_secret_value().encode()
    path = secret_path()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def _signer(secret: bytes | None = None) -> TimestampSigner:
    return TimestampSigner(secret if secret is not None else cookie_secret(), salt=_SALT)


def sign_token(token: str, *, secret: bytes | None = None) -> str:
    """The cookie value for ``token``."""
    return _signer(secret).sign(token).decode("ascii")


def unsign_cookie(value: str | None, *, secret: bytes | None = None) -> str | None:
    """The token in a cookie value, or None if it is missing, forged or older than the lifetime."""
    if not value:
        return None
    try:
        max_age = int(session_lifetime().total_seconds())
        return _signer(secret).unsign(value, max_age=max_age).decode("ascii")
    except (BadSignature, UnicodeError):
        return None


@dataclass(frozen=True)
class SessionGrant:
    """A session just begun: its row id and the one-time code the browser exchanges for the cookie."""

    id: int
    handoff: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Resumed:
    """A valid session and its user, as the database has them now."""

    id: int
    user: UserView
    expires_at: dt.datetime


def revoke_user_sessions(r: Repos, user_id: int, now: dt.datetime, reason: str) -> int:
    """Revoke every live session of a user (inside the caller's unit of work); returns how many."""
    result = r.s.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None), WebSession.expires_at > now)
        .values(revoked_at=now, revoked_reason=reason[:100])
    )
    return int(getattr(result, "rowcount", 0) or 0)


class SessionEnded(AccessDenied):
    """The tab's session was revoked (sign-out elsewhere, account disabled) or has expired."""


def _live(row: WebSession | None, now: dt.datetime) -> bool:
    return row is not None and row.revoked_at is None and row.expires_at > now


class Sessions(WorkbenchBase):
    """Begin, claim, resume and end web sessions (see the module docstring)."""

    def begin_session(self, user: UserView, *, now: dt.datetime | None = None) -> SessionGrant:
        """A new session for a user who has just proved who they are; the browser claims it with the code."""
        t = self._now(now)
        code = secrets.token_urlsafe(32)
        with self._unit(user, write=True) as u:
            row = WebSession(
                user_id=u.act.id,
                handoff_hash=_sha256(code),
                handoff_expires_at=t + HANDOFF_TTL,
                created_at=t,
                expires_at=t + session_lifetime(),
                revoked_reason="",
            )
            u.s.add(row)
            u.s.flush()
            return SessionGrant(row.id, code, row.expires_at)

    def claim_session(
        self, code: str, *, now: dt.datetime | None = None, replacing: str | None = None
    ) -> tuple[str, dt.datetime] | None:
        """Spend a hand-over code: returns ``(token, expires_at)`` for the cookie, or None if the code
        is unknown, spent, stale, or its session or account is no longer valid. ``replacing`` is the
        token of the cookie the browser held before, if any: that session is revoked."""
        t = self._now(now)
        if not code or len(code) > 200:
            return None
        with self._repos(write=True) as r:
            row = r.s.scalars(select(WebSession).where(WebSession.handoff_hash == _sha256(code))).first()
            if row is None or not _live(row, t):
                return None
            expires = row.handoff_expires_at
            row.handoff_hash = None  # spent, whatever happens next
            row.handoff_expires_at = None
            user = r.s.get(User, row.user_id)
            if expires is None or expires <= t or user is None or user.disabled:
                return None
            token = secrets.token_urlsafe(32)
            row.token_hash = _sha256(token)
            row.last_seen_at = t
            if replacing:
                old = r.s.scalars(
                    select(WebSession).where(WebSession.token_hash == _sha256(replacing))
                ).first()
                if old is not None and old.id != row.id and _live(old, t):
                    old.revoked_at, old.revoked_reason = t, "replaced by a new sign-in in the same browser"
            access.audit_account(
                r,
                t,
                user,
                "session.start",
                after={"session": row.id, "expires_at": row.expires_at.isoformat()},
                detail=f"browser session {row.id}, valid until {row.expires_at:%Y-%m-%d %H:%M} UTC",
            )
            return token, row.expires_at

    def resume_session(self, cookie: str | None, *, now: dt.datetime | None = None) -> Resumed | None:
        """The session a cookie value stands for, if it is valid now; None otherwise. Not audited."""
        t = self._now(now)
        token = unsign_cookie(cookie)
        if token is None:
            return None
        hashed = _sha256(token)
        with self._repos() as r:
            row = r.s.scalars(select(WebSession).where(WebSession.token_hash == hashed)).first()
            if row is None or not _live(row, t):
                return None
            user = r.s.get(User, row.user_id)
            if user is None or user.disabled or not hmac.compare_digest(row.token_hash or "", hashed):
                return None
            found = Resumed(row.id, access.user_view(user), row.expires_at)
            stale = row.last_seen_at is None or t - row.last_seen_at >= LAST_SEEN_EVERY
        if stale:
            with self._repos(write=True) as r:
                r.s.execute(update(WebSession).where(WebSession.id == found.id).values(last_seen_at=t))
        return found

    def check_session(self, actor: UserView, session_id: int, *, now: dt.datetime | None = None) -> UserView:
        """The acting user, if their session ``session_id`` is still valid (else AccessDenied): what an
        open tab checks on every run, so that a sign-out elsewhere or an expiry takes effect at once."""
        with self._unit(actor, now=now) as u:
            row = u.s.get(WebSession, session_id)
            if row is None or row.user_id != u.act.id or not _live(row, u.t):
                raise SessionEnded("the session has ended")
            v = u.act
        assert isinstance(v, UserView)
        return v

    def session_claimed(self, session_id: int) -> bool:
        """Whether the browser has exchanged the session's hand-over code for its cookie."""
        with self._repos() as r:
            row = r.s.get(WebSession, session_id)
            return row is not None and row.token_hash is not None

    def end_session(
        self, actor: UserView, session_id: int, *, reason: str = "signed out", now: dt.datetime | None = None
    ) -> bool:
        """Revoke one of the actor's sessions (sign-out), audited; False if it had already ended."""
        t = self._now(now)
        with self._repos(write=True) as r:
            row = r.s.get(WebSession, session_id)
            if row is None or row.user_id != actor.id or not _live(row, t):
                return False
            row.revoked_at, row.revoked_reason = t, reason[:100]
            access.audit_account(
                r,
                t,
                actor,
                "session.end",
                after={"session": row.id},
                detail=f"browser session {row.id}: {reason}",
            )
            return True

    def end_session_by_cookie(self, cookie: str | None, *, now: dt.datetime | None = None) -> bool:
        """Sign-out from the cookie alone (the ``/dtac/sign-out`` endpoint)."""
        found = self.resume_session(cookie, now=now)
        return found is not None and self.end_session(found.user, found.id, now=now)
