"""Fixtures for the storage tests: every storage test runs on a real SQLite file AND a real
PostgreSQL server that this module starts for the session.

PostgreSQL: ``initdb`` into a fresh temporary directory and ``pg_ctl start`` on a free loopback
port (TCP only, trust authentication, fsync off). As root, the server runs as the ``postgres``
system user via ``runuser`` (it refuses to run as root). A template database is migrated once by
the owner role (``dtac_owner``), which grants the app role (``dtac_app``) its least privileges;
each test gets ``CREATE DATABASE … TEMPLATE`` (fast) and connects as the app role, so privileges
and triggers apply as they would in production (docs/deployment.md). The server is stopped at the
end of the session.

If the binaries are missing (searched: ``$DTAC_PG_BIN``, ``/usr/lib/postgresql/*/bin``, ``PATH``),
the PostgreSQL variants are skipped — unless ``CI`` is set, when they fail.

The fixtures are registered for every test by ``pytest_plugins`` in conftest.py; ask for them by
name. Helpers are imported by name: ``from store_fixtures import World, example_text``.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from support import free_port

from dtac_app.store.db import Database
from dtac_app.workbench import access as auth
from dtac_app.workbench.facade import SYSTEM, Workbench

__all__ = ["cheap_hashing", "db", "pg_server", "sqlite_template", "wf", "world"]
"""Only the fixtures: test modules star-import these and import helpers by name."""

BACKENDS = ["sqlite", "postgres"]
APP_ROLE = "dtac_app"
OWNER_ROLE = "dtac_owner"

EXAMPLE = """\
schema: dtac-submission/1
criteria: dtac-v2.0
profile: dtac
submitted_on: 2026-10-01
product: {name: NAME, version: "VERSION", manufacturer: MAKER}
answers:
  A1: MAKER
  C1.1.1: No
  C1.2: Yes
  C1.2.2: Yes
  C1.2.3: Provided
  C1.2.4: Provided
  C1.2.5: Dr A Person, GMC 1234567
  C2.1: Confirmed
  C2.2: Yes
  C2.2.1: Provided
  C2.2.2: Provided
  C2.2.3: Provided
  C2.2.4: Provided
  C2.2.5: UK only
  C3.1: Provided
  C3.2: No
  C3.3: Provided
  C3.4: Confirmed
  C3.5: Yes
  C3.5.1: Yes
  C3.6: Yes
  C4.1: No
  C4.2: No
  D1.1: Provided
  D1.2: Yes
  D1.3: Confirm
  D1.4: Yes
  D1.4.1: Yes
  D1.4.3: https://example.invalid/a11y
  D1.5: 99.95
evidence:
  - {question: C1.2.3, kind: crm_system}
  - {question: C1.2.4, kind: cscr}
  - {question: C1.2.4, kind: hazard_log}
  - {question: C2.1, kind: dspt, status: standards met, period: 2025-26}
  - {question: C2.2.1, kind: ico_registration, expires: 2027-08-01}
  - {question: C2.2.2, kind: dpia}
  - {question: C2.2.3, kind: privacy_notice}
  - {question: C2.2.4, kind: terms}
  - {question: C3.1, kind: cyber_essentials, issued: 2026-05-01}
  - {question: C3.3, kind: pen_test, issued: 2026-04-01, highest_cvss: 5.3, owasp_top10: true}
