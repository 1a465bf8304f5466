"""Access control lives in the service layer: a vendor cannot read, list or export another
organisation's data through any service function, and each role gets only its own rights."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from store_fixtures import AS_OF, World, example_text

from dtac_app.results import Override, Verification
from dtac_app.store.errors import AccessDenied, NotFound, StoreError
from dtac_app.store.views import UserView
from dtac_app.workbench.facade import SYSTEM, Workbench

OV = {"C1.2": Override(outcome="fail", rationale="rationale long enough to count")}


def cross_org_calls(w: World, clar_b: int) -> dict[str, Callable[[UserView], Any]]:
    """Every service function, aimed at Beta's data (or needing a role vendors lack)."""
    b = w.b
    return {
        "get_product": lambda u: w.wf.get_product(u, b.product_id),
        "get_submission": lambda u: w.wf.get_submission(u, b.submission_id),
        "get_assessment": lambda u: w.wf.get_assessment(u, b.id),
        "list_evidence": lambda u: w.wf.list_evidence(u, b.submission_id),
        "evidence_file": lambda u: w.wf.evidence_file(u, b.submission_id, 0),
        "stored_submission": lambda u: w.wf.stored_submission(u, b.submission_id),
        "check_evidence": lambda u: w.wf.check_evidence(u, b.id, 1, 0, state="verified", checked="register"),
        "list_revisions": lambda u: w.wf.list_revisions(u, b.id),
        "list_clarifications": lambda u: w.wf.list_clarifications(u, b.id),
        "history": lambda u: w.wf.history(u, b.product_id),
        "audit_trail": lambda u: w.wf.audit_trail(u, organisation_id=b.organisation_id),
        "export_product": lambda u: w.wf.export_product(u, b.product_id),
        "assess_submission": lambda u: w.wf.assess_submission(u, b.submission_id, as_of=AS_OF),
        "submit": lambda u: w.wf.submit(
            u, example_text("Sneaky", "Beta Care"), "x.yaml", organisation_id=b.organisation_id, as_of=AS_OF
        ),
        "reply_clarification": lambda u: w.wf.reply_clarification(u, clar_b, "a reply"),
        "save_review": lambda u: w.wf.save_review(u, b.id, 1, overrides=OV, verifications={}),
        "sign_off_section": lambda u: w.wf.sign_off_section(u, b.id, 1, "C1"),
        "sign_off": lambda u: w.wf.sign_off(u, b.id, 1),
        "request_clarification": lambda u: w.wf.request_clarification(u, b.id, "why?"),
        "close_clarification": lambda u: w.wf.close_clarification(u, clar_b),
        "create_user": lambda u: w.wf.create_user(u, "mallory", role="admin", password="mallory-password"),
        "list_users": lambda u: w.wf.list_users(u),
        "get_user": lambda u: w.wf.get_user(u, w.beta.id),
        "disable_user": lambda u: w.wf.disable_user(u, w.beta.id),
        "enable_user": lambda u: w.wf.enable_user(u, w.beta.id),
        "set_password": lambda u: w.wf.set_password(u, w.beta.id, "new-password-123"),
        "create_organisation": lambda u: w.wf.create_organisation(u, "Mallory Ltd"),
        "import_product": lambda u: w.wf.import_product(u, {"format": "dtac-product-export/1"}),
        "seed_examples": lambda u: w.wf.seed_examples(u, "submissions"),
    }


# Functions a vendor may call, and which return only its own organisation's data.
SCOPED = {"list_products", "list_organisations", "audit_trail_own", "refresh_user"}
# Counters only (no data): whether anything changed since a page last read.
COUNTERS = {"change_stamp"}
# Entry points that identify the user rather than take one.
SIGN_IN = {"login", "find_user_for_identity"}
# Web sessions: identified by a cookie or hand-over code, or bound to the acting user's own session
# (tests/test_sessions.py; one user reaching another's below).
SESSIONS = {
    "begin_session",
    "claim_session",
    "resume_session",
    "check_session",
    "session_claimed",
    "end_session",
    "end_session_by_cookie",
}


