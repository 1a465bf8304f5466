"""Issue 9: decisions that cannot be fooled. Each rule is tested on both sides (and at date edges)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from support import TODAY, device_v2, name_technology, passing_lbp, passing_v2, rules_of, run

from dtac_app.criteria import Catalogue, Policy
from dtac_app.engine import route
from dtac_app.results import Override
from dtac_app.rules_nice import company_key

# --------------------------------------------------------------------------- unreadable choice answers


def test_free_text_in_a_routing_question_is_kept_and_its_branch_waits(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "Plan to follow next quarter"
    a = run(data, catalogue)
    q = a.question("C1.2")
    assert q is not None and (q.answer, q.outcome) == ("Plan to follow next quarter", "missing")
    assert "not one of the options (Yes; No)" in q.reason
    for dependent in ("C1.2.1", "C1.2.2", "C1.2.5"):
        d = a.question(dependent)
        assert d is not None and not d.asked and d.reason.startswith("Waiting for an earlier answer")
    assert a.decision == "incomplete"
    assert [f.rule for f in a.findings if f.severity == "missing"] == ["C1.2"]
    assert a.fixes[0].action == "C1.2 Supports direct care?: choose one of the options (Yes; No)"


def test_a_readable_answer_on_the_other_side_routes_normally(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "yes."
    a = run(data, catalogue)
    q = a.question("C1.2")
    assert q is not None and (q.answer, q.outcome) == ("Yes", "informational")
    assert a.question("C1.2.2").asked  # type: ignore[union-attr]
    assert a.decision == "available"


def test_free_text_in_a_context_choice_is_shown_but_does_not_decide(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["B1"] = "Patients/Clinicians"
    a = run(data, catalogue)
    assert a.decision == "available"
    f = [f for f in a.findings if f.rule == "B1"]
    assert len(f) == 1 and f[0].severity == "info" and "Patients/Clinicians" in f[0].text


def test_free_text_in_a_scored_choice_scores_nothing(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["D1.2"] = "Sometimes, with friends"
    a = run(data, catalogue)
    item = next(i for i in a.d1.items if i.id == "D1.2")
    assert (item.points, item.note) == (0.0, "not one of the options")
    assert a.decision == "available"


def test_unreadable_device_answer_does_not_claim_the_record_disagrees(catalogue: Catalogue) -> None:
    data = device_v2()
    data["answers"]["C1.1.1"] = "We think so"
    a = run(data, catalogue)
    assert "GB-REG.consistency" not in rules_of(a)
    assert "C1.1.1" in rules_of(a, "missing")


def test_route_treats_unreadable_answers_as_undecided(catalogue: Catalogue) -> None:
    cs = catalogue.dtac_set("dtac-v2.0")
    assert route(cs, {"C1.1.1": "No", "C1.2": "Maybe"})["C1.2.2"] is None
    assert route(cs, {"C1.1.1": "No", "C1.2": "No"})["C1.2.2"] is False


# --------------------------------------------------------------------------- routing against the form


@pytest.mark.parametrize(("d14", "asked"), [("Yes", True), ("No", False)])
def test_d1_5_is_asked_only_of_web_and_mobile_products(catalogue: Catalogue, d14: str, asked: bool) -> None:
    data = passing_v2()
    data["answers"]["D1.4"] = d14
    if d14 == "No":
        for q in ("D1.4.1", "D1.4.2", "D1.4.3"):
            data["answers"].pop(q, None)
    a = run(data, catalogue)
    q = a.question("D1.5")
    assert q is not None and q.asked is asked
    item = next(i for i in a.d1.items if i.id == "D1.5")
    assert (item.points is None) is (not asked)


# --------------------------------------------------------------------------- NICE identity


def _getubetter(manufacturer: str) -> dict[str, Any]:
    data = name_technology(passing_lbp(), "getUBetter")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    data["product"]["manufacturer"] = manufacturer
    return data


@pytest.mark.parametrize("maker", ["getUBetter Ltd", "GETUBETTER LIMITED", "getUBetter, Ltd.", "Getubetter"])
def test_the_technology_s_own_company_inherits_its_nice_status(catalogue: Catalogue, maker: str) -> None:
    a = run(_getubetter(maker), catalogue)
    assert a.nice.nice_status == "use_with_evidence_generation"
    assert "HTE16.1.2" in rules_of(a, "condition")
    assert "NICE.identity" not in rules_of(a)


def test_naming_a_technology_does_not_inherit_its_status(catalogue: Catalogue) -> None:
    a = run(_getubetter("Spine Ltd"), catalogue)
    assert a.nice.nice_status is None and a.nice.technology is None
    assert "HTE16.1.2" not in rules_of(a)
    unassessed = next(f for f in a.findings if f.rule == "NICE.unassessed")
    assert "names getUBetter, but its manufacturer is Spine Ltd, not getUBetter Ltd" in unassessed.text
    assert "treated as not assessed by NICE" in unassessed.text
    ident = next(f for f in a.findings if f.rule == "NICE.identity")
    assert ident.severity == "info" and "licensed" in ident.fix


def test_a_research_only_name_cannot_be_borrowed_either(catalogue: Catalogue) -> None:
    data = name_technology(passing_lbp(), "Flok Health")
    assert run(data, catalogue).decision == "research_only"
    data["product"]["manufacturer"] = "Other Physio Ltd"
    assert run(data, catalogue).decision == "available_with_conditions"


def test_an_assessor_can_confirm_a_licensed_reseller(catalogue: Catalogue) -> None:
    ov = Override(
        outcome="pass", rationale="Licence agreement with getUBetter Ltd seen, ref LIC-42", by="ana"
    )
    a = run(_getubetter("Reseller Health Ltd"), catalogue, overrides={"NICE.identity": ov})
    assert a.nice.nice_status == "use_with_evidence_generation"
    ident = next(f for f in a.findings if f.rule == "NICE.identity")
    assert "assessor confirmed" in ident.text and "LIC-42" in ident.text
    refused = Override(outcome="fail", rationale="No licence could be shown at all", by="ana")
    b = run(_getubetter("Reseller Health Ltd"), catalogue, overrides={"NICE.identity": refused})
    assert b.nice.nice_status is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Kaia Health Software GmbH", "kaia health software", True),
        ("Hinge Health Inc.", "Hinge Health, Inc", True),
        ("The Wellmind Health Ltd", "Wellmind Health Limited", True),
        ("Wellmind Health Ltd", "Wellmind Ltd", False),
        ("getUBetter Ltd", "getUBetter Clinics Ltd", False),
    ],
)
def test_company_names_compare_sensibly(a: str, b: str, same: bool) -> None:
    assert (company_key(a) == company_key(b)) is same


# --------------------------------------------------------------------------- HTE16 precedence over NG59


def _psychological_only(name: str) -> dict[str, Any]:
    data = name_technology(passing_lbp(), name)
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    data["clinical"]["content"] = ["cbt", "self_management", "stay_active", "education"]
    data["clinical"]["pain_duration"] = ["chronic"]
    return data


def test_pathway_through_pain_psychological_only_is_a_condition_not_a_failure(catalogue: Catalogue) -> None:
    a = run(_psychological_only("Pathway through Pain"), catalogue)
    assert a.decision == "available_with_conditions"
    cbt = next(f for f in a.findings if f.rule == "NG59.cbt")
    assert cbt.severity == "condition" and cbt.standing
    assert "exercise is offered elsewhere" in cbt.text and "HTE16" in cbt.used


def test_other_technologies_still_need_exercise_with_cbt(catalogue: Catalogue) -> None:
    a = run(_psychological_only("getUBetter"), catalogue)
    assert a.decision == "not_available"
    assert "NG59.cbt" in rules_of(a, "fail")


def test_the_exemption_needs_the_technology_s_own_company(catalogue: Catalogue) -> None:
    data = _psychological_only("Pathway through Pain")
    data["product"]["manufacturer"] = "Copycat Pain Ltd"
    assert "NG59.cbt" in rules_of(run(data, catalogue), "fail")


# --------------------------------------------------------------------------- unconfirmed NICE changes


def _kaia(on: dt.date = TODAY) -> dict[str, Any]:
    data = name_technology(passing_lbp(on), "Kaia")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    return data


def test_an_unconfirmed_change_is_a_visible_warning_when_not_applied(catalogue: Catalogue) -> None:
    a = run(_kaia(), catalogue)
    w = [f for f in a.findings if f.rule == "NICE.unconfirmed"]
    assert len(w) == 1
    text = w[0].text
    assert (
        "UNCONFIRMED" in text
        and "Recommendation withdrawn" in text
        and "no longer available to the NHS" in text
    )
    assert "April 2026" in text and "not applied" in text and "last confirmed status" in text
    assert a.nice.nice_status == "use_with_evidence_generation"
    assert a.decision == "available_with_conditions"


def test_an_unconfirmed_change_applied_by_policy_says_so_and_fails(catalogue: Catalogue) -> None:
    a = run(_kaia(), catalogue, policy=Policy(apply_unconfirmed_nice_changes=True))
    w = next(f for f in a.findings if f.rule == "NICE.unconfirmed")
    assert "is applied" in w.text
    assert a.decision == "not_available"
    withdrawn = next(f for f in a.findings if f.rule == "HTE16.withdrawn")
    assert "unconfirmed report" in withdrawn.text and "NICE.unassessed" not in rules_of(a)


def test_technologies_without_unconfirmed_reports_carry_no_warning(catalogue: Catalogue) -> None:
    assert "NICE.unconfirmed" not in rules_of(run(_getubetter("getUBetter Ltd"), catalogue))


# --------------------------------------------------------------------------- NG59 do-not-offer


@pytest.mark.parametrize(
    "item",
    [
        "opioids_acute",
        "gabapentinoids_sciatica",
        "antiepileptics_sciatica",
        "oral_corticosteroids_sciatica",
        "benzodiazepines_sciatica",
        "opioids_chronic_sciatica",
        "imaging_before_denervation",
        "epidural_neurogenic_claudication",
    ],
)
def test_every_ng59_do_not_offer_item_is_flagged(catalogue: Catalogue, item: str) -> None:
    data = passing_lbp()
    data["clinical"]["content"].append(item)
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert f"NG59.{item}" in rules_of(a, "fail")
    data["clinical"]["content"].remove(item)
    assert run(data, catalogue).decision == "available_with_conditions"


# --------------------------------------------------------------------------- evidence taken on assertion


def _pen_test(data: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in data["evidence"] if e["kind"] == "pen_test")


@pytest.mark.parametrize(("owasp", "outcome"), [(True, "pass"), (None, "missing"), (False, "fail")])
def test_only_explicit_owasp_coverage_passes(catalogue: Catalogue, owasp: bool | None, outcome: str) -> None:
    data = passing_v2()
    if owasp is None:
        del _pen_test(data)["owasp_top10"]
    else:
        _pen_test(data)["owasp_top10"] = owasp
    a = run(data, catalogue)
    assert a.question("C3.3").outcome == outcome  # type: ignore[union-attr]
    if owasp is None:
        assert "OWASP Top 10 is not stated" in a.question("C3.3").reason  # type: ignore[union-attr]
        assert any("owasp_top10: true" in f.action for f in a.fixes)


def _charter(data: dict[str, Any]) -> dict[str, Any]:
    data["answers"]["C3.2"] = "Yes"
    data["evidence"].append({"question": "C3.2", "kind": "charter"})
    return data


@pytest.mark.parametrize(
    ("cvss", "decision"), [(6.9, "available"), (7.0, "not_available"), (9.8, "not_available")]
)
def test_charter_route_still_counts_a_supplied_pen_test(
    catalogue: Catalogue, cvss: float, decision: str
) -> None:
    data = _charter(passing_v2())
    _pen_test(data)["highest_cvss"] = cvss
    a = run(data, catalogue)
    assert a.question("C3.3").asked is False  # type: ignore[union-attr]
    assert a.decision == decision
    if decision == "not_available":
        f = next(f for f in a.findings if f.rule == "C3.3.evidence")
        assert f"CVSS {cvss:.1f}" in f.text and "C3.2 = “Yes”" in f.text
        assert a.section("C3").status == "not_met"  # type: ignore[union-attr]


def test_charter_route_without_a_pen_test_is_not_asked_for_one(catalogue: Catalogue) -> None:
    data = _charter(passing_v2())
    data["evidence"].remove(_pen_test(data))
    for q in ("C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6"):
        data["answers"].pop(q)
    assert run(data, catalogue).decision == "available"


@pytest.mark.parametrize(("qid", "answer"), [("C3.5", "No"), ("C3.6", "No"), ("C3.4", "Unable to confirm")])
def test_answers_contradicting_the_charter_are_reported(catalogue: Catalogue, qid: str, answer: str) -> None:
    data = _charter(passing_v2())
    data["answers"][qid] = answer
    a = run(data, catalogue)
    assert a.decision == "incomplete"
    f = next(f for f in a.findings if f.rule == "C3.2.commitment")
    assert qid in f.text and answer in f.text and "Cyber Security Charter" in f.text
    data["answers"][qid] = {"C3.4": "Confirmed"}.get(qid, "Yes")
    assert run(data, catalogue).decision == "available"


def _dspt(data: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in data["evidence"] if e["kind"] == "dspt")


@pytest.mark.parametrize(
    ("as_of", "outcome"), [(dt.date(2026, 6, 30), "missing"), (dt.date(2026, 7, 1), "pass")]
)
def test_a_dspt_year_that_has_not_started_cannot_count(
    catalogue: Catalogue, as_of: dt.date, outcome: str
) -> None:
    data = passing_v2(as_of)
    _dspt(data)["period"] = "2026-27"  # starts 1 July 2026
    a = run(data, catalogue, as_of)
    q = a.question("C2.1")
    assert q is not None and q.outcome == outcome
    if outcome == "missing":
        assert "2026-27" in q.reason and "after the assessment date" in q.reason
        assert next(e for e in a.evidence if e.kind == "dspt").state == "not_yet_valid"


@pytest.mark.parametrize("kind", ["cyber_essentials", "dspt", "dpia", "pen_test"])
@pytest.mark.parametrize(("offset", "outcome"), [(0, "pass"), (1, "missing")])
def test_evidence_issued_after_the_assessment_date_cannot_count(
    catalogue: Catalogue, kind: str, offset: int, outcome: str
) -> None:
    data = passing_v2()
    rec = next(e for e in data["evidence"] if e["kind"] == kind)
    rec["issued"] = (TODAY + dt.timedelta(days=offset)).isoformat()
    a = run(data, catalogue)
    q = a.question(rec["question"])
    assert q is not None and q.outcome == outcome, q.reason
    if outcome == "missing":
        assert "after the assessment date" in q.reason


# --------------------------------------------------------------------------- placeholders and the CSO


@pytest.mark.parametrize(
    "text",
    [
        "TBC",
        "To be confirmed",
        "N/A",
        "TODO",
        "{{ cso_name }}",
        "[insert name]",
        "Dr INSERT_NAME_HERE, GMC 1234567",
        "Lorem ipsum dolor sit amet, GMC 1234567",
    ],
)
def test_placeholders_are_not_answers(catalogue: Catalogue, text: str) -> None:
    data = passing_v2()
    data["answers"]["C1.2.5"] = text
    a = run(data, catalogue)
    q = a.question("C1.2.5")
    assert q is not None and q.outcome == "missing" and "placeholder" in q.reason
    assert a.decision == "incomplete"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Dr A Person, GMC 1234567", True),
        ("Jane Doe, registered nurse, NMC 12A3456E", True),
        ("Sam Lee, physiotherapist, HCPC PH123456", True),
        ("Priya Shah (General Pharmaceutical Council 2071234)", True),
        ("Dr Jane Doe, consultant", False),  # no registration
        ("Jane Doe, GMC 12345", False),  # not a GMC number format
        ("GMC 1234567", False),  # no name
        ("Our clinical lead", False),
    ],
)
def test_the_clinical_safety_officer_is_a_named_registered_clinician(
    catalogue: Catalogue, text: str, ok: bool
) -> None:
    data = passing_v2()
    data["answers"]["C1.2.5"] = text
    a = run(data, catalogue)
    q = a.question("C1.2.5")
    assert q is not None and (q.outcome == "pass") is ok, q.reason
    if not ok:
        assert any("professional register" in f.action for f in a.fixes)


def test_a_placeholder_mhra_registration_is_missing_not_registered(catalogue: Catalogue) -> None:
    a = run(device_v2(mhra_registration="TBC"), catalogue)
    f = next(f for f in a.findings if f.rule == "GB-REG.placeholder.mhra_registration")
    assert f.severity == "missing" and "TBC" in f.text
    assert "GB-REG.mhra" not in rules_of(a)
    assert run(device_v2(), catalogue).decision == "available"


# --------------------------------------------------------------------------- C1.2 = No for a device


def _outside_dcb0129(data: dict[str, Any]) -> dict[str, Any]:
    data["answers"]["C1.2"] = "No"
    data["answers"]["C1.2.1"] = "The product only shows exercise videos and never informs care decisions."
    return data


def test_a_regulated_device_cannot_declare_itself_outside_dcb0129(catalogue: Catalogue) -> None:
    a = run(
        _outside_dcb0129(device_v2(device_class="IIa", marking="UKCA", certificate_expiry="2030-01-01")),
        catalogue,
    )
    q = a.question("C1.2")
    assert q is not None and q.outcome == "missing" and "cannot be outside DCB0129" in q.reason
    assert a.section("C1").status != "met"  # type: ignore[union-attr]
    assert a.decision == "incomplete"
    assert any("C1.2.2 to C1.2.5" in f.action for f in a.fixes)


def test_a_treatment_app_cannot_declare_itself_outside_dcb0129(catalogue: Catalogue) -> None:
    data = _outside_dcb0129(passing_lbp())
    data["answers"]["C1.1.1"] = "No"
    data.pop("regulatory")
    a = run(data, catalogue)
    assert a.question("C1.2").outcome == "missing"  # type: ignore[union-attr]


def test_a_non_device_may_declare_itself_outside_dcb0129(catalogue: Catalogue) -> None:
    assert run(_outside_dcb0129(passing_v2()), catalogue).decision == "available"


# --------------------------------------------------------------------------- valid until = last valid day


def test_valid_until_is_the_last_day_and_changes_on_the_day_after(catalogue: Catalogue) -> None:
    # A CE-MDD Class IIa device: GB acceptance ends after 30 June 2028.
    day = dt.date(2028, 5, 1)
    data = device_v2(day, marking="CE-MDD", device_class="IIa", certificate_expiry="2029-03-31")
    a = run(data, catalogue, day)
    assert (a.valid_until, a.changes_on) == (dt.date(2028, 6, 30), dt.date(2028, 7, 1))
    assert "1 Jul 2028" in a.valid_until_reason
    assert run(data, catalogue, dt.date(2028, 6, 30)).decision == a.decision
    assert run(data, catalogue, dt.date(2028, 7, 1)).decision != a.decision
    assert a.model_dump(mode="json", by_alias=True)["schema"] == "dtac-assessment/2"


def test_a_stored_schema_1_result_is_read_with_the_new_meaning(catalogue: Catalogue) -> None:
    from dtac_app.results import Assessment

    a = run(passing_v2(), catalogue)
    old = a.model_dump(mode="json", by_alias=True)
    old["schema"] = "dtac-assessment/1"
    old["valid_until"] = old.pop("changes_on")  # /1 recorded the first day of the change
    back = Assessment.model_validate(old)
    assert (back.valid_until, back.changes_on) == (a.valid_until, a.changes_on)
    assert back.model_dump(mode="json", by_alias=True)["schema"] == "dtac-assessment/2"


# --------------------------------------------------------------------------- structured results (issue 14.2)


def test_time_events_say_their_kind(catalogue: Catalogue) -> None:
    data = device_v2(marking="CE-MDD", device_class="IIa", certificate_expiry="2029-03-31")
    kinds = {(e.rule.split("@")[0], e.kind) for e in run(data, catalogue).events}
    assert ("GB-REG.ce_acceptance", "device_deadline") in kinds
    assert ("cyber_essentials", "evidence_expiry") in kinds
    assert ("cyber_essentials", "renewal_window") in kinds
    kaia = run(
        _kaia(dt.date(2026, 2, 1)),
        catalogue,
        dt.date(2026, 2, 1),
        policy=Policy(apply_unconfirmed_nice_changes=True),
    )
    assert any(e.kind == "status_change" for e in kaia.events)


def test_change_events_are_the_events_on_changes_on(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert a.change_events and all(e.on == a.changes_on for e in a.change_events)
    assert all(e.text in a.valid_until_reason for e in a.change_events)
    bad = passing_v2()
    bad["answers"]["C3.6"] = "No"
    assert run(bad, catalogue).change_events == ()


def test_an_override_keeps_the_engine_s_reason_as_a_field(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C3.6"] = "No"
    ov = Override(outcome="pass", rationale="Audit logging seen in a live demonstration", by="ana")
    q = run(data, catalogue, overrides={"C3.6": ov}).question("C3.6")
    assert q is not None and q.outcome == "pass" and q.engine_outcome == "fail"
    assert q.engine_reason.startswith("Answered “No”")


def test_stored_schema_1_events_get_their_kind(catalogue: Catalogue) -> None:
    from dtac_app.results import Assessment

    a = run(device_v2(marking="CE-MDD", device_class="IIa", certificate_expiry="2029-03-31"), catalogue)
    old = a.model_dump(mode="json", by_alias=True)
    old["schema"] = "dtac-assessment/1"
    old["valid_until"] = old.pop("changes_on")
    del old["change_events"]
    for e in old["events"]:
        del e["kind"]
    back = Assessment.model_validate(old)
    assert [e.kind for e in back.events] == [e.kind for e in a.events]
    assert back.change_events == a.change_events
