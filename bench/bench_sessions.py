#!/usr/bin/env python3
"""What a session cookie costs: resuming a session (a reload, new tab or deep link) and the check an
open tab makes on every run, against re-reading the user (what every run did before sessions).
SQLite in a temporary folder, 500 calls each; medians.

    python bench/bench_sessions.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable

os.environ["DTAC_SESSION_SECRET"] = "bench-only-key-" + "x" * 32

import common  # noqa: F401 - puts the repository on sys.path
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from dtac_app.store.db import Database
from dtac_app.workbench import access, sessions
from dtac_app.workbench.facade import SYSTEM, Workbench

N = 500


def median_ms(call: Callable[[], object]) -> float:
    times = []
    for _ in range(N):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    access.set_hasher(PasswordHasher.from_parameters(CHEAPEST))
    with tempfile.TemporaryDirectory() as d:
        db = Database(f"sqlite:///{d}/bench.sqlite3")
        db.upgrade()
        wb = Workbench(db)
        wb.create_user(SYSTEM, "carol", role="assessor", password="carol-password-1")
        user = wb.login("carol", "carol-password-1")
        grant = wb.begin_session(user)
        claimed = wb.claim_session(grant.handoff)
        assert claimed is not None
        cookie = sessions.sign_token(claimed[0])
        print(
            f"resume_session (reload/new tab): median {median_ms(lambda: wb.resume_session(cookie)):.2f} ms"
        )
        print(
            f"check_session (each run of a tab): median {median_ms(lambda: wb.check_session(user, grant.id)):.2f} ms"
        )
        print(f"refresh_user (each run, before): median {median_ms(lambda: wb.refresh_user(user)):.2f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
