"""The dossier: a real PDF parsed back with pypdf, real HTML parsed with html.parser, real CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab import rl_config
from support import REPO, TODAY, name_technology, passing_lbp, passing_v2
from typer.testing import CliRunner

from dtac_app.catalogue import get_catalogue
from dtac_app.cli import app
from dtac_app.dossier import FORMATS, SignOff, build_dossier, dossier_basename, parse_formats, write_dossier
from dtac_app.dossier.csv_export import CSV_COLUMNS
from dtac_app.dossier.json_export import DOSSIER_SCHEMA, DossierDocument, dossier_json_schema
from dtac_app.engine import assess
from dtac_app.provenance import all_received
from dtac_app.results import Assessment, Override, Verification
from dtac_app.submission import Submission
from dtac_app.submission_io import load_submission, parse_submission

HOSTILE = {
    "B2": "Our app <b>is bold</b> & </para> <script>alert('x')</script> <font color=red>unbalanced <i> &amp; &nbsp; ]]>",
    "B3": "שלום עולם — مرحبا بالعالم — Привет — 你好 — emoji 👍🏽👨‍👩‍👧 ✓ \u202eevil\u202c end",
    "A8": "Line one\x00\x07\x1b control\r\nLine two\tTabbed\x7f\u0085 done",
    "A10": '=HYPERLINK("http://evil.invalid","click")',
    "A7": "+44 20 7946 0000",
    "A5": "-1+2 @SUM(A1:A9)",
    "A6": "@evil",
}
LONG_MARK = "ENDOFLONGANSWER"


def long_text() -> str:
    """One 50 000-character paragraph: words, then one very long unbroken 'word'."""
    words = " ".join(f"word{i}" for i in range(4_000))
    text = words + " " + "x" * (50_000 - len(words) - len(LONG_MARK) - 2) + " " + LONG_MARK
    assert len(text) == 50_000
    return text


def write_evidence(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Give every evidence record a real file in ``folder`` (the loader fills in each SHA-256)."""
    for i, rec in enumerate(data["evidence"]):
        name = f"evidence/{i:02d}-{rec['kind']}.txt"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"FICTIONAL EXAMPLE {rec['kind']} for {rec['question']} #{i}\n", encoding="utf-8")
        rec["file"] = name
    return data


def make_case(
    folder: Path, data: dict[str, Any], *, on: dt.date = TODAY, **kw: Any
) -> tuple[Submission, Assessment, Path]:
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    write_evidence(data, folder)
    path = folder / "submission.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cat = get_catalogue()
    sub = load_submission(path, cat)
    kw.setdefault("documents", all_received(len(sub.evidence)))
    return sub, assess(sub, cat, as_of=on, **kw), path


def rich_data() -> dict[str, Any]:
    """A back-pain device app assessed by NICE (Kaia): conditions, obligations, NG59 content, a failure."""
    data = passing_lbp()
    name_technology(data, "Kaia")
    data["clinical"]["content"].append("tens")
    data["answers"]["C3.6"] = "No"
    data["answers"]["A5"] = "Ann Example, Head of Product"
    return data


OVERRIDES = {
    "C3.6": Override(
        outcome="pass",
        rationale="Logging verified on site visit: audit trail of all access exists.",
        by="J Assessor",
        on=TODAY,
    )
}
VERIFICATIONS = {
    "C2.1": Verification(checked="DSPT register entry checked for the ODS code", by="J Assessor", on=TODAY)
}


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[Submission, Assessment, Path]:
    return make_case(
        tmp_path_factory.mktemp("rich"), rich_data(), overrides=OVERRIDES, verifications=VERIFICATIONS
    )


@pytest.fixture(scope="module")
def rich_files(rich: tuple[Submission, Assessment, Path]) -> dict[str, bytes]:
    sub, a, path = rich
    return build_dossier(a, sub, FORMATS, source=str(path))


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------------------- PDF content


