"""Web sessions (issue 10, item 2): a sign-in kept across reloads, tabs and deep links in a signed
cookie with a server-side id; expiring, revocable by sign-out and by disabling the account.

The service, on SQLite and PostgreSQL; the browser side is tests/test_e2e_sessions.py.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from dtac_app.store.errors import AccessDenied
from dtac_app.workbench import sessions
from dtac_app.workbench.facade import SYSTEM, Workbench

T0 = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)
SECRET = "a-test-secret-of-more-than-thirty-two-characters"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DTAC_SESSION_SECRET", SECRET)
    monkeypatch.delenv("DTAC_SESSION_HOURS", raising=False)


def at(**kw: float) -> dt.datetime:
    return T0 + dt.timedelta(**kw)


@pytest.fixture
def carol(wf: Workbench) -> Workbench:
    wf.create_user(SYSTEM, "carol", role="assessor", password="carol-password-1")
    return wf


def signed_in_browser(wf: Workbench, now: dt.datetime = T0) -> tuple[int, str]:
    """Sign carol in through the form's path and claim the session: (session id, cookie value)."""
    user = wf.login("carol", "carol-password-1", now=now)
    grant = wf.begin_session(user, now=now)
    claimed = wf.claim_session(grant.handoff, now=now + dt.timedelta(seconds=1))
    assert claimed is not None
    token, expires = claimed
    assert expires == now + sessions.session_lifetime()
    return grant.id, sessions.sign_token(token)


def actions(wf: Workbench, action: str) -> int:
    return sum(1 for e in wf.audit_trail(SYSTEM) if e.action == action)


def test_a_cookie_resumes_the_session_and_reloads_write_no_logins(carol: Workbench) -> None:
    sid, cookie = signed_in_browser(carol)
    for minute in range(1, 30):  # reloads, new tabs, deep links: each a new Streamlit session
        found = carol.resume_session(cookie, now=at(minutes=minute))
        assert found is not None and found.id == sid and found.user.username == "carol"
    assert actions(carol, "login.success") == 1
    assert actions(carol, "session.start") == 1


def test_the_hand_over_code_works_once_and_only_briefly(carol: Workbench) -> None:
    user = carol.login("carol", "carol-password-1", now=T0)
    grant = carol.begin_session(user, now=T0)
    assert carol.claim_session(grant.handoff, now=at(minutes=1)) is not None
    assert carol.claim_session(grant.handoff, now=at(minutes=1)) is None  # spent
    late = carol.begin_session(user, now=T0)
    assert carol.claim_session(late.handoff, now=at(minutes=3)) is None  # stale
    assert carol.claim_session("not-a-code", now=T0) is None
    assert carol.session_claimed(grant.id) and not carol.session_claimed(late.id)


