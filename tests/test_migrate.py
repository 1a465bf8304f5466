"""`dtac migrate`: a v1.0 submission carried over to a v2.0 draft that validates and lists what is left."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from support import REPO
from typer.testing import CliRunner

from dtac_app.carry_over import carry_over
from dtac_app.catalogue import get_catalogue
from dtac_app.cli import app
from dtac_app.engine import assess
from dtac_app.submission_io import load_submission, parse_submission

V1 = REPO / "submissions" / "roundmoor-v1.yaml"


def test_carry_over_maps_answers_options_and_evidence() -> None:
    cat = get_catalogue()
    sub = load_submission(V1, cat)
    result = carry_over(sub, cat)
    carried = {v1: (v2, ans) for v1, v2, ans in result.carried}
    assert carried["C1.1"] == ("C1.2.2", sub.answers["C1.1"])  # DCB0129 done → C1.2.2
    assert carried["C3.2"][0] == "C3.3"  # pen test moved
    assert all(ev["question"] in cat.dtac_set("dtac-v2.0").questions for ev in result.data["evidence"])
    assert "C1.1.1" in result.to_answer and "C3.2" in result.to_answer  # new v2.0 gates
    draft = parse_submission(result.data, cat, file="draft")
    a = assess(draft, cat, as_of=sub.submitted_on)  # type: ignore[arg-type]
    assert a.decision == "incomplete"
    assert {f.rule for f in a.reasons} >= {"C1.1.1", "C3.2"}


def test_migrate_command_writes_a_valid_draft_beside_the_original(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    shutil.copytree(REPO / "submissions", folder)
    out = folder / "roundmoor-v2-draft.yaml"
    runner = CliRunner()
    r = runner.invoke(app, ["migrate", str(folder / V1.name), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "to answer" in r.output
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["criteria"] == "dtac-v2.0"
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0  # evidence hashes still check out
    again = runner.invoke(app, ["migrate", str(folder / V1.name), "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output  # nothing overwritten


def test_migrate_refuses_a_v2_submission() -> None:
    r = CliRunner().invoke(app, ["migrate", str(REPO / "submissions" / "slotharbour.yaml")])
    assert r.exit_code == 2
    assert "only dtac-v1.0" in r.output