def test_pdf_shows_decision_sections_questions_and_hashes(rich: Any, rich_files: dict[str, bytes]) -> None:
    _, a, _ = rich
    pages = pdf_pages(rich_files["pdf"])
    text = "\n".join(pages)
    assert a.decision_label in pages[0]
    assert a.product.name in pages[0]
    for s in a.sections:
        if s.id in ("C1", "C2", "C3", "C4"):
            assert f"{s.id} {s.title}" in text
    for q in a.questions:
        assert re.search(rf"(?m)^{re.escape(q.id)}\b", text) or f"\n{q.id}" in text, q.id
    flat = squash(text)
    hashes = [e.sha256 for e in a.evidence if e.sha256]
    assert len(hashes) == len(a.evidence) > 5
    for h in hashes:
        assert h in flat
    for h in a.criteria.hashes.values():
        assert h in flat
    # Cover facts and the regulatory / NICE page.
    assert "Valid until" in pages[0] and a.criteria.title in pages[0] and "nice-lbp" in pages[0]
    assert "GB-MF-000012345" in text and "Kaia" in text and "NG59.tens" in text
    assert "Evidence-generation obligations" in text


def test_pdf_shows_override_and_provenance(rich_files: dict[str, bytes]) -> None:
    text = "\n".join(pdf_pages(rich_files["pdf"]))
    flat = " ".join(text.split())
    assert "Overridden by J Assessor" in flat
    assert "Logging verified on site visit" in flat
    assert "Verified by assessor by J Assessor" in flat and "DSPT register entry checked" in flat
    pages = pdf_pages(rich_files["pdf"])
    cover, summary = " ".join(pages[0].split()), " ".join(pages[1].split())
    assert "1 question overridden by an assessor (C3.6)" in cover
    assert "Assessor overrides" in summary and "C3.6: Overridden by J Assessor" in summary


def test_every_page_says_page_x_of_y(rich_files: dict[str, bytes]) -> None:
    pages = pdf_pages(rich_files["pdf"])
    n = len(pages)
    assert n >= 8
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in text
        assert "Decision:" in text  # footer names the decision on every page


def test_summary_is_one_page(rich_files: dict[str, bytes], hostile: Any) -> None:
    for pdf in (rich_files["pdf"], hostile[2]["pdf"]):
        pages = pdf_pages(pdf)
        summary = " ".join(pages[1].split())
        assert "Summary" in summary and "Answers by section" in summary
        for sid in ("C1", "C2", "C3", "C4", "D1"):
            assert sid in summary
        assert "GB device regulation" in summary and "NICE back-pain" in summary
        assert "Top fixes" in summary
        assert "Findings by section" in pages[2]  # the next section starts on the next page


def test_long_tables_split_with_repeated_headers(rich_files: dict[str, bytes]) -> None:
    pages = pdf_pages(rich_files["pdf"])
    findings_pages = [t for t in pages if re.search(r"(?m)^C\d\.\d", t) and "Asserted by" in t]
    assert len(findings_pages) >= 2
    for t in findings_pages:
        assert "Reason, override, evidence" in t  # the header row repeats on every page of the table


def test_outline_bookmarks_point_at_their_pages(rich_files: dict[str, bytes]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(rich_files["pdf"]))
    top: dict[Any, Any] = {
        o.title: reader.get_destination_page_number(o) for o in reader.outline if not isinstance(o, list)
    }
    assert {"Summary", "Findings by section", "Evidence register", "Sign-off"} <= set(top)
    for title, page in top.items():
        assert title in (reader.pages[page].extract_text() or ""), title


def test_pdf_metadata_fonts_and_dates(rich: Any, rich_files: dict[str, bytes]) -> None:
    _, a, _ = rich
    reader: Any = pypdf.PdfReader(io.BytesIO(rich_files["pdf"]))
    meta = reader.metadata
    assert meta is not None
    assert (
        meta.title
        == f"DTAC assessment dossier: {a.product.name} {a.product.version} — DRAFT — not signed off"
    )
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    stamp = a.as_of.strftime("D:%Y%m%d")
    assert meta["/CreationDate"].startswith(stamp) and meta["/ModDate"].startswith(stamp)
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            font = f.get_object()
            fonts.add(font["/BaseFont"])
            desc = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if "/DescendantFonts" in font
                else font["/FontDescriptor"]
            )
            assert "/FontFile2" in desc.get_object(), "TrueType font must be embedded"
    assert any("DejaVuSans" in str(f) for f in fonts)
    assert not any("Helvetica" in str(f) for f in fonts)


SIGNED = SignOff(
    assessor="Dr Jo Reviewer",
    role="Clinical Safety Officer",
    organisation="Example ICB",
    date=dt.date(2026, 10, 2),
    note="Checked against the DSPT register.",
)


