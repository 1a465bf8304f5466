"""Concurrent saves never lose one; a process killed mid-save leaves the database consistent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from store_fixtures import World
from support import REPO

from dtac_app.results import Override
from dtac_app.store.db import Database
from dtac_app.store.errors import ConcurrentChangeError, WorkflowError
from dtac_app.workbench.facade import Workbench


def ov(why: str) -> Override:
    return Override(outcome="fail", rationale=why)


def test_two_assessors_saving_at_once_one_wins_one_is_told(world: World) -> None:
    wf, a = world.wf, world.a
    for rnd in range(4):
        start = wf.get_assessment(world.assessor, a.id).revision
        barrier = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def save(
            user: object,
            qid: str,
            name: str,
            start: int = start,
            rnd: int = rnd,
            barrier: threading.Barrier = barrier,
            outcome: dict[str, object] = outcome,
        ) -> None:
            barrier.wait()
            try:
                outcome[name] = wf.save_review(
                    user,
                    a.id,
                    start,
                    overrides={qid: ov(f"{name} says no, round {rnd}")},  # type: ignore[arg-type]
                    verifications={},
                )
            except ConcurrentChangeError as e:
                outcome[name] = e

        threads = [
            threading.Thread(target=save, args=(world.assessor, "C1.2", "alice")),
            threading.Thread(target=save, args=(world.assessor2, "C3.1", "bob")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        errors = [v for v in outcome.values() if isinstance(v, ConcurrentChangeError)]
        assert len(outcome) == 2 and len(errors) == 1, outcome
        assert "NOT saved" in errors[0].message
        winner = next(k for k, v in outcome.items() if not isinstance(v, ConcurrentChangeError))
        now = wf.get_assessment(world.assessor, a.id)
        assert now.revision == start + 1
        assert now.overrides[{"alice": "C1.2", "bob": "C3.1"}[winner]].rationale.startswith(winner)
        # the loser reloads and re-applies: nothing is lost
        loser = "bob" if winner == "alice" else "alice"
        mine = {"alice": "C1.2", "bob": "C3.1"}[loser]
        merged = {**now.overrides, mine: ov(f"{loser} says no, round {rnd}")}
        user = world.assessor if loser == "alice" else world.assessor2
        final = wf.save_review(user, a.id, now.revision, overrides=merged, verifications={})
        assert set(final.overrides) == {"C1.2", "C3.1"}


def test_many_writers_retrying_keep_every_change(world: World) -> None:
    """Six assessors each add their own override concurrently, retrying on conflict."""
    wf, a = world.wf, world.a
    questions = ["C1.2", "C1.2.2", "C2.2", "C3.1", "C3.3", "C3.4"]
    conflicts = []
    errors: list[BaseException] = []

    def worker(qid: str, user: object) -> None:
        try:
            for _ in range(50):
                cur = wf.get_assessment(user, a.id)  # type: ignore[arg-type]
                want = {**cur.overrides, qid: ov(f"override of {qid} by a worker")}
                try:
                    wf.save_review(user, a.id, cur.revision, overrides=want, verifications={})  # type: ignore[arg-type]
                    return
                except ConcurrentChangeError:
                    conflicts.append(qid)
            raise AssertionError(f"{qid}: never saved")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [
        threading.Thread(target=worker, args=(q, world.assessor if i % 2 else world.assessor2))
        for i, q in enumerate(questions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    final = wf.get_assessment(world.assessor, a.id)
    assert final.revision == 1 + len(questions)
    assert set(final.overrides) == set(questions)
    assert [r.number for r in wf.list_revisions(world.assessor, a.id)] == list(range(1, 2 + len(questions)))
    saves = wf.audit_trail(world.admin, action="assessment.save", limit=1000)
    assert len(saves) == len(questions)


def test_two_assessors_signing_the_same_section_at_once(world: World) -> None:
    wf, a = world.wf, world.a
    barrier = threading.Barrier(2)
    results: list[object] = []

    def sign(user: object) -> None:
        barrier.wait()
        try:
            results.append(wf.sign_off_section(user, a.id, 1, "C1"))  # type: ignore[arg-type]
        except (WorkflowError, ConcurrentChangeError) as e:
            results.append(e)

    threads = [threading.Thread(target=sign, args=(u,)) for u in (world.assessor, world.assessor2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(isinstance(r, Exception) for r in results) == 1
    view = wf.get_assessment(world.assessor, a.id)
    assert list(view.section_sign_offs) == ["C1"]


# --------------------------------------------------------------------------- killed mid-save

CHILD = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    from dtac_app.results import Override
    from dtac_app.store.db import Database
    from dtac_app.store.models import AssessmentRevision
    from dtac_app.store.views import UserView
    from dtac_app.workbench.facade import Workbench

    url, user_id, assessment_id, when = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

    @event.listens_for(Session, "after_flush")
    def _mark(session, ctx):
        if any(isinstance(o, AssessmentRevision) for o in session.new):
            session.info["saving"] = True

    @event.listens_for(Session, "before_commit")
    def _stall_before(session):
        if when == "before" and session.info.get("saving"):
            session.flush()          # every row of the save is written, not yet committed
            print("IN_TRANSACTION", flush=True)
            time.sleep(300)

    @event.listens_for(Session, "after_commit")
    def _stall_after(session):
        if when == "after" and session.info.get("saving"):
            print("COMMITTED", flush=True)
            time.sleep(300)

    wf = Workbench(Database(url))
    me = wf.refresh_user(UserView(id=user_id, username="alice", role="assessor"))
    wf.save_review(me, assessment_id, 1, verifications={},
                   overrides={"C1.2": Override(outcome="fail", rationale="written by the killed process")})
    print("FINISHED", flush=True)
""")


