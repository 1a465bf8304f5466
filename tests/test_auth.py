"""Local accounts (argon2), sign-in throttling (issue 10.3), OIDC identity mapping, password rules."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Literal

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from dtac_app.store.errors import LoginFailed, SignInThrottled, WorkflowError
from dtac_app.workbench import access as auth
from dtac_app.workbench import throttle
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


WRONG = "The user name or password is not right."
HOME, ELSEWHERE, ATTACKER = "198.51.100.7", "192.0.2.44", "203.0.113.9"


def seconds(n: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=n)


def refused(wf: Workbench, name: str, password: str, when: dt.datetime, address: str = ATTACKER) -> str:
    """Sign in, expecting a refusal; returns the message."""
    with pytest.raises(LoginFailed) as e:
        wf.login(name, password, address=address, now=when)
    return str(e.value)


def test_wrong_password_and_unknown_user_look_the_same(carol: Workbench) -> None:
    assert refused(carol, "carol", "nope-nope-nope", T0) == WRONG
    assert refused(carol, "nobody", "nope-nope-nope", T0) == WRONG


def test_after_five_failures_each_attempt_waits_longer(carol: Workbench) -> None:
    """Increasing delay, not a lock-out: 15 s after the fifth failure, then 30, 60 … at most 5 minutes."""
    for i in range(4):
        assert refused(carol, "carol", f"wrong-{i}", seconds(i)) == WRONG
    assert refused(carol, "carol", "wrong-4", seconds(4)) == f"{WRONG} Wait 15 seconds before you try again."
    # Within the wait even the right password is not checked, and says so alike for any name.
    with pytest.raises(SignInThrottled) as e:
        carol.login("carol", "carol-password-1", address=ATTACKER, now=seconds(10))
    assert str(e.value) == "Too many sign-in attempts. Try again in 9 seconds."
    assert e.value.retry_at == seconds(19)
    t, waits = 19.0, []
    for _ in range(7):
        msg = refused(carol, "carol", "wrong-again", seconds(t))
        waits.append(msg.removeprefix(f"{WRONG} Wait ").removesuffix(" before you try again."))
        t += {"30 seconds": 30, "60 seconds": 60, "2 minutes": 120, "4 minutes": 240, "5 minutes": 300}[
            waits[-1]
        ]
    assert waits == [
        "30 seconds",
        "60 seconds",
        "2 minutes",
        "4 minutes",
        "5 minutes",
        "5 minutes",
        "5 minutes",
    ]
    # After the wait the owner gets in, and the count starts again.
    assert carol.login("carol", "carol-password-1", address=ATTACKER, now=seconds(t)).username == "carol"
    assert refused(carol, "carol", "typo", seconds(t + 1)) == WRONG
    actions = [
        e.action for e in reversed(carol.audit_trail(SYSTEM, limit=100)) if e.action.startswith("login.")
    ]
    assert actions == ["login.failure"] * 5 + ["login.refused"] + ["login.failure"] * 7 + [
        "login.success",
        "login.failure",
    ]


def test_a_real_and_an_unknown_name_are_throttled_alike(carol: Workbench) -> None:
    said: dict[str, list[tuple[type, str]]] = {}
    for name in ("carol", "nobody"):
        said[name] = []
        for i in range(8):
            with pytest.raises(LoginFailed) as e:
                carol.login(name, f"wrong-guess-{i}", address=ELSEWHERE, now=seconds(i))
            said[name].append((type(e.value), str(e.value)))
    assert said["carol"] == said["nobody"]
    assert said["carol"][-1] == (SignInThrottled, "Too many sign-in attempts. Try again in 12 seconds.")


def test_failures_spread_over_more_than_the_window_do_not_delay(carol: Workbench) -> None:
    for i in range(8):
        assert refused(carol, "carol", "wrong-password", minutes(45 * i)) == WRONG
    assert carol.login("carol", "carol-password-1", now=minutes(361)).username == "carol"


def test_a_success_resets_the_count(carol: Workbench) -> None:
    for i in range(4):
        refused(carol, "carol", "wrong-password", minutes(i))
    carol.login("carol", "carol-password-1", address=ATTACKER, now=minutes(5))
    for i in range(4):
        assert refused(carol, "carol", "wrong-password", minutes(6 + i)) == WRONG


def test_admin_enable_or_a_new_password_clears_the_wait(carol: Workbench) -> None:
    for i in range(6):
        refused(carol, "carol", "wrong-password", seconds(i))
    carol.enable_user(SYSTEM, "carol")
    assert carol.login("carol", "carol-password-1", address=ATTACKER, now=seconds(7)).username == "carol"
    for i in range(6):
        refused(carol, "carol", "wrong-password", seconds(10 + i), address=ELSEWHERE)
    carol.set_password(SYSTEM, "carol", "carol-password-2")
    assert carol.login("carol", "carol-password-2", address=ELSEWHERE, now=seconds(17)).username == "carol"


def test_strangers_failures_do_not_keep_the_owner_out_at_a_known_address(carol: Workbench) -> None:
    """Anyone could once lock any named account for 15 minutes. Now a stranger's failures delay only
    attempts from addresses the account has not signed in from."""
    carol.login("carol", "carol-password-1", address=HOME, now=T0)
    for i in range(60):
        with pytest.raises(LoginFailed):
            carol.login("carol", f"guess-{i}", address=f"203.0.113.{i}", now=seconds(1 + i))
    assert carol.login("carol", "carol-password-1", address=HOME, now=seconds(62)).username == "carol"
    # the strangers are still waiting, and the owner's sign-in did not reset their count
    with pytest.raises(SignInThrottled):
        carol.login("carol", "carol-password-1", address="203.0.113.200", now=seconds(63))
    # from home, her own typos are counted on their own
    for i in range(4):
        assert refused(carol, "carol", "typo", seconds(70 + i), address=HOME) == WRONG
    assert carol.login("carol", "carol-password-1", address=HOME, now=seconds(75)).username == "carol"


def test_one_address_trying_many_names_is_slowed_down(carol: Workbench) -> None:
    free = throttle.ADDRESS_FREE_FAILURES
    for i in range(free):
        refused(carol, f"user-{i}", "password-guess", seconds(i))
    with pytest.raises(SignInThrottled):
        carol.login("someone-else", "password-guess", address=ATTACKER, now=seconds(free))
    with pytest.raises(SignInThrottled):  # any name, even a real one with its password
        carol.login("carol", "carol-password-1", address=ATTACKER, now=seconds(free))
    # other addresses are not affected
    assert carol.login("carol", "carol-password-1", address=ELSEWHERE, now=seconds(free)).username == "carol"


def test_signing_in_to_ones_own_account_does_not_reset_the_address(carol: Workbench) -> None:
    free = throttle.ADDRESS_FREE_FAILURES
    for i in range(free - 1):
        refused(carol, f"user-{i}", "password-guess", seconds(2 * i))
        carol.login("carol", "carol-password-1", address=ATTACKER, now=seconds(2 * i + 1))
    refused(carol, "user-last", "password-guess", seconds(2 * free))
    with pytest.raises(SignInThrottled):
        carol.login("user-0", "password-guess", address=ATTACKER, now=seconds(2 * free + 1))


def test_refused_attempts_are_audited_with_name_and_address_but_no_password(carol: Workbench) -> None:
    for i in range(6):
        with pytest.raises(LoginFailed):
            carol.login("nobody", f"secret-guess-{i}", address=ATTACKER, now=seconds(i))
    (entry,) = carol.audit_trail(SYSTEM, action="login.refused")
    assert entry.actor == "nobody" and entry.at == seconds(5)
    assert entry.after == {"address": ATTACKER, "retry_at": seconds(19).isoformat()}
    assert ATTACKER in entry.detail
    failures = carol.audit_trail(SYSTEM, action="login.failure")
    assert len(failures) == 5 and {e.after["address"] for e in failures if e.after} == {ATTACKER}
    everything = repr(carol.audit_trail(SYSTEM, limit=1000))
    assert "secret-guess" not in everything


def test_an_unknown_name_costs_a_password_check_too(carol: Workbench, counting: CountingHasher) -> None:
    """Same time for an unknown name as for a wrong password: both check one (dummy) hash."""
    refused(carol, "nobody", "nope-nope-nope", T0)
    assert counting.checked == 1
    refused(carol, "carol", "nope-nope-nope", T0)
    assert counting.checked == 2


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


def simultaneously(attempts: list[Callable[[], object]]) -> list[BaseException]:
    """Run the attempts in threads released at once; the refusals they raised."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[BaseException] = []

    def run(attempt: Callable[[], object]) -> None:
        barrier.wait()
        try:
            attempt()
        except LoginFailed as e:
            outcomes.append(e)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return outcomes