def test_every_public_service_function_is_covered(world: World) -> None:
    public = {
        n for n, _ in inspect.getmembers(Workbench, predicate=inspect.isfunction) if not n.startswith("_")
    }
    covered = (
        set(cross_org_calls(world, 0))
        | {"list_products", "list_organisations", "refresh_user", "current_results"}
        | SIGN_IN
        | SESSIONS
        | COUNTERS
    )
    assert public - covered == set(), "add new service functions to the access tests"


def test_a_vendor_cannot_check_or_end_another_organisations_session(world: World) -> None:
    from dtac_app.workbench.sessions import SessionEnded

    wf = world.wf
    theirs = wf.begin_session(world.beta)
    with pytest.raises(SessionEnded):
        wf.check_session(world.acme, theirs.id)
    assert not wf.end_session(world.acme, theirs.id)
    assert wf.check_session(world.beta, theirs.id).username == "beta"


def test_vendor_cannot_reach_another_organisations_data(world: World) -> None:
    clar = world.wf.request_clarification(world.assessor, world.b.id, "Please send the hazard log.")
    for name, call in cross_org_calls(world, clar.id).items():
        with pytest.raises(AccessDenied):
            call(world.acme)
            pytest.fail(f"{name} let a vendor reach another organisation's data")


def test_vendor_lists_only_its_own(world: World) -> None:
    wf = world.wf
    products = wf.list_products(world.acme)
    assert [p.name for p in products] == ["Acme Back"]
    assert {o.name for o in wf.list_organisations(world.acme)} == {"Acme Health"}
    trail = wf.audit_trail(world.acme)
    assert trail and {e.organisation_id for e in trail} == {world.acme.organisation_id}
    assert all(e.product_id in (None, world.a.product_id) for e in trail)
    assert not any("Beta" in str(e.after) for e in trail)
    # and the other way round
    assert [p.name for p in wf.list_products(world.beta)] == ["Beta Spine"]


def test_current_results_leave_out_other_organisations(world: World) -> None:
    both = [world.a.id, world.b.id]
    assert set(world.wf.current_results(world.acme, both)) == {world.a.id}
    assert set(world.wf.current_results(world.beta, both)) == {world.b.id}
    rev, data = world.wf.current_results(world.assessor, both)[world.b.id]
    assert rev == 1 and data["product"]["name"] == "Beta Spine"


def test_vendor_can_work_with_its_own_data(world: World) -> None:
    wf, acme, a = world.wf, world.acme, world.a
    assert wf.get_product(acme, a.product_id).name == "Acme Back"
    assert wf.get_submission(acme, a.submission_id).text.startswith("schema: dtac-submission/1")
    assert wf.get_assessment(acme, a.id).result.decision == "available"
    assert wf.history(acme, a.product_id)
    assert wf.export_product(acme, a.product_id)["product"]["name"] == "Acme Back"
    clar = wf.request_clarification(world.assessor, a.id, "Which DSPT year?", question_id="C2.1")
    assert wf.reply_clarification(acme, clar.id, "2025-26").status == "answered"
    again = wf.submit(acme, example_text("Acme Back", "Acme Health", "1.1"), "v11.yaml", as_of=AS_OF)
    assert again.organisation_id == acme.organisation_id and again.version == "1.1"


def test_assessors_see_every_organisation_but_cannot_administer(world: World) -> None:
    wf, alice = world.wf, world.assessor
    assert {p.name for p in wf.list_products(alice)} == {"Acme Back", "Beta Spine"}
    wf.get_assessment(alice, world.b.id)
    for call in (
        lambda: wf.list_users(alice),
        lambda: wf.disable_user(alice, world.beta.id),
        lambda: wf.create_user(alice, "x-user", role="assessor", password="password-123"),
        lambda: wf.import_product(alice, {}),
    ):
        with pytest.raises(AccessDenied):
            call()


