"""The assessment engine: routing, rules, decisions and their precedence, overrides, explanations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError
from support import (
    DECISIONS,
    TODAY,
    V1_DAY,
    days,
    device_v2,
    drop_answers,
    evidence_of,
    finding_text,
    name_technology,
    passing_lbp,
    passing_v1,
    passing_v2,
    rules_of,
    run,
)

from dtac_app.criteria import Catalogue, Policy
from dtac_app.engine import assess
from dtac_app.results import Assessment, Override, Verification


def asked(a: Assessment, *qids: str) -> list[bool]:
    out = []
    for q in qids:
        r = a.question(q)
        assert r is not None, q
        out.append(r.asked)
    return out


def outcome(a: Assessment, qid: str) -> str:
    r = a.question(qid)
    assert r is not None, qid
    return r.outcome


def section(a: Assessment, sid: str) -> str:
    s = a.section(sid)
    assert s is not None, sid
    return s.status


# =========================================================================== the baseline


def test_baseline_v2_submission_is_available_with_no_conditions(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert a.decision == "available"
    assert a.decision_label == "Available for NHS use"
    assert [section(a, s) for s in ("C1", "C2", "C3", "C4")] == ["met"] * 4
    assert a.conditions == ()
    assert a.fixes == ()
    assert all(f.severity == "pass" for f in a.reasons)
    assert a.regulatory.status == "not_applicable"
    assert a.nice.applies is False
    assert a.d1.method == "comparative"
    assert a.d1.percent == 100.0


def test_baseline_v1_submission_is_available(catalogue: Catalogue) -> None:
    a = run(passing_v1(), catalogue, V1_DAY)
    assert a.decision == "available", finding_text(a)
    assert a.d1.percent == 100.0
    assert a.d1.method == "weighted"


def test_baseline_lbp_submission_is_available_with_conditions_only_for_nice(catalogue: Catalogue) -> None:
    a = run(passing_lbp(), catalogue)
    assert a.decision == "available_with_conditions"
    assert rules_of(a, "condition") == {"NICE.unassessed"}
    assert a.regulatory.status == "pass"
    # The same product under the dtac profile has no NICE gate and no conditions.
    b = run(passing_lbp(), catalogue, profile="dtac")
    assert b.decision == "available"
    assert b.profile == "dtac"


# =========================================================================== routing (v2.0)


def test_c1_1_1_no_goes_to_c1_2(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert asked(a, "C1.1.1", "C1.1.2", "C1.2") == [True, False, True]
    assert outcome(a, "C1.1.2") == "not_applicable"


def test_standalone_device_skips_all_of_c1_2(catalogue: Catalogue) -> None:
    data = device_v2()
    data["answers"]["C1.1.2"] = "Yes"
    drop_answers(data, "C1.2", "C1.2.2", "C1.2.3", "C1.2.4", "C1.2.5")
    a = run(data, catalogue)
    assert asked(a, "C1.1.1", "C1.1.2") == [True, True]
    assert asked(a, "C1.2", "C1.2.1", "C1.2.2", "C1.2.3", "C1.2.4", "C1.2.5") == [False] * 6
    assert section(a, "C1") == "met"
    assert a.decision == "available", finding_text(a)


def test_device_that_is_not_standalone_continues_at_c1_2(catalogue: Catalogue) -> None:
    a = run(device_v2(), catalogue)
    assert asked(a, "C1.1.2", "C1.2", "C1.2.2", "C1.2.5") == [True, True, True, True]
    assert a.decision == "available", finding_text(a)


def test_device_needs_the_paq(catalogue: Catalogue) -> None:
    data = device_v2()
    data["evidence"] = [e for e in data["evidence"] if e["kind"] != "paq"]
    a = run(data, catalogue)
    assert outcome(a, "C1.1.1") == "missing"
    assert "Pre-Acquisition Questionnaire" in a.question("C1.1.1").reason  # type: ignore[union-attr]
    assert a.decision == "incomplete"


def test_c1_2_no_asks_only_the_justification(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "No"
    drop_answers(data, "C1.2.2", "C1.2.3", "C1.2.4", "C1.2.5")
    a = run(data, catalogue)
    assert asked(a, "C1.2.1") == [True]
    assert asked(a, "C1.2.2", "C1.2.3", "C1.2.4", "C1.2.5") == [False] * 4
    assert outcome(a, "C1.2.1") == "missing"
    assert a.decision == "incomplete"
    data["answers"]["C1.2.1"] = "Population-level reporting only; no direct care decisions."
    a = run(data, catalogue)
    assert section(a, "C1") == "met"
    assert a.decision == "available"


def test_c1_2_1_justification_must_say_something(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "No"
    data["answers"]["C1.2.1"] = "n/a"
    a = run(data, catalogue)
    assert outcome(a, "C1.2.1") == "missing"
    assert "placeholder" in a.question("C1.2.1").reason  # type: ignore[union-attr]
    data["answers"]["C1.2.1"] = "Not DCB"
    a = run(data, catalogue)
    assert outcome(a, "C1.2.1") == "missing"
    assert "too short" in a.question("C1.2.1").reason  # type: ignore[union-attr]


def test_answers_to_questions_routed_out_are_ignored(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "No"
    data["answers"]["C1.2.1"] = "Population-level reporting only; no direct care decisions."
    data["answers"]["C1.2.2"] = "No"  # would fail if asked
    a = run(data, catalogue)
    assert asked(a, "C1.2.2") == [False]
    assert outcome(a, "C1.2.2") == "not_applicable"
    assert a.decision == "available"


def test_c2_2_no_skips_every_c2_2_question(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C2.2"] = "No"
    drop_answers(data, "C2.2.1", "C2.2.2", "C2.2.3", "C2.2.4", "C2.2.5")
    a = run(data, catalogue)
    assert asked(a, "C2.2.1", "C2.2.2", "C2.2.3", "C2.2.4", "C2.2.5", "C2.2.6") == [False] * 6
    # Routed out, not waiting: even C2.2.6, which depends on the (unasked) C2.2.5.
    for q in ("C2.2.1", "C2.2.5", "C2.2.6"):
        assert a.question(q).reason.startswith("Not asked: applies only when"), q  # type: ignore[union-attr]
    assert section(a, "C2") == "met"
    assert a.decision == "available"


def test_c2_2_5_uk_only_skips_c2_2_6_and_outside_uk_asks_it(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert asked(a, "C2.2.6") == [False]
    data = passing_v2()
    data["answers"]["C2.2.5"] = "Outside of UK"
    a = run(data, catalogue)
    assert asked(a, "C2.2.6") == [True]
    assert outcome(a, "C2.2.6") == "missing"
    assert section(a, "C2") == "incomplete"
    data["answers"]["C2.2.6"] = "Ireland: UK adequacy regulations cover the EEA."
    assert run(data, catalogue).decision == "available"


def test_cyber_security_charter_skips_c3_3_to_c3_6(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C3.2"] = "Yes"
    drop_answers(data, "C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6")
    data["evidence"] = [e for e in data["evidence"] if e["kind"] != "pen_test"]
    data["evidence"].append({"question": "C3.2", "kind": "charter"})
    a = run(data, catalogue)
    assert asked(a, "C3.1", "C3.2") == [True, True]
    assert asked(a, "C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6") == [False] * 5
    assert section(a, "C3") == "met"
    assert a.decision == "available"


def test_charter_yes_needs_the_signed_charter(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C3.2"] = "Yes"
    a = run(data, catalogue)
    assert outcome(a, "C3.2") == "missing"
    assert a.decision == "incomplete"


def test_c4_1_no_skips_the_api_questions(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert asked(a, "C4.1.1", "C4.1.2", "C4.1.3") == [False] * 3


def test_c4_1_yes_asks_standards_and_gds_practice(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"].update({"C4.1": "Yes", "C4.1.1": "HL7 FHIR R4 UK Core", "C4.1.2": "Confirm"})
    a = run(data, catalogue)
    assert asked(a, "C4.1.1", "C4.1.2", "C4.1.3") == [True, True, False]
    assert a.decision == "available"


def test_c4_1_2_cannot_confirm_asks_c4_1_3(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"].update({"C4.1": "Yes", "C4.1.1": "HL7 FHIR R4 UK Core", "C4.1.2": "Cannot confirm"})
    a = run(data, catalogue)
    assert asked(a, "C4.1.3") == [True]
    assert outcome(a, "C4.1.3") == "missing"
    assert a.decision == "incomplete"
    data["answers"]["C4.1.3"] = "Documented on request under a partner licence, free of charge."
    assert run(data, catalogue).decision == "available"


def test_c4_2_no_ends_section_c4(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert asked(a, "C4.2.1", "C4.2.2", "C4.2.3", "C4.2.4", "C4.2.5", "C4.2.6") == [False] * 6
    for q in ("C4.2.1", "C4.2.3", "C4.2.5", "C4.2.6"):
        assert a.question(q).reason.startswith("Not asked: applies only when"), q  # type: ignore[union-attr]
    assert section(a, "C4") == "met"


def _identity(**answers: str) -> dict[str, Any]:
    data = passing_v2()
    data["answers"]["C4.2"] = "Yes"
    data["answers"].update(answers)
    return data


def test_c4_2_2_pds_yes_skips_c4_2_3(catalogue: Catalogue) -> None:
    a = run(_identity(**{"C4.2.1": "Yes", "C4.2.2": "Yes", "C4.2.4": "Yes"}), catalogue)
    assert asked(a, "C4.2.1", "C4.2.2", "C4.2.3", "C4.2.4") == [True, True, False, True]
    assert a.decision == "available"


def test_c4_2_2_pds_no_asks_c4_2_3(catalogue: Catalogue) -> None:
    a = run(_identity(**{"C4.2.1": "Yes", "C4.2.2": "No", "C4.2.4": "Yes"}), catalogue)
    assert asked(a, "C4.2.3") == [True]
    assert a.decision == "incomplete"


def test_c4_2_1_nhs_number_no_skips_pds_and_asks_c4_2_3(catalogue: Catalogue) -> None:
    data = _identity(
        **{
            "C4.2.1": "No",
            "C4.2.4": "Yes",
            "C4.2.3": "Matched on name, date of birth and postcode with manual review.",
        }
    )
    a = run(data, catalogue)
    assert asked(a, "C4.2.2", "C4.2.3") == [False, True]
    assert a.decision == "available"


def test_c4_2_4_nhs_login_yes_skips_c4_2_5_and_c4_2_6(catalogue: Catalogue) -> None:
    a = run(_identity(**{"C4.2.1": "Yes", "C4.2.2": "Yes", "C4.2.4": "Yes"}), catalogue)
    assert asked(a, "C4.2.5", "C4.2.6") == [False, False]


def test_c4_2_4_no_asks_dapb3051_then_authentication(catalogue: Catalogue) -> None:
    data = _identity(**{"C4.2.1": "Yes", "C4.2.2": "Yes", "C4.2.4": "No", "C4.2.5": "Yes"})
    a = run(data, catalogue)
    assert asked(a, "C4.2.5", "C4.2.6") == [True, False]
    assert a.decision == "available"
    data["answers"]["C4.2.5"] = "Not applicable"
    a = run(data, catalogue)
    assert asked(a, "C4.2.6") == [True]
    assert a.decision == "incomplete"
    data["answers"]["C4.2.6"] = "Passwordless email link plus TOTP; sessions expire after 15 minutes."
    assert run(data, catalogue).decision == "available"
    data["answers"]["C4.2.5"] = "No"
    a = run(data, catalogue)
    assert outcome(a, "C4.2.5") == "fail"
    assert a.decision == "not_available"


def test_d1_4_no_skips_the_web_questions(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["D1.4"] = "No"
    drop_answers(data, "D1.4.1", "D1.4.3")
    a = run(data, catalogue)
    assert asked(a, "D1.4.1", "D1.4.2", "D1.4.3") == [False] * 3
    assert a.decision == "available"
    assert {i.id: i.note for i in a.d1.items}["D1.4.1"] == "not asked"


@pytest.mark.parametrize(
    ("drop", "section_id", "waiting"),
    [
        ("C1.2", "C1", ["C1.2.1", "C1.2.2", "C1.2.5"]),
        ("C1.1.1", "C1", ["C1.1.2", "C1.2", "C1.2.1"]),
        ("C2.2", "C2", ["C2.2.1", "C2.2.5"]),
        ("C2.2.5", "C2", ["C2.2.6"]),
        ("C3.2", "C3", ["C3.3", "C3.6"]),
        ("C4.1", "C4", ["C4.1.1", "C4.1.2"]),
        ("C4.2", "C4", ["C4.2.1", "C4.2.4"]),
    ],
)
def test_unanswered_routing_question_makes_the_section_incomplete(
    catalogue: Catalogue, drop: str, section_id: str, waiting: list[str]
) -> None:
    data = drop_answers(passing_v2(), drop)
    a = run(data, catalogue)
    assert outcome(a, drop) == "missing"
    assert section(a, section_id) == "incomplete"
    assert a.decision == "incomplete"
    for q in waiting:
        r = a.question(q)
        assert r is not None and r.asked is False
        assert "Waiting for an earlier answer" in r.reason
    assert any(f.rule == drop and f.severity == "missing" for f in a.reasons)
    assert any(drop in fx.action for fx in a.fixes)


# =========================================================================== each decision reachable


def test_every_decision_is_reachable(catalogue: Catalogue) -> None:
    seen = {}
    seen["available"] = run(passing_v2(), catalogue).decision
    seen["available_with_conditions"] = run(passing_lbp(), catalogue).decision
    flok = passing_lbp()
    name_technology(flok, "Flok Health")
    seen["research_only"] = run(flok, catalogue).decision
    seen["incomplete"] = run(drop_answers(passing_v2(), "C3.1"), catalogue).decision
    bad = passing_v2()
    bad["answers"]["C3.4"] = "Unable to confirm"
    seen["not_available"] = run(bad, catalogue).decision
    assert seen == {d: d for d in DECISIONS}


def test_research_only_technology(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Flok Health")
    a = run(data, catalogue)
    assert a.decision == "research_only"
    assert a.decision_label == "Research use only"
    assert a.nice.nice_status == "research_only"
    assert a.nice.technology == "Flok Health"
    assert any(f.rule == "HTE16.1.4" for f in a.reasons)
    # Under the dtac profile the NICE gate does not apply.
    assert run(data, catalogue, profile="dtac").decision == "available"


@pytest.mark.parametrize(
    "name", ["Ascenti Reach", "Digital Therapist", "Flok Health", "Phio Engage", "Joint Academy"]
)
def test_all_research_only_technologies(catalogue: Catalogue, name: str) -> None:
    data = passing_lbp()
    name_technology(data, name)
    assert run(data, catalogue).decision == "research_only"


# =========================================================================== precedence


def test_a_failure_outranks_a_missing_item(catalogue: Catalogue) -> None:
    data = drop_answers(passing_v2(), "C1.2.5")  # missing
    data["answers"]["C3.6"] = "No"  # fail
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert {f.rule for f in a.reasons} == {"C3.6"}
    assert {f.severity for f in a.findings} >= {"fail", "missing"}
    # The fix list puts the failure first and says what fixing it would lead to.
    assert a.fixes[0].rule == "C3.6"
    assert "incomplete" in a.fixes[0].impact
    assert a.valid_until is None


def test_missing_outranks_research_and_conditions(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Flok Health")
    data["answers"]["D1.4.1"] = "No, but a plan and timeline exists"
    drop_answers(data, "C2.2.3")
    assert run(data, catalogue).decision == "incomplete"
    data["answers"]["C2.2.3"] = "Provided"
    assert run(data, catalogue).decision == "research_only"


def test_research_outranks_conditions(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Flok Health")
    data["answers"]["D1.4.1"] = "No, but a plan and timeline exists"
    a = run(data, catalogue)
    assert a.decision == "research_only"
    assert a.conditions  # still listed


def test_context_and_d1_answers_never_fail_the_product(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"].update(
        {
            "B4": "Not available",
            "D1.1": "Not provided",
            "D1.2": "No",
            "D1.3": "Cannot confirm",
            "D1.4.1": "No",
        }
    )
    a = run(data, catalogue)
    assert a.decision == "available"
    assert outcome(a, "D1.4.1") == "informational"
    assert a.d1.percent is not None and a.d1.percent < 50


def test_d1_minimum_is_a_policy_setting(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"].update({"D1.2": "No", "D1.3": "Cannot confirm"})
    assert run(data, catalogue).decision == "available"
    a = run(data, catalogue, policy=Policy(d1_minimum_percent=80))
    assert a.decision == "not_available"
    assert "D1.minimum" in rules_of(a, "fail")


# =========================================================================== evidence rules


def test_cyber_essentials_older_than_12_months_fails(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY - days(400)).isoformat()
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert outcome(a, "C3.1") == "fail"
    assert "expired" in a.question("C3.1").reason  # type: ignore[union-attr]
    assert {e.state for e in a.evidence if e.kind == "cyber_essentials"} == {"expired"}


def test_cyber_essentials_with_no_date_is_missing(catalogue: Catalogue) -> None:
    data = passing_v2()
    del evidence_of(data, "cyber_essentials")["issued"]
    a = run(data, catalogue)
    assert outcome(a, "C3.1") == "missing"
    assert a.decision == "incomplete"


def test_cyber_essentials_the_newest_of_two_certificates_counts(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY - days(400)).isoformat()
    data["evidence"].append(
        {"question": "C3.1", "kind": "cyber_essentials", "issued": (TODAY - days(10)).isoformat()}
    )
    assert run(data, catalogue).decision == "available"


def test_cyber_essentials_not_provided_fails(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C3.1"] = "Not provided"
    a = run(data, catalogue)
    assert outcome(a, "C3.1") == "fail"
    assert a.decision == "not_available"


def test_evidence_dated_after_the_assessment_date_is_not_accepted(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY + days(5)).isoformat()
    a = run(data, catalogue)
    assert outcome(a, "C3.1") == "missing"
    assert a.decision == "incomplete"


@pytest.mark.parametrize(
    ("cvss", "expected"),
    [(0.0, "available"), (6.9, "available"), (7.0, "not_available"), (9.8, "not_available")],
)
def test_pen_test_cvss_threshold(catalogue: Catalogue, cvss: float, expected: str) -> None:
    data = passing_v2()
    evidence_of(data, "pen_test")["highest_cvss"] = cvss
    a = run(data, catalogue)
    assert a.decision == expected
    if expected == "not_available":
        assert outcome(a, "C3.3") == "fail"
        assert f"CVSS {cvss:.1f}" in a.question("C3.3").reason  # type: ignore[union-attr]


def test_pen_test_older_than_12_months_fails(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "pen_test")["issued"] = (TODAY - days(370)).isoformat()
    a = run(data, catalogue)
    assert outcome(a, "C3.3") == "fail"
    assert a.decision == "not_available"


def test_pen_test_not_covering_owasp_fails(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "pen_test")["owasp_top10"] = False
    a = run(data, catalogue)
    assert outcome(a, "C3.3") == "fail"
    assert "OWASP" in a.question("C3.3").reason  # type: ignore[union-attr]


def test_pen_test_without_a_cvss_score_is_missing(catalogue: Catalogue) -> None:
    data = passing_v2()
    del evidence_of(data, "pen_test")["highest_cvss"]
    a = run(data, catalogue)
    assert outcome(a, "C3.3") == "missing"
    assert a.decision == "incomplete"


def test_v1_cvss_threshold_is_a_policy_setting(catalogue: Catalogue) -> None:
    data = passing_v1()
    evidence_of(data, "pen_test")["highest_cvss"] = 8.1
    assert run(data, catalogue, V1_DAY).decision == "not_available"
    assert run(data, catalogue, V1_DAY, policy=Policy(v1_apply_cvss_threshold=False)).decision == "available"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("Standards Exceeded", "available"),
        ("Standards Met", "available"),
        ("Approaching Standards", "not_available"),
        ("Standards Not Met", "not_available"),
        ("No current publication", "not_available"),
    ],
)
def test_dspt_status(catalogue: Catalogue, status: str, expected: str) -> None:
    data = passing_v2()
    evidence_of(data, "dspt")["status"] = status
    a = run(data, catalogue)
    assert a.decision == expected
    if expected == "not_available":
        assert outcome(a, "C2.1") == "fail"
        assert status in a.question("C2.1").reason  # type: ignore[union-attr]


def test_dspt_unable_to_confirm_fails_and_no_access_passes(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C2.1"] = "Unable to confirm"
    assert run(data, catalogue).decision == "not_available"
    data["answers"]["C2.1"] = "No access to patient data or national NHS system"
    data["evidence"] = [e for e in data["evidence"] if e["kind"] != "dspt"]
    assert run(data, catalogue).decision == "available"


def test_dspt_without_a_year_is_missing(catalogue: Catalogue) -> None:
    data = passing_v2()
    del evidence_of(data, "dspt")["period"]
    assert run(data, catalogue).decision == "incomplete"


def test_ico_registration_needs_an_expiry_date(catalogue: Catalogue) -> None:
    data = passing_v2()
    del evidence_of(data, "ico_registration")["expires"]
    a = run(data, catalogue)
    assert outcome(a, "C2.2.1") == "missing"
    assert a.decision == "incomplete"


def test_missing_required_document_is_listed_as_something_to_supply(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["evidence"] = [e for e in data["evidence"] if e["kind"] != "hazard_log"]
    a = run(data, catalogue)
    assert a.decision == "incomplete"
    assert outcome(a, "C1.2.4") == "missing"
    assert "Hazard Log not supplied" in a.question("C1.2.4").reason  # type: ignore[union-attr]
    assert any(fx.action == "C1.2.4: supply the Hazard Log" for fx in a.fixes)


def test_evidence_not_used_by_any_asked_question_is_unchecked(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["evidence"].append({"question": "C4.1.1", "kind": "other"})
    a = run(data, catalogue)
    assert a.evidence[-1].state == "unchecked"
    assert a.decision == "available"


# =========================================================================== GB regulatory rules


def test_medical_device_without_mhra_registration_fails(catalogue: Catalogue) -> None:
    data = device_v2()
    del data["regulatory"]["mhra_registration"]
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert "GB-REG.mhra" in rules_of(a, "fail")
    assert a.regulatory.status == "fail"


def test_medical_device_with_no_marking_fails(catalogue: Catalogue) -> None:
    a = run(device_v2(marking="none"), catalogue)
    assert a.decision == "not_available"
    assert "GB-REG.marking" in rules_of(a, "fail")


def test_medical_device_without_a_regulatory_record_is_incomplete(catalogue: Catalogue) -> None:
    data = device_v2()
    del data["regulatory"]
    a = run(data, catalogue)
    assert a.decision == "incomplete"
    assert "GB-REG.record" in rules_of(a, "missing")


def test_answers_and_regulatory_record_must_agree(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["regulatory"] = {
        "medical_device": True,
        "device_class": "I",
        "marking": "UKCA",
        "mhra_registration": "X1",
    }
    a = run(data, catalogue)
    assert "GB-REG.consistency" in rules_of(a, "missing")
    assert a.decision == "incomplete"


def test_ukca_class_iia_needs_a_certificate_expiry(catalogue: Catalogue) -> None:
    a = run(device_v2(device_class="IIa"), catalogue)
    assert a.decision == "incomplete"
    assert "GB-REG.certificate" in rules_of(a, "missing")
    ok = run(device_v2(device_class="IIa", certificate_expiry="2030-01-01"), catalogue)
    assert ok.decision == "available"
    assert ok.regulatory.accepted_until == dt.date(2030, 1, 1)


def test_ce_marking_is_accepted_with_a_condition(catalogue: Catalogue) -> None:
    a = run(device_v2(marking="CE-MDR", device_class="IIa", certificate_expiry="2031-01-01"), catalogue)
    assert a.decision == "available_with_conditions"
    assert "GB-REG.ce_acceptance" in rules_of(a, "condition")
    assert a.regulatory.accepted_until == dt.date(2030, 6, 30)  # legal end before certificate expiry
    assert "30 Jun 2030" in finding_text(a)


def test_ce_mdd_class_iii_ends_earlier(catalogue: Catalogue) -> None:
    a = run(device_v2(marking="CE-MDD", device_class="III", certificate_expiry="2029-01-01"), catalogue)
    assert a.regulatory.accepted_until == dt.date(2027, 12, 31)


def test_ce_certificate_expiry_before_the_legal_end_counts(catalogue: Catalogue) -> None:
    a = run(device_v2(marking="CE-MDR", device_class="IIb", certificate_expiry="2027-03-31"), catalogue)
    assert a.regulatory.accepted_until == dt.date(2027, 3, 31)
    assert "certificate expiry" in finding_text(a)


def test_self_declared_class_i_ce_under_mdd_only_is_no_longer_accepted(catalogue: Catalogue) -> None:
    a = run(device_v2(marking="CE-MDD", device_class="I", class_i_ce_basis="mdd_only"), catalogue)
    assert a.decision == "not_available"
    assert "GB-REG.ce_acceptance" in rules_of(a, "fail")
    b = run(device_v2(marking="CE-MDD", device_class="I", class_i_ce_basis="mdd_upclassified"), catalogue)
    assert b.decision == "available_with_conditions"
    assert b.regulatory.accepted_until == dt.date(2028, 6, 30)
    c = run(device_v2(marking="CE-MDD", device_class="I"), catalogue)
    assert c.decision == "incomplete"  # basis not stated


def test_device_class_not_stated_is_missing(catalogue: Catalogue) -> None:
    data = device_v2()
    del data["regulatory"]["device_class"]
    assert run(data, catalogue).decision == "incomplete"


# =========================================================================== NICE back-pain profile


def test_lbp_profile_needs_a_clinical_section(catalogue: Catalogue) -> None:
    data = passing_lbp()
    del data["clinical"]
    a = run(data, catalogue)
    assert a.decision == "incomplete"
    assert "NICE.profile" in rules_of(a, "missing")


@pytest.mark.parametrize(
    "item", ["tens", "acupuncture", "traction", "opioids_chronic", "paracetamol_alone", "bed_rest"]
)
def test_content_against_ng59_fails(catalogue: Catalogue, item: str) -> None:
    data = passing_lbp()
    data["clinical"]["content"].append(item)
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert f"NG59.{item}" in rules_of(a, "fail")
    assert a.nice.status == "fail"


def test_tens_fails_and_says_why(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["clinical"]["content"].append("tens")
    a = run(data, catalogue)
    text = finding_text(a)
    assert "TENS" in text and "do not offer" in text
    assert any("Remove" in fx.action and "tens" in fx.action.lower() for fx in a.fixes)


@pytest.mark.parametrize("item", ["manual_therapy", "cbt"])
def test_manual_therapy_and_cbt_only_with_exercise(catalogue: Catalogue, item: str) -> None:
    data = passing_lbp()
    data["clinical"]["content"] = ["self_management", item]
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert f"NG59.{item}" in rules_of(a, "fail")
    data["clinical"]["content"] = ["self_management", item, "exercise"]
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert f"NG59.{item}" not in rules_of(a, "fail")
    assert any(f.rule == f"NG59.{item}" and f.severity == "pass" for f in a.nice.content)


def test_no_self_management_advice_is_a_condition(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["clinical"]["content"] = ["exercise"]
    a = run(data, catalogue)
    assert "NG59.self_management" in rules_of(a, "condition")


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (15, "not_available"),
        (16, "available_with_conditions"),
        (18, "available_with_conditions"),
        (0, "not_available"),
    ],
)
def test_population_16_and_over(catalogue: Catalogue, age: int, expected: str) -> None:
    data = passing_lbp()
    data["clinical"]["minimum_age"] = age
    a = run(data, catalogue)
    assert a.decision == expected
    if expected == "not_available":
        assert "NICE.population" in rules_of(a, "fail")


def test_minimum_age_not_stated_is_missing(catalogue: Catalogue) -> None:
    data = passing_lbp()
    del data["clinical"]["minimum_age"]
    assert run(data, catalogue).decision == "incomplete"


@pytest.mark.parametrize(
    ("self_referral", "escalation", "expected"),
    [
        (True, False, "not_available"),
        (True, True, "available_with_conditions"),
        (True, None, "incomplete"),
        (False, False, "available_with_conditions"),
        (None, True, "incomplete"),
    ],
)
def test_self_referral_needs_red_flag_escalation(
    catalogue: Catalogue, self_referral: bool | None, escalation: bool | None, expected: str
) -> None:
    data = passing_lbp()
    data["clinical"]["self_referral"] = self_referral
    data["clinical"]["red_flag_escalation"] = escalation
    a = run(data, catalogue)
    assert a.decision == expected
    if expected == "not_available":
        assert "NICE.red_flags" in rules_of(a, "fail")
        assert "HTE16 3.2" in finding_text(a)


def test_treatment_app_that_is_not_a_medical_device_fails_under_nice_lbp(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["answers"]["C1.1.1"] = "No"
    drop_answers(data, "C1.1.2")
    data["regulatory"] = {"medical_device": False}
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert "GB-REG.device" in rules_of(a, "fail")
    # The same product is fine under the dtac profile (DTAC alone does not demand a device).
    assert run(data, catalogue, profile="dtac").decision == "available"


def test_treatment_app_with_no_regulatory_record_under_nice_lbp_is_flagged(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["answers"]["C1.1.1"] = "No"
    drop_answers(data, "C1.1.2")
    del data["regulatory"]
    a = run(data, catalogue)
    assert a.decision in ("not_available", "incomplete")
    assert a.decision != "available_with_conditions"


def test_information_only_app_need_not_be_a_device(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["answers"]["C1.1.1"] = "No"
    drop_answers(data, "C1.1.2")
    data["regulatory"] = {"medical_device": False}
    data["clinical"]["delivers_treatment"] = False
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert "GB-REG.device" not in rules_of(a)


def test_use_with_evidence_generation_technology_gets_obligations(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "getUBetter")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True, "outcomes": ["msk_hq", "eq5d5l"]}
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert a.nice.nice_status == "use_with_evidence_generation"
    assert any("HTE16 1.2" in o for o in a.nice.obligations)
    assert any("HTE16 1.3" in o for o in a.nice.obligations)
    missing = next(o for o in a.nice.obligations if o.startswith("Start collecting"))
    assert "EQ-5D-5L" not in missing and "MSK-HQ" not in missing
    assert "30 days" in missing
    assert "HTE16.1.2" in rules_of(a, "condition")
    assert "NICE.unassessed" not in rules_of(a)
    assert {f.rule for f in a.conditions} >= {"HTE16.1.2"}


def test_use_with_evidence_generation_without_agreement_fails(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "getUBetter")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": False}
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert "HTE16.1.2" in rules_of(a, "fail")
    data["clinical"]["evidence_generation"] = {}
    assert run(data, catalogue).decision == "incomplete"


def test_overdue_annual_nice_contact_is_an_obligation(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "SelfBack")
    data["clinical"]["evidence_generation"] = {
        "agreement_in_place": True,
        "last_nice_contact": (TODAY - days(400)).isoformat(),
    }
    a = run(data, catalogue)
    assert any("overdue" in o for o in a.nice.obligations)


def test_unassessed_product_is_at_best_available_with_conditions(catalogue: Catalogue) -> None:
    a = run(passing_lbp(), catalogue)
    assert a.decision == "available_with_conditions"
    assert a.nice.nice_status is None
    assert "Not assessed by NICE in HTE16" in a.nice.summary
    assert "tier C" in finding_text(a)


@pytest.mark.parametrize(
    ("setting", "expected"), [("research_only", "research_only"), ("not_available", "not_available")]
)
def test_unassessed_product_policy(catalogue: Catalogue, setting: str, expected: str) -> None:
    a = run(passing_lbp(), catalogue, policy=Policy(unassessed_lbp_product=setting))
    assert a.decision == expected


def test_no_recommendation_reports_nices_reason(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "ACT for PAIN")
    data["answers"]["C1.1.1"] = "No"
    drop_answers(data, "C1.1.2")
    data["regulatory"] = {"medical_device": False}
    a = run(data, catalogue)
    assert a.decision == "not_available"  # not a regulated device
    assert "GB-REG.device" in rules_of(a, "fail")
    assert "NICE's reason: not a regulated medical device" in finding_text(a)
    assert a.nice.nice_status == "no_recommendation"


def test_no_recommendation_reason_for_supportback(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "SupportBack")
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert "regulatory status unknown; developer did not respond" in finding_text(a)


def test_kaia_unconfirmed_withdrawal_is_not_applied_by_default(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Kaia")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    a = run(data, catalogue)
    assert a.nice.nice_status == "use_with_evidence_generation"
    assert "HTE16.1.2" in rules_of(a, "condition")

    b = run(data, catalogue, policy=Policy(apply_unconfirmed_nice_changes=True))
    assert b.nice.nice_status == "withdrawn"
    assert "no longer available to the NHS" in finding_text(b)
    assert "HTE16.1.2" not in rules_of(b)
    # Before 1 April 2026 the withdrawal has not happened yet, even under the policy.
    early = dt.date(2026, 3, 1)
    data_early = passing_lbp(early)
    name_technology(data_early, "Kaia")["clinical"].update(evidence_generation={"agreement_in_place": True})
    c = run(data_early, catalogue, early, policy=Policy(apply_unconfirmed_nice_changes=True))
    assert c.nice.nice_status == "use_with_evidence_generation"
    assert any(e.rule == "NICE.HTE16" and e.on == dt.date(2026, 4, 1) for e in c.events)


def test_pain_duration_mismatch_is_reported_not_failed(catalogue: Catalogue) -> None:
    data = passing_lbp()
    name_technology(data, "Pathway through Pain")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    data["clinical"]["content"].append("cbt")
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert any(f.rule == "HTE16.2.2" and f.severity == "info" for f in a.nice.findings)


# =========================================================================== form version


def test_v1_submission_dated_after_5_april_2026_fails(catalogue: Catalogue) -> None:
    day = dt.date(2026, 4, 10)
    data = passing_v1(day)
    data["submitted_on"] = "2026-04-06"
    a = run(data, catalogue, day)
    assert a.decision == "not_available"
    assert "dtac-v1.0.retired" in rules_of(a, "fail")
    assert any("v2.0" in fx.action for fx in a.fixes)
    data["submitted_on"] = "2026-04-05"
    assert run(data, catalogue, day).decision == "available"


def test_v1_submission_without_a_date_uses_the_assessment_date(catalogue: Catalogue) -> None:
    data = passing_v1(dt.date(2026, 4, 6))
    del data["submitted_on"]
    assert run(data, catalogue, dt.date(2026, 4, 6)).decision == "not_available"
    data = passing_v1(dt.date(2026, 4, 5))
    del data["submitted_on"]
    assert run(data, catalogue, dt.date(2026, 4, 5)).decision == "available"


def test_v1_d1_working_towards_credit_is_a_policy(catalogue: Catalogue) -> None:
    data = passing_v1()
    data["answers"]["D1.4"] = "Working towards it"  # weight 20
    a = run(data, catalogue, V1_DAY)
    assert a.d1.percent == 80.0
    assert a.decision == "available_with_conditions"  # WCAG 2.1 AA still to reach
    b = run(data, catalogue, V1_DAY, policy=Policy(v1_working_towards_credit=0.5))
    assert b.d1.percent == 90.0


def test_v1_d1_not_applicable_is_a_policy(catalogue: Catalogue) -> None:
    data = passing_v1()
    data["answers"]["D1.9"] = "No because it is not applicable"  # weight 5
    a = run(data, catalogue, V1_DAY)
    assert (a.d1.earned, a.d1.possible) == (95.0, 95.0)
    b = run(data, catalogue, V1_DAY, policy=Policy(v1_not_applicable_d1="award"))
    assert (b.d1.earned, b.d1.possible) == (100.0, 100.0)


# =========================================================================== conditions


def test_wcag_plan_gives_a_condition(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["D1.4.1"] = "No, but a plan and timeline exists"
    data["answers"]["D1.4.2"] = "By March 2027"
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert [f.rule for f in a.conditions] == ["D1.4.1"]
    assert "WCAG 2.2 AA" in a.conditions[0].text
    assert a.question("D1.4.1").condition  # type: ignore[union-attr]
    assert a.d1.percent is not None and a.d1.percent < 100


def test_expiring_evidence_gives_a_condition(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "ico_registration")["expires"] = (TODAY + days(30)).isoformat()
    a = run(data, catalogue)
    assert a.decision == "available_with_conditions"
    assert [f.rule for f in a.conditions] == ["C2.2.1"]
    assert "30 days left" in a.conditions[0].text
    assert a.valid_until == TODAY + days(30)  # the ICO registration's last day
    assert a.changes_on == TODAY + days(31)


def test_warning_window_is_a_policy_setting(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "ico_registration")["expires"] = (TODAY + days(30)).isoformat()
    assert run(data, catalogue, policy=Policy(expiry_warning_days=10)).decision == "available"
    assert run(data, catalogue, policy=Policy(expiry_warning_days=0)).decision == "available"


# =========================================================================== overrides and provenance


def test_override_replaces_the_outcome_and_keeps_the_engine_outcome(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C3.1"] = "Not provided"
    assert run(data, catalogue).decision == "not_available"
    ov = Override(
        outcome="pass",
        rationale="Checked the IASME register: certificate 1234 valid to 2027.",
        by="A. Assessor",
    )
    a = run(data, catalogue, overrides={"C3.1": ov})
    r = a.question("C3.1")
    assert r is not None
    assert (r.outcome, r.engine_outcome) == ("pass", "fail")
    assert r.override == ov
    assert "Assessor override (A. Assessor)" in r.reason
    assert "engine said" in r.reason
    assert a.decision == "available"


def test_override_can_fail_a_passing_answer(catalogue: Catalogue) -> None:
    ov = Override(outcome="fail", rationale="CSO registration lapsed on the GMC register at check time.")
    a = run(passing_v2(), catalogue, overrides={"C1.2.5": ov})
    r = a.question("C1.2.5")
    assert r is not None and (r.outcome, r.engine_outcome) == ("fail", "pass")
    assert a.decision == "not_available"
    assert any(f.rule == "C1.2.5" for f in a.reasons)


def test_override_to_met_clears_the_condition_and_recomputes_the_decision(catalogue: Catalogue) -> None:
    """An override is an input: conditions, decision, valid-until and fixes all follow it."""
    from support import REPO

    from dtac_app.engine import assess
    from dtac_app.provenance import all_received
    from dtac_app.submission_io import load_submission

    sub = load_submission(REPO / "submissions" / "roundmoor-v1.yaml", catalogue)
    day = dt.date(2026, 12, 2)
    docs = all_received(len(sub.evidence))  # the example's files are all in hand
    before = assess(sub, catalogue, as_of=day, documents=docs)
    assert before.decision == "available_with_conditions"
    assert {f.rule for f in before.conditions} == {"C3.1", "D1.4"}
    assert before.question("C3.1").condition  # type: ignore[union-attr]
    overrides = {
        q: Override(outcome="pass", rationale=f"{q}: renewed evidence seen and checked today.", by="Jo")
        for q in ("C3.1", "D1.4")
    }
    after = assess(sub, catalogue, as_of=day, overrides=overrides, documents=docs)
    c31 = after.question("C3.1")
    assert c31 is not None and c31.outcome == "pass" and c31.condition == ""
    assert not after.conditions
    assert after.decision == "available"
    assert not any(f.rule in ("C3.1", "D1.4") for f in (*after.findings, *after.fixes))
    assert not any(e.rule.startswith("C3.1") for e in after.events)
    assert (after.valid_until, after.valid_until_reason) != (before.valid_until, before.valid_until_reason)


def test_questions_without_an_override_have_no_engine_outcome(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert all(q.engine_outcome is None and q.override is None for q in a.questions)


@pytest.mark.parametrize("rationale", ["", "   ", "ok", "fine, ok"])
def test_override_without_a_written_rationale_is_rejected(rationale: str) -> None:
    with pytest.raises(ValidationError):
        Override(outcome="pass", rationale=rationale)


def test_provenance_is_asserted_unless_verified(catalogue: Catalogue) -> None:
    v = Verification(
        checked="IASME register, certificate 1234, checked 1 Oct 2026", by="A. Assessor", on=TODAY
    )
    a = run(passing_v2(), catalogue, verifications={"C3.1": v})
    assert a.question("C3.1").provenance == "verified"  # type: ignore[union-attr]
    assert a.question("C3.1").verification == v  # type: ignore[union-attr]
    assert a.question("C3.3").provenance == "asserted"  # type: ignore[union-attr]


# =========================================================================== explanations


def test_every_reason_cites_a_rule_and_what_it_used(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["clinical"]["content"].append("tens")
    data["answers"]["C3.6"] = "No"
    evidence_of(data, "pen_test")["highest_cvss"] = 7.5
    a = run(data, catalogue)
    assert a.decision == "not_available"
    assert {"C3.6", "C3.3", "NG59.tens"} <= {f.rule for f in a.reasons}
    for f in a.reasons:
        assert f.rule and f.text and f.used, f
        assert f.fix, f
    assert [fx.rank for fx in a.fixes] == list(range(1, len(a.fixes) + 1))
    assert a.summary.startswith("Not available.")


def test_unknown_profile_is_rejected(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        run(passing_v2(), catalogue, profile="nhs")


def test_assessment_json_round_trips(catalogue: Catalogue) -> None:
    a = run(passing_lbp(), catalogue)
    dumped = a.model_dump(mode="json", by_alias=True)
    assert dumped["schema"] == "dtac-assessment/2"
    assert dumped["decision"] in DECISIONS
    assert type(a).model_validate(dumped) == a


# =========================================================================== structured results (issue 14)


def test_findings_say_what_they_are_about_in_fields(catalogue: Catalogue) -> None:
    data = passing_v2()
    drop_answers(data, "C2.2.5")  # an assessed question left unanswered
    data["answers"]["C1.2.5"] = "TBC"  # placeholder for the Clinical Safety Officer
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY - days(500)).isoformat()  # expired
    evidence_of(data, "pen_test")["highest_cvss"] = 9.1  # a critical finding
    data["evidence"] = [r for r in data["evidence"] if r["kind"] != "dpia"]  # not supplied
    a = run(data, catalogue)
    kinds = {f.question: f.kind for f in a.findings if f.question}
    assert kinds == {
        "C2.2.5": "missing_answer",
        "C1.2.5": "placeholder",
        "C3.1": "evidence_expired",
        "C3.3": "evidence_problem",
        "C2.2.2": "missing_evidence",
    }
    assert all(f.rule == f.question for f in a.findings if f.question)


def test_every_finding_of_every_example_has_a_kind(catalogue: Catalogue) -> None:
    from support import EXAMPLES

    from dtac_app.submission_io import load_submission

    seen = set()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        a = assess(load_submission(path, catalogue, check_files=False), catalogue, as_of=TODAY)
        for f in (*a.findings, *a.reasons, *a.regulatory.findings, *a.nice.findings, *a.nice.content):
            assert f.kind is not None, (path.name, f.rule)
            seen.add(f.kind)
        for e in a.events:
            if e.kind in ("evidence_expiry", "evidence_current"):
                assert e.question, (path.name, e.rule)
    assert {"regulatory", "nice"} <= seen


def test_a_fix_carries_the_question_and_kind_of_the_finding_its_rule_raised(catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["issued"] = (TODAY - days(500)).isoformat()
    drop_answers(data, "C2.2.5")
    a = run(data, catalogue)
    assert a.decision == "not_available"
    by_rule = {f.rule: f for f in a.findings}
    for fx in a.fixes:
        f = by_rule[fx.rule]
        assert (fx.kind, fx.question, fx.section, fx.action) == (f.kind, f.question, f.section, f.fix)
    first, second = a.fixes
    assert (first.question, first.kind, first.holds, first.holding, first.moves_to) == (
        "C3.1",
        "evidence_expired",
        "not_available",
        1,
        "incomplete",
    )
    assert first.impact == (
        "The only item keeping the decision at 'not available': fixing it moves it to 'incomplete'"
    )
    assert (second.question, second.kind, second.holds, second.moves_to) == (
        "C2.2.5",
        "missing_answer",
        "incomplete",
        "available",
    )


def test_an_override_finding_is_of_kind_override(catalogue: Catalogue) -> None:
    ov = Override(outcome="fail", rationale="The register entry belongs to another firm", by="amy")
    a = run(passing_v2(), catalogue, overrides={"C2.2.1": ov})
    f = next(f for f in a.findings if f.rule == "C2.2.1")
    assert (f.kind, f.question, f.severity) == ("override", "C2.2.1", "fail")
    q = a.question("C2.2.1")
    assert q is not None and q.override == ov and q.engine_outcome == "pass"


def test_the_engine_plan_is_its_own_and_built_once_per_criteria_set(catalogue: Catalogue) -> None:
    from dtac_app.engine.plan import plan_for

    cs = catalogue.dtac_set("dtac-v2.0")
    private_before = dict(cs.__pydantic_private__ or {})
    run(passing_v2(), catalogue)
    run(passing_lbp(), catalogue)
    plan = plan_for(cs)
    assert plan_for(cs) is plan and plan.criteria is cs
    assert [s.qid for s in plan.steps] == list(cs.questions)
    # The criteria model holds only what it held at load: nothing of the engine's is written into it.
    assert dict(cs.__pydantic_private__ or {}) == private_before


def test_results_re_validate_after_caching(catalogue: Catalogue) -> None:
    """Results reused from the plan's caches are ordinary models: dumped and read back, they are equal."""
    for _ in range(2):
        a = run(passing_lbp(), catalogue)
        assert type(a).model_validate(a.model_dump(mode="json", by_alias=True)) == a


