"""Submission format: validation, normalisation against the criteria, safe parsing, evidence files."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from store_fixtures import example_text
from support import TODAY, evidence_of, passing_lbp, passing_v2, run

from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError, InputErrors
from dtac_app.safe_yaml import MAX_DOCUMENT_BYTES, parse_document
from dtac_app.submission import MAX_ANSWER_CHARS, Submission, submission_json_schema
from dtac_app.submission_io import load_submission, parse_submission

# The store fixtures' example as a vendor actually types it: unquoted Yes/No (YAML 1.1 would read them as booleans),
# lower-case option labels, a DSPT status in lower case.
VENDOR_YAML = (
    example_text("Test App", "Test Ltd", "1.0")
    .replace("C1.2.2: Yes", "C1.2.2: yes")
    .replace("C1.2.3: Provided", "C1.2.3: provided")
    .replace("C2.2.5: UK only", "C2.2.5: uk  only")
)


def _parse(data: dict[str, Any], catalogue: Catalogue) -> Submission:
    return parse_submission(data, catalogue, file="t.yaml")


def _error(data: Any, catalogue: Catalogue) -> InputError:
    with pytest.raises(InputError) as exc:
        parse_submission(data, catalogue, file="t.yaml")
    return exc.value


# --------------------------------------------------------------------------- normalising


def test_vendor_yaml_parses_with_yes_no_as_option_labels(catalogue: Catalogue) -> None:
    data = parse_document(VENDOR_YAML, file="a.yaml")
    assert data["answers"]["C1.1.1"] == "No"  # not False: YAML 1.2 booleans only
    assert data["answers"]["C1.2"] == "Yes"
    sub = _parse(data, catalogue)
    assert sub.answers["C1.2.2"] == "Yes"
    assert sub.answers["C1.2.3"] == "Provided"
    assert sub.answers["C2.2.5"] == "UK only"  # case and spacing normalised to the official label
    assert (
        evidence_of({"evidence": [e.model_dump() for e in sub.evidence]}, "dspt")["status"] == "Standards Met"
    )
    a = run(data, catalogue, TODAY)
    assert a.decision == "available"


def test_json_and_yaml_give_the_same_submission(catalogue: Catalogue) -> None:
    data = passing_v2()
    from_yaml = parse_document(yaml.safe_dump(data, sort_keys=False), file="a.yaml")
    from_json = parse_document(json.dumps(data), file="a.json")
    assert _parse(from_yaml, catalogue) == _parse(from_json, catalogue)


def test_true_false_answers_become_yes_no_and_numbers_become_text(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2"] = True
    data["answers"]["C4.1"] = False
    data["answers"]["D1.5"] = 99.5
    data["answers"]["A3"] = 2
    data["answers"]["A11"] = dt.date(2025, 1, 2)
    sub = _parse(data, catalogue)
    assert sub.answers["C1.2"] == "Yes"
    assert sub.answers["C4.1"] == "No"
    assert sub.answers["D1.5"] == "99.5"
    assert sub.answers["A3"] == "2"
    assert sub.answers["A11"] == "2025-01-02"


def test_null_answers_are_dropped(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["A4"] = None
    assert "A4" not in _parse(data, catalogue).answers


def test_nice_technology_alias_is_normalised(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["clinical"]["nice_technology"] = "  kaia health "
    sub = _parse(data, catalogue)
    assert sub.clinical is not None and sub.clinical.nice_technology == "Kaia"


def test_criteria_key_spellings_are_accepted(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["criteria"] = "v2"
    assert _parse(data, catalogue).criteria == "dtac-v2.0"


def test_schema_and_profile_have_defaults(catalogue: Catalogue) -> None:
    data = passing_v2()
    del data["schema"], data["profile"], data["criteria"]
    sub = _parse(data, catalogue)
    assert (sub.criteria, sub.profile) == ("dtac-v2.0", "dtac")


# --------------------------------------------------------------------------- rejecting bad input


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda d: d["answers"].update({"C9.9": "Yes"}), "answers.C9.9", "no question C9.9"),
        (
            lambda d: d["answers"].update({"D1.5": "not a number"}),
            "answers.D1.5",
            "'not a number' is not a number; give a number from 0 to 100 (per cent)",
        ),
        (
            lambda d: d["answers"].update({"D1.5": float("inf")}),
            "answers.D1.5",
            "'inf' is not a finite number",
        ),
        (lambda d: d["answers"].update({"D1.5": "1e400"}), "answers.D1.5", "'1e400' is not a finite number"),
        (lambda d: d["answers"].update({"D1.5": "nan"}), "answers.D1.5", "not a finite number"),
        (lambda d: d["answers"].update({"D1.5": "100.01"}), "answers.D1.5", "100.01 is out of range"),
        (lambda d: d["answers"].update({"D1.5": -0.5}), "answers.D1.5", "-0.5 is out of range"),
        (lambda d: d["answers"].update({"D1.5": "9" * 5000}), "answers.D1.5", "not a finite number"),
        (lambda d: d.update({"submitted_on": "2026-02-30"}), "submitted_on", "valid date"),
        (lambda d: d.update({"submitted_on": "0000-01-01"}), "submitted_on", "valid date"),
        (lambda d: d.update({"submitted_on": "01/02/2026"}), "submitted_on", "valid date"),
        (lambda d: d.update({"criteria": "dtac-v3.0"}), "criteria", "unknown criteria set"),
        (lambda d: d.update({"profile": "nhs"}), "profile", "'dtac' or 'nice-lbp'"),
        (lambda d: d.update({"colour": "blue"}), "colour", "Extra inputs"),
        (lambda d: d["product"].update({"name": ""}), "product.name", "at least 1 character"),
        (lambda d: d["product"].pop("manufacturer"), "product.manufacturer", "Field required"),
        (lambda d: d["answers"].update({"C1.2": ["Yes"]}), "answers", "not a list"),
        (lambda d: d["answers"].update({"C1.2.5": "x" * 200_000}), "answers", "C1.2.5 is 200,000 characters"),
        (
            lambda d: d["evidence"].append({"question": "C3.1", "kind": "certificate"}),
            "evidence[10].kind",
            "unknown evidence kind",
        ),
        (
            lambda d: d["evidence"].append({"question": "C9.1", "kind": "other"}),
            "evidence[10].question",
            "no question C9.1",
        ),
        (
            lambda d: d["evidence"].append({"question": "C2.1", "kind": "dspt", "status": "Sort of met"}),
            "evidence[10].status",
            "not a DSPT status",
        ),
        (
            lambda d: d["evidence"].append(
                {"question": "C3.1", "kind": "other", "issued": "2026-02-01", "expires": "2026-01-01"}
            ),
            "evidence.10",
            "before issued",
        ),
        (
            lambda d: d["evidence"].append({"question": "C2.1", "kind": "dspt", "period": "2025-27"}),
            "evidence.10",
            "consecutive years",
        ),
        (
            lambda d: d["evidence"].append({"question": "C3.3", "kind": "pen_test", "highest_cvss": 11}),
            "evidence.10.highest_cvss",
            "less than or equal to 10",
        ),
        (
            lambda d: d["evidence"].append({"question": "C3.1", "kind": "other", "sha256": "abc"}),
            "evidence.10.sha256",
            "pattern",
        ),
        (
            lambda d: d["evidence"].append({"question": "C3.1", "kind": "other", "issued": "yesterday"}),
            "evidence.10.issued",
            "valid date",
        ),
    ],
    ids=[
        "unknown-question",
        "number-text",
        "number-inf",
        "number-1e400",
        "number-nan",
        "number-above-range",
        "number-below-range",
        "number-5000-digits",
        "date-feb-30",
        "date-year-0",
        "date-format",
        "criteria-set",
        "profile",
        "extra-key",
        "empty-name",
        "missing-manufacturer",
        "answer-list",
        "answer-too-long",
        "evidence-kind",
        "evidence-question",
        "dspt-status",
        "evidence-dates",
        "dspt-period",
        "cvss-range",
        "sha256-format",
        "issued-format",
    ],
)
def test_bad_submission_is_one_clear_error_naming_file_and_field(
    catalogue: Catalogue, mutate: Any, field: str, reason: str
) -> None:
    data = passing_v2()
    mutate(data)
    e = _error(data, catalogue)
    assert e.file == "t.yaml"
    assert e.field == field
    assert reason in e.reason
    assert str(e).startswith(f"t.yaml: {field}: ")


def test_nice_fields_are_checked_against_the_profile(catalogue: Catalogue) -> None:
    data = passing_lbp()
    data["clinical"]["nice_technology"] = "BackBuddy"
    data["clinical"]["content"].append("cupping")
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True, "outcomes": ["msk_hq", "vibes"]}
    e = _error(data, catalogue)
    assert isinstance(e, InputErrors)
    fields = {x.field for x in e.errors}
    assert fields == {
        "clinical.content[4]",
        "clinical.nice_technology",
        "clinical.evidence_generation.outcomes[1]",
    }
    assert "leave it empty if NICE has not assessed the product" in e.message


def test_every_problem_in_a_file_is_listed(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.9"] = "Maybe"
    data["answers"]["D1.5"] = "most of the time"
    data["answers"]["Z1"] = "x"
    e = _error(data, catalogue)
    # Z1 is not even a well-formed question id: schema validation catches it first.
    assert e.field.startswith("answers")
    data["answers"].pop("Z1")
    e = _error(data, catalogue)
    assert isinstance(e, InputErrors)
    assert [x.field for x in e.errors] == ["answers.D1.5", "answers.C1.9"]
    assert e.message.count("\n") == 1


def test_top_level_must_be_a_mapping(catalogue: Catalogue) -> None:
    e = _error(["a", "list"], catalogue)
    assert e.field == "(top level)"


def test_parse_does_not_modify_the_input(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["C1.2.2"] = "yes"
    before = copy.deepcopy(data)
    _parse(data, catalogue)
    assert data == before


# --------------------------------------------------------------------------- safe parsing


def test_yaml_anchors_and_aliases_are_refused() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(8)
    )
    with pytest.raises(InputError, match="anchors and aliases") as exc:
        parse_document(bomb, file="bomb.yaml")
    assert exc.value.field == "line 1"


def test_malformed_yaml_and_json_name_the_position() -> None:
    with pytest.raises(InputError) as exc:
        parse_document("answers:\n  C1.2: [Yes\n", file="x.yaml")
    assert exc.value.field.startswith("line ")
    assert "not valid YAML" in exc.value.reason
    with pytest.raises(InputError) as exc:
        parse_document('{"answers": {"C1.2": "Yes",}}', file="x.json")
    assert exc.value.field == "line 1 column 28"
    assert "not valid JSON" in exc.value.reason


def test_unsafe_yaml_tags_are_refused() -> None:
    with pytest.raises(InputError, match="not valid YAML"):
        parse_document("a: !!python/object/apply:os.system ['echo hi']\n", file="x.yaml")


PLAIN_DOCUMENTS = [
    "answers:\n  C1.2: No\n  C1.1.1: Yes\n  D1.5: 99.5\nok: true\nmissing: ~\nlist: [1, -2, 0x1f, .5, -.inf]\n",
    "1: one\n2.5: two\nnull: three\nfalse: four\n'quoted: key': [[], {}, '']\n",
    "n: " + "9" * 5000 + "\n",  # longer than Python converts: kept as text
    "a: 2026-02-30\nb: 12:30\n",  # no dates here: validation reads them
    "",
]
# Each needs PyYAML's full constructor: explicit tags, a merge key, a '=' key.
FULL_CONSTRUCTOR_DOCUMENTS = [
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!timestamp 2026-11-22\n",
    "a: !!omap [x: 1, y: 2]\n",
    "a: !!str 12\n",
    "base: {x: 1}\nmerged:\n  <<: {x: 1, y: 2}\n  z: 3\n",
    "= : value\n",
]


@pytest.mark.parametrize("text", PLAIN_DOCUMENTS + FULL_CONSTRUCTOR_DOCUMENTS)
def test_the_fast_yaml_path_builds_what_the_full_constructor_builds(text: str) -> None:
    from dtac_app.safe_yaml import _load_yaml, _Loader

    full = yaml.load(text, Loader=_Loader)  # noqa: S506 - the project's safe loader
    data, fast = _load_yaml(text)
    assert data == full and type(data) is type(full)
    # Plain data never reaches the full constructor; everything else always does.
    assert fast == (text in PLAIN_DOCUMENTS or text == "a: !!str 12\n")


@pytest.mark.parametrize("levels", [62, 63, 64, 65])
def test_the_fast_yaml_path_and_the_depth_check_agree(levels: int) -> None:
    from dtac_app.safe_yaml import MAX_DEPTH, _too_deep

    text = "a: " + "[" * levels + "]" * levels + "\n"
    nested: Any = []
    for _ in range(levels - 1):
        nested = [nested]
    expect_refused = _too_deep({"a": nested}, MAX_DEPTH)
    assert expect_refused == (levels >= MAX_DEPTH)
    if expect_refused:
        with pytest.raises(InputError, match="nested more than 64 levels"):
            parse_document(text, file="deep.yaml")
    else:
        assert parse_document(text, file="deep.yaml") == {"a": nested}


def test_a_duplicate_key_deep_in_a_document_is_named_with_its_line() -> None:
    with pytest.raises(InputError, match="key 'C1.2' appears twice") as exc:
        parse_document("answers:\n  C1.1: Yes\n  C1.2: No\n  C1.2: Yes\n", file="x.yaml")
    assert exc.value.field == "line 4"


def test_document_size_limit() -> None:
    big = "a: " + "x" * (MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(InputError, match="the limit is 5 MB"):
        parse_document(big, file="x.yaml")


def test_answer_at_the_limit_is_accepted_and_one_over_is_not(catalogue: Catalogue) -> None:
    data = passing_v2()
    data["answers"]["B2"] = "y" * MAX_ANSWER_CHARS
    assert len(_parse(data, catalogue).answers["B2"]) == MAX_ANSWER_CHARS
    data["answers"]["B2"] = "y" * (MAX_ANSWER_CHARS + 1)
    assert "B2 is 100,001 characters" in _error(data, catalogue).reason


# --------------------------------------------------------------------------- evidence files


def _write(tmp_path: Path, data: dict[str, Any], name: str = "sub.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_evidence_file_hash_is_filled_in_and_checked(tmp_path: Path, catalogue: Catalogue) -> None:
    pdf = tmp_path / "ce.pdf"
    pdf.write_bytes(b"%PDF-1.4 certificate")
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
    data = passing_v2()
    evidence_of(data, "cyber_essentials")["file"] = "ce.pdf"
    sub = load_submission(_write(tmp_path, data), catalogue)
    assert sub.evidence[8].sha256 == digest

    evidence_of(data, "cyber_essentials")["sha256"] = digest.upper()  # case-insensitive
    assert load_submission(_write(tmp_path, data), catalogue).evidence[8].sha256 == digest

    evidence_of(data, "cyber_essentials")["sha256"] = "0" * 64
    with pytest.raises(InputError) as exc:
        load_submission(_write(tmp_path, data), catalogue)
    assert exc.value.field == "evidence[8].sha256"
    assert "does not match" in exc.value.reason


def test_missing_evidence_file(tmp_path: Path, catalogue: Catalogue) -> None:
    data = passing_v2()
    evidence_of(data, "dpia")["file"] = "dpia.pdf"
    with pytest.raises(InputError) as exc:
        load_submission(_write(tmp_path, data), catalogue)
    assert exc.value.field == "evidence[5].file"
    assert "evidence file not found: dpia.pdf" in exc.value.reason
    # ...unless file checks are off (an upload with no files).
    assert (
        load_submission(_write(tmp_path, data), catalogue, check_files=False).evidence[5].file == "dpia.pdf"
    )


@pytest.mark.parametrize("path", ["../secret.pdf", "/etc/passwd", "sub/../../x.pdf"])
def test_evidence_paths_may_not_escape_the_submission_folder(
    tmp_path: Path, catalogue: Catalogue, path: str
) -> None:
    (tmp_path / "secret.pdf").write_bytes(b"x")
    inner = tmp_path / "inner"
    inner.mkdir()
    data = passing_v2()
    evidence_of(data, "dpia")["file"] = path
    with pytest.raises(InputError) as exc:
        load_submission(_write(inner, data), catalogue)
    assert exc.value.field == "evidence[5].file"
    assert "relative" in exc.value.reason or "outside" in exc.value.reason


def test_non_utf8_file(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "sub.yaml"
    path.write_bytes(b"product: {name: \xff}\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_submission(path, catalogue)


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("answers:\n  B2: " + "x" * (10 * 1024 * 1024) + "\n")
    with pytest.raises(InputError) as exc:
        load_submission(path, catalogue)
    assert exc.value.file == str(path)
    assert "10.0 MB; the limit is 5 MB" in exc.value.reason


# --------------------------------------------------------------------------- JSON Schema


def test_json_schema_accepts_a_passing_submission_and_rejects_junk() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = submission_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(passing_v2())) == []
    assert list(validator.iter_errors(passing_lbp())) == []
    junk = passing_v2()
    junk["colour"] = "blue"
    assert list(validator.iter_errors(junk))
    missing = passing_v2()
    del missing["product"]
    assert list(validator.iter_errors(missing))