def test_the_database_decides_the_role_not_the_caller(world: World) -> None:
    forged = dataclasses.replace(world.acme, role="admin", organisation_id=world.beta.organisation_id)
    with pytest.raises(AccessDenied):
        world.wf.list_users(forged)
    with pytest.raises(AccessDenied):
        world.wf.get_assessment(forged, world.b.id)
    impostor = dataclasses.replace(world.acme, username="admin")
    with pytest.raises(AccessDenied):
        world.wf.list_products(impostor)


def test_a_disabled_account_can_do_nothing(world: World) -> None:
    wf = world.wf
    wf.disable_user(world.admin, world.acme.id)
    with pytest.raises(AccessDenied, match="disabled"):
        wf.list_products(world.acme)
    with pytest.raises(AccessDenied):
        wf.get_assessment(world.acme, world.a.id)
    with pytest.raises(AccessDenied):
        wf.refresh_user(world.acme)
    wf.enable_user(world.admin, world.acme.id)
    assert wf.list_products(world.acme)


def test_vendor_cannot_review_override_or_sign_own_assessment(world: World) -> None:
    wf, acme, a = world.wf, world.acme, world.a
    for call in (
        lambda: wf.save_review(acme, a.id, 1, overrides=OV, verifications={}),
        lambda: wf.save_review(
            acme, a.id, 1, overrides={}, verifications={"C2.1": Verification(checked="I checked it myself")}
        ),
        lambda: wf.sign_off_section(acme, a.id, 1, "C1"),
        lambda: wf.sign_off(acme, a.id, 1),
        lambda: wf.request_clarification(acme, a.id, "hello"),
        lambda: wf.audit_trail(acme, organisation_id=world.beta.organisation_id),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert wf.get_assessment(world.assessor, a.id).current_revision == 1


def test_system_actor_is_the_local_command_line(world: World) -> None:
    assert {u.username for u in world.wf.list_users(SYSTEM)} >= {"admin", "alice", "acme", "beta"}


def not_yours_calls(w: World, missing: int) -> dict[str, tuple[Callable[[int], Any], int]]:
    """Look-ups by id, each with Beta's id of that kind (another organisation's, from Acme's side)."""
    wf, acme, b = w.wf, w.acme, w.b
    return {
        "get_product": (lambda i: wf.get_product(acme, i), b.product_id),
        "history": (lambda i: wf.history(acme, i), b.product_id),
        "export_product": (lambda i: wf.export_product(acme, i), b.product_id),
        "audit_trail": (lambda i: wf.audit_trail(acme, product_id=i), b.product_id),
        "get_submission": (lambda i: wf.get_submission(acme, i), b.submission_id),
        "stored_submission": (lambda i: wf.stored_submission(acme, i), b.submission_id),
        "list_evidence": (lambda i: wf.list_evidence(acme, i), b.submission_id),
        "assess_submission": (lambda i: wf.assess_submission(acme, i, as_of=AS_OF), b.submission_id),
        "get_assessment": (lambda i: wf.get_assessment(acme, i), b.id),
        "list_revisions": (lambda i: wf.list_revisions(acme, i), b.id),
        "list_clarifications": (lambda i: wf.list_clarifications(acme, i), b.id),
    }


def test_missing_and_not_yours_are_told_the_same_way(world: World) -> None:
    """A vendor cannot tell another organisation's product (or submission, assessment) from one that
    does not exist: the same error type and the same words, only the id differs."""
    missing = 987654
    for name, (call, theirs) in not_yours_calls(world, missing).items():
        with pytest.raises(StoreError) as not_yours:
            call(theirs)
        with pytest.raises(StoreError) as absent:
            call(missing)
        assert type(not_yours.value) is type(absent.value), name
        assert isinstance(not_yours.value, AccessDenied) and isinstance(not_yours.value, NotFound), name
        said = str(not_yours.value).replace(str(theirs), "N")
        assert said == str(absent.value).replace(str(missing), "N"), name
        assert "not found or not yours" in said, name