def test_forty_simultaneous_attempts_on_one_name_check_at_most_five_passwords(
    carol: Workbench, counting: CountingHasher
) -> None:
    """Issue 10.3: 40 simultaneous attempts on PostgreSQL checked 20–24 passwords before the lock.
    From 40 addresses at once, so that only the name's own count can hold them back."""
    outcomes = simultaneously(
        [
            lambda i=i: carol.login("carol", f"wrong-guess-{i}", address=f"203.0.113.{i}", now=T0)
            for i in range(40)
        ]
    )
    assert len(outcomes) == 40
    assert counting.checked == throttle.ACCOUNT_FREE_FAILURES, f"{counting.checked} passwords checked"
    assert len(carol.audit_trail(SYSTEM, action="login.failure", limit=100)) == counting.checked
    assert len(carol.audit_trail(SYSTEM, action="login.refused", limit=100)) == 40 - counting.checked


def test_forty_simultaneous_attempts_from_one_address_check_at_most_its_allowance(
    carol: Workbench, counting: CountingHasher
) -> None:
    outcomes = simultaneously(
        [lambda i=i: carol.login(f"name-{i}", "password-guess", address=ATTACKER, now=T0) for i in range(40)]
    )
    assert len(outcomes) == 40
    assert counting.checked == throttle.ADDRESS_FREE_FAILURES, f"{counting.checked} passwords checked"