"""

AS_OF = dt.date(2026, 10, 2)


def example_text(name: str = "Test App", maker: str = "Test Ltd", version: str = "1.0") -> str:
    """A valid DTAC v2.0 submission for ``maker``'s ``name``. Sent on its own it carries no evidence
    files, so its documents are only asserted (decision: incomplete); :func:`example_zip` sends
    the files too (decision: available)."""
    return EXAMPLE.replace("NAME", name).replace("MAKER", maker).replace("VERSION", version)


def example_files(maker: str = "Test Ltd") -> dict[str, bytes]:
    """One small text file per evidence record of the example, under evidence/."""
    kinds = re.findall(r"kind: (\w+)", EXAMPLE)
    return {f"evidence/{k}.txt": f"FICTIONAL EXAMPLE {k} of {maker}\n".encode() for k in kinds}


def example_zip(
    name: str = "Test App",
    maker: str = "Test Ltd",
    version: str = "1.0",
    *,
    document: str = "submission.yaml",
    files: dict[str, bytes] | None = None,
    text: str | None = None,
) -> bytes:
    """The example as a ZIP: the submission (each evidence record naming its file) plus the files
    (``files`` replaces the default set, e.g. to send only what changed)."""
    doc = text if text is not None else example_text(name, maker, version)
    doc = re.sub(r"(  - \{question: [^,]+, kind: (\w+))", r"\1, file: evidence/\2.txt", doc)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(document, doc)
        for path, content in (example_files(maker) if files is None else files).items():
            zf.writestr(path, content)
    return buf.getvalue()


# ---------------------------------------------------------------------------------- PostgreSQL


def find_pg_bin() -> Path | None:
    env = os.environ.get("DTAC_PG_BIN")
    candidates = [Path(env)] if env else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    which = shutil.which("initdb")
    if which:
        candidates.append(Path(which).parent)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    return None


class PgServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<port>."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="dtac-pg-"))
        self.datadir = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.superuser = "postgres"
        self._as_user: list[str] = []
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.template: str | None = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
                pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.root, 0o700)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._as_user, *args], check=True, capture_output=True, text=True, timeout=120
        )

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        last: Exception | None = None
        for _ in range(5):
            self.port = free_port()
            opts = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            try:
                self._run(
                    str(self.bindir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(self.log),
                    "-o",
                    opts,
                )
                break
            except subprocess.CalledProcessError as e:  # port taken between probe and bind: retry
                last = e
        else:
            raise RuntimeError(f"PostgreSQL did not start: {last}; log:\n{self._log_tail()}")
        self.admin_sql(f"CREATE ROLE {APP_ROLE} LOGIN")
        self.admin_sql(f"CREATE ROLE {OWNER_ROLE} LOGIN")

    def _log_tail(self) -> str:
        try:
            return self.log.read_text()[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.port:
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self._run(
                    str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "immediate", "-w"
                )
            self.port = 0
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str, user: str = APP_ROLE) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{dbname}"

    def admin_sql(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.superuser, dbname=dbname, autocommit=True
        ) as conn:
            conn.execute(sql)

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh database. Migrated (from a template): owned and migrated by the owner role, used by
        the app role with least privilege. Not migrated: owned by the app role (a single-role set-up)."""
        with self._lock:
            name = f"t{os.getpid()}_{next(self._counter)}"
            if migrated and self.template is None:
                self.template = f"tmpl{os.getpid()}"
                self.admin_sql(f"CREATE DATABASE {self.template} OWNER {OWNER_ROLE}")
                d = Database(self.url(self.template, OWNER_ROLE))
                try:
                    d.upgrade(app_role=APP_ROLE)
                finally:
                    d.dispose()
            if migrated:
                self.admin_sql(f"CREATE DATABASE {name} OWNER {OWNER_ROLE} TEMPLATE {self.template}")
            else:
                self.admin_sql(f"CREATE DATABASE {name} OWNER {APP_ROLE}")
        return name


_PG: PgServer | None = None
_PG_LOCK = threading.Lock()


def _pg_singleton() -> PgServer | None:
    global _PG
    with _PG_LOCK:
        if _PG is None:
            bindir = find_pg_bin()
            if bindir is None:
                return None
            server = PgServer(bindir)
            try:
                server.start()
            except BaseException:
                server.stop()
                raise
            _PG = server
            atexit.register(server.stop)
        return _PG


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (one per test process, shared by every module)."""
    server = _pg_singleton()
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) not found and CI is set: install postgresql")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found; set DTAC_PG_BIN or install postgresql")
    yield server


# ---------------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    d = Database(f"sqlite:///{path}")
    try:
        d.upgrade()
        with d.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        d.dispose()
    return path


@pytest.fixture(autouse=False)
def cheap_hashing() -> Iterator[None]:
    """argon2 with its cheapest parameters: same code path, a fraction of the time."""
    old = auth.set_hasher(PasswordHasher.from_parameters(CHEAPEST))
    yield
    auth.set_hasher(old)


def make_db(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool = True
) -> Database:
    if backend == "sqlite":
        path = tmp_path / "dtac.sqlite3"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return Database(f"sqlite:///{path}")
    server: PgServer = request.getfixturevalue("pg_server")
    return Database(server.url(server.new_database(migrated=migrated)))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, cheap_hashing: None) -> Iterator[Database]:
    """A migrated, empty database: a SQLite file, then a PostgreSQL database."""
    d = make_db(request.param, request, tmp_path)
    yield d
    d.dispose()


class Clock:
    """A settable UTC clock for the workflow (``clock.advance(minutes=5)``)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> dt.datetime:
        self.now += dt.timedelta(**kw)
        return self.now


@pytest.fixture
def wf(db: Database) -> Workbench:
    return Workbench(db, clock=Clock(dt.datetime(2026, 10, 2, 9, 0, tzinfo=dt.UTC)))


class World:
    """Two vendor organisations with one product each, an assessor and an admin."""

    def __init__(self, wf: Workbench) -> None:
        self.wf = wf
        self.admin = wf.create_user(SYSTEM, "admin", role="admin", password="admin-password-1")
        self.assessor = wf.create_user(SYSTEM, "alice", role="assessor", password="alice-password-1")
        self.assessor2 = wf.create_user(SYSTEM, "bob", role="assessor", password="bob-password-12")
        self.acme = wf.create_user(
            SYSTEM, "acme", role="vendor", password="acme-password-1", organisation="Acme Health"
        )
        self.beta = wf.create_user(
            SYSTEM, "beta", role="vendor", password="beta-password-1", organisation="Beta Care"
        )
        self.a = wf.submit(
            self.acme, example_zip("Acme Back", "Acme Health", document="acme.yaml"), "acme.zip", as_of=AS_OF
        )
        self.b = wf.submit(
            self.beta, example_zip("Beta Spine", "Beta Care", document="beta.yaml"), "beta.zip", as_of=AS_OF
        )


@pytest.fixture
def world(wf: Workbench) -> World:
    return World(wf)
