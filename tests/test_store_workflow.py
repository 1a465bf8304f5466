"""Use-cases end to end on both backends: submissions stored as received, revisions not
overwrites, overrides with rationale, provenance, sign-off immutability, clarifications."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from store_fixtures import AS_OF, World, example_text

from dtac_app.catalogue import get_catalogue
from dtac_app.engine import assess
from dtac_app.errors import InputError
from dtac_app.results import Override, Verification
from dtac_app.safe_yaml import parse_document
from dtac_app.store.errors import ConcurrentChangeError, SignedOffError, WorkflowError
from dtac_app.store.views import AssessmentView
from dtac_app.submission_io import parse_submission
from dtac_app.workbench.facade import Workbench


def ov(outcome: str = "fail", why: str = "the hazard log does not cover triage") -> Override:
    return Override(outcome=outcome, rationale=why)


def sign_everything(wf: Workbench, user: object, assessment_id: int, revision: int) -> None:
    view = wf.get_assessment(user, assessment_id, revision=revision)  # type: ignore[arg-type]
    for sec in view.sections_to_sign:
        if sec not in view.section_sign_offs:
            wf.sign_off_section(user, assessment_id, revision, sec)  # type: ignore[arg-type]
    wf.sign_off(  # type: ignore[arg-type]
        user,  # type: ignore[arg-type]
        assessment_id,
        revision,
        decision=view.result.decision,
        note="checked",
        open_items_reason="Signed off in this test whatever is still open.",
    )


def test_submission_is_stored_as_received_and_assessed(world: World) -> None:
    wf = world.wf
    raw = ("\ufeff" + example_text("Gamma", "Acme Health")).encode("utf-8")
    view = wf.submit(world.acme, raw, "gamma.yaml", as_of=AS_OF)
    sub = wf.get_submission(world.assessor, view.submission_id)
    assert sub.content == raw and sub.sha256 == hashlib.sha256(raw).hexdigest() and sub.size == len(raw)
    assert sub.filename == "gamma.yaml" and sub.received_by == "acme"
    cat = get_catalogue()
    expected = assess(
        parse_submission(parse_document(raw.decode("utf-8-sig"), file="g"), cat, file="g"), cat, as_of=AS_OF
    )
    assert view.result.decision == expected.decision
    assert view.result.questions == expected.questions
    assert view.revision == view.current_revision == 1 and view.status == "in_review"
    assert view.criteria_set == "dtac-v2.0" and len(view.criteria_hash) == 64
    assert view.profile == "dtac" and view.as_of == AS_OF
    assert view.result.criteria.hashes == cat.hashes_for("dtac-v2.0")


def test_bad_files_are_refused_and_nothing_is_stored(world: World) -> None:
    wf = world.wf
    before = len(wf.audit_trail(world.admin, limit=10_000))
    with pytest.raises(InputError, match="product"):
        wf.submit(world.acme, "schema: dtac-submission/1\nanswers: {}\n", "bad.yaml", as_of=AS_OF)
    with pytest.raises(InputError, match="UTF-8"):
        wf.submit(world.acme, b"\xff\xfe\x00garbage", "bad.yaml", as_of=AS_OF)
    assert len(wf.audit_trail(world.admin, limit=10_000)) == before
    assert len(wf.list_products(world.acme)) == 1


def test_assessor_submission_files_under_the_manufacturers_organisation(world: World) -> None:
    view = world.wf.submit(world.assessor, example_text("Delta", "Delta Digital Ltd"), "d.json", as_of=AS_OF)
    assert view.organisation_name == "Delta Digital Ltd"
    assert any(
        o.name == "Delta Digital Ltd" and o.kind == "vendor" for o in world.wf.list_organisations(world.admin)
    )


def test_every_save_is_a_new_revision_and_old_ones_stay_readable(world: World) -> None:
    wf, alice, a = world.wf, world.assessor, world.a
    v2 = wf.save_review(
        alice,
        a.id,
        1,
        overrides={"C1.2.4": ov()},
        verifications={"C2.1": Verification(checked="DSPT register: 8XX99, 2025-26 Standards Met")},
        comment="first pass",
    )
    assert v2.revision == 2 and v2.result.decision == "not_available"
    q = v2.result.question("C1.2.4")
    assert q is not None and q.outcome == "fail" and q.engine_outcome == "pass" and q.override is not None
    assert q.override.by == "alice"
    c21 = v2.result.question("C2.1")
    assert c21 is not None and c21.provenance == "verified" and c21.verification is not None
    assert v2.verifications["C2.1"].checked.startswith("DSPT register")
    # revision 1 is untouched
    v1 = wf.get_assessment(alice, a.id, revision=1)
    assert v1.result == a.result and v1.overrides == {} and v1.verifications == {} and not v1.is_current
    # an unchanged override keeps who made it and when, even when someone else saves
    world.wf.clock.advance(days=1)  # type: ignore[attr-defined]
    v3 = wf.save_review(world.assessor2, a.id, 2, overrides={"C1.2.4": ov()}, verifications={})
    assert v3.overrides["C1.2.4"].by == "alice" and v3.overrides["C1.2.4"].on == v2.overrides["C1.2.4"].on
    assert "C2.1" not in v3.verifications
    revs = wf.list_revisions(alice, a.id)
    assert [r.number for r in revs] == [1, 2, 3]
    assert [r.created_by for r in revs] == ["acme", "alice", "bob"]
    assert [r.overrides for r in revs] == [0, 1, 1] and [r.verified for r in revs] == [0, 1, 0]


def test_an_override_needs_a_written_rationale(world: World) -> None:
    with pytest.raises(ValidationError, match="rationale"):
        Override(outcome="pass", rationale="ok")
    with pytest.raises(ValidationError):
        world.wf.save_review(
            world.assessor,
            world.a.id,
            1,
            overrides={"C1.2": {"outcome": "pass"}},  # type: ignore[dict-item]
            verifications={},
        )
    # and the database refuses one too
    wf = world.wf
    with pytest.raises(IntegrityError), wf.db.engine.begin() as c:
        rev_id = c.execute(
            text("SELECT id FROM assessment_revisions WHERE assessment_id = :a"), {"a": world.a.id}
        ).scalar()
        c.execute(
            text(
                "INSERT INTO overrides (revision_id, question_id, outcome, rationale, by_label) "
                "VALUES (:r, 'C1.2', 'pass', '   short  ', 'x')"
            ),
            {"r": rev_id},
        )


def test_overrides_must_name_asked_questions(world: World) -> None:
    with pytest.raises(WorkflowError, match="no such question"):
        world.wf.save_review(world.assessor, world.a.id, 1, overrides={"Z9.9": ov()}, verifications={})
    with pytest.raises(WorkflowError, match="not asked"):
        world.wf.save_review(world.assessor, world.a.id, 1, overrides={"C1.1.2": ov()}, verifications={})


def test_a_stale_save_is_refused_with_a_clear_message(world: World) -> None:
    wf, a = world.wf, world.a
    wf.save_review(world.assessor, a.id, 1, overrides={"C1.2": ov()}, verifications={})
    with pytest.raises(ConcurrentChangeError) as exc:
        wf.save_review(world.assessor2, a.id, 1, overrides={"C3.1": ov()}, verifications={})
    msg = exc.value.message
    assert "revision 1" in msg and "revision 2" in msg and "alice" in msg and "NOT saved" in msg
    assert exc.value.expected == 1 and exc.value.current == 2
    latest = wf.get_assessment(world.assessor2, a.id)
    assert latest.revision == 2 and set(latest.overrides) == {"C1.2"}


def test_sign_off_needs_every_section_and_then_the_revision_is_immutable(world: World) -> None:
    wf, alice, a = world.wf, world.assessor, world.a
    v2 = wf.save_review(
        alice,
        a.id,
        1,
        overrides={"C3.1": ov("pass", "certificate seen on the IASME register")},
        verifications={},
    )
    with pytest.raises(WorkflowError, match="sign off every section first"):
        wf.sign_off(alice, a.id, 2)
    wf.sign_off_section(alice, a.id, 2, "c1")
    with pytest.raises(WorkflowError, match="already signed off"):
        wf.sign_off_section(world.assessor2, a.id, 2, "C1")
    with pytest.raises(WorkflowError, match="not a section"):
        wf.sign_off_section(alice, a.id, 2, "A")
    sign_everything(wf, alice, a.id, 2)
    signed = wf.get_assessment(alice, a.id)
    assert signed.status == "signed_off" and signed.signed_off is not None and signed.signed_off.by == "alice"
    assert set(signed.section_sign_offs) == set(signed.sections_to_sign)
    # nothing can be added to a signed-off revision
    with pytest.raises(SignedOffError):
        wf.sign_off(world.assessor2, a.id, 2)
    with pytest.raises(SignedOffError):
        wf.sign_off_section(world.assessor2, a.id, 2, "C2")
    # a change after sign-off is a new revision that needs its own sign-off
    v3 = wf.save_review(world.assessor2, a.id, 2, overrides={}, verifications={}, comment="undo the override")
    assert v3.revision == 3 and v3.status == "changed_after_sign_off" and v3.signed_off is None
    again = wf.get_assessment(alice, a.id, revision=2)
    assert (
        again.result == v2.result
        and again.overrides == v2.overrides
        and again.signed_off == signed.signed_off
    )
    sign_everything(wf, alice, a.id, 3)
    assert wf.get_assessment(alice, a.id).status == "signed_off"
    assert [r.signed_off is not None for r in wf.list_revisions(alice, a.id)] == [False, True, True]
    # and the stored rows themselves cannot be changed
    with pytest.raises(Exception, match="append-only|permission denied"), wf.db.engine.begin() as c:
        c.execute(
            text(
                "UPDATE assessment_revisions SET decision = 'available' WHERE assessment_id = :a AND number = 2"
            ),
            {"a": a.id},
        )
    with pytest.raises(Exception, match="append-only|permission denied"), wf.db.engine.begin() as c:
        c.execute(text("DELETE FROM sign_offs"))


def test_sign_off_of_a_stale_revision_is_refused(world: World) -> None:
    wf = world.wf
    wf.save_review(world.assessor, world.a.id, 1, overrides={}, verifications={})
    with pytest.raises(ConcurrentChangeError):
        wf.sign_off_section(world.assessor2, world.a.id, 1, "C1")


def test_clarification_requests_and_replies(world: World) -> None:
    wf, alice, acme, a = world.wf, world.assessor, world.acme, world.a
    c = wf.request_clarification(alice, a.id, "Please send the DCB0129 safety case.", question_id="C1.2.4")
    assert c.status == "open" and c.question_id == "C1.2.4" and c.asked_by == "alice"
    assert wf.get_assessment(acme, a.id).open_clarifications == 1
    c = wf.reply_clarification(acme, c.id, "Attached as safety-case-v3.pdf")
    assert c.status == "answered" and [r.by for r in c.replies] == ["acme"]
    c = wf.reply_clarification(alice, c.id, "Section 4 is missing.")
    assert c.status == "open"
    c = wf.close_clarification(alice, c.id)
    assert c.status == "closed" and c.closed_at is not None
    with pytest.raises(WorkflowError, match="closed"):
        wf.reply_clarification(acme, c.id, "late")
    with pytest.raises(WorkflowError, match="empty"):
        wf.request_clarification(alice, a.id, "   ")
    with pytest.raises(WorkflowError, match="no such question"):
        wf.request_clarification(alice, a.id, "?", question_id="Q1")
    assert [x.id for x in wf.list_clarifications(acme, a.id)] == [c.id]
    assert wf.get_assessment(acme, a.id).open_clarifications == 0


def test_reassessing_a_stored_submission_on_a_later_date(world: World) -> None:
    later = world.wf.assess_submission(world.assessor, world.a.submission_id, as_of=dt.date(2027, 9, 1))
    assert later.id != world.a.id and later.as_of == dt.date(2027, 9, 1) and later.revision == 1
    detail = world.wf.get_product(world.assessor, world.a.product_id)
    (version,) = detail.version_details
    assert [x.id for x in version.submissions[0].assessments] == [world.a.id, later.id]
    assert detail.latest is not None and detail.latest.id == later.id


def test_product_listing_summarises_the_latest_state(world: World) -> None:
    wf = world.wf
    wf.save_review(world.assessor, world.a.id, 1, overrides={"C1.2": ov()}, verifications={})
    (p,) = [x for x in wf.list_products(world.assessor) if x.id == world.a.product_id]
    assert p.latest is not None and p.latest.current_revision == 2 and p.latest.decision == "not_available"
    assert (
        p.latest.decision_label == "Not available"
        and p.versions == ("1.0",)
        and p.organisation_name == "Acme Health"
    )


def _sign_sections(wf: Workbench, user: object, assessment_id: int, revision: int) -> AssessmentView:
    view = wf.get_assessment(user, assessment_id, revision=revision)  # type: ignore[arg-type]
    for sec in view.sections_to_sign:
        wf.sign_off_section(user, assessment_id, revision, sec)  # type: ignore[arg-type]
    return view


def test_sign_off_needs_the_decision_confirmed_and_records_the_signer(world: World) -> None:
    wf, alice, a = world.wf, world.assessor, world.a
    view = _sign_sections(wf, alice, a.id, 1)
    with pytest.raises(WorkflowError, match="confirm the decision you are signing off"):
        wf.sign_off(alice, a.id, 1, open_items_reason="whatever is open, sign")
    wrong = "available" if view.result.decision != "available" else "not_available"
    with pytest.raises(WorkflowError, match="nothing was signed"):
        wf.sign_off(alice, a.id, 1, decision=wrong, open_items_reason="whatever is open, sign")
    assert wf.get_assessment(alice, a.id).signed_off is None
    signed = wf.sign_off(
        alice,
        a.id,
        1,
        decision=view.result.decision,
        role="Clinical safety officer",
        organisation="Example ICB",
        open_items_reason="whatever is open, sign",
    )
    so = signed.signed_off
    assert so is not None and so.by == alice.username
    assert (so.name, so.role, so.organisation) == (alice.label, "Clinical safety officer", "Example ICB")
    entry = next(e for e in wf.audit_trail(alice) if e.action == "assessment.sign_off")
    assert entry.after is not None and entry.after["signer"]["role"] == "Clinical safety officer"


def test_sign_off_with_items_missing_or_clarifications_open_needs_a_reason(world: World) -> None:
    wf, alice, a = world.wf, world.assessor, world.a
    # A missing answer: an override to "missing" makes one whatever the example says.
    v2 = wf.save_review(
        alice, a.id, 1, overrides={"C1.2": ov("missing", "no answer we can use")}, verifications={}
    )
    c = wf.request_clarification(alice, a.id, "Who is the clinical safety officer?")
    _sign_sections(wf, alice, a.id, 2)
    with pytest.raises(WorkflowError) as exc:
        wf.sign_off(alice, a.id, 2, decision=v2.result.decision)
    msg = exc.value.message
    assert "C1.2" in msg and "1 clarification request open" in msg and "record why" in msg
    with pytest.raises(WorkflowError, match="record why"):
        wf.sign_off(alice, a.id, 2, decision=v2.result.decision, open_items_reason="  short ")
    signed = wf.sign_off(
        alice,
        a.id,
        2,
        decision=v2.result.decision,
        open_items_reason="CSO confirmed by phone; form to follow.",
    )
    assert signed.signed_off is not None
    assert "C1.2" in signed.signed_off.open_items and "CSO confirmed by phone" in signed.signed_off.open_items
    # Nothing open: no reason needed, and none recorded.
    wf.close_clarification(alice, c.id)
    v3 = wf.save_review(alice, a.id, 2, overrides={}, verifications={})
    if not any(q.outcome == "missing" for q in v3.result.questions if q.asked):
        _sign_sections(wf, alice, a.id, 3)
        done = wf.sign_off(alice, a.id, 3, decision=v3.result.decision)
        assert done.signed_off is not None and done.signed_off.open_items == ""


def test_a_revision_stored_before_dtac_assessment_2_lists_its_last_valid_day(world: World) -> None:
    """Revisions saved by the first release hold ``valid_until`` as the day the decision changes
    (dtac-assessment/1). Listings read the column, so they must give the last valid day, as the
    assessment page does after reading the stored result."""
    wf = world.wf
    view = wf.get_assessment(world.assessor, world.a.id)
    assert view.result.valid_until is not None
    changes_on = view.result.valid_until + dt.timedelta(days=1)
    old = view.result.model_dump(mode="json", by_alias=True)
    old["schema"] = "dtac-assessment/1"
    old["valid_until"] = changes_on.isoformat()
    old.pop("changes_on", None)
    old.pop("change_events", None)
    import json

    with wf.db.engine.begin() as c:
        row = c.execute(
            text(
                "SELECT created_at, decision, engine_version, criteria_hash FROM assessment_revisions "
                "WHERE assessment_id = :a AND number = 1"
            ),
            {"a": world.a.id},
        ).one()
        c.execute(
            text(
                "INSERT INTO assessment_revisions (assessment_id, number, created_at, comment, decision, "
                "valid_until, engine_version, criteria_hash, result) "
                "VALUES (:a, 2, :c, 'saved by the first release', :d, :v, :e, :h, :r)"
            ),
            {
                "a": world.a.id,
                "c": row.created_at,
                "d": row.decision,
                "v": changes_on,
                "e": row.engine_version,
                "h": row.criteria_hash,
                "r": json.dumps(old),
            },
        )
        c.execute(text("UPDATE assessments SET current_revision = 2 WHERE id = :a"), {"a": world.a.id})
    again = wf.get_assessment(world.assessor, world.a.id)
    assert again.revision == 2 and again.result.valid_until == view.result.valid_until
    (p,) = [x for x in wf.list_products(world.assessor) if x.id == world.a.product_id]
    assert p.latest is not None and p.latest.valid_until == view.result.valid_until


def test_the_portfolio_rows_follow_every_change(world: World) -> None:
    """The portfolio keeps its rows between page runs; any saved change must show at the next run."""
    from dtac_app.workbench.portfolio import portfolio

    wf = world.wf

    def row_of(actor: object, product_id: int) -> object:
        (row,) = [r for r in portfolio(wf, actor) if r.product_id == product_id]  # type: ignore[arg-type]
        return row

    first = row_of(world.assessor, world.a.product_id)
    assert row_of(world.assessor, world.a.product_id) == first  # nothing changed: the same row
    wf.save_review(world.assessor, world.a.id, 1, overrides={"C1.2": ov()}, verifications={})
    after_review = row_of(world.assessor, world.a.product_id)
    assert after_review.revision == 2 and after_review.decision == "not_available"  # type: ignore[attr-defined]
    sign_everything(wf, world.assessor, world.a.id, 2)
    assert row_of(world.assessor, world.a.product_id).status == "signed_off"  # type: ignore[attr-defined]
    view = wf.submit(world.acme, example_text("Gamma", "Acme Health"), "gamma.yaml", as_of=AS_OF)
    assert any(r.product == "Gamma" for r in portfolio(wf, world.assessor))
    # each actor sees only what is theirs, whoever asked first
    assert {r.organisation for r in portfolio(wf, world.beta)} == {"Beta Care"}
    assert view.product_id in {r.product_id for r in portfolio(wf, world.acme)}
