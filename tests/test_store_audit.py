"""The audit log records every change (who, when, what, before → after) and cannot be changed."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from sqlalchemy import text
from store_fixtures import World

from dtac_app.results import Override, Verification
from dtac_app.store.db import Database
from dtac_app.store.errors import LoginFailed
from dtac_app.store.repo import Audit


def test_every_change_is_audited(world: World) -> None:
    wf, alice, a = world.wf, world.assessor, world.a
    wf.clock.advance(minutes=1)  # type: ignore[attr-defined]
    v2 = wf.save_review(
        alice,
        a.id,
        1,
        overrides={"C1.2": Override(outcome="fail", rationale="no named clinical lead")},
        verifications={"C3.1": Verification(checked="IASME register, certificate 1234")},
    )
    for sec in v2.sections_to_sign:
        wf.sign_off_section(alice, a.id, 2, sec)
    wf.sign_off(
        alice, a.id, 2, decision=v2.result.decision, open_items_reason="Audit test: signed regardless."
    )
    c = wf.request_clarification(alice, a.id, "Who is the CSO?")
    wf.reply_clarification(world.acme, c.id, "Dr A Person")
    wf.close_clarification(alice, c.id)
    wf.disable_user(world.admin, world.beta.id)
    wf.enable_user(world.admin, world.beta.id)
    wf.set_password(world.acme, world.acme.id, "a-new-password-42")
    with pytest.raises(LoginFailed):
        wf.login("acme", "wrong password")
    wf.login("acme", "a-new-password-42")

    trail = wf.audit_trail(world.admin, limit=10_000)
    actions = {e.action for e in trail}
    assert actions >= {
        "organisation.create",
        "user.create",
        "product.create",
        "version.create",
        "submission.create",
        "assessment.create",
        "assessment.save",
        "assessment.section_sign_off",
        "assessment.sign_off",
        "clarification.request",
        "clarification.reply",
        "clarification.close",
        "user.disable",
        "user.enable",
        "user.password",
        "login.failure",
        "login.success",
    }
    for e in trail:
        assert e.actor and e.at.tzinfo is not None and e.entity_type
    save = next(e for e in trail if e.action == "assessment.save")
    assert save.actor == "alice" and save.at == dt.datetime(2026, 10, 2, 9, 1, tzinfo=dt.UTC)
    assert save.before == {"revision": 1, "decision": "available", "overrides": {}, "verified": {}}
    assert (
        save.after is not None and save.after["revision"] == 2 and save.after["decision"] == "not_available"
    )
    assert save.after["overrides"] == {"C1.2": {"outcome": "fail", "rationale": "no named clinical lead"}}
    assert save.after["verified"] == {"C3.1": "IASME register, certificate 1234"}
    assert "override C1.2 → fail" in save.detail and "verified C3.1" in save.detail
    disable = next(e for e in trail if e.action == "user.disable")
    assert disable.before is not None and disable.after is not None
    assert (disable.before["disabled"], disable.after["disabled"]) == (False, True)
    # the product's history is the same story, oldest first
    hist = wf.history(alice, a.product_id)
    assert [e.action for e in hist][:4] == [
        "product.create",
        "version.create",
        "submission.create",
        "assessment.create",
    ]
    assert hist == sorted(hist, key=lambda e: e.id)


def test_failed_logins_are_audited(world: World) -> None:
    with pytest.raises(LoginFailed):
        world.wf.login("nobody", "whatever-it-is")
    with pytest.raises(LoginFailed):
        world.wf.login("acme", "not-the-password")
    fails = world.wf.audit_trail(world.admin, action="login.failure")
    assert [(e.actor, e.detail.split(" (")[0]) for e in fails] == [
        ("acme", "wrong password"),
        ("nobody", "unknown user name"),
    ]


@pytest.mark.parametrize(
    "table", ["audit_log", "assessment_revisions", "submissions", "sign_offs", "overrides"]
)
def test_append_only_tables_refuse_update_and_delete_through_plain_sql(
    world: World, db: Database, table: str
) -> None:
    wf = world.wf
    v = wf.save_review(
        world.assessor,
        world.a.id,
        1,
        overrides={"C1.2": Override(outcome="fail", rationale="ten chars or more")},
        verifications={},
    )
    wf.sign_off_section(world.assessor, v.id, 2, "C1")
    with db.engine.connect() as c:
        before = c.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
    assert before
    column = {
        "audit_log": "actor",
        "assessment_revisions": "comment",
        "submissions": "filename",
        "sign_offs": "note",
        "overrides": "rationale",
    }[table]
    for sql in (
        f"UPDATE {table} SET {column} = 'tampered with, honestly'",
        f"DELETE FROM {table}",
        f"DELETE FROM {table} WHERE id = (SELECT max(id) FROM {table})",
    ):
        with pytest.raises(Exception, match="append-only|permission denied"), db.engine.begin() as c:
            c.execute(text(sql))
    if not db.is_sqlite:
        with pytest.raises(Exception, match="append-only|permission denied"), db.engine.begin() as c:
            c.execute(text(f"TRUNCATE {table} CASCADE"))
    with db.engine.connect() as c:
        assert c.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() == before


def test_the_audit_repository_can_only_append_and_read() -> None:
    methods = {n for n, _ in inspect.getmembers(Audit, predicate=inspect.isfunction) if not n.startswith("_")}
    assert methods == {"append", "query"}
