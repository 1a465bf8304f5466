"""Local accounts (argon2), failed-login rate limit, OIDC identity mapping, password rules."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Literal

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from dtac_app.store.errors import AccountLocked, LoginFailed, WorkflowError
from dtac_app.workbench import access as auth
from dtac_app.workbench.facade import SYSTEM, Workbench

T0 = dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def test_password_hashes_are_argon2id_and_salted() -> None:
    h1, h2 = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert h1.startswith("$argon2id$") and h1 != h2
    assert auth.verify_password(h1, "correct horse")
    assert not auth.verify_password(h1, "Correct horse")
    assert not auth.verify_password(None, "anything")
    assert not auth.verify_password("not a hash", "anything")


def test_password_rules() -> None:
    with pytest.raises(ValueError, match="at least"):
        auth.check_password_strength("short")
    with pytest.raises(ValueError, match="user name"):
        auth.check_password_strength("carol-smith", username="Carol-Smith")
    auth.check_password_strength("a reasonable passphrase")


@pytest.fixture
def carol(wf: Workbench) -> Workbench:
    wf.create_user(
        SYSTEM, "carol", role="assessor", password="carol-password-1", email="Carol@Example.NHS.uk"
    )
    return wf


def test_login_succeeds_with_the_right_password(carol: Workbench) -> None:
    me = carol.login("carol", "carol-password-1", now=T0)
    assert me.username == "carol" and me.role == "assessor" and me.has_password
    assert carol.audit_trail(SYSTEM, action="login.success")[0].actor == "carol"


def test_wrong_password_and_unknown_user_look_the_same(carol: Workbench) -> None:
    with pytest.raises(LoginFailed) as a:
        carol.login("carol", "nope-nope-nope", now=T0)
    with pytest.raises(LoginFailed) as b:
        carol.login("nobody", "nope-nope-nope", now=T0)
    assert str(a.value) == str(b.value) == "Wrong user name or password."


def test_five_failures_in_fifteen_minutes_lock_the_account_for_fifteen(carol: Workbench) -> None:
    for i in range(4):
        with pytest.raises(LoginFailed) as e:
            carol.login("carol", f"wrong-{i}", now=minutes(i))
        assert not isinstance(e.value, AccountLocked)
    with pytest.raises(AccountLocked) as locked:
        carol.login("carol", "wrong-5", now=minutes(4))
    assert locked.value.until == minutes(19)
    # even the right password is refused while locked
    with pytest.raises(AccountLocked, match="locked until"):
        carol.login("carol", "carol-password-1", now=minutes(18.9))
    # and the lock ends by itself
    assert carol.login("carol", "carol-password-1", now=minutes(19.1)).username == "carol"
    actions = [
        e.action for e in reversed(carol.audit_trail(SYSTEM, limit=100)) if e.action.startswith("login.")
    ]
    assert actions == ["login.failure"] * 5 + ["login.locked", "login.refused", "login.success"]


def test_failures_spread_over_more_than_the_window_do_not_lock(carol: Workbench) -> None:
    for i in range(8):
        with pytest.raises(LoginFailed) as e:
            carol.login("carol", "wrong-password", now=minutes(4 * i))
        assert not isinstance(e.value, AccountLocked)
    assert carol.login("carol", "carol-password-1", now=minutes(33)).username == "carol"


def test_a_success_resets_the_count(carol: Workbench) -> None:
    for i in range(4):
        with pytest.raises(LoginFailed):
            carol.login("carol", "wrong-password", now=minutes(i))
    carol.login("carol", "carol-password-1", now=minutes(5))
    for i in range(4):
        with pytest.raises(LoginFailed) as e:
            carol.login("carol", "wrong-password", now=minutes(6 + i))
        assert not isinstance(e.value, AccountLocked)


def test_admin_enable_lifts_a_lock(carol: Workbench) -> None:
    for i in range(5):
        with pytest.raises(LoginFailed):
            carol.login("carol", "wrong-password", now=minutes(i))
    carol.enable_user(SYSTEM, "carol")
    assert carol.login("carol", "carol-password-1", now=minutes(6)).username == "carol"


def test_disabled_accounts_cannot_sign_in(carol: Workbench) -> None:
    carol.disable_user(SYSTEM, "carol")
    with pytest.raises(LoginFailed, match="disabled"):
        carol.login("carol", "carol-password-1", now=T0)
    assert carol.find_user_for_identity("carol@example.nhs.uk", "sub-1", now=T0) is None


def test_oidc_identity_maps_to_a_local_account(carol: Workbench) -> None:
    wf = carol
    assert wf.find_user_for_identity("someone@else.org", "sub-x", now=T0) is None
    me = wf.find_user_for_identity("CAROL@example.nhs.uk", "entra|abc", now=T0)
    assert me is not None and me.username == "carol" and me.sso_linked
    # from now on the subject identifies her, even if the e-mail changes at the provider
    again = wf.find_user_for_identity("carol.new@example.nhs.uk", "entra|abc", now=T0)
    assert again is not None and again.id == me.id
    # another subject claiming her e-mail is not let in
    assert wf.find_user_for_identity("carol@example.nhs.uk", "entra|other", now=T0) is None
    assert wf.find_user_for_identity(None, None, now=T0) is None
    actions = [e.action for e in wf.audit_trail(SYSTEM, limit=50)]
    assert "user.sso_link" in actions and "login.success" in actions


def test_user_management_rules(wf: Workbench) -> None:
    admin = wf.create_user(SYSTEM, "root-admin", role="admin", password="admin-password-1")
    with pytest.raises(WorkflowError, match="organisation"):
        wf.create_user(admin, "v1", role="vendor", password="vendor-password")
    v = wf.create_user(admin, "v1", role="vendor", password="vendor-password", organisation="New Vendor Ltd")
    assert v.organisation_name == "New Vendor Ltd"
    with pytest.raises(WorkflowError, match="already exists"):
        wf.create_user(admin, "v1", role="assessor", password="whatever-123")
    with pytest.raises(WorkflowError, match="at least"):
        wf.create_user(admin, "v2", role="assessor", password="short")
    with pytest.raises(WorkflowError, match="user name"):
        wf.create_user(admin, "bad name!", role="assessor", password="long-enough-1")
    with pytest.raises(WorkflowError, match="your own"):
        wf.disable_user(admin, admin.id)
    sso = wf.create_user(admin, "sso-only", role="assessor", email="x@nhs.net")
    assert not sso.has_password
    with pytest.raises(LoginFailed):
        wf.login("sso-only", "", now=T0)
    assert [u.username for u in wf.list_users(admin)] == ["root-admin", "sso-only", "v1"]


# ---------------------------------------------------------------------------------- throttling


class CountingHasher(PasswordHasher):
    """The cheap test hasher, counting every password it checks (the dummy check included)."""

    def __init__(self) -> None:
        p = CHEAPEST
        super().__init__(p.time_cost, p.memory_cost, p.parallelism, p.hash_len, p.salt_len, type=p.type)
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._lock:
            self.checked += 1
        return super().verify(hash, password)


@pytest.fixture
def counting(cheap_hashing: None) -> Iterator[CountingHasher]:
    h = CountingHasher()
    old = auth.set_hasher(h)
    yield h
    auth.set_hasher(old)


def test_forty_simultaneous_attempts_check_at_most_five_passwords(
    carol: Workbench, counting: CountingHasher
) -> None:
    attempts = 40
    barrier = threading.Barrier(attempts)
    outcomes: list[BaseException] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            carol.login("carol", f"wrong-guess-{i}", now=T0)
        except LoginFailed as e:
            outcomes.append(e)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(outcomes) == attempts
    assert counting.checked <= 5, f"{counting.checked} passwords checked"
    failures = carol.audit_trail(SYSTEM, action="login.failure", limit=100)
    assert len(failures) == counting.checked


def test_a_real_and_an_unknown_name_are_refused_alike(carol: Workbench) -> None:
    said: dict[str, list[tuple[type, str]]] = {}
    for name in ("carol", "nobody"):
        said[name] = []
        for i in range(8):
            with pytest.raises(LoginFailed) as e:
                carol.login(name, f"wrong-guess-{i}", now=T0 + dt.timedelta(seconds=i))
            said[name].append((type(e.value), str(e.value)))
    assert said["carol"] == said["nobody"]
