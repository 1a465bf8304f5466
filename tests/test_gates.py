"""The back-pain comparison's gates: derived from the engine's structured results, never its wording."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from support import passing_lbp, passing_v2, run

from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError
from dtac_app.gates import BACK_PAIN_GATES, GATES, GateRow, derive_gates
from dtac_app.results import Assessment
from dtac_app.submission_io import parse_submission


def states(row: GateRow) -> dict[str, str]:
    return {g.id: g.state for g in row.gates}


def test_every_gate_has_a_column_in_order(catalogue: Catalogue) -> None:
    row = derive_gates(run(passing_lbp(), catalogue))
    assert [g.id for g in row.gates] == [gid for gid, _ in GATES]


def test_a_passing_back_pain_app_passes_every_gate_but_nice_coverage(catalogue: Catalogue) -> None:
    a = run(passing_lbp(), catalogue)
    got = states(derive_gates(a))
    # NICE has not assessed it: the back-pain profile makes that a condition (local commissioning).
    assert got.pop("hte16") == "condition"
    assert set(got.values()) == {"pass"}


def test_a_dtac_only_product_shows_the_back_pain_gates_as_not_applicable(catalogue: Catalogue) -> None:
    row = derive_gates(run(passing_v2(), catalogue))
    got = states(row)
    assert {got[g] for g in BACK_PAIN_GATES} == {"not_applicable"}
    assert {got[g] for g in ("C1", "C2", "C3", "C4", "D1")} == {"pass"}
    assert row.fit == () and row.features == ()


@pytest.mark.parametrize(
    ("change", "gate", "state"),
    [
        (lambda d: d["clinical"].update(minimum_age=12), "population", "fail"),
        (lambda d: d["clinical"].pop("minimum_age"), "population", "missing"),
        (lambda d: d["clinical"].update(content=[*d["clinical"]["content"], "tens"]), "ng59", "fail"),
        (
            lambda d: d["clinical"].update(self_referral=True, red_flag_escalation=False),
            "self_referral",
            "fail",
        ),
        (
            lambda d: d["clinical"].update(self_referral=True, red_flag_escalation=None),
            "self_referral",
            "missing",
        ),
        (
            # NICE's status belongs to the technology's own company
            lambda d: (
                d["clinical"].update(nice_technology="Ascenti Reach"),
                d["product"].update(manufacturer="Ascenti"),
            ),
            "hte16",
            "research",
        ),
        (lambda d: d["regulatory"].update(mhra_registration=None), "device", "fail"),
    ],
)
def test_each_back_pain_gate_follows_its_rule(
    catalogue: Catalogue, change: Any, gate: str, state: str
) -> None:
    data = passing_lbp()
    change(data)
    got = states(derive_gates(run(data, catalogue)))
    assert got[gate] == state, got


def test_a_section_not_met_fails_its_gate(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["evidence"] = [e for e in data["evidence"] if e["kind"] != "cyber_essentials"]
    got = states(derive_gates(run(data, catalogue)))
    assert got["C3"] in ("fail", "missing")
    assert got["C1"] == "pass"


def _reworded(a: Assessment) -> Assessment:
    """The same result with every sentence replaced: gates must not move."""
    data = a.model_dump(mode="json", by_alias=True)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    "reworded"
                    if k in ("text", "summary", "reason", "detail", "fix") and isinstance(v, str)
                    else walk(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return Assessment.model_validate(walk(copy.deepcopy(data)))


@pytest.mark.parametrize("minimum_age", [12, 18])
def test_gates_come_from_structured_results_not_from_wording(catalogue: Catalogue, minimum_age: int) -> None:
    data = passing_lbp()
    data["clinical"].update(minimum_age=minimum_age, content=[*data["clinical"]["content"], "tens"])
    a = run(data, catalogue)
    assert states(derive_gates(_reworded(a))) == states(derive_gates(a))


def test_fit_and_features_are_reported_and_do_not_change_the_decision(catalogue: Catalogue) -> None:
    plain = passing_lbp()
    plain["clinical"]["pain_duration"] = ["acute"]
    plain["clinical"].pop("features", None)
    featured = copy.deepcopy(plain)
    featured["clinical"]["features"] = ["guided_exercise_video", "nudges", "digital_triage"]
    a, b = run(plain, catalogue), run(featured, catalogue)
    assert (a.decision, a.findings, a.conditions, a.valid_until) == (
        b.decision,
        b.findings,
        b.conditions,
        b.valid_until,
    )
    row = derive_gates(b)
    assert row.fit == ("acute",)
    assert row.features == ("guided_exercise_video", "nudges", "digital_triage")
    assert states(row) == states(derive_gates(a))


def test_every_feature_has_a_label_in_the_criteria(catalogue: Catalogue) -> None:
    ids = [f.id for f in catalogue.nice.features]
    assert ids == [
        "guided_exercise_video",
        "pain_education_video",
        "psychological_support",
        "mindfulness",
        "multidisciplinary_team",
        "nudges",
        "digital_triage",
    ]


def test_an_unknown_feature_is_a_clear_input_error(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["clinical"]["features"] = ["nudges", "hologram_coach"]
    with pytest.raises(InputError) as e:
        parse_submission(data, catalogue, file="sub.yaml")
    assert e.value.field == "clinical.features[1]"
    assert "hologram_coach" in e.value.reason and "nudges" in e.value.reason
    assert e.value.file == "sub.yaml"
