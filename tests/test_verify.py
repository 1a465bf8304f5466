"""`dtac verify`: a JSON dossier checked against its evidence files, the criteria and a re-run."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import TODAY, passing_lbp
from typer.testing import CliRunner

from dtac_app.catalogue import load_catalogue
from dtac_app.cli import app
from dtac_app.dossier import build_dossier, write_dossier
from dtac_app.engine import assess
from dtac_app.provenance import all_received
from dtac_app.results import Override
from dtac_app.signing import SigningKey, init_key, public_key_path
from dtac_app.submission_io import load_submission
from dtac_app.workbench.keys import SIGNING_KEY_ENV, TRUSTED_KEYS_ENV
from dtac_app.workbench.verification import verify_dossier

runner = CliRunner()


@pytest.fixture()
def org_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SigningKey:
    """The organisation's signing key, configured the way `dtac keys init` leaves it."""
    path = tmp_path / "keys" / "org.pem"
    monkeypatch.setenv(SIGNING_KEY_ENV, str(path))
    monkeypatch.delenv(TRUSTED_KEYS_ENV, raising=False)
    return init_key(path, "NHS Example ICB")


@pytest.fixture()
def case(tmp_path: Path, catalogue: Any, org_key: SigningKey) -> dict[str, Path]:
    """A submission with real evidence files, and its signed JSON dossier written beside it."""
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
    out = write_dossier(a, sub, src, "json", source=str(path), signing_key=org_key)
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
    assert statuses(report, "signature") == {"signature": "ok"}
    assert report.signed_by == "NHS Example ICB"
    result = runner.invoke(app, ["verify", str(case["json"])])
    assert result.exit_code == 0, result.output
    assert "Everything matches" in result.output
    assert "Signed by NHS Example ICB (key SHA256:" in result.output


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
    assert [c.subject for c in report.problems] == ["signature", f"E1 {doc['evidence_manifest'][0]['file']}"]


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


# ----------------------------------------------------------------------------- signatures (issue 10.5)


def _forge(case: dict[str, Path], catalogue: Any, key: SigningKey | None) -> dict[str, Any]:
    """What an attacker can do without the organisation's key: change an answer, re-assess and
    write a fresh dossier whose every hash is right (unsigned, or signed with their own key)."""
    data = yaml.safe_load(case["submission"].read_text(encoding="utf-8"))
    data["product"]["name"] = "Back App (edited)"
    case["submission"].write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    sub = load_submission(case["submission"], catalogue)
    a = assess(sub, catalogue, as_of=TODAY)
    case["json"].unlink()
    out = write_dossier(a, sub, case["src"], "json", source=str(case["submission"]), signing_key=key)
    case["json"] = out["json"]
    return json.loads(out["json"].read_text(encoding="utf-8"))


def test_rehashed_unsigned_dossier_is_not_accepted(case: dict[str, Path], catalogue: Any) -> None:
    _forge(case, catalogue, None)
    report = verify_dossier(case["json"], catalogue=catalogue)
    # Every hash is consistent: only the missing signature gives the forgery away.
    assert [(c.area, c.status) for c in report.problems] == [("signature", "missing")]
    assert not report.ok and report.signed_by == ""
    result = runner.invoke(app, ["verify", str(case["json"])])
    assert result.exit_code == 1
    assert "not signed" in result.output and "cannot be confirmed" in result.output


def test_dossier_signed_with_another_key_is_not_trusted(
    case: dict[str, Path], catalogue: Any, tmp_path: Path
) -> None:
    mallory = init_key(tmp_path / "mallory" / "k.pem", "NHS Example ICB")  # same name, different key
    _forge(case, catalogue, mallory)
    report = verify_dossier(case["json"], catalogue=catalogue)
    [bad] = report.problems
    assert bad.status == "untrusted" and mallory.fingerprint in bad.detail and report.signed_by == ""
    result = runner.invoke(app, ["verify", str(case["json"])])
    assert result.exit_code == 1 and "not a trusted key" in result.output
    # The verifier who is given mallory's key does learn that mallory's key signed it.
    result = runner.invoke(
        app, ["verify", str(case["json"]), "--key", str(public_key_path(tmp_path / "mallory" / "k.pem"))]
    )
    assert result.exit_code == 0 and mallory.fingerprint in result.output