def test_unsigned_dossier_is_marked_draft_on_every_page_and_the_cover(rich: Any) -> None:
    sub, a, _ = rich
    files = build_dossier(a, sub, "pdf,html")
    pages = pdf_pages(files["pdf"])
    for i, text in enumerate(pages, start=1):
        assert "DRAFT — not signed off" in text, f"page {i} does not say it is a draft"
    assert "Result so far (draft)" in pages[0] and "not a decision of an NHS organisation" in " ".join(
        pages[0].split()
    )
    # No blank lines to sign on: an unsigned dossier says it is unsigned.
    last = pages[-1]
    assert "Not signed off" in last and "Signature" not in last and "(not yet signed)" not in last
    page = files["html"].decode()
    assert '<p class="marking">DRAFT — not signed off</p>' in page
    assert '<div class="notice" role="note"' in page and "Result so far (draft)" in page
    assert "<title>DTAC assessment dossier: Back App 3.1 — DRAFT — not signed off</title>" in page
    check_html(page)


def test_vendor_precheck_is_marked_as_not_an_nhs_decision(rich: Any) -> None:
    sub, a, _ = rich
    files = build_dossier(a, sub, "pdf,html", kind="precheck")
    for text in pdf_pages(files["pdf"]):
        assert "Vendor pre-check — not an NHS decision" in text
        assert "DRAFT" not in text
    page = files["html"].decode()
    assert page.count("Vendor pre-check — not an NHS decision") >= 2  # the running marking and the cover
    assert "Pre-check result" in page


def test_signed_dossier_names_the_signer_once_without_blank_lines(rich: Any) -> None:
    sub, a, _ = rich
    sections = [
        SignOff(assessor="A Assessor", role="Assessor", organisation="Example ICB", date=TODAY, section=s)
        for s in ("C1", "C2", "C3", "C4", "D1")
    ]
    files = build_dossier(a, sub, "pdf,html", signoff=[SIGNED, *sections])
    pages = pdf_pages(files["pdf"])
    text = " ".join("\n".join(pages).split())
    for page_text in pages:
        assert "DRAFT" not in page_text
    assert "Signed off by Dr Jo Reviewer" in " ".join(pages[1].split())  # the running header names the signer
    last = " ".join(pages[-1].split())
    for words in ("Dr Jo Reviewer", "Clinical Safety Officer", "Example ICB", "2 Oct 2026", "DSPT register"):
        assert words in last
    assert "Signature" not in text and "(not yet signed)" not in text
    # The statement names the decision and appears once, not once per section sign-off.
    assert text.count("I have reviewed this assessment") == 1
    assert f"I agree with the decision: “{a.decision_label}”" in text
    assert "Section sign-offs" in last and "A Assessor" in last
    page = files["html"].decode()
    assert page.count("I have reviewed this assessment") == 1
    assert "Dr Jo Reviewer" in page and "Example ICB" in page and "DRAFT" not in page
    assert "Decision</p>" in page
    check_html(page)


def test_a_signature_without_a_date_is_not_a_sign_off(rich: Any) -> None:
    sub, a, _ = rich
    page = build_dossier(a, sub, "html", signoff=SignOff(assessor="Someone"))["html"].decode()
    assert "DRAFT — not signed off" in page


def _document_words(doc: Any) -> list[str]:
    """Every sentence the dossier itself writes (not typed by anyone), from the document."""
    from dtac_app.dossier import blocks as D

    out: list[str] = []

    def inline(x: Any) -> None:
        if isinstance(x, D.Text) and not x.typed:
            out.append(x.lead + " " + x.text if x.lead else x.text)
        elif isinstance(x, D.Badge):
            out.append(x.label)

    def block(b: Any) -> None:
        if isinstance(b, D.Heading):
            out.append(b.text)
        elif isinstance(b, D.Para):
            for x in b.content:
                inline(x)
        elif isinstance(b, D.Table):
            out.extend(c.title for c in b.columns)
            for r in b.rows:
                for c in r.cells:
                    for x in c:
                        inline(x)
        elif isinstance(b, D.Facts | D.Beside):
            f = b if isinstance(b, D.Facts) else b.facts
            for k, v in f.rows:
                out.append(k)
                for x in v:
                    inline(x)
        elif isinstance(b, D.Notice):
            out.extend([b.title, b.text])
        elif isinstance(b, D.DecisionPanel):
            out.extend([b.caption, b.label])
        elif isinstance(b, D.Bullets) and b.more:
            out.append(b.more)

    for b in doc.cover:
        block(b)
    for ch in doc.chapters:
        out.append(ch.title)
        for b in ch.blocks:
            block(b)
    return [w for w in out if w.strip()]