def _sentence_reads(tree: Any) -> list[int]:
    """Lines where code reads a sentence: ``"x" in f.text`` or ``f.reason.startswith(...)`` and the like."""
    import ast

    words = {"text", "reason", "detail", "fix", "action", "impact", "valid_until_reason", "summary", "used"}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
            for side in node.comparators:
                if isinstance(side, ast.Attribute) and side.attr in words:
                    out.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr
            in {"startswith", "endswith", "split", "partition", "rpartition", "find", "index"}
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr in words
            and node.args  # ``" ".join(text.split())`` only tidies spaces
        ):
            out.append(node.lineno)
    return out


def test_the_engine_and_gates_never_read_their_own_sentences() -> None:
    import ast

    from support import REPO

    files = [*sorted((REPO / "dtac_app" / "engine").glob("*.py")), REPO / "dtac_app" / "gates.py"]
    for path in files:
        assert _sentence_reads(ast.parse(path.read_text(encoding="utf-8"))) == [], path.name
    # The check can fail.
    assert _sentence_reads(ast.parse("if 'expired' in f.reason: pass\nx = e.text.split(': ')\n")) == [1, 2]


def test_results_are_built_without_touching_pydantic_internals() -> None:
    from support import REPO

    for path in [REPO / "dtac_app" / "results.py", *sorted((REPO / "dtac_app" / "engine").glob("*.py"))]:
        src = path.read_text(encoding="utf-8")
        assert "__pydantic_" not in src.replace("__pydantic_private__ or {}", ""), path.name
        assert "object.__setattr__" not in src and "object.__new__" not in src, path.name