def _run_and_kill(db: Database, world: World, when: str, tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    # The child imports this checkout's dtac_app, not whichever copy is installed.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, str(script), db.url, str(world.assessor.id), str(world.a.id), when],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    marker = "IN_TRANSACTION" if when == "before" else "COMMITTED"
    deadline = time.monotonic() + 120
    line = ""
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or marker in line:
                break
        assert marker in line, (
            f"child did not reach {marker}: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        )
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert proc.returncode == -signal.SIGKILL


def _check_consistent(db: Database) -> None:
    with db.engine.connect() as c:
        if db.is_sqlite:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        # the head's counter always names an existing, latest revision
        bad = c.execute(
            text(
                "SELECT a.id FROM assessments a WHERE a.current_revision <> "
                "(SELECT max(r.number) FROM assessment_revisions r WHERE r.assessment_id = a.id)"
            )
        ).all()
        assert bad == []


def test_killed_before_commit_leaves_the_old_state(db: Database, world: World, tmp_path: Path) -> None:
    audit_before = len(world.wf.audit_trail(world.admin, limit=100_000))
    _run_and_kill(db, world, "before", tmp_path)
    fresh = Database(db.url)  # a new engine, as after a restart
    try:
        _check_consistent(fresh)
        wf = Workbench(fresh)
        view = wf.get_assessment(world.assessor, world.a.id)
        assert view.current_revision == 1 and view.overrides == {}
        assert len(wf.audit_trail(world.admin, limit=100_000)) == audit_before
        with fresh.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM overrides")).scalar() == 0
        # and it is fully usable: the same save now goes through
        after = wf.save_review(
            world.assessor, world.a.id, 1, overrides={"C1.2": ov("saved after the crash")}, verifications={}
        )
        assert after.revision == 2
    finally:
        fresh.dispose()


def test_killed_after_commit_keeps_the_whole_new_state(db: Database, world: World, tmp_path: Path) -> None:
    _run_and_kill(db, world, "after", tmp_path)
    fresh = Database(db.url)
    try:
        _check_consistent(fresh)
        wf = Workbench(fresh)
        view = wf.get_assessment(world.assessor, world.a.id)
        assert (
            view.current_revision == 2 and view.overrides["C1.2"].rationale == "written by the killed process"
        )
        assert wf.audit_trail(world.admin, action="assessment.save")[0].after["revision"] == 2  # type: ignore[index]
    finally:
        fresh.dispose()


@pytest.mark.parametrize("when", ["before"])
def test_a_crash_never_blocks_other_writers_for_long(
    db: Database, world: World, tmp_path: Path, when: str
) -> None:
    """After the killed writer's locks are released, another writer gets through promptly."""
    _run_and_kill(db, world, when, tmp_path)
    t0 = time.monotonic()
    world.wf.save_review(world.assessor2, world.a.id, 1, overrides={}, verifications={})
    assert time.monotonic() - t0 < 20
