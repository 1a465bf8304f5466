"""Repositories of organisations, users and the sign-in throttle's counters."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from .limits import storable
from .models import (
    Organisation,
    SignInThrottle,
    User,
)
from .repository import ATTEMPTS, Repository, saved_in_savepoint


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
