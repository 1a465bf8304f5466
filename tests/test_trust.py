"""Issue 9: decisions that cannot be fooled. Each rule is tested on both sides (and at date edges)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import TODAY, device_v2, name_technology, passing_lbp, passing_v2, rules_of, run

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