def test_findings_and_fixes_carry_the_last_valid_day_they_turn_on(catalogue: Catalogue) -> None:
    data = passing_v2()
    ico_until = TODAY + days(30)
    evidence_of(data, "ico_registration")["expires"] = ico_until.isoformat()  # inside the renewal window
    a = run(data, catalogue)
    cond = next(f for f in a.findings if f.rule == "C2.2.1")
    assert (cond.severity, cond.kind, cond.valid_until) == ("condition", "evidence_expiring", ico_until)
    fix = next(fx for fx in a.fixes if fx.rule == "C2.2.1")
    assert fix.valid_until == ico_until

    evidence_of(data, "ico_registration")["expires"] = (TODAY - days(1)).isoformat()  # expired
    a = run(data, catalogue)
    failed = next(f for f in a.findings if f.rule == "C2.2.1")
    assert (failed.severity, failed.kind, failed.valid_until) == ("fail", "evidence_expired", TODAY - days(1))

    a = run(device_v2(marking="CE-MDD", device_class="IIa", certificate_expiry="2030-01-01"), catalogue)
    ce = next(f for f in a.findings if f.rule == "GB-REG.ce_acceptance")
    assert ce.kind == "regulatory" and ce.valid_until == a.regulatory.accepted_until is not None


def test_results_gathered_as_plain_data_come_out_as_models(catalogue: Catalogue) -> None:
    """The engine gathers results as plain fields and validates them once: every nested result of
    the assessment is still its model (a dict left in would break attribute access downstream)."""
    from dtac_app.results import EvidenceResult, Finding, Fix, QuestionResult

    data = device_v2()
    evidence_of(data, "ico_registration")["expires"] = (TODAY + days(30)).isoformat()
    a = run(
        data, catalogue, overrides={"C3.1": Override(outcome="pass", rationale="Checked with the vendor")}
    )
    assert a.questions and a.evidence and a.fixes and a.findings
    assert all(type(q) is QuestionResult for q in a.questions)
    assert all(type(e) is EvidenceResult for e in a.evidence)
    assert all(type(f) is Fix for f in a.fixes)
    assert all(type(f) is Finding for f in (*a.findings, *a.reasons, *a.conditions))
    assert a.question("C3.1") is not None and a.question("C3.1").override is not None  # type: ignore[union-attr]


