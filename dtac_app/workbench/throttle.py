"""Sign-in throttling: increasing delays after failed sign-ins, per client address and per user name,
instead of a lock-out that anyone could trigger (docs/security.md, "Sign-in throttling").

Every local sign-in counts in two buckets:

* its **address** bucket: every user name tried from that client address. After
  :data:`ADDRESS_FREE_FAILURES` failures, each further attempt from the address waits.
* one **account** bucket: the user name's own bucket if the address has never signed in to that
  account (or not for :data:`KNOWN_ADDRESS_FOR`); otherwise the bucket of that name *at that
  address*. After :data:`ACCOUNT_FREE_FAILURES` failures, each further attempt waits.

So a stranger's failures on a name delay the strangers, not the account's owner at an address it has
signed in from before; and a name that does not exist is throttled exactly like one that does.

Reserve, then check: the attempt is counted as a failure, under a row lock and committed, *before*
the password is checked, and refused without a check while either bucket is waiting. The wait
after the ``n``-th failure beyond the free ones is ``FIRST_DELAY · 2ⁿ``, at most :data:`MAX_DELAY`.
A success gives the slot back: the account bucket starts again from zero, the address bucket
forgets only this attempt (so signing in to one's own account between guesses at another's does
not reset the address). Counts are forgotten :data:`WINDOW` after the first failure they hold.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from dtac_app.store.models import SignInThrottle
from dtac_app.store.repo import Repos

ADDRESS_FREE_FAILURES = 20
ACCOUNT_FREE_FAILURES = 5
FIRST_DELAY = dt.timedelta(seconds=15)
MAX_DELAY = dt.timedelta(minutes=5)
WINDOW = dt.timedelta(hours=1)
KNOWN_ADDRESS_FOR = dt.timedelta(days=30)
UNKNOWN_ADDRESS = "unknown"
"""The address bucket of attempts whose address is not known (the command line, a local browser)."""

_MAX_ACCOUNT = 100  # users.username's length: a longer name cannot exist
_MAX_ADDRESS = 64


def address_key(address: str | None) -> str:
    """The client address as the throttle keys it: no spaces, at most 64 characters."""
    a = "".join((address or "").split())[:_MAX_ADDRESS]
    return a or UNKNOWN_ADDRESS


def account_key(username: str) -> str:
    return username.strip()[:_MAX_ACCOUNT]


def delay_after(failures: int, free: int) -> dt.timedelta | None:
    """How long the next attempt waits after ``failures`` failures in a bucket (None: no wait)."""
    if failures < free:
        return None
    return min(FIRST_DELAY * 2 ** min(failures - free, 16), MAX_DELAY)


def wait_words(wait: dt.timedelta) -> str:
    """A wait in words, rounded up: "15 seconds", "2 minutes"."""
    s = max(1, math.ceil(wait.total_seconds()))
    if s < 120:
        return f"{s} second{'s' if s != 1 else ''}"
    return f"{math.ceil(s / 60)} minutes"


@dataclass(frozen=True)
class Bucket:
    kind: str
    account: str
    address: str
    free: int


@dataclass(frozen=True)
class Reservation:
    """One attempt's place in its two buckets (address first: the order rows are locked in)."""

    buckets: tuple[Bucket, Bucket]
    refused_until: dt.datetime | None
    """Set when the attempt is refused without a password check, until when."""
    wait_until: dt.datetime | None
    """When the attempt is let through but, if it fails, the next one must wait: until when."""


def buckets_for(r: Repos, account: str, address: str, now: dt.datetime) -> tuple[Bucket, Bucket]:
    last = r.throttles.last_success(account, address)
    known = last is not None and last > now - KNOWN_ADDRESS_FOR
    return (
        Bucket("address", "", address, ADDRESS_FREE_FAILURES),
        Bucket("account_at_address", account, address, ACCOUNT_FREE_FAILURES)
        if known
        else Bucket("account", account, "", ACCOUNT_FREE_FAILURES),
    )


def _locked(r: Repos, b: Bucket, now: dt.datetime) -> SignInThrottle:
    row = r.throttles.lock(b.kind, b.account, b.address, now)
    if row.window_start <= now - WINDOW:
        row.window_start, row.failures, row.next_at = now, 0, None
    return row


def reserve(r: Repos, account: str, address: str, now: dt.datetime) -> Reservation:
    """Count the attempt as a failure in both buckets, or refuse it if either is waiting.
    The caller commits before checking the password."""
    buckets = buckets_for(r, account, address, now)
    rows = [_locked(r, b, now) for b in buckets]
    waiting = [row.next_at for row in rows if row.next_at is not None and row.next_at > now]
    if waiting:
        return Reservation(buckets, max(waiting), None)
    for row, b in zip(rows, buckets, strict=True):
        row.failures += 1
        d = delay_after(row.failures, b.free)
        row.next_at = now + d if d else None
    waits = [row.next_at for row in rows if row.next_at is not None]
    r.s.flush()
    return Reservation(buckets, None, max(waits) if waits else None)


def release(r: Repos, reservation: Reservation, now: dt.datetime) -> None:
    """The reserved attempt signed in: give its slot back and remember the address as known."""
    address, account = reservation.buckets
    row = _locked(r, address, now)
    row.failures = max(0, row.failures - 1)
    if delay_after(row.failures, address.free) is None:
        row.next_at = None
    if account.kind == "account":
        row = _locked(r, account, now)
        row.failures, row.next_at = 0, None
    known = _locked(r, Bucket("account_at_address", account.account, address.address, 0), now)
    known.failures, known.next_at, known.last_success_at = 0, None, now
    r.s.flush()
