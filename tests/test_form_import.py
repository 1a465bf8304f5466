"""Importing the DTAC form people fill in (Word, Markdown) and exporting it back to Word.

The fixtures in ``form_fixtures`` are built with python-docx in the official layout, with the
habits real suppliers have; the answers they should give are written down there by hand.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from form_fixtures import markdown_form, v1_docx, v2_messy_docx, word_features_docx
from support import EXAMPLES as EXAMPLE_DIR
from support import REPO
from typer.testing import CliRunner

from dtac_app.cli import app
from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError
from dtac_app.form_import import import_form, import_form_file
from dtac_app.form_import.choices import prefix_option
from dtac_app.form_import.draft import ASSERTED_PREFIX, draft_yaml
from dtac_app.form_import.export import export_form
from dtac_app.submission_io import load_submission

ENV = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
EXAMPLES = sorted(EXAMPLE_DIR.glob("*.yaml")) + sorted(EXAMPLE_DIR.glob("*.json"))


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=ENV)


def output_of(result: Any) -> str:
    try:
        err = result.stderr
    except ValueError:
        err = ""
    return result.output + ("" if err and err in result.output else err)


# =========================================================================== reading the forms


@pytest.mark.parametrize("build", [v2_messy_docx, v1_docx, markdown_form], ids=["v2-docx", "v1-docx", "md"])
def test_each_form_gives_the_expected_answers_and_leaves_the_unclear_ones_unanswered(
    build: Any, tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / ("form.md" if build is markdown_form else "form.docx")
    expected, unresolved = build(path)
    result = import_form_file(path, catalogue)
    assert result.answers == expected
    assert {q.id for q in result.unresolved} == unresolved
    for q in result.unresolved:
        assert q.answer is None and q.vendor_text and q.could_be and q.check


def test_word_content_controls_tracked_changes_and_merged_rows_are_read_as_shown(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "form.docx"
    expected, unresolved, blank = word_features_docx(path)
    result = import_form_file(path, catalogue)
    assert result.answers == expected
    assert {q.id for q in result.unresolved} == unresolved
    assert {q.id for q in result.questions if q.status == "blank"} == blank  # the placeholder is no answer
    by_id = {q.id: q for q in result.questions}
    assert by_id["C2.2"].vendor_text == "Yes – patient contact details"  # the deleted "No" is not read
    assert "stated on the cover" in result.version_note  # the page header counts as the cover


def test_versions_are_told_apart_by_cover_and_ids(tmp_path: Path, catalogue: Catalogue) -> None:
    v2, v1 = tmp_path / "v2.docx", tmp_path / "v1.docx"
    v2_messy_docx(v2)
    v1_docx(v1)
    r2, r1 = import_form_file(v2, catalogue), import_form_file(v1, catalogue)
    assert (r2.criteria, r1.criteria) == ("dtac-v2.0", "dtac-v1.0")
    assert "cover" in r2.version_note and "ids" in r2.version_note
    forced = import_form_file(v1, catalogue, "dtac-v2.0")
    assert forced.criteria == "dtac-v2.0"
    assert any("looks like dtac-v1.0" in w for w in forced.warnings)


def test_the_report_says_where_each_answer_came_from_and_what_to_check(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "form.docx"
    v2_messy_docx(path)
    by_id = {q.id: q for q in import_form_file(path, catalogue).questions}
    # the bold option in the Options cell
    assert by_id["A4"].source == "table 1, row 5, column 'Options'" and by_id["A4"].confidence == "high"
    # bold after the question
    assert "column 'Question'" in by_id["A12"].source
    # an option followed by the vendor's explanation: the rest is kept
    assert by_id["C1.2.4"].explanation.startswith("Clinical Safety Case Report: https://spinewise.example")
    # written in the previous question's row: answered, but to be checked
    assert by_id["C2.2.1"].confidence == "medium" and "row of C2.2" in by_id["C2.2.1"].check
    # two cells name different options: both offered, nothing chosen
    assert set(by_id["C4.1"].could_be) == {"Yes", "No"}
    # an answer meant for the next question is spotted, not moved
    assert "C3.5" in by_id["C3.4"].check
    # a number taken out of "99.95%" is flagged
    assert by_id["D1.5"].confidence == "medium"
    assert by_id["C1.2.3"].status == "absent" and by_id["A7"].status == "absent"


def test_stated_references_become_asserted_draft_evidence_with_their_sentence(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "form.docx"
    v2_messy_docx(path)
    result = import_form_file(path, catalogue)
    draft = yaml.safe_load(draft_yaml(result, catalogue))
    records = {r["question"]: r for r in draft["evidence"]}
    ce = records["C3.1"]
    assert ce["kind"] == "cyber_essentials" and ce["reference"] == "IASME-CE-000123"
    assert str(ce["issued"]) == "2026-05-01" and "file" not in ce
    assert ce["title"].startswith(ASSERTED_PREFIX) and "Certificate number IASME-CE-000123" in ce["title"]
    dspt = records["C2.1"]
    assert (dspt["ods_code"], dspt["status"], dspt["period"]) == ("8JX12", "Standards Met", "2025-26")
    assert records["C1.2.4"]["kind"] == "cscr"  # the sentence names the safety case, not the hazard log
    assert str(records["C2.2.1"]["expires"]) == "2027-01-31"
    assert "C1.2.2" not in records  # nothing drafted for an unresolved answer


def test_the_draft_loads_through_the_submission_loader(tmp_path: Path, catalogue: Catalogue) -> None:
    form = tmp_path / "form.docx"
    expected, _ = v2_messy_docx(form)
    draft = tmp_path / "draft.yaml"
    draft.write_text(draft_yaml(import_form_file(form, catalogue), catalogue), encoding="utf-8")
    sub = load_submission(draft, catalogue)
    assert dict(sub.answers) == expected
    assert (sub.product.name, sub.product.version, sub.product.manufacturer) == (
        "Spinewise",
        "3.2.0",
        "Lumbar Labs Ltd",
    )
    assert all(ev.file is None and ev.title.startswith(ASSERTED_PREFIX) for ev in sub.evidence)


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        (
            "No, but a plan and timeline exists – by 2027",
            ["No", "No, but a plan and timeline exists"],
            "No, but",
        ),
        ("Not applicable", ["No", "Not applicable"], "Not applicable"),
        ("Nothing to report", ["No", "Yes"], None),
        ("“Yes” – 40 users", ["Yes", "No"], "Yes"),
        ("☒ Provided", ["Provided", "Not provided"], "Provided"),
        ("YES. We do.", ["Yes", "No"], "Yes"),
        ("Yesterday we did", ["Yes", "No"], None),
    ],
)
def test_an_option_is_read_only_when_the_answer_begins_with_it(
    text: str, options: list[str], expected: str | None
) -> None:
    from dtac_app.criteria import canon_label

    got = prefix_option(text, {canon_label(o): o for o in options})
    if expected is None:
        assert got is None
    else:
        assert got is not None and got[0].startswith(expected)


def test_a_headerless_table_is_read_by_its_id_column(tmp_path: Path, catalogue: Catalogue) -> None:
    d = docx.Document()
    t = d.add_table(rows=0, cols=3)
    for row in (("C1.2", "Supports direct care?", "Yes"), ("C3.2", "Charter signed?", "No – not yet")):
        cells = t.add_row().cells
        for c, text in zip(cells, row, strict=True):
            c.text = text
    buf = io.BytesIO()
    d.save(buf)
    result = import_form("plain.docx", buf.getvalue(), catalogue, "dtac-v2.0")
    assert result.answers == {"C1.2": "Yes", "C3.2": "No"}


def test_a_header_without_a_question_column_still_names_the_columns_it_can(catalogue: Catalogue) -> None:
    d = docx.Document()
    t = d.add_table(rows=0, cols=4)
    rows = (
        ("Ref", "Description", "Supporting information", "Our response"),
        ("C1", "Clinical safety", "", ""),  # a section heading row: no warning
        ("C1.2", "Direct care?", "Yes means it supports direct care", "No"),
        ("C1.9.9", "Not a question", "", "Yes"),  # an unknown id: warned about, skipped
        ("C3.2", "Charter signed?", "Please attach it", "Yes – signed 2026"),
    )
    for row in rows:
        for c, text in zip(t.add_row().cells, row, strict=True):
            c.text = text
    buf = io.BytesIO()
    d.save(buf)
    result = import_form("ours.docx", buf.getvalue(), catalogue, "dtac-v2.0")
    assert result.warnings == ("Rows with ids that are not questions of dtac-v2.0 were skipped: C1.9.9",)
    # the guidance column is the form's words: it neither answers nor contradicts
    assert result.answers == {"C1.2": "No", "C3.2": "Yes"}


# =========================================================================== the command line


def test_dtac_import_writes_the_draft_and_the_json_report(tmp_path: Path, catalogue: Catalogue) -> None:
    form = tmp_path / "form.docx"
    expected, unresolved = v2_messy_docx(form)
    draft, report = tmp_path / "draft.yaml", tmp_path / "report.json"
    r = invoke("import", str(form), "--out", str(draft), "--report", str(report))
    assert r.exit_code == 0, output_of(r)
    text = output_of(r)
    assert "unresolved" in text and "C4.1" in text and "table 3, row 16" in text
    assert dict(load_submission(draft, catalogue).answers) == expected
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["schema"] == "dtac-form-import/1" and data["criteria"] == "dtac-v2.0"
    rows = {q["id"]: q for q in data["questions"]}
    assert {i for i, q in rows.items() if q["status"] == "unresolved"} == unresolved
    assert rows["C3.6"]["vendor_text"].startswith("We log everything") and rows["C3.6"]["could_be"] == [
        "Yes",
        "No",
    ]
    assert rows["C1.2"]["source"] and rows["C1.2"]["confidence"] == "high"
    assert all(e["state"] == "asserted" and e["sentence"] for e in data["evidence"])


def test_dtac_import_prints_the_draft_when_no_out_is_given(tmp_path: Path) -> None:
    form = tmp_path / "form.md"
    markdown_form(form)
    r = CliRunner().invoke(app, ["import", str(form)], env=ENV)
    assert r.exit_code == 0
    assert r.stdout.startswith("# Draft made by `dtac import`")
    assert "C3.6" in r.stderr  # the report goes to stderr so the draft can be piped


def _not_a_docx(d: Path) -> Path:
    p = d / "form.docx"
    p.write_text("Code | Question | Options\n", encoding="utf-8")
    return p


def _bomb(d: Path) -> Path:
    p = d / "form.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))  # 40 MB of zeros, ~40 kB stored
    return p


def _fifty_mb(d: Path) -> Path:
    p = d / "form.docx"
    with p.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    return p


def _no_table(d: Path) -> Path:
    doc = docx.Document()
    doc.add_paragraph("Dear ICB, please find our answers attached.")
    t = doc.add_table(rows=2, cols=2)
    t.rows[0].cells[0].text = "Name"
    t.rows[1].cells[0].text = "Spinewise"
    p = d / "letter.docx"
    doc.save(str(p))
    return p


def _odt(d: Path) -> Path:
    p = d / "form.odt"
    p.write_bytes(b"PK\x03\x04not really")
    return p


@pytest.mark.parametrize(
    ("make", "mentions"),
    [
        (_not_a_docx, "not a Word .docx document"),
        (_bomb, "ZIP bomb"),
        (_fifty_mb, "50.0 MB; the limit is 10 MB"),
        (_no_table, "no DTAC question table found"),
        (_odt, "save the form as a Word .docx"),
    ],
    ids=["not-docx", "bomb", "50MB", "no-table", "odt"],
)
def test_bad_forms_exit_2_with_a_clear_error_and_nothing_written(
    tmp_path: Path, make: Any, mentions: str
) -> None:
    form = make(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = invoke("import", str(form), "--out", str(out_dir / "d.yaml"), "--report", str(out_dir / "r.json"))
    assert r.exit_code == 2
    text = output_of(r)
    assert mentions in text and str(form) in text and "Traceback" not in text
    assert list(out_dir.iterdir()) == []


def test_import_refuses_to_overwrite_and_writes_neither_file(tmp_path: Path) -> None:
    form = tmp_path / "form.docx"
    v2_messy_docx(form)
    (tmp_path / "r.json").write_text("keep", encoding="utf-8")
    r = invoke("import", str(form), "--out", str(tmp_path / "d.yaml"), "--report", str(tmp_path / "r.json"))
    assert r.exit_code == 2 and "already exists" in output_of(r)
    assert not (tmp_path / "d.yaml").exists() and (tmp_path / "r.json").read_text() == "keep"


def test_unknown_criteria_is_bad_input(tmp_path: Path) -> None:
    form = tmp_path / "form.md"
    markdown_form(form)
    r = invoke("import", str(form), "--criteria", "dtac-v9")
    assert r.exit_code == 2 and "unknown criteria set" in output_of(r)


def test_import_error_type_names_file_and_reason(catalogue: Catalogue) -> None:
    with pytest.raises(InputError) as e:
        import_form("notes.txt", b"hello", catalogue)
    assert e.value.file == "notes.txt" and ".docx" in e.value.reason


# =========================================================================== round trip


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_exported_form_imports_back_to_the_same_answers(example: Path, catalogue: Catalogue) -> None:
    sub = load_submission(example, catalogue, check_files=False)
    result = import_form(f"{example.stem}.docx", export_form(sub, catalogue), catalogue)
    assert result.criteria == sub.criteria
    assert result.answers == dict(sub.answers)
    assert not result.unresolved and not result.to_check


def test_dtac_export_form_round_trip_through_the_cli(tmp_path: Path, catalogue: Catalogue) -> None:
    source = REPO / "submissions" / "backfell.yaml"
    form, draft = tmp_path / "form.docx", tmp_path / "draft.yaml"
    r = invoke("export-form", str(source), "--out", str(form))
    assert r.exit_code == 0, output_of(r)
    document = docx.Document(str(form))
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert header == ["Code", "Question", "Options", "Answer"]
    r = invoke("import", str(form), "--out", str(draft))
    assert r.exit_code == 0, output_of(r)
    original = load_submission(source, catalogue)
    again = load_submission(draft, catalogue)
    assert dict(again.answers) == dict(original.answers)
    assert again.product.name == original.product.name


def test_export_form_refuses_a_non_docx_name_and_an_existing_file(tmp_path: Path) -> None:
    source = str(REPO / "submissions" / "backfell.yaml")
    r = invoke("export-form", source, "--out", str(tmp_path / "form.pdf"))
    assert r.exit_code == 2 and "must end in .docx" in output_of(r)
    (tmp_path / "form.docx").write_text("keep", encoding="utf-8")
    r = invoke("export-form", source, "--out", str(tmp_path / "form.docx"))
    assert r.exit_code == 2 and "already exists" in output_of(r)
    assert (tmp_path / "form.docx").read_text() == "keep"