def test_a_long_answer_is_shortened_as_if_the_whole_text_were_tidied() -> None:
    import random

    from dtac_app.engine.questions import short

    def tidied_whole(text: str, n: int) -> str:  # how short() read before it tidied only a prefix
        if len(text) <= n and "\n" not in text and "  " not in text and "\t" not in text:
            return text
        text = " ".join(text.split())
        return text if len(text) <= n else text[: n - 1] + "…"

    rng = random.Random(14)
    letters = "ab \n\t  xyz\u00a0."
    for _ in range(20_000):
        text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 200)))
        n = rng.choice([5, 10, 60])
        assert short(text, n) == tidied_whole(text, n), (text, n)


def test_registers_an_answer_does_not_name_are_skipped_with_the_same_verdict(catalogue: Catalogue) -> None:
    """registration_problem skips a register whose key and label an ASCII answer does not contain;
    the verdict must be the one of running every register's patterns (as it did before)."""
    import random
    import re

    from dtac_app.rules_answers import registration_problem

    rules = catalogue.regulatory
    regs = rules.professional_registers
    titles = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame"}

    def every_register(text: str) -> str:  # the verdict with no register skipped
        for key, r in regs.items():
            name = re.compile(rf"\b(?:{re.escape(key)}|{re.escape(r.label)})\b", re.IGNORECASE)
            num = re.compile(rf"(?<![\w-])(?:{r.number})(?![\w-])")
            if name.search(text) and num.search(text):
                rest = num.sub(" ", name.sub(" ", text))
                words = re.findall(r"[^\W\d_]{2,}", rest)
                if any(w[0].isupper() and w.casefold() not in titles for w in words):
                    return ""
                return "a registration is given but no name: the Clinical Safety Officer must be named"
        examples = ", ".join(f"{k} {r.example}" for k, r in regs.items())
        return f"no professional registration found (a register and number, e.g. {examples})"

    pieces = ["Dr", "Jane", "Doe", ",", "-", "1234567", "12A3456B", "ſ", "K", "İ", "é", "\n", "_"]
    for k, r in regs.items():
        pieces += [k, k.lower(), k.upper(), r.label, r.label.upper(), r.label.lower(), r.example]
    rng = random.Random(21)
    named = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", ", "]) for _ in range(rng.randint(0, 8)))
        verdict = registration_problem(rules, text)
        assert verdict == every_register(text), text
        named += verdict == ""
    assert named > 100  # the named case is exercised, not only the misses
