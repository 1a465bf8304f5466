"""`dtac verify`: a JSON dossier checked against its evidence files, the criteria and a re-run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import TODAY, passing_lbp
from typer.testing import CliRunner

from dtac_app.catalogue import load_catalogue
from dtac_app.cli import app
from dtac_app.dossier import write_dossier
from dtac_app.engine import assess
from dtac_app.provenance import all_received
from dtac_app.results import Override
from dtac_app.submission_io import load_submission
from dtac_app.workbench.verification import verify_dossier

runner = CliRunner()


@pytest.fixture()
def case(tmp_path: Path, catalogue: Any) -> dict[str, Path]:
    """A submission with real evidence files, and its JSON dossier written to a separate folder."""
    src = tmp_path / "vendor"
    data = passing_lbp()
    for i, rec in enumerate(data["evidence"]):
        rec["file"] = f"evidence/{i:02d}-{rec['kind']}.txt"
        (src / "evidence").mkdir(parents=True, exist_ok=True)
        (src / rec["file"]).write_text(f"FICTIONAL EXAMPLE {rec['kind']} #{i}\n", encoding="utf-8")
    path = src / "submission.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    sub = load_submission(path, catalogue)
    overrides = {
        "D1.2": Override(outcome="pass", rationale="Usability testing report seen on site, 12 participants.")
    }
    a = assess(sub, catalogue, as_of=TODAY, overrides=overrides, documents=all_received(len(sub.evidence)))
    out = write_dossier(a, sub, tmp_path / "out", "json", source=str(path))
    return {"json": out["json"], "src": src, "submission": path}


def statuses(report: Any, area: str) -> dict[str, str]:
    return {c.subject: c.status for c in report.checks if c.area == area}


def test_untouched_dossier_verifies(case: dict[str, Path], catalogue: Any) -> None:
    report = verify_dossier(case["json"], catalogue=catalogue)
    assert report.ok, report.problems
    ev = statuses(report, "evidence")
    assert len(ev) == len(passing_lbp()["evidence"]) and set(ev.values()) == {"ok"}
    assert set(statuses(report, "criteria").values()) == {"ok"}
    assert statuses(report, "assessment") == {"fingerprint": "ok", "re-run": "ok"}
    result = runner.invoke(app, ["verify", str(case["json"])])
    assert result.exit_code == 0, result.output
    assert "Everything matches" in result.output


def test_changed_evidence_file_is_detected(case: dict[str, Path], catalogue: Any) -> None:
    target = next((case["src"] / "evidence").glob("*cyber_essentials*"))
    target.write_text("tampered\n", encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    assert not report.ok
    [bad] = report.problems
    assert bad.area == "evidence" and bad.status == "differs" and target.name in bad.subject
    assert "has changed" in bad.detail
    result = runner.invoke(app, ["verify", str(case["json"])])
    assert result.exit_code == 1
    assert target.name in result.output and "1 difference found" in result.output


def test_missing_evidence_file_and_evidence_dir_option(
    case: dict[str, Path], catalogue: Any, tmp_path: Path
) -> None:
    moved = tmp_path / "elsewhere"
    shutil.move(str(case["src"] / "evidence"), str(moved / "evidence"))
    report = verify_dossier(case["json"], catalogue=catalogue)
    assert not report.ok and {c.status for c in report.problems} == {"missing"}
    assert runner.invoke(app, ["verify", str(case["json"])]).exit_code == 1
    # Pointing --evidence at the folder that now holds the files makes it match again.
    result = runner.invoke(app, ["verify", str(case["json"]), "--evidence", str(moved), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True


def test_changed_criteria_hash_is_detected(case: dict[str, Path], criteria_copy: Path) -> None:
    policy = criteria_copy / "policy.yaml"
    policy.write_text(
        policy.read_text(encoding="utf-8") + "\n# edited after the dossier was made\n", encoding="utf-8"
    )
    report = verify_dossier(case["json"], catalogue=load_catalogue(criteria_copy))
    assert not report.ok
    crit = statuses(report, "criteria")
    assert crit["policy"] == "differs" and crit["dtac-v2.0"] == "ok"
    # The decision itself does not change: a comment is not a rule. The hash still says "not the same criteria".
    assert statuses(report, "assessment")["re-run"] == "ok"
    result = runner.invoke(app, ["verify", str(case["json"])], env={"DTAC_CRITERIA_DIR": str(criteria_copy)})
    assert result.exit_code == 1
    assert "policy" in result.output and "criteria file changed" in result.output


def test_rule_change_shows_in_the_rerun(case: dict[str, Path], criteria_copy: Path) -> None:
    policy = criteria_copy / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(
        text.replace(
            "unassessed_lbp_product: available_with_conditions", "unassessed_lbp_product: not_available"
        ),
        encoding="utf-8",
    )
    assert "not_available" in policy.read_text(encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=load_catalogue(criteria_copy))
    details = [c.detail for c in report.problems if c.area == "assessment"]
    assert any(
        d.startswith("decision: recorded “Available with conditions”, re-run gives “Not available”")
        for d in details
    )


def test_recorded_criteria_hash_edited_in_the_dossier(case: dict[str, Path], catalogue: Any) -> None:
    doc = json.loads(case["json"].read_text(encoding="utf-8"))
    doc["inputs"]["criteria"]["hashes"]["dtac-v2.0"] = "0" * 64
    case["json"].write_text(json.dumps(doc), encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    crit = {c.subject: c for c in report.checks if c.area == "criteria"}
    assert crit["dtac-v2.0"].status == "differs" and "0" * 64 in crit["dtac-v2.0"].detail
    assert crit["assessment.criteria.hashes"].status == "differs"


def test_edited_decision_is_detected(case: dict[str, Path], catalogue: Any) -> None:
    doc = json.loads(case["json"].read_text(encoding="utf-8"))
    doc["assessment"]["decision"] = "available"
    doc["assessment"]["decision_label"] = "Available for NHS use"
    case["json"].write_text(json.dumps(doc), encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    got = {(c.subject, c.status) for c in report.problems}
    assert ("fingerprint", "differs") in got and ("re-run", "differs") in got


def test_edited_manifest_hash_is_detected(case: dict[str, Path], catalogue: Any) -> None:
    doc = json.loads(case["json"].read_text(encoding="utf-8"))
    doc["evidence_manifest"][0]["sha256"] = "f" * 64
    case["json"].write_text(json.dumps(doc), encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    assert [c.subject for c in report.problems] == [f"E1 {doc['evidence_manifest'][0]['file']}"]


@pytest.mark.parametrize(
    "content", ["not json {", "[1, 2]", '{"schema": "dtac-assessment/1"}', '{"schema": "dtac-dossier/1"}']
)
def test_bad_input_exits_2(content: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["verify", str(bad)])
    assert result.exit_code == 2
    assert runner.invoke(app, ["verify", str(tmp_path / "absent.json")]).exit_code == 2


def test_evidence_path_outside_the_folder_is_refused(case: dict[str, Path], catalogue: Any) -> None:
    doc = json.loads(case["json"].read_text(encoding="utf-8"))
    doc["evidence_manifest"][0]["file"] = "../../../etc/passwd"
    doc["inputs"]["submission"]["evidence"][0]["file"] = "../../../etc/passwd"
    case["json"].write_text(json.dumps(doc), encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    first = next(c for c in report.checks if c.area == "evidence")
    assert first.status == "differs" and "outside" in first.detail
