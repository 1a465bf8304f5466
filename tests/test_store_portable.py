"""Export one product's whole history as portable JSON and import it elsewhere (any backend)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from store_fixtures import BACKENDS, World, example_text, make_db

from dtac_app.results import Override, Verification
from dtac_app.store.db import Database
from dtac_app.store.errors import ImportConflict, LoginFailed
from dtac_app.workbench.facade import SYSTEM, Workbench


def build_history(world: World) -> int:
    wf, alice, a = world.wf, world.assessor, world.a
    v2 = wf.save_review(
        alice,
        a.id,
        1,
        overrides={"C1.2": Override(outcome="fail", rationale="no clinical lead named")},
        verifications={"C2.1": Verification(checked="DSPT: 8XX99 Standards Met 2025-26")},
    )
    for sec in v2.sections_to_sign:
        wf.sign_off_section(alice, a.id, 2, sec, note=f"{sec} fine")
    wf.sign_off(
        alice,
        a.id,
        2,
        decision=v2.result.decision,
        note="done",
        role="Clinical safety officer",
        organisation="Example ICB",
        open_items_reason="Portability test: signed regardless.",
    )
    c = wf.request_clarification(alice, a.id, "Name the CSO", question_id="C1.2.5")
    wf.reply_clarification(world.acme, c.id, "Dr A Person")
    wf.save_review(world.assessor2, a.id, 2, overrides={}, verifications={}, comment="lead named in reply")
    wf.submit(world.acme, example_text("Acme Back", "Acme Health", "1.1"), "v11.yaml")
    return a.product_id


def comparable(package: dict[str, Any]) -> dict[str, Any]:
    p = copy.deepcopy(package)
    p.pop("exported_at")
    p.pop("exported_by")
    p["audit"] = [
        {k: v for k, v in e.items() if k != "origin"}
        for e in p["audit"]
        if e["action"] not in ("product.export", "product.import")
    ]
    return p


@pytest.mark.parametrize("target", BACKENDS)
def test_export_then_import_into_another_database_reproduces_the_history(
    world: World, target: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    product_id = build_history(world)
    package = world.wf.export_product(world.assessor, product_id)
    text = json.dumps(package, ensure_ascii=False)  # portable: plain JSON
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = make_db(target, request, other_dir)
    try:
        wf2 = Workbench(other)
        summary = wf2.import_product(SYSTEM, json.loads(text))
        assert summary.name == "Acme Back" and summary.versions == ("1.0", "1.1")
        again = wf2.export_product(SYSTEM, summary.id)
        assert comparable(again) == comparable(package)
        # every revision, result, override and sign-off came across
        (head,) = [
            a
            for v in wf2.get_product(SYSTEM, summary.id).version_details
            if v.version == "1.0"
            for s in v.submissions
            for a in s.assessments
        ]
        assert head.current_revision == 3 and head.status == "changed_after_sign_off"
        r2 = wf2.get_assessment(SYSTEM, head.id, revision=2)
        assert (
            r2.overrides["C1.2"].by == "alice" and r2.signed_off is not None and r2.signed_off.note == "done"
        )
        assert r2.result == world.wf.get_assessment(world.assessor, world.a.id, revision=2).result
        # named users exist but are disabled placeholders without passwords
        users = {u.username: u for u in wf2.list_users(SYSTEM)}
        assert {"alice", "bob", "acme"} <= set(users)
        assert all(u.disabled and not u.has_password for u in users.values())
        with pytest.raises(LoginFailed):
            wf2.login("alice", "alice-password-1")
        # the import itself is audited
        assert wf2.audit_trail(SYSTEM, action="product.import")
        # importing the same package twice is refused, not duplicated
        with pytest.raises(ImportConflict, match="already has a product"):
            wf2.import_product(SYSTEM, json.loads(text))
        assert len(wf2.list_products(SYSTEM)) == 1
    finally:
        other.dispose()


def test_a_tampered_package_is_refused(
    world: World, db: Database, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    package = world.wf.export_product(world.admin, world.a.product_id)
    package["versions"][0]["submissions"][0]["content"] += "\n# tampered\n"
    package["organisation"] = {"name": "Fresh Org", "slug": "fresh-org", "kind": "vendor"}
    with pytest.raises(ImportConflict, match="SHA-256"):
        world.wf.import_product(world.admin, package)
    assert {p.name for p in world.wf.list_products(world.admin)} == {"Acme Back", "Beta Spine"}
    with pytest.raises(ImportConflict, match="format"):
        world.wf.import_product(world.admin, {"format": "something-else/1"})