def test_pdf_and_html_say_the_same_things(rich: Any) -> None:
    """Parity by construction: every sentence of the one document is in both renderings."""
    import html as html_lib

    from dtac_app.dossier import DossierInput, build_document

    sub, a, _ = rich
    d = DossierInput(assessment=a, submission=sub, signoffs=(SIGNED,))
    doc = build_document(d)
    words = _document_words(doc)
    assert len(words) > 300
    files = build_dossier(a, sub, "pdf,html", signoff=SIGNED)
    pdf_text = squash("".join(pdf_pages(files["pdf"])))
    page = html_lib.unescape(re.sub(r"<[^>]+>", "", files["html"].decode()))
    html_text = squash(page)
    missing_pdf = [w for w in words if squash(w) not in pdf_text]
    missing_html = [w for w in words if squash(w) not in html_text]
    assert not missing_pdf, missing_pdf[:5]
    assert not missing_html, missing_html[:5]


def test_the_fingerprint_is_computed_once_for_both_renderings(rich: Any, monkeypatch: Any) -> None:
    from dtac_app.dossier import document as D
    from dtac_app.dossier.json_export import assessment_sha256

    sub, a, _ = rich
    calls: list[int] = []

    def counted(x: Assessment) -> str:
        calls.append(1)
        return assessment_sha256(x)

    monkeypatch.setattr(D, "assessment_sha256", counted)
    files = build_dossier(a, sub, "pdf,html")
    assert len(calls) == 1
    fingerprint = assessment_sha256(a)
    assert fingerprint in squash("".join(pdf_pages(files["pdf"]))) and fingerprint in files["html"].decode()


# ----------------------------------------------------------------------------- reproducibility


def test_same_inputs_give_byte_identical_pdf(rich: Any) -> None:
    sub, a, _ = rich
    before = rl_config.invariant
    first = build_dossier(a, sub, FORMATS)
    second = build_dossier(a, sub, FORMATS)
    assert first == second
    assert rl_config.invariant == before, "invariant mode must be set per document, not globally"


