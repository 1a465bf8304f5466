"""The ``dtac`` command line: bad input exits 2 with one clear message and no traceback; batch,
schema, criteria browsing and JSON output."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import DECISIONS, HTE16_TECHNOLOGIES, TODAY, evidence_of, passing_lbp, passing_v2, run
from typer.testing import CliRunner

from dtac_app.cli import app
from dtac_app.criteria import Catalogue
from dtac_app.engine import assess
from dtac_app.errors import InputError
from dtac_app.provenance import all_received
from dtac_app.submission_io import load_submission

AS_OF = TODAY.isoformat()
ENV = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}


@pytest.fixture()
def cli() -> CliRunner:
    return CliRunner()


def invoke(cli: CliRunner, *args: str) -> Any:
    return cli.invoke(app, list(args), env=ENV)


def output_of(result: Any) -> str:
    """Everything the command printed (stdout and stderr)."""
    out = result.output
    try:
        err = result.stderr
    except ValueError:  # stderr mixed into output
        err = ""
    return out + ("" if err and err in out else err)


def write_yaml(folder: Path, name: str, data: dict[str, Any]) -> Path:
    """Write a submission with a file for every evidence record (the documents are in hand)."""
    path = folder / name
    for i, rec in enumerate(data.get("evidence", [])):
        if isinstance(rec, dict) and "file" not in rec:
            rec["file"] = f"evidence/{path.stem}/{i:02d}-{rec.get('kind')}.txt"
            target = folder / rec["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"FICTIONAL EXAMPLE {rec.get('kind')} #{i}\n", encoding="utf-8")
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


# =========================================================================== bad input


def _malformed_yaml(d: Path) -> Path:
    p = d / "sub.yaml"
    p.write_text("schema: dtac-submission/1\nanswers:\n  C1.2: [Yes\n  C1.2.2: No\n")
    return p


def _malformed_json(d: Path) -> Path:
    p = d / "sub.json"
    p.write_text(json.dumps(passing_v2())[:-40] + ",}")
    return p


def _mutated(**changes: Any) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        data = passing_v2()
        for key, value in changes.items():
            if key.startswith("answers."):
                data["answers"][key[len("answers.") :]] = value
            else:
                data[key] = value
        return write_yaml(d, "sub.yaml", data)

    return make


def _missing_evidence_file(d: Path) -> Path:
    data = passing_v2()
    evidence_of(data, "dpia")["file"] = "dpia.pdf"
    return write_yaml(d, "sub.yaml", data)


def _hash_mismatch(d: Path) -> Path:
    (d / "ce.pdf").write_bytes(b"%PDF-1.4 Cyber Essentials certificate")
    data = passing_v2()
    evidence_of(data, "cyber_essentials").update(file="ce.pdf", sha256="ab" * 32)
    return write_yaml(d, "sub.yaml", data)


def _alias_bomb(d: Path) -> Path:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(
            f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]"
        )
    p = d / "bomb.yaml"
    p.write_text("\n".join(lines) + "\n")
    return p


def _ten_mb_answer(d: Path) -> Path:
    text = yaml.safe_dump(passing_v2(), sort_keys=False)
    assert "\nanswers:\n" in text
    text = text.replace("\nanswers:\n", "\nanswers:\n  B2: " + "x" * (10 * 1024 * 1024) + "\n", 1)
    p = d / "big.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _long_answer(d: Path) -> Path:
    data = passing_v2()
    data["answers"]["C1.2.5"] = "y" * 200_000
    return write_yaml(d, "long.yaml", data)


def _not_utf8(d: Path) -> Path:
    p = d / "sub.yaml"
    p.write_bytes(b"product: {name: \xff\xfe}\n")
    return p


def _raw(key: str, text: str) -> Callable[[Path], Path]:
    """A passing submission with ``key`` set to ``text`` exactly as written in the YAML (unquoted)."""

    def make(d: Path) -> Path:
        data = passing_v2()
        if key.startswith("answers."):
            data["answers"][key[len("answers.") :]] = "__RAW__"
        else:
            data[key] = "__RAW__"
        path = write_yaml(d, "sub.yaml", data)
        path.write_text(path.read_text(encoding="utf-8").replace("__RAW__", text), encoding="utf-8")
        return path

    return make


def _duplicate_answer(d: Path) -> Path:
    path = write_yaml(d, "sub.yaml", passing_v2())
    text = path.read_text(encoding="utf-8").replace("answers:\n", "answers:\n  C1.2: 'No'\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def _duplicate_json_key(d: Path) -> Path:
    path = d / "sub.json"
    body = json.dumps(passing_v2(), indent=1)
    path.write_text(body.replace("{\n", '{\n "criteria": "dtac-v2.0",\n "criteria": "dtac-v2.0",\n', 1))
    return path


BAD_INPUTS = [
    pytest.param(_malformed_yaml, "sub.yaml", ["line 4", "not valid YAML"], id="malformed-yaml"),
    pytest.param(_malformed_json, "sub.json", ["line 1 column", "not valid JSON"], id="malformed-json"),
    pytest.param(
        _mutated(**{"answers.C9.9": "Yes"}),
        "sub.yaml",
        ["answers.C9.9", "no question C9.9"],
        id="unknown-question",
    ),
    pytest.param(_raw("submitted_on", "2026-02-30"), "sub.yaml", ["submitted_on", "valid date"], id="feb-30"),
    pytest.param(_raw("submitted_on", "0000-01-01"), "sub.yaml", ["submitted_on", "valid date"], id="year-0"),
    pytest.param(
        _raw("submitted_on", "9" * 5000), "sub.yaml", ["submitted_on", "valid date"], id="5000-digit-integer"
    ),
    pytest.param(
        _raw("answers.D1.5", "1e400"), "sub.yaml", ["answers.D1.5", "not a finite number"], id="number-1e400"
    ),
    pytest.param(
        _raw("answers.D1.5", ".inf"), "sub.yaml", ["answers.D1.5", "not a finite number"], id="number-inf"
    ),
    pytest.param(
        _raw("product", "[" * 10_000 + "]" * 10_000),
        "sub.yaml",
        ["nested more than 64 levels deep"],
        id="deep-nesting",
    ),
    pytest.param(_duplicate_answer, "sub.yaml", ["line ", "key 'C1.2' appears twice"], id="duplicate-key"),
    pytest.param(
        _duplicate_json_key, "sub.json", ["line 3", "key 'criteria' appears twice"], id="duplicate-json-key"
    ),
    pytest.param(
        _mutated(submitted_on="01/02/2026"), "sub.yaml", ["submitted_on", "valid date"], id="date-format"
    ),
    pytest.param(
        _missing_evidence_file,
        "sub.yaml",
        ["evidence[5].file", "evidence file not found: dpia.pdf"],
        id="missing-evidence-file",
    ),
    pytest.param(_hash_mismatch, "sub.yaml", ["evidence[8].sha256", "does not match"], id="hash-mismatch"),
    pytest.param(_alias_bomb, "bomb.yaml", ["line 1", "anchors and aliases"], id="alias-bomb"),
    pytest.param(_ten_mb_answer, "big.yaml", ["MB; the limit is 5 MB"], id="file-over-size-limit"),
    pytest.param(
        _long_answer,
        "long.yaml",
        ["answers", "C1.2.5", "200,000 characters; the limit is 100,000"],
        id="answer-over-field-limit",
    ),
    pytest.param(_not_utf8, "sub.yaml", ["not UTF-8"], id="not-utf8"),
]


def _assert_one_clear_error(result: Any, name: str, mentions: list[str]) -> str:
    text = output_of(result)
    assert result.exit_code == 2, f"exit {result.exit_code}: {text[:2000]}"
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in text
    error_lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, text[:2000]
    line = error_lines[0]
    assert name in line
    for m in mentions:
        assert m in line, f"{m!r} not in {line!r}"
    assert len(line) < 600, "the message should be short, not an echo of the input"
    return line


@pytest.mark.parametrize(("make", "name", "mentions"), BAD_INPUTS)
@pytest.mark.parametrize("command", ["assess", "validate"])
def test_bad_input_exits_2_with_one_message_naming_file_and_field(
    cli: CliRunner, tmp_path: Path, make: Any, name: str, mentions: list[str], command: str
) -> None:
    path = make(tmp_path)
    before = snapshot(tmp_path)
    args = [command, str(path)] + (["--as-of", AS_OF] if command == "assess" else [])
    result = invoke(cli, *args)
    _assert_one_clear_error(result, name, mentions)
    assert snapshot(tmp_path) == before, "bad input must not write anything"
    assert result.stdout.strip() == "", "errors go to stderr; nothing is printed to stdout"


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--as-of", "01/10/2026"], ["--as-of", "YYYY-MM-DD"]),
        (["--profile", "nhs"], ["--profile", "'nhs' is not one of"]),
    ],
    ids=["as-of-format", "unknown-profile"],
)
def test_bad_options_exit_2(cli: CliRunner, tmp_path: Path, args: list[str], mentions: list[str]) -> None:
    path = write_yaml(tmp_path, "sub.yaml", passing_v2())
    result = invoke(cli, "assess", str(path), *args)
    assert result.exit_code == 2
    text = output_of(result)
    assert "Traceback" not in text
    for m in mentions:
        assert m in text


def test_missing_submission_file(cli: CliRunner, tmp_path: Path) -> None:
    result = invoke(cli, "assess", str(tmp_path / "nope.yaml"), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "nope.yaml" in output_of(result)
    assert "Traceback" not in output_of(result)


def test_several_problems_in_one_file_are_all_listed(cli: CliRunner, tmp_path: Path) -> None:
    data = passing_v2()
    data["answers"].update({"C1.2": "Maybe", "C3.1": "Sent"})
    data["answers"].update({"C1.9": "Yes", "D1.5": "lots"})
    result = invoke(cli, "validate", str(write_yaml(tmp_path, "sub.yaml", data)))
    assert result.exit_code == 2
    lines = [x for x in output_of(result).splitlines() if x.startswith("error:")]
    assert len(lines) == 2
    assert "answers.D1.5" in lines[0] and "answers.C1.9" in lines[1]


def test_answer_that_looks_like_markup_closing_tag_is_printed_verbatim(
    cli: CliRunner, tmp_path: Path
) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "[/x] maybe"
    result = invoke(cli, "assess", str(write_yaml(tmp_path, "sub.yaml", data)), "--as-of", AS_OF)
    assert result.exit_code == 0, output_of(result)
    assert "[/x] maybe" in output_of(result)


def test_answer_that_looks_like_markup_is_quoted_verbatim(cli: CliRunner, tmp_path: Path) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = "[red]Maybe"
    result = invoke(cli, "assess", str(write_yaml(tmp_path, "sub.yaml", data)), "--as-of", AS_OF)
    assert result.exit_code == 0, output_of(result)
    assert "[red]Maybe" in output_of(result)


@pytest.mark.parametrize("answer", ["Plan to follow next quarter", "Patients/Clinicians"])
def test_free_text_in_a_choice_question_is_a_finding_not_bad_input(
    cli: CliRunner, tmp_path: Path, answer: str
) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = answer
    path = write_yaml(tmp_path, "sub.yaml", data)
    result = invoke(cli, "assess", str(path), "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, output_of(result)
    a = json.loads(result.stdout)
    q = next(q for q in a["questions"] if q["id"] == "C1.2")
    assert (q["answer"], q["outcome"]) == (answer, "missing")
    assert a["decision"] == "incomplete"
    assert any(
        f["rule"] == "C1.2" and "choose one of the options (Yes; No)" in f["action"] for f in a["fixes"]
    )
    text = invoke(cli, "assess", str(path), "--as-of", AS_OF)
    assert text.exit_code == 0 and "choose one of the options" in output_of(text)
    checked = invoke(cli, "validate", str(path))
    assert checked.exit_code == 0
    assert "answers.C1.2" in output_of(checked) and "not one of the options" in output_of(checked)


def test_a_nul_in_a_path_is_a_clear_error(cli: CliRunner) -> None:
    for command in (["assess", "sub\x00.yaml", "--as-of", AS_OF], ["validate", "sub\x00.yaml"]):
        result = invoke(cli, *command)
        text = output_of(result)
        assert result.exit_code == 2 and "Traceback" not in text
        assert "file" in text and "null byte" in text.lower()


def test_a_nul_in_a_path_is_an_input_error_below_the_cli(catalogue: Catalogue) -> None:
    from dtac_app.submission_io import load_submission

    with pytest.raises(InputError, match="NUL"):
        load_submission(Path("sub\x00.yaml"), catalogue)


def test_installed_dtac_command_reports_bad_input_without_traceback(tmp_path: Path) -> None:
    """The real entry point (console script), not just the Typer app."""
    bomb = _alias_bomb(tmp_path)
    env = {**os.environ, **ENV}
    proc = subprocess.run(
        [sys.executable, "-m", "dtac_app.cli", "assess", str(bomb), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "bomb.yaml" in proc.stderr and "anchors and aliases" in proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.yaml"]


# =========================================================================== assess


def test_assess_json_has_decision_and_valid_until(
    cli: CliRunner, tmp_path: Path, catalogue: Catalogue
) -> None:
    data = passing_lbp()
    path = write_yaml(tmp_path, "sub.yaml", data)
    result = invoke(cli, "assess", str(path), "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, output_of(result)
    doc = json.loads(result.stdout)
    assert doc["decision"] in DECISIONS
    assert doc["decision"] == "available_with_conditions"
    assert "valid_until" in doc
    a = run(data, catalogue)
    assert doc["valid_until"] == a.valid_until.isoformat()  # type: ignore[union-attr]
    assert doc["changes_on"] == a.changes_on.isoformat()  # type: ignore[union-attr]
    assert dt.date.fromisoformat(doc["changes_on"]) - dt.date.fromisoformat(
        doc["valid_until"]
    ) == dt.timedelta(days=1)
    assert doc["as_of"] == AS_OF
    assert doc["schema"] == "dtac-assessment/2"
    assert doc["criteria"]["hashes"]["dtac-v2.0"] == catalogue.files["dtac-v2.0"].sha256
    sub = load_submission(path, catalogue)  # the hashes the CLI filled in from the files
    expected = assess(
        sub, catalogue, as_of=dt.date.fromisoformat(AS_OF), documents=all_received(len(sub.evidence))
    )
    assert doc == json.loads(json.dumps(expected.model_dump(mode="json", by_alias=True)))


def test_assess_json_for_a_failing_product(cli: CliRunner, tmp_path: Path) -> None:
    data = passing_v2()
    evidence_of(data, "pen_test")["highest_cvss"] = 7.0
    result = invoke(cli, "assess", str(write_yaml(tmp_path, "sub.yaml", data)), "--as-of", AS_OF, "--json")
    assert result.exit_code == 0  # an assessment was made, whatever the decision
    doc = json.loads(result.stdout)
    assert doc["decision"] == "not_available"
    assert doc["valid_until"] is None
    assert any(r["rule"] == "C3.3" for r in doc["reasons"])


def test_assess_prints_the_decision_and_reasons(cli: CliRunner, tmp_path: Path) -> None:
    data = passing_v2()
    data["answers"]["C3.6"] = "No"
    result = invoke(cli, "assess", str(write_yaml(tmp_path, "sub.yaml", data)), "--as-of", AS_OF)
    assert result.exit_code == 0
    text = result.stdout
    assert "NOT AVAILABLE" in text
    assert "C3.6" in text
    assert "What would change it" in text


def test_assess_profile_option_overrides_the_submission(cli: CliRunner, tmp_path: Path) -> None:
    path = write_yaml(tmp_path, "sub.yaml", passing_lbp())
    result = invoke(cli, "assess", str(path), "--as-of", AS_OF, "--json", "--profile", "dtac")
    doc = json.loads(result.stdout)
    assert (doc["profile"], doc["decision"]) == ("dtac", "available")


def test_validate_good_file(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "ce.pdf").write_bytes(b"cert")
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["file"] = "ce.pdf"
    result = invoke(cli, "validate", str(write_yaml(tmp_path, "sub.yaml", data)))
    assert result.exit_code == 0, output_of(result)
    assert "valid dtac-v2.0 submission" in result.stdout


# =========================================================================== batch


def _batch_folder(tmp_path: Path, *, bad: bool) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir()
    write_yaml(folder, "a_good.yaml", passing_v2())
    write_yaml(folder, "b_lbp.yaml", passing_lbp())
    failing = passing_v2()
    failing["answers"]["C3.4"] = "Unable to confirm"
    failing["product"]["name"] = '=HYPERLINK("http://evil")'
    (folder / "c_fail.json").write_text(json.dumps(failing))
    if bad:
        (folder / "d_bad.yaml").write_text("answers: [unclosed\n")
    (folder / "notes.txt").write_text("not a submission")
    return folder


def test_batch_with_a_bad_file_writes_the_good_rows_and_reports_the_bad_one(
    cli: CliRunner, tmp_path: Path
) -> None:
    folder = _batch_folder(tmp_path, bad=True)
    out_csv = tmp_path / "out" / "results.csv"
    result = invoke(cli, "batch", str(folder), "--csv", str(out_csv), "--as-of", AS_OF)
    text = output_of(result)
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    errors = [x for x in text.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "d_bad.yaml" in errors[0] and "not valid YAML" in errors[0]
    with out_csv.open(newline="", encoding="utf-8") as fh:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(fh)}
    assert rows["a_good.yaml"]["decision"] == "available"
    assert rows["b_lbp.yaml"]["decision"] == "available_with_conditions"
    assert rows["c_fail.json"]["decision"] == "not_available"
    assert rows["c_fail.json"]["product"].startswith("'=")  # formula neutralised
    assert "notes.txt" not in rows
    assert rows.get("d_bad.yaml", {}).get("decision", "error") == "error"
    assert not [p for p in out_csv.parent.iterdir() if p.name != "results.csv"], "temporary files left behind"


def test_batch_with_only_good_files_exits_0(cli: CliRunner, tmp_path: Path) -> None:
    folder = _batch_folder(tmp_path, bad=False)
    out_csv = tmp_path / "results.csv"
    result = invoke(cli, "batch", str(folder), "--csv", str(out_csv), "--as-of", AS_OF)
    assert result.exit_code == 0, output_of(result)
    assert "3 submissions assessed as of 2026-10-01" in result.stdout
    with out_csv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert {r["decision"] for r in rows} == {"available", "available_with_conditions", "not_available"}
    assert all(r["error"] == "" for r in rows)


def test_batch_without_csv_prints_one_line_per_submission(cli: CliRunner, tmp_path: Path) -> None:
    folder = _batch_folder(tmp_path, bad=False)
    before = snapshot(tmp_path)
    result = invoke(cli, "batch", str(folder), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "Available for NHS use" in result.stdout
    assert snapshot(tmp_path) == before


def test_batch_on_a_missing_or_empty_folder(cli: CliRunner, tmp_path: Path) -> None:
    result = invoke(cli, "batch", str(tmp_path / "nope"), "--as-of", AS_OF)
    assert result.exit_code == 2 and "not a directory" in output_of(result)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(cli, "batch", str(empty), "--as-of", AS_OF, "--csv", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "no submission files" in output_of(result)
    assert not (tmp_path / "x.csv").exists()


# =========================================================================== schema and criteria


def test_schema_prints_a_valid_json_schema(cli: CliRunner) -> None:
    result = invoke(cli, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "answers" in schema["properties"] and "product" in schema["required"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(passing_v2()))
    assert list(validator.iter_errors({"product": {"name": "x"}}))


def test_schema_unknown_name(cli: CliRunner) -> None:
    result = invoke(cli, "schema", "nonsense")
    assert result.exit_code == 2
    assert "unknown schema 'nonsense'" in output_of(result)


def test_criteria_lists_the_sets_with_hashes(cli: CliRunner, catalogue: Catalogue) -> None:
    result = invoke(cli, "criteria")
    assert result.exit_code == 0, output_of(result)
    text = result.stdout
    for key in ("dtac-v2.0", "dtac-v1.0", "gb-regulatory-v2026.1", "nice-lbp-v2026.1", "policy"):
        assert key in text
        assert catalogue.files[key].sha256[:16] in text
    assert "13 technologies" in text


def test_criteria_show_a_question(cli: CliRunner) -> None:
    result = invoke(cli, "criteria", "show", "C1.2.4")
    assert result.exit_code == 0, output_of(result)
    text = result.stdout
    assert "C1.2.4" in text and "Safety case report and hazard log" in text
    assert "Options: Provided · Not provided" in text
    assert "Asked: when C1.2 is “Yes”" in text
    assert "Clinical Safety Case Report (cscr" in text and "Hazard Log (hazard_log" in text
    assert "C1.2.5" not in text


def test_criteria_show_a_section_and_another_set(cli: CliRunner) -> None:
    result = invoke(cli, "criteria", "show", "C3")
    assert result.exit_code == 0
    for q in ("C3.1", "C3.2", "C3.3", "C3.4", "C3.5", "C3.5.1", "C3.6"):
        assert f"{q} " in result.stdout
    result = invoke(cli, "criteria", "show", "C1.3.2", "--set", "dtac-v1.0")
    assert result.exit_code == 0
    assert "Declaration" in result.stdout


@pytest.mark.parametrize(
    "args", [["criteria", "show", "C9.9"], ["criteria", "show", "C1.2", "--set", "dtac-v7"]]
)
def test_criteria_show_unknown(cli: CliRunner, args: list[str]) -> None:
    result = invoke(cli, *args)
    assert result.exit_code == 2
    assert "Traceback" not in output_of(result)


def test_criteria_nice_lists_all_13_technologies(cli: CliRunner) -> None:
    result = invoke(cli, "criteria", "nice", "--as-of", AS_OF)
    assert result.exit_code == 0, output_of(result)
    text = result.stdout
    for name in HTE16_TECHNOLOGIES:
        assert name in text, name
    assert "Only in research (HTE16 1.4)" in text
    assert "Unconfirmed report" in text  # Kaia's reported withdrawal is shown as unconfirmed
    assert "NICE consultation 2211" in text


def test_version(cli: CliRunner) -> None:
    result = invoke(cli, "--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("dtac ")
