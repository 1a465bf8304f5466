"""Criteria as data: every official row exists, the files validate, broken files fail loudly."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from support import CRITERIA_DIR, HTE16_TECHNOLOGIES, TODAY, V1_DAY, passing_lbp, passing_v1, passing_v2, run

from dtac_app.catalogue import load_catalogue
from dtac_app.criteria import Catalogue, normalise_set_key
from dtac_app.errors import InputError

# --------------------------------------------------------------------------- DTAC v2.0 rows

V2_IDS = {
    "A": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12"],
    "B": ["B1", "B2", "B3", "B4"],
    "C1": ["C1.1.1", "C1.1.2", "C1.2", "C1.2.1", "C1.2.2", "C1.2.3", "C1.2.4", "C1.2.5"],
    "C2": ["C2.1", "C2.2", "C2.2.1", "C2.2.2", "C2.2.3", "C2.2.4", "C2.2.5", "C2.2.6"],
    "C3": ["C3.1", "C3.2", "C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6"],
    "C4": [
        "C4.1",
        "C4.1.1",
        "C4.1.2",
        "C4.1.3",
        "C4.2",
        "C4.2.1",
        "C4.2.2",
        "C4.2.3",
        "C4.2.4",
        "C4.2.5",
        "C4.2.6",
    ],
    "D1": ["D1.1", "D1.2", "D1.3", "D1.4", "D1.4.1", "D1.4.2", "D1.4.3", "D1.5"],
}

V1_IDS = {
    "A": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11"],
    "B": ["B1", "B2", "B3", "B4"],
    "C1": ["C1.1", "C1.1.1", "C1.1.2", "C1.2", "C1.3", "C1.3.1", "C1.3.2", "C1.4", "C1.4.1"],
    "C2": ["C2.1", "C2.2", "C2.2.1", "C2.3", "C2.3.1", "C2.3.2", "C2.4", "C2.5", "C2.5.1"],
    "C3": ["C3.1", "C3.2", "C3.3", "C3.4", "C3.5", "C3.6"],
    "C4": ["C4.1", "C4.1.1", "C4.2", "C4.2.1", "C4.3", "C4.3.1", "C4.3.2", "C4.4", "C4.4.1"],
    "D1": [
        "D1.1",
        "D1.1.1",
        "D1.2",
        "D1.2.1",
        "D1.3",
        "D1.3.1",
        "D1.4",
        "D1.4.1",
        "D1.5",
        "D1.6",
        "D1.7",
        "D1.8",
        "D1.9",
        "D1.9.1",
        "D1.10",
        "D1.10.1",
        "D1.11",
        "D1.12",
        "D1.12.1",
        "D1.12.2",
    ],
}


def _section_ids(catalogue: Catalogue, key: str) -> dict[str, list[str]]:
    cs = catalogue.dtac_set(key)
    return {s.id: [q.id for q in s.questions] for s in cs.sections}


def test_v2_has_every_official_row_in_form_order(catalogue: Catalogue) -> None:
    assert _section_ids(catalogue, "dtac-v2.0") == V2_IDS
    assert len(catalogue.dtac_set("dtac-v2.0").questions) == 58


def test_v1_has_every_official_row_in_form_order(catalogue: Catalogue) -> None:
    assert _section_ids(catalogue, "dtac-v1.0") == V1_IDS
    assert len(catalogue.dtac_set("dtac-v1.0").questions) == 68


def test_v2_is_the_default_set_and_metadata_is_right(catalogue: Catalogue) -> None:
    v2 = catalogue.dtac_set(None)
    assert v2.key == "dtac-v2.0"
    assert str(v2.published) == "2026-02-24"
    assert str(v2.mandatory_from) == "2026-04-06"
    v1 = catalogue.dtac_set("v1")
    assert str(v1.published) == "2021-02-23"
    assert str(v1.accept_submissions_until) == "2026-04-05"


@pytest.mark.parametrize("key", ["dtac-v2.0", "v2", "2.0", "DTAC@2.0", "dtac-2.0", "dtac-v2"])
def test_set_key_spellings_normalise(key: str) -> None:
    assert normalise_set_key(key) == "dtac-v2.0"


def test_unknown_set_is_a_clear_error(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match="known sets: dtac-v1.0, dtac-v2.0"):
        catalogue.dtac_set("dtac-v3.0")


def test_section_roles(catalogue: Catalogue) -> None:
    for key in ("dtac-v2.0", "dtac-v1.0"):
        roles = {s.id: s.role for s in catalogue.dtac_set(key).sections}
        assert roles == {
            "A": "context",
            "B": "context",
            "C1": "assessed",
            "C2": "assessed",
            "C3": "assessed",
            "C4": "assessed",
            "D1": "scored",
        }


def test_v1_d1_weights_sum_to_100(catalogue: Catalogue) -> None:
    v1 = catalogue.dtac_set("dtac-v1.0")
    weights = {q.id: q.score.weight for q in v1.questions.values() if q.score}
    assert sum(weights.values()) == pytest.approx(100.0)
    assert weights["D1.4"] == 20  # WCAG 2.1 AA carries the largest weight
    assert all(qid.startswith("D1") for qid in weights)


def test_v2_official_option_labels(catalogue: Catalogue) -> None:
    q = catalogue.dtac_set("dtac-v2.0").questions
    assert q["C2.1"].options == (
        "Confirmed",
        "Unable to confirm",
        "No access to patient data or national NHS system",
    )
    assert q["C2.2.5"].options == ("UK only", "Outside of UK")
    assert q["C4.1.2"].options == ("Confirm", "Cannot confirm")
    assert q["D1.4.1"].options == (
        "Yes",
        "No, but a plan and timeline exists",
        "No",
        "Not applicable (not web/mobile)",
    )
    assert q["C4.2.4"].options == ("Yes", "No", "Not applicable (not used directly by patients)")


def test_every_choice_question_has_options_and_pass_rules_use_them(catalogue: Catalogue) -> None:
    for cs in catalogue.dtac.values():
        for q in cs.questions.values():
            if q.type == "choice":
                assert len(q.options) >= 2, q.id
                if q.pass_rule:
                    assert set(q.pass_rule.accept) | set(q.pass_rule.conditional) <= set(q.options), q.id
            else:
                assert q.options == (), q.id


def test_every_assessed_v2_question_is_either_judged_or_a_routing_question(catalogue: Catalogue) -> None:
    v2 = catalogue.dtac_set("dtac-v2.0")
    for s in v2.assessed_sections():
        for q in s.questions:
            assert q.pass_rule is not None or q.routing_note, (
                f"{q.id} has neither a pass rule nor a routing note"
            )


def test_gb_regulatory_dates(catalogue: Catalogue) -> None:
    r = catalogue.regulatory
    assert str(r.markings["CE-MDD"].gb_acceptance_ends) == "2028-06-30"
    assert str(r.markings["CE-MDR"].gb_acceptance_ends) == "2030-06-30"
    assert str(r.markings["CE-IVDD"].gb_acceptance_ends) == "2030-06-30"
    assert r.markings["UKCA"].gb_acceptance_ends is None
    assert r.dspt.acceptable == ("Standards Exceeded", "Standards Met")
    assert (r.dspt.deadline_month, r.dspt.deadline_day) == (6, 30)
    assert r.pen_test.max_age_months == 12
    assert r.pen_test.cvss_threshold == 7.0
    assert r.evidence_kinds["cyber_essentials"].validity_months == 12
    assert set(r.third_party_assessment) == {"Is", "Im", "IIa", "IIb", "III"}


def test_nice_profile_lists_all_13_hte16_technologies(catalogue: Catalogue) -> None:
    nice = catalogue.nice
    assert [t.name for t in nice.technologies] == list(HTE16_TECHNOLOGIES)
    status = {t.name: t.history[0].status for t in nice.technologies}
    assert [n for n, s in status.items() if s == "use_with_evidence_generation"] == [
        "getUBetter",
        "Hinge Health",
        "Kaia",
        "Pathway through Pain",
        "SelfBack",
    ]
    assert [n for n, s in status.items() if s == "research_only"] == [
        "Ascenti Reach",
        "Digital Therapist",
        "Flok Health",
        "Phio Engage",
        "Joint Academy",
    ]
    assert nice.population_min_age == 16
    # Kaia's reported April 2026 removal is recorded, but as unconfirmed.
    kaia = nice.find_technology("kaia health")
    assert kaia is not None and kaia.name == "Kaia"
    assert [(h.status, h.confirmed) for h in kaia.history] == [
        ("use_with_evidence_generation", True),
        ("withdrawn", False),
    ]


def test_nice_content_rules_follow_ng59(catalogue: Catalogue) -> None:
    rule = {c.id: c.rule for c in catalogue.nice.content_items}
    for item in (
        "tens",
        "pens",
        "ultrasound",
        "interferential",
        "acupuncture",
        "belts_corsets",
        "foot_orthotics",
        "rocker_sole_shoes",
        "traction",
        "spinal_injections",
        "paracetamol_alone",
        "opioids_chronic",
        "antidepressants",
        "anticonvulsants",
    ):
        assert rule[item] == "do_not_offer", item
    assert rule["manual_therapy"] == rule["cbt"] == "only_with_exercise"
    assert rule["exercise"] == "recommended"


def test_policy_defaults_match_the_documented_defaults(catalogue: Catalogue) -> None:
    p = catalogue.policy
    assert p.expiry_warning_days == 90
    assert p.v1_working_towards_credit == 0.0
    assert p.apply_unconfirmed_nice_changes is False
    assert p.unassessed_lbp_product == "available_with_conditions"
    assert p.d1_minimum_percent is None


# --------------------------------------------------------------------------- content hashes


def test_every_criteria_file_is_hashed_and_the_hashes_are_recorded_in_assessments(
    catalogue: Catalogue,
) -> None:
    expected = {
        "dtac-v2.0": "dtac-v2.0.yaml",
        "dtac-v1.0": "dtac-v1.0.yaml",
        "gb-regulatory-v2026.1": "gb-regulatory.yaml",
        "nice-lbp-v2026.1": "nice-lbp.yaml",
        "policy": "policy.yaml",
        "migration-dtac-v1.0-dtac-v2.0": "dtac-v1-to-v2.yaml",
    }
    assert set(catalogue.files) == set(expected)
    for key, name in expected.items():
        digest = hashlib.sha256((CRITERIA_DIR / name).read_bytes()).hexdigest()
        assert catalogue.files[key].sha256 == digest, key
        assert Path(catalogue.files[key].path).name == name

    a = run(passing_v2(), catalogue)
    assert a.criteria.set == "dtac-v2.0"
    assert a.criteria.hashes == {
        k: catalogue.files[k].sha256
        for k in ("dtac-v2.0", "gb-regulatory-v2026.1", "nice-lbp-v2026.1", "policy")
    }
    a1 = run(passing_v1(V1_DAY), catalogue, V1_DAY)
    assert a1.criteria.hashes["dtac-v1.0"] == catalogue.files["dtac-v1.0"].sha256
    assert "dtac-v2.0" not in a1.criteria.hashes
    lbp = run(passing_lbp(), catalogue)
    assert lbp.criteria.hashes["nice-lbp-v2026.1"] == catalogue.files["nice-lbp-v2026.1"].sha256


def test_changing_a_criteria_file_changes_its_recorded_hash(
    catalogue: Catalogue, criteria_copy: Path
) -> None:
    path = criteria_copy / "policy.yaml"
    path.write_text(path.read_text() + "\n# a harmless comment\n")
    changed = load_catalogue(criteria_copy)
    assert changed.files["policy"].sha256 != catalogue.files["policy"].sha256
    assert changed.files["dtac-v2.0"].sha256 == catalogue.files["dtac-v2.0"].sha256
    a = run(passing_v2(), changed)
    assert a.criteria.hashes["policy"] == changed.files["policy"].sha256
    assert a.decision == run(passing_v2(), catalogue).decision


def test_loaded_copy_is_equivalent_to_the_original(criteria_copy: Path) -> None:
    cat = load_catalogue(criteria_copy)
    assert run(passing_v2(), cat, TODAY).decision == "available"


# --------------------------------------------------------------------------- broken criteria files


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path.name}: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = [
    pytest.param(
        "dtac-v2.0.yaml",
        'show_if: {q: C1.2, in: ["No"]}',
        'show_if: {q: C1.2, in: ["Nope"]}',
        ["C1.2.1", "show_if", "Nope"],
        id="unknown-option-in-show_if",
    ),
    pytest.param(
        "dtac-v2.0.yaml",
        "show_if: {q: C2.2.5, in: [Outside of UK]}",
        "show_if: {q: C2.9, in: [Outside of UK]}",
        ["C2.2.6", "show_if", "C2.9"],
        id="show_if-unknown-question",
    ),
    pytest.param(
        "dtac-v2.0.yaml",
        "      - id: C1.2.5\n",
        "      - id: C1.2.4\n",
        ["C1.2.4", "twice"],
        id="duplicate-question-id",
    ),
    pytest.param(
        "dtac-v2.0.yaml",
        "schema: dtac-criteria/1",
        "schema: dtac-criteria/9",
        ["schema", "dtac-criteria/9"],
        id="bad-schema-name",
    ),
    pytest.param(
        "dtac-v2.0.yaml",
        "title: Digital Technology Assessment Criteria, form v2.0\n",
        "title: Digital Technology Assessment Criteria, form v2.0\ncolour: blue\n",
        ["colour"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        "dtac-v2.0.yaml",
        "pass: {accept: [Provided], fail_reason: A DCB0129 Clinical",
        "pass: {accept: [Provide], fail_reason: A DCB0129 Clinical",
        ["sections.2.questions.6", "Provide"],
        id="pass-rule-names-non-option",
    ),
    pytest.param(
        "dtac-v2.0.yaml",
        '        type: text\n        show_if: {q: C1.2, in: ["No"]}',
        '        type: txt\n        show_if: {q: C1.2, in: ["No"]}',
        ["sections.2.questions.3.type"],
        id="bad-answer-type",
    ),
    pytest.param(
        "dtac-v2.0.yaml", "sections:\n", "sections: [\n", ["line", "not valid YAML"], id="yaml-syntax"
    ),
    pytest.param(
        "dtac-v1.0.yaml",
        "      - id: C4.4.1\n",
        "      - id: C4.4\n",
        ["C4.4", "twice"],
        id="v1-duplicate-id",
    ),
    pytest.param(
        "policy.yaml",
        "expiry_warning_days: 90",
        "expiry_warning_days: -5",
        ["expiry_warning_days"],
        id="policy-out-of-range",
    ),
    pytest.param(
        "policy.yaml",
        "apply_unconfirmed_nice_changes: false",
        "apply_unconfirmed_nice_change: false",
        ["apply_unconfirmed_nice_change"],
        id="policy-misspelt-key",
    ),
    pytest.param(
        "gb-regulatory.yaml",
        "acceptable: [Standards Exceeded, Standards Met]",
        "acceptable: [Standards Exceeded, Standards Mett]",
        ["dspt.acceptable", "Standards Mett"],
        id="regulatory-unknown-dspt-status",
    ),
    pytest.param(
        "gb-regulatory.yaml",
        "    gb_acceptance_ends: 2028-06-30\n    class_overrides:\n      III:",
        "    gb_acceptance_ends: 2028-06-30\n    class_overrides:\n      IV:",
        ["class_overrides", "IV"],
        id="regulatory-unknown-class",
    ),
    pytest.param(
        "nice-lbp.yaml",
        "  - name: Hinge Health\n",
        "  - name: getUBetter\n",
        ["getUBetter", "twice"],
        id="nice-duplicate-technology",
    ),
    pytest.param(
        "nice-lbp.yaml",
        "exercise_item: exercise",
        "exercise_item: exercises",
        ["exercises"],
        id="nice-unknown-exercise-item",
    ),
    pytest.param(
        "dtac-v1-to-v2.yaml",
        "{v1: C1.2, v2: C1.2.5}",
        "{v1: C1.2, v2: C1.2.9}",
        ["carry_over.16.v2", "C1.2.9"],
        id="migration-unknown-question",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "mentions"), BROKEN)
def test_broken_criteria_file_fails_at_load_naming_file_and_key(
    criteria_copy: Path, name: str, old: str, new: str, mentions: list[str]
) -> None:
    _break(criteria_copy / name, old, new)
    with pytest.raises(InputError) as exc:
        load_catalogue(criteria_copy)
    e = exc.value
    assert Path(e.file).name == name, f"error names {e.file}, expected {name}"
    message = str(e)
    assert name in message
    for m in mentions:
        assert m in message, f"{m!r} not in {message!r}"
    # Errors for a file carry a key/position, not just the file name.
    assert e.field or e.reason


def test_a_non_mapping_criteria_file_is_rejected(criteria_copy: Path) -> None:
    (criteria_copy / "policy.yaml").write_text("- just\n- a list\n")
    with pytest.raises(InputError, match=re.escape("policy.yaml")):
        load_catalogue(criteria_copy)


def test_a_missing_regulatory_file_is_reported(criteria_copy: Path) -> None:
    (criteria_copy / "gb-regulatory.yaml").unlink()
    with pytest.raises(InputError, match="no GB regulatory rules file"):
        load_catalogue(criteria_copy)


def test_a_missing_criteria_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="criteria directory not found"):
        load_catalogue(tmp_path / "nope")


def test_anchors_are_refused_in_criteria_files(criteria_copy: Path) -> None:
    _break(criteria_copy / "policy.yaml", "expiry_warning_days: 90", "expiry_warning_days: &w 90\nv1_x: *w")
    with pytest.raises(InputError, match="anchors and aliases"):
        load_catalogue(criteria_copy)
