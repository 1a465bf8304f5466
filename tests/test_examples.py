"""The example submissions reach the decisions their README promises, and make_evidence is a no-op."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import EXAMPLES, REPO
from typer.testing import CliRunner

from dtac_app.catalogue import get_catalogue
from dtac_app.cli import app
from dtac_app.engine import assess
from dtac_app.submission_io import load_submission, read_path
from dtac_app.workbench.assessing import find_submissions

EXPECTED = json.loads((EXAMPLES / "expected" / "expected.json").read_text(encoding="utf-8"))
AS_OF = dt.date(2026, 11, 22)


def test_every_example_is_listed() -> None:
    assert {p.name for p in find_submissions(EXAMPLES)} == set(EXPECTED)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert name in readme


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_decision(name: str) -> None:
    cat = get_catalogue()
    intake = read_path(EXAMPLES / name, cat).require_files()
    a = assess(intake.submission, cat, as_of=AS_OF, documents=intake.states())
    assert {e.provenance for e in a.evidence} == {"received"}
    assert a.decision == EXPECTED[name]["decision"]
    assert (a.valid_until.isoformat() if a.valid_until else None) == EXPECTED[name]["valid_until"]
    assert (a.changes_on.isoformat() if a.changes_on else None) == EXPECTED[name]["changes_on"]
    assert a.reasons, "every decision carries its reasons"


def test_examples_cover_every_decision_but_research_under_both_profiles() -> None:
    cat = get_catalogue()
    seen = set()
    for name in EXPECTED:
        sub = load_submission(EXAMPLES / name, cat)
        seen.add((sub.profile, sub.criteria, EXPECTED[name]["decision"]))
    decisions = {d for _, _, d in seen}
    assert {"not_available", "incomplete", "available_with_conditions", "available"} <= decisions
    assert {p for p, _, _ in seen} == {"dtac", "nice-lbp"}
    assert {c for _, c, _ in seen} == {"dtac-v1.0", "dtac-v2.0"}


def test_batch_over_the_examples_writes_one_row_each(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["batch", str(EXAMPLES), "--as-of", AS_OF.isoformat(), "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(EXPECTED)
    for name, exp in EXPECTED.items():
        row = next(ln for ln in lines if name in ln)
        assert f",{exp['decision']}," in row


def test_make_evidence_changes_nothing() -> None:
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "make_evidence.py"), "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