def test_pdf_identical_in_a_fresh_process(rich: Any, tmp_path: Path) -> None:
    """Font subsets and object numbering must not depend on what the process did before."""
    sub, a, _ = rich
    here = build_dossier(a, sub, "pdf")["pdf"]
    (tmp_path / "a.json").write_text(a.model_dump_json(by_alias=True), encoding="utf-8")
    (tmp_path / "s.json").write_text(sub.model_dump_json(by_alias=True), encoding="utf-8")
    script = (
        "import sys, pathlib\n"
        "from dtac_app.results import Assessment\nfrom dtac_app.submission import Submission\n"
        "from dtac_app.dossier import build_dossier\n"
        "d = pathlib.Path(sys.argv[1])\n"
        "a = Assessment.model_validate_json((d / 'a.json').read_text())\n"
        "s = Submission.model_validate_json((d / 's.json').read_text())\n"
        "(d / 'out.pdf').write_bytes(build_dossier(a, s, 'pdf')['pdf'])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, cwd=REPO)
    assert hashlib.sha256((tmp_path / "out.pdf").read_bytes()).hexdigest() == hashlib.sha256(here).hexdigest()


def test_different_as_of_changes_the_pdf(tmp_path: Path) -> None:
    sub, a, _ = make_case(tmp_path, passing_v2())
    later = assess(sub, get_catalogue(), as_of=TODAY + dt.timedelta(days=1))
    assert build_dossier(a, sub, "pdf")["pdf"] != build_dossier(later, sub, "pdf")["pdf"]


# ----------------------------------------------------------------------------- hostile text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Submission, Assessment, dict[str, bytes]]:
    data = rich_data()
    data["answers"].update(HOSTILE)
    data["answers"]["A9"] = long_text()
    data["product"]["name"] = "Evil <b>App</b> & Co </para>"
    data["evidence"][0]["title"] = "<script>alert(1)</script> certificate"
    data["evidence"][0]["reference"] = "REF&<>\"'"
    overrides = {
        "C3.6": Override(
            outcome="pass",
            by="<b>Mallory</b>",
            rationale="Rationale with </para><para> & <img src=x onerror=alert(1)> " + "long " * 3000,
        )
    }
    sub, a, _ = make_case(tmp_path_factory.mktemp("hostile"), data, overrides=overrides)
    return sub, a, build_dossier(a, sub, FORMATS, signoff=SignOff(assessor="<script>x</script>", date=TODAY))


def test_hostile_text_builds_and_reads_as_text_in_pdf(hostile: Any) -> None:
    _, a, files = hostile
    pages = pdf_pages(files["pdf"])
    text = "\n".join(pages)
    flat = " ".join(text.split())
    tight = squash(text)  # narrow columns break long "words" such as </script> over lines
    assert "Evil <b>App</b> & Co </para>" in flat
    assert "<script>alert('x')</script>" in tight
    assert "<fontcolor=red>unbalanced<i>&amp;&nbsp;]]>" in tight
    assert "REF&<>\"'" in tight
    assert "<imgsrc=xonerror=alert(1)>" in tight
    # Right-to-left text is drawn in logical order (ReportLab needs rlbidi for visual order), so pypdf,
    # which reorders RTL runs, may give the letters reversed: accept either order.
    assert "Привет" in flat
    assert "שלום" in flat or "שלום"[::-1] in flat
    assert "مرحبا" in flat or "مرحبا"[::-1] in flat
    assert "\ufffd" in text  # emoji and CJK degrade to the placeholder glyph
    assert "👍" not in text
    # The 50 000-character answer is printed in full in the appendix, split into paragraphs.
    assert "Appendix: full texts" in text
    assert LONG_MARK in text
    assert "x" * 2000 in squash(text)
    assert "word3999" in flat
    n = len(pages)
    for i, t in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in t


def test_hostile_text_in_html_is_escaped(hostile: Any) -> None:
    _, _, files = hostile
    page = files["html"].decode("utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page  # Jinja2's autoescape (MarkupSafe)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "Evil &lt;b&gt;App&lt;/b&gt; &amp; Co &lt;/para&gt;" in page
    assert "👍🏽" in page and "שלום" in page  # HTML keeps the original characters
    assert "\x00" not in page and "\x1b" not in page
    check_html(page)


def test_hostile_text_round_trips_in_json_and_csv(hostile: Any) -> None:
    sub, a, files = hostile
    doc = json.loads(files["json"])
    assert doc["inputs"]["submission"]["answers"]["B2"] == HOSTILE["B2"]
    assert doc["inputs"]["submission"]["answers"]["A9"] == long_text()
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    by_id = {r["question_id"]: r for r in rows}
    assert by_id["A10"]["answer"].startswith("'=HYPERLINK")
    assert by_id["A7"]["answer"] == "'+44 20 7946 0000"
    assert by_id["A5"]["answer"] == "'-1+2 @SUM(A1:A9)"
    assert by_id["A6"]["answer"] == "'@evil"
    assert by_id["A9"]["answer"] == long_text()
    assert by_id["B2"]["answer"] == HOSTILE["B2"]


@pytest.mark.parametrize(
    "answer",
    [
        "",
        " ",
        "<",
        "&",
        "</para>" * 500,
        "\n" * 5000,
        "a\u0000" * 3000,
        "🙂" * 4000,
        "<br/>" * 2000,
        "x" * 100_000,
        "\u202e" * 100 + "RLO",
        "&#9999999999;",
        "<para><para><para>",
    ],
)
def test_odd_answers_never_break_the_build(answer: str, tmp_path: Path) -> None:
    data = passing_v2()
    data["answers"]["B2"] = answer
    cat = get_catalogue()
    sub = parse_submission(data, cat, file="t.yaml")
    a = assess(sub, cat, as_of=TODAY)
    files = build_dossier(a, sub, FORMATS)
    assert files["pdf"].startswith(b"%PDF")
    pages = pdf_pages(files["pdf"])
    assert f"Page 1 of {len(pages)}" in pages[0]
    check_html(files["html"].decode("utf-8"))
    json.loads(files["json"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=st.text(max_size=3000), name=st.text(min_size=1, max_size=200).filter(lambda t: t.strip()))
def test_any_text_builds(answer: str, name: str) -> None:
    """Property: whatever a vendor types, every format builds and the PDF still numbers its pages."""
    data = passing_v2()
    data["answers"]["B2"] = answer
    data["product"]["name"] = name
    cat = get_catalogue()
    sub = parse_submission(data, cat, file="t.yaml")
    a = assess(sub, cat, as_of=TODAY)
    files = build_dossier(a, sub, FORMATS)
    pages = pdf_pages(files["pdf"])
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    check_html(files["html"].decode("utf-8"))
    assert json.loads(files["json"])["inputs"]["submission"]["answers"].get("B2", "") == sub.answers.get(
        "B2", ""
    )


# ----------------------------------------------------------------------------- HTML structure


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
            return
        self.stack.pop()


def check_html(page: str) -> _Checker:
    assert page.startswith("<!DOCTYPE html>")
    c = _Checker()
    c.feed(page)
    c.close()
    assert not c.errors, c.errors[:5]
    assert not c.stack, f"unclosed: {c.stack}"
    names = [t for t, _ in c.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    html_attrs = dict(c.tags[0][1]) if c.tags[0][0] == "html" else {}
    assert html_attrs.get("lang") == "en-GB"
    for tag, attrs in c.tags:
        for k, v in attrs.items():
            assert not k.startswith("on"), f"event handler attribute on <{tag}>"
            if k in ("src", "href") and v:
                assert v.startswith("#"), f"external reference {v}"
        if tag == "th":
            assert attrs.get("scope") in ("col", "row"), "every header cell has a scope"
    assert names.count("table") == names.count("caption"), "every table has a caption"
    assert c.headings[0] == 1 and c.headings.count(1) == 1, "one h1, and it comes first"
    for prev, cur in zip(c.headings, c.headings[1:], strict=False):
        assert cur <= prev + 1, f"heading level jumps from h{prev} to h{cur}"
    return c


def test_html_is_accessible_and_self_contained(rich: Any, rich_files: dict[str, bytes]) -> None:
    _, a, _ = rich
    page = rich_files["html"].decode("utf-8")
    check_html(page)
    assert "@media print" in page and "thead { display: table-header-group; }" in page
    # The decision is in words as well as colour; every question and evidence hash is there.
    assert f'<p class="value">{a.decision_label}</p>' in page
    for q in a.questions:
        assert f">{q.id}<" in page
    for e in a.evidence:
        assert e.sha256 and e.sha256 in page
    assert "url(" not in page and "@import" not in page  # no external assets in the CSS either


def test_decision_colours_have_enough_contrast() -> None:
    from dtac_app.dossier import content as C
    from dtac_app.results import DECISION_COLOURS

    palettes: list[dict[Any, str]] = [
        DECISION_COLOURS,
        C.OUTCOME_COLOURS,
        C.SECTION_STATUS_COLOURS,
        C.SEVERITY_COLOURS,
        C.VERDICT_COLOURS,
        C.EVIDENCE_STATE_COLOURS,
    ]
    for palette in palettes:
        for colour in palette.values():
            assert C.contrast(colour, C.text_on(colour)) >= 4.5, colour
            assert C.contrast(C.ink(colour), "#FFFFFF") >= 4.5, colour


# ----------------------------------------------------------------------------- JSON and CSV


def test_json_dossier_is_schema_versioned_and_complete(rich: Any, rich_files: dict[str, bytes]) -> None:
    sub, a, _ = rich
    doc = json.loads(rich_files["json"])
    assert doc["schema"] == DOSSIER_SCHEMA
    assert doc["assessment"] == a.model_dump(mode="json", by_alias=True)
    assert doc["inputs"]["as_of"] == a.as_of.isoformat()
    assert doc["inputs"]["criteria"]["hashes"] == a.criteria.hashes
    assert set(doc["inputs"]["overrides"]) == {"C3.6"} and set(doc["inputs"]["verifications"]) == {"C2.1"}
    assert [m["sha256"] for m in doc["evidence_manifest"]] == [e.sha256 for e in sub.evidence]
    assert DossierDocument.model_validate(doc).assessment == a
    schema = dossier_json_schema()
    assert schema["title"].endswith("(dtac-dossier/1)")
    assert {"schema", "inputs", "evidence_manifest", "assessment", "assessment_sha256"} <= set(
        schema["required"]
    ) | {"schema"}


def test_cli_schema_dossier() -> None:
    result = CliRunner().invoke(app, ["schema", "dossier"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"].startswith("DTAC Workbench assessment dossier")


def test_csv_one_row_per_question(rich: Any, rich_files: dict[str, bytes]) -> None:
    _, a, _ = rich
    assert rich_files["csv"].startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(rich_files["csv"].decode("utf-8-sig"))))
    assert [r["question_id"] for r in rows] == [q.id for q in a.questions]
    assert list(rows[0]) == CSV_COLUMNS
    c36 = next(r for r in rows if r["question_id"] == "C3.6")
    assert (
        c36["overridden"] == "yes"
        and c36["engine_outcome"] == "fail"
        and "site visit" in c36["override_rationale"]
    )


# ----------------------------------------------------------------------------- API and CLI


def test_parse_formats() -> None:
    assert parse_formats("pdf, HTML,pdf") == ("pdf", "html")
    assert parse_formats(["json"]) == ("json",)
    for bad in ("docx", "", ","):
        with pytest.raises(ValueError):
            parse_formats(bad)


def test_write_dossier_names_and_atomic_files(rich: Any, tmp_path: Path) -> None:
    sub, a, _ = rich
    paths = write_dossier(a, sub, tmp_path / "out", "pdf,csv")
    assert set(paths) == {"pdf", "csv"}
    assert paths["pdf"].name == f"{dossier_basename(a)}.pdf" == "back-app-v3-1-2026-10-01-dossier.pdf"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths.values())


def test_cli_dossier(rich: Any, tmp_path: Path) -> None:
    _, _, path = rich
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "dossier",
            str(path),
            "--as-of",
            TODAY.isoformat(),
            "--out",
            str(tmp_path),
            "--format",
            "pdf,json",
            "--assessor",
            "A N Other",
            "--signed-on",
            "2026-10-02",
        ],
    )
    assert result.exit_code == 0, result.output
    pdf = next(tmp_path.glob("*.pdf"))
    assert "A N Other" in pdf_pages(pdf.read_bytes())[-1]
    assert json.loads(next(tmp_path.glob("*.json")).read_text())["inputs"]["source"] == str(path)
    bad = runner.invoke(app, ["dossier", str(path), "--format", "docx", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and not (tmp_path / "x").exists()
    missing = runner.invoke(app, ["dossier", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "y")])
    assert missing.exit_code == 2


def test_cli_dossier_marks_drafts_and_pre_checks(rich: Any, tmp_path: Path) -> None:
    _, _, path = rich
    runner = CliRunner()
    base = ["dossier", str(path), "--as-of", TODAY.isoformat(), "--format", "pdf"]
    assert runner.invoke(app, [*base, "--out", str(tmp_path / "d")]).exit_code == 0
    assert "DRAFT — not signed off" in pdf_pages(next((tmp_path / "d").glob("*.pdf")).read_bytes())[-1]
    assert runner.invoke(app, [*base, "--out", str(tmp_path / "p"), "--pre-check"]).exit_code == 0
    pre = pdf_pages(next((tmp_path / "p").glob("*.pdf")).read_bytes())
    assert all("Vendor pre-check — not an NHS decision" in t for t in pre)
    signed = runner.invoke(
        app,
        [*base, "--out", str(tmp_path / "s"), "--assessor", "Jo", "--role", "CSO", "--organisation", "ICB X"]
        + ["--signed-on", "2026-10-02"],
    )
    assert signed.exit_code == 0, signed.output
    last = pdf_pages(next((tmp_path / "s").glob("*.pdf")).read_bytes())[-1]
    assert "ICB X" in last and "CSO" in last and "DRAFT" not in last
    half = runner.invoke(app, [*base, "--out", str(tmp_path / "h"), "--assessor", "Jo"])
    assert half.exit_code == 2 and "--signed-on" in half.output and not (tmp_path / "h").exists()


EXAMPLES = sorted(p for p in (REPO / "submissions").glob("*") if p.suffix in (".yaml", ".yml", ".json"))


@pytest.mark.skipif(not EXAMPLES, reason="no example submissions")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_submission_builds(path: Path) -> None:
    cat = get_catalogue()
    sub = load_submission(path, cat)
    a = assess(sub, cat, as_of=dt.date(2026, 11, 22))
    files = build_dossier(a, sub, ("pdf", "html"))
    pages = pdf_pages(files["pdf"])
    assert a.decision_label in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    check_html(files["html"].decode("utf-8"))
