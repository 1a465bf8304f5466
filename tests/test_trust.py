"""Issue 9: decisions that cannot be fooled. Each rule is tested on both sides (and at date edges)."""

from __future__ import annotations

import pytest
from conftest import device_v2, passing_v2, rules_of, run

from dtac_app.criteria import Catalogue
from dtac_app.engine import route

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
