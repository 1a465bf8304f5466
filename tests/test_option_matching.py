"""Option labels the way vendors paste them: typography, case and the published long labels."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import passing_v2, run

from dtac_app.catalogue import load_catalogue
from dtac_app.criteria import Catalogue, canon_label
from dtac_app.errors import InputError


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("Yes \u2013 External code review", "Yes - external code review"),  # en dash, capital
        ("Yes\u2014external code review", "Yes - external code review"),  # em dash, no spaces
        ("Yes -external code review", "Yes - external code review"),
        ("\u201cYes\u201d", "Yes"),  # curly quotes round the label
        ("Yes.", "Yes"),
        ("Not\u00a0applicable (not web / mobile)", "Not applicable (not web/mobile)"),  # NBSP, spaced slash
        ("No, but a plan and timeline exists", "NO,  BUT A PLAN AND TIMELINE EXISTS"),
        ("it\u2019s", "it's"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_canon_label_equates_published_typography(typed: str, official: str) -> None:
    assert canon_label(typed) == canon_label(official)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Yes", "No"),
        ("CE-MDR", "CE-MDD"),
        ("Patients/Clinicians", "Patients"),
        ("Not applicable", "Not applicable (not web/mobile)"),  # different labels stay different
    ],
)
def test_canon_label_keeps_different_labels_apart(a: str, b: str) -> None:
    assert canon_label(a) != canon_label(b)


@pytest.mark.parametrize(
    ("qid", "typed", "official"),
    [
        (
            "D1.4.1",
            "No, but a plan and timeline for achieving WCAG 2.2 AA or higher is in place",
            "No, but a plan and timeline exists",
        ),
        ("D1.4.1", "No \u2013 but a plan and timeline exists", None),  # a comma is not a dash
        (
            "C3.5.1",
            "Not applicable as supplier has no access to the product",
            "Not applicable (supplier has no access)",
        ),
        (
            "C4.2.4",
            "Not Applicable \u2013 not used directly by patients",
            "Not applicable (not used directly by patients)",
        ),
        (
            "A4",
            "Standalone software application or Mobile Application",
            "Standalone software application or mobile app",
        ),
        ("C3.2", "\u201cyes\u201d", "Yes"),
        ("C1.2.5", "Yes", None),  # not a choice question
        ("C3.2", "Maybe", None),
    ],
)
def test_published_long_labels_are_aliases(
    catalogue: Catalogue, qid: str, typed: str, official: str | None
) -> None:
    cs = catalogue.dtac_set("dtac-v2.0")
    assert cs.match_option(qid, typed) == official
    if official is not None:
        assert cs.option_lookup[qid][canon_label(typed)] == official


def test_v1_dash_options_accept_hyphens_and_em_dashes(catalogue: Catalogue) -> None:
    cs = catalogue.dtac_set("dtac-v1.0")
    assert cs.match_option("C3.3", "Yes - External code review") == "Yes \u2013 external code review"
    assert cs.match_option("C3.3", "yes\u2014internal code review") == "Yes \u2013 internal code review"


def test_a_long_label_is_assessed_as_the_official_option(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["D1.4.1"] = "No, but a plan and timeline for achieving WCAG 2.2 AA or higher is in place"
    data["answers"]["D1.4.2"] = "By March 2027"
    a = run(data, catalogue)
    q = a.question("D1.4.1")
    assert q is not None and q.answer == "No, but a plan and timeline exists" and q.outcome == "pass"
    assert q.condition


def _criteria_with(criteria_copy: Path, qid: str, aliases: dict[str, str]) -> Path:
    path = criteria_copy / "dtac-v2.0.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for s in data["sections"]:
        for q in s["questions"]:
            if q["id"] == qid:
                q["aliases"] = aliases
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return criteria_copy


def test_an_alias_must_point_at_an_option(criteria_copy: Path) -> None:
    _criteria_with(criteria_copy, "C3.2", {"Signed": "Signed it"})
    with pytest.raises(InputError, match="aliases point at answers that are not options"):
        load_catalogue(criteria_copy)


def test_an_alias_may_not_read_as_another_option(criteria_copy: Path) -> None:
    _criteria_with(criteria_copy, "C3.2", {"\u201cNo\u201d": "Yes"})
    with pytest.raises(InputError, match="reads the same as another option"):
        load_catalogue(criteria_copy)