def test_an_expired_session_is_refused(carol: Workbench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DTAC_SESSION_HOURS", "2")
    sid, cookie = signed_in_browser(carol)
    assert carol.resume_session(cookie, now=at(hours=1, minutes=59)) is not None
    assert carol.resume_session(cookie, now=at(hours=2)) is None
    user = carol.get_user(SYSTEM, "carol")
    with pytest.raises(sessions.SessionEnded):
        carol.check_session(user, sid, now=at(hours=2))


def test_expiry_is_enforced_by_the_server_whatever_the_cookie_says(
    carol: Workbench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signature's timestamp is checked too, but the stored expiry decides: a row that has expired
    is refused even with a freshly signed cookie for its token."""
    user = carol.login("carol", "carol-password-1", now=T0)
    grant = carol.begin_session(user, now=T0)
    claimed = carol.claim_session(grant.handoff, now=T0)
    assert claimed is not None
    fresh_cookie = sessions.sign_token(claimed[0])  # signed now, not at T0
    assert carol.resume_session(fresh_cookie, now=at(hours=12)) is None


def test_sign_out_revokes_the_session(carol: Workbench) -> None:
    sid, cookie = signed_in_browser(carol)
    user = carol.get_user(SYSTEM, "carol")
    assert carol.end_session(user, sid, now=at(minutes=5))
    assert carol.resume_session(cookie, now=at(minutes=6)) is None
    with pytest.raises(sessions.SessionEnded):
        carol.check_session(user, sid, now=at(minutes=6))
    assert not carol.end_session(user, sid, now=at(minutes=7))  # once
    assert actions(carol, "session.end") == 1


def test_sign_out_from_the_cookie_alone(carol: Workbench) -> None:
    _sid, cookie = signed_in_browser(carol)
    assert carol.end_session_by_cookie(cookie, now=at(minutes=1))
    assert carol.resume_session(cookie, now=at(minutes=2)) is None


def test_disabling_a_user_revokes_their_sessions(carol: Workbench) -> None:
    now = dt.datetime.now(dt.UTC)  # disabling happens on the real clock
    _a, first = signed_in_browser(carol, now)
    _b, second = signed_in_browser(carol, now)
    assert carol.resume_session(first) is not None and carol.resume_session(second) is not None
    carol.disable_user(SYSTEM, "carol")
    assert carol.resume_session(first) is None and carol.resume_session(second) is None
    carol.enable_user(SYSTEM, "carol")
    assert carol.resume_session(first) is None, "re-enabling does not bring old sessions back"
    _c, third = signed_in_browser(carol, dt.datetime.now(dt.UTC))
    assert carol.resume_session(third) is not None


def test_a_disabled_account_cannot_claim_or_keep_a_session(carol: Workbench) -> None:
    user = carol.login("carol", "carol-password-1", now=T0)
    grant = carol.begin_session(user, now=T0)
    carol.disable_user(SYSTEM, "carol")
    assert carol.claim_session(grant.handoff, now=T0) is None
    with pytest.raises(AccessDenied):
        carol.begin_session(user, now=T0)


def test_one_user_cannot_end_another_users_session(carol: Workbench) -> None:
    sid, cookie = signed_in_browser(carol)
    dave = carol.create_user(SYSTEM, "dave", role="assessor", password="dave-password-1")
    assert not carol.end_session(dave, sid, now=at(minutes=1))
    with pytest.raises(sessions.SessionEnded):
        carol.check_session(dave, sid, now=at(minutes=1))
    assert carol.resume_session(cookie, now=at(minutes=2)) is not None


def test_a_new_sign_in_in_the_same_browser_replaces_the_old_session(carol: Workbench) -> None:
    _sid, old_cookie = signed_in_browser(carol)
    user = carol.get_user(SYSTEM, "carol")
    grant = carol.begin_session(user, now=at(minutes=1))
    old_token = sessions.unsign_cookie(old_cookie)
    assert carol.claim_session(grant.handoff, now=at(minutes=1), replacing=old_token) is not None
    assert carol.resume_session(old_cookie, now=at(minutes=2)) is None


def test_forged_and_tampered_cookies_are_refused(carol: Workbench) -> None:
    _sid, cookie = signed_in_browser(carol)
    token = sessions.unsign_cookie(cookie)
    assert token is not None
    other_key = sessions.sign_token(token, secret=b"another key that is long enough to sign with")
    # (The first character is changed: the last one of a base64 signature may carry only padding bits.)
    for bad in (token, other_key, ("A" if cookie[0] != "A" else "B") + cookie[1:], "", "x.y.z", None):
        assert carol.resume_session(bad, now=at(minutes=1)) is None, bad
    # A row inserted by someone who can write to the table but lacks the key gets nowhere either.
    assert carol.resume_session(token, now=at(minutes=1)) is None


def test_the_cookie_key_is_generated_once_into_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DTAC_SESSION_SECRET")
    monkeypatch.setenv("DTAC_DATA_DIR", str(tmp_path))
    key = sessions.cookie_secret()
    path = tmp_path / "keys" / "session-secret"
    assert path.exists() and len(key) >= 64
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sessions.cookie_secret() == key  # stable across restarts
    monkeypatch.setenv("DTAC_SESSION_SECRET", SECRET)
    assert sessions.cookie_secret() == SECRET.encode()  # the setting wins


def test_a_short_session_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from dtac_app.settings import Settings

    monkeypatch.setenv("DTAC_SESSION_SECRET", "too-short")
    with pytest.raises(ValidationError, match="session_secret"):
        Settings()


def test_a_new_password_ends_every_session_of_the_account(carol: Workbench) -> None:
    """Someone who learnt the old password and signed in keeps no session once it is changed."""
    now = dt.datetime.now(dt.UTC)  # the password change happens on the real clock
    _a, first = signed_in_browser(carol, now)
    _b, second = signed_in_browser(carol, now)
    carol.set_password(SYSTEM, "carol", "a-brand-new-password-2")
    assert carol.resume_session(first) is None and carol.resume_session(second) is None
    user = carol.login("carol", "a-brand-new-password-2", now=dt.datetime.now(dt.UTC))
    assert user.username == "carol"