def test_answer_edited_after_signing_breaks_the_signature(case: dict[str, Path], catalogue: Any) -> None:
    signed = json.loads(case["json"].read_text(encoding="utf-8"))
    forged = _forge(case, catalogue, None)
    forged["signature"] = signed["signature"]  # the genuine signature, moved onto edited content
    case["json"].write_text(json.dumps(forged), encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    [bad] = report.problems
    assert bad.area == "signature" and bad.status == "differs" and "changed after it was signed" in bad.detail
    # Swapping the claimed signer's name is an edit too.
    signed["signature"]["signer"] = "Someone Else"
    case["json"].write_text(json.dumps(signed), encoding="utf-8")
    assert statuses(verify_dossier(case["json"], catalogue=catalogue), "signature") == {
        "signature": "differs"
    }


def test_verify_with_a_given_key_only_trusts_that_key(
    case: dict[str, Path], catalogue: Any, org_key: SigningKey, tmp_path: Path
) -> None:
    other = init_key(tmp_path / "other" / "k.pem", "Another ICB")
    result = runner.invoke(
        app, ["verify", str(case["json"]), "--key", str(public_key_path(tmp_path / "other" / "k.pem"))]
    )
    assert (
        result.exit_code == 1
        and org_key.fingerprint in result.output
        and other.fingerprint not in result.output
    )
    result = runner.invoke(
        app, ["verify", str(case["json"]), "--key", str(public_key_path(Path(os.environ[SIGNING_KEY_ENV])))]
    )
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.pub"
    bad.write_text("ssh-ed25519 AAAA me\n", encoding="utf-8")
    result = runner.invoke(app, ["verify", str(case["json"]), "--key", str(bad)])
    assert result.exit_code == 2 and "bad.pub: line 1: expected 'dtac-ed25519" in result.output


def test_verify_reads_nothing_outside_the_dossier_folder(
    case: dict[str, Path], catalogue: Any, tmp_path: Path
) -> None:
    """A crafted inputs.source used to add its folder to the search path (it hashed /etc/passwd)."""
    secret_dir = tmp_path / "secret"
    secret_dir.mkdir()
    secret = secret_dir / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    doc = json.loads(case["json"].read_text(encoding="utf-8"))
    doc["inputs"]["source"] = str(secret_dir / "submission.yaml")
    doc["evidence_manifest"][0]["file"] = "passwd"
    doc["inputs"]["submission"]["evidence"][0]["file"] = "passwd"
    elsewhere = tmp_path / "received"
    elsewhere.mkdir()
    crafted = elsewhere / "dossier.json"
    crafted.write_text(json.dumps(doc), encoding="utf-8")
    report = verify_dossier(crafted, catalogue=catalogue)
    first = next(c for c in report.checks if c.area == "evidence")
    assert first.status == "missing" and str(elsewhere) in first.detail
    assert all(digest not in c.detail and str(secret_dir) not in c.detail for c in report.checks)


def test_keys_init_and_show(tmp_path: Path) -> None:
    path = tmp_path / "k" / "org.pem"
    result = runner.invoke(app, ["keys", "init", "--signer", "NHS Example ICB", "--key-file", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600
    pub_line = public_key_path(path).read_text(encoding="utf-8").strip()
    assert pub_line.startswith("dtac-ed25519 ") and pub_line.endswith(" NHS Example ICB")
    assert pub_line in result.output and "Fingerprint: SHA256:" in result.output
    again = runner.invoke(app, ["keys", "init", "--signer", "X", "--key-file", str(path)])
    assert again.exit_code == 2 and "--force" in again.output
    assert public_key_path(path).read_text(encoding="utf-8").strip() == pub_line  # untouched
    shown = runner.invoke(app, ["keys", "show", "--key-file", str(path)])
    assert shown.exit_code == 0 and pub_line in shown.output
    missing = runner.invoke(app, ["keys", "show", "--key-file", str(tmp_path / "none.pem")])
    assert missing.exit_code == 2 and "dtac keys init" in missing.output


def test_pdf_and_html_show_the_key_fingerprint(
    case: dict[str, Path], catalogue: Any, org_key: SigningKey
) -> None:
    from pypdf import PdfReader

    sub = load_submission(case["submission"], catalogue)
    a = assess(sub, catalogue, as_of=TODAY)
    files = build_dossier(a, sub, ("pdf", "html"), signing_key=org_key)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert org_key.fingerprint in text.replace("\n", "")
    assert org_key.fingerprint in files["html"].decode("utf-8")
    unsigned = build_dossier(a, sub, ("html",))
    assert "Not signed" in unsigned["html"].decode("utf-8")


def test_dossier_command_signs_with_the_configured_key(
    case: dict[str, Path], org_key: SigningKey, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "dossier",
            str(case["submission"]),
            "--as-of",
            TODAY.isoformat(),
            "--out",
            str(case["src"]),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Signed by NHS Example ICB with key {org_key.fingerprint}" in result.output
    doc = json.loads(next(case["src"].glob("*.json")).read_text(encoding="utf-8"))
    assert doc["signature"]["key_fingerprint"] == org_key.fingerprint
    assert runner.invoke(app, ["verify", str(next(case["src"].glob("*.json")))]).exit_code == 0


def test_a_dossier_written_before_a_field_was_added_keeps_its_fingerprint(
    case: dict[str, Path], catalogue: Any
) -> None:
    """The fingerprint is checked on the assessment as recorded, not on a re-dump through today's model
    (which adds today's new keys with their defaults and would cry 'edited' on every older dossier)."""
    from dtac_app.dossier.json_export import canonical_sha256

    data = json.loads(case["json"].read_text(encoding="utf-8"))
    for f in data["assessment"]["findings"]:
        f.pop("valid_until")  # as written before findings carried valid_until
    data["assessment_sha256"] = canonical_sha256(data["assessment"])
    case["json"].write_text(json.dumps(data), encoding="utf-8")
    report = verify_dossier(case["json"], catalogue=catalogue)
    assert statuses(report, "assessment")["fingerprint"] == "ok"
