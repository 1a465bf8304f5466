"""Completed DTAC forms built with python-docx, in the official table layout, with the habits real
suppliers have: answers in the Options cell or the last column, an option followed by an
explanation, bold or ticked answers, empty rows, an answer written in another question's row,
non-breaking spaces, en dashes, curly quotes. One Word form per version, and a Markdown form.

Every builder returns what a careful reader should make of the form, so tests compare against
answers written down here by hand, not against the importer's own output.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.text import WD_COLOR_INDEX

NBSP = "\u00a0"
FULL_HEADER = ("Code", "Question", "Options", "Supporting information", "Weighted score", "Scoring criteria")


def _cell(cell, content) -> None:  # type: ignore[no-untyped-def]
    """content: text, or a list of paragraphs, each a list of (text, style) with style in
    "", "b" (bold), "h" (highlight)."""
    if isinstance(content, str):
        cell.text = content
        return
    cell.text = ""
    for i, para in enumerate(content):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        for text, style in para:
            run = p.add_run(text)
            if "b" in style:
                run.bold = True
            if "h" in style:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _table(document, header, rows) -> None:  # type: ignore[no-untyped-def]
    t = document.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for c, h in enumerate(header):
        _cell(t.rows[0].cells[c], [[(h, "b")]])
    for row in rows:
        cells = t.add_row().cells
        for c, content in enumerate(row):
            _cell(cells[c], content)


def v2_messy_docx(path: Path) -> tuple[dict[str, str], set[str]]:
    """DTAC v2.0 filled in the way suppliers do. Returns (expected answers, expected unresolved)."""
    d = docx.Document()
    d.add_heading("Digital Technology Assessment Criteria (DTAC)", 0)
    d.add_paragraph("Form version 2.0 — published 24 February 2026")
    d.add_paragraph("Please complete every section. Use the Options column to show your answer.")
    d.add_heading("Section A: Company information", 1)
    a4_opts = [
        [
            ("Standalone software application or mobile app | Wearable | ", ""),
            ("Software as a Service (SaaS)", "b"),
            (" | Other", ""),
        ]
    ]
    _table(
        d,
        ("Code", "Question", "Options"),
        [
            ("A1", "Company name", "Lumbar Labs Ltd"),  # answer replaces "Free text"
            ("A2", "Product name", "Free text\nSpinewise"),  # answer under the template's words
            ("A3", "Product version", "3.2.0"),
            ("A4", "Product type", a4_opts),  # the chosen option in bold
            ("", "", ""),  # an empty row
            ("A5", "Key contact and job title", f"Jane{NBSP}Doe, Head of Quality"),
            ("A6", "Key contact email", "jane.doe@lumbarlabs.example"),
            (
                "A12",  # answered in bold after the question
                [[("Latest CQC report (where applicable) ", "")], [("Not applicable", "b")]],
                "Provided | Not applicable",
            ),
        ],
    )
    d.add_heading("Section B: Value proposition", 1)
    _table(
        d,
        FULL_HEADER,
        [
            (
                "B1",
                "Intended use",
                "Patient care or support | Diagnostics | Clinical support | Workforce support or management | Other",
                "",
                "",
                "Patient care or support – self-management of low back pain",  # last column, en dash
            ),
            (
                "B2",
                "What it does",
                "Free text",
                "Describe the product.",
                "",
                "Exercise and education programme",
            ),
            ("", "", "", "", "", "delivered through a mobile app."),  # continues the row above
            ("B4", "Data flows and user journeys", "Provided | Not available", "", "", "Provided"),
        ],
    )
    d.add_heading("Section C: Technical questions", 1)
    _table(
        d,
        FULL_HEADER,
        [
            ("C1.1.1", "Is the product software or AI as a medical device?", "No", "", "", ""),
            ("C1.2", "Does it support direct care?", "Yes | No", "", "", "Yes."),
            (
                "C1.2.2",
                "Has DCB0129 clinical risk management been done?",
                "Yes | No",
                "",
                "",
                "Partially – we are part way through.",  # no option stated: never guess
            ),
            (
                "C1.2.4",
                "Clinical Safety Case Report and Hazard Log",
                "Provided | Not provided",
                "Attach both.",
                "",
                "Provided. Clinical Safety Case Report: https://spinewise.example/cscr.pdf issued 1 March 2026.",
            ),
            ("C1.2.5", "Clinical Safety Officer", "Free text", "", "", "Dr Sam Patel, GMC 7654321"),
            (
                "C2.1",
                "DSPT status",
                "Confirmed | Unable to confirm | No access to patient data or national NHS system",
                "",
                "",
                "Confirmed – ODS code 8JX12, Standards Met for 2025-26.",
            ),
            (
                "C2.2",  # this row also carries the next question's answer
                "Does the product process personal data?",
                "Yes | No",
                "",
                "",
                "Yes\nC2.2.1: Provided – ICO registration number ZA123456, renewal due 2027-01-31.",
            ),
            ("C2.2.1", "ICO registration", "Provided | Not provided", "", "", ""),
            ("C2.2.5", "Where is data stored?", "UK only | Outside of UK", "", "", f"UK{NBSP}only"),
            (
                "C3.1",
                "Cyber Essentials certificate",
                "☒ Provided | ☐ Not provided",  # a ticked box
                "",
                "",
                "Certificate number IASME-CE-000123, issued 2026-05-01.",
            ),
            ("C3.2", "Has the Cyber Security Charter been signed?", "Yes | No", "", "", "No"),
            (
                "C3.3",
                "External penetration test",
                "Provided | Not provided",
                "",
                "",
                f"Not{NBSP}provided – booked for next quarter",
            ),
            (
                "C3.4",  # the supplier wrote the next question's answer in this row
                "Software Security Code of Practice",
                "Confirmed | Unable to confirm",
                "",
                "",
                "Yes",
            ),
            (
                "C3.6",
                "Logging and reporting",
                "Yes | No",
                "",
                "",
                "We log everything centrally and report incidents within 24 hours.",
            ),
            (
                "C4.1",  # two different answers: bold Yes in Options, No in the last column
                "Does the product expose APIs?",
                [[("Yes", "b"), (" | No", "")]],
                "",
                "",
                "No – there is no public API",
            ),
            (
                "C4.2",
                "Does it exchange data where identity matters?",
                [[("Yes | ", ""), ("No", "h")]],  # highlighted
                "",
                "",
                "",
            ),
        ],
    )
    d.add_heading("Section D: Usability and accessibility", 1)
    _table(
        d,
        FULL_HEADER,
        [
            ("D1.2", "Tested with intended users?", "Yes | No", "", "1", "“Yes” – 40 patients in 2025"),
            ("D1.4", "Web or mobile app?", "Yes | No", "", "", "Yes"),
            (
                "D1.4.1",
                "WCAG 2.2 AA",
                "Yes | No, but a plan and timeline exists | No | Not applicable (not web/mobile)",
                "",
                "",
                "No, but a plan and timeline exists – AA by June 2027.",
            ),
            (
                "D1.4.3",
                "Accessibility statement link",
                "Free text",
                "",
                "",
                "https://spinewise.example/accessibility",
            ),
            ("D1.5", "Availability, last 12 months", "Free text", "", "", "99.95%"),
        ],
    )
    d.save(str(path))
    expected = {
        "A1": "Lumbar Labs Ltd",
        "A2": "Spinewise",
        "A3": "3.2.0",
        "A4": "Software as a Service (SaaS)",
        "A5": "Jane Doe, Head of Quality",
        "A6": "jane.doe@lumbarlabs.example",
        "A12": "Not applicable",
        "B1": "Patient care or support",
        "B2": "Exercise and education programme\ndelivered through a mobile app.",
        "B4": "Provided",
        "C1.1.1": "No",
        "C1.2": "Yes",
        "C1.2.4": "Provided",
        "C1.2.5": "Dr Sam Patel, GMC 7654321",
        "C2.1": "Confirmed",
        "C2.2": "Yes",
        "C2.2.1": "Provided",
        "C2.2.5": "UK only",
        "C3.1": "Provided",
        "C3.2": "No",
        "C3.3": "Not provided",
        "C4.2": "No",
        "D1.2": "Yes",
        "D1.4": "Yes",
        "D1.4.1": "No, but a plan and timeline exists",
        "D1.4.3": "https://spinewise.example/accessibility",
        "D1.5": "99.95",
    }
    unresolved = {"C1.2.2", "C3.4", "C3.6", "C4.1"}
    return expected, unresolved


def v1_docx(path: Path) -> tuple[dict[str, str], set[str]]:
    """DTAC v1.0 (2021) with a 'Supplier response' column added after the template's columns."""
    d = docx.Document()
    d.add_paragraph("Digital Technology Assessment Criteria for health and social care (DTAC)")
    d.add_paragraph("Version 1.0 — 2021")
    header = (*FULL_HEADER, "Supplier response")
    _table(
        d,
        ("Code", "Question", "Options", "Supplier response"),
        [
            ("A1", "Company name", "Free text", "Backhaven Health Ltd"),
            ("A2", "Product name", "Free text", "Backhaven"),
            ("A11", "Latest CQC report", "Provided | N/A", "N/A"),
        ],
    )
    _table(
        d,
        header,
        [
            ("C1.1", "DCB0129", "Yes | No", "Guidance text", "", "Pass: Yes", "Yes"),
            ("C1.3", "MHRA registration", "Yes | No | Not applicable", "", "", "", "Not applicable"),
            (
                "C3.3",
                "Code review",
                "Yes – internal code review | Yes – external code review | No | No because there is no custom code",
                "",
                "",
                "",
                "Yes – external code review, by Rampart Testing",
            ),
            ("D1.1", "Users engaged?", "Yes | No | Working towards it", "", "", "", "Working towards it"),
            ("D1.12.2", "Availability", "Free text", "", "", "", "99.9"),
        ],
    )
    d.save(str(path))
    return {
        "A1": "Backhaven Health Ltd",
        "A2": "Backhaven",
        "A11": "N/A",
        "C1.1": "Yes",
        "C1.3": "Not applicable",
        "C3.3": "Yes – external code review",
        "D1.1": "Working towards it",
        "D1.12.2": "99.9",
    }, set()


MARKDOWN_FORM = """\
# Spinewise — DTAC form

Digital Technology Assessment Criteria, version 2.0 (February 2026).

## Section A

| Code | Question | Options | Answer |
|------|----------|---------|--------|
| A1 | Company name | Free text | Lumbar Labs Ltd |
| A2 | Product name | Free text | Spinewise |
| A3 | Product version | Free text | 3.2.0 |
| A4 | Product type | Standalone software application or mobile app \\| Wearable \\| Software as a Service (SaaS) \\| Other | **Standalone software application or mobile app** |

## Section C

### C1.1.1 Is the product software or AI as a medical device?

Options: Yes | No

Answer: No – it gives general exercise advice only.

### C1.2 Does it support direct care?

**Yes**

### C2.1 DSPT status

Options: Confirmed | Unable to confirm | No access to patient data or national NHS system

Confirmed. ODS code 8JX12; Standards Exceeded 2025-26.

### C3.6 Logging and reporting

We keep logs.
"""


def markdown_form(path: Path) -> tuple[dict[str, str], set[str]]:
    path.write_text(MARKDOWN_FORM, encoding="utf-8")
    return {
        "A1": "Lumbar Labs Ltd",
        "A2": "Spinewise",
        "A3": "3.2.0",
        "A4": "Standalone software application or mobile app",
        "C1.1.1": "No",
        "C1.2": "Yes",
        "C2.1": "Confirmed",
    }, {"C3.6"}


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _xml_paragraph(cell, inner: str) -> None:  # type: ignore[no-untyped-def]
    """Replace a cell's content with one paragraph holding raw WordprocessingML ``inner``."""
    from docx.oxml import parse_xml

    tc = cell._tc
    for p in tc.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
        tc.remove(p)
    tc.append(parse_xml(f"<w:p {W_NS}>{inner}</w:p>"))


def word_features_docx(path: Path) -> tuple[dict[str, str], set[str], set[str]]:
    """What Word itself does to a filled-in form: drop-down and check-box content controls, a
    placeholder still showing, tracked changes, Wingdings check boxes, a vertically merged row, the
    version only in the page header, option lists written "Yes / No" or "☐ Yes ☒ No".
    Returns (expected answers, expected unresolved, expected blank)."""
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "DTAC form v2.0 — supplier response"
    t = d.add_table(rows=1, cols=len(FULL_HEADER))
    for c, h in enumerate(FULL_HEADER):
        t.rows[0].cells[c].text = h
    rows = [
        ("C1.1.1", "Medical device?", "Yes | No", "", "", ""),
        ("", "", "", "", "", "No – general advice only"),  # the second row of a merged question
        ("C1.2", "Direct care?", "", "", "", ""),
        ("C2.2", "Personal data?", "Yes | No", "", "", ""),
        ("C3.2", "Charter signed?", "", "", "", ""),
        ("C3.3", "Pen test", "", "", "", ""),
        ("C4.1", "APIs?", "Yes / No", "", "", "No"),
        ("C4.2", "Identity?", "☐ Yes ☒ No", "", "", ""),
        ("C4.2.4", "NHS login?", "", "", "", ""),
    ]
    for row in rows:
        cells = t.add_row().cells
        for c, text in enumerate(row):
            cells[c].text = text
    r = {row[0]: i + 1 for i, row in enumerate(rows) if row[0]}
    # C1.1.1: code and question merged down into the next row, which holds the answer
    t.cell(r["C1.1.1"], 0).merge(t.cell(r["C1.1.1"] + 1, 0))
    t.cell(r["C1.1.1"], 1).merge(t.cell(r["C1.1.1"] + 1, 1))
    # C1.2: a drop-down content control showing the chosen item
    _xml_paragraph(
        t.cell(r["C1.2"], 2),
        '<w:sdt><w:sdtPr><w:dropDownList><w:listItem w:displayText="Yes" w:value="Yes"/>'
        '<w:listItem w:displayText="No" w:value="No"/></w:dropDownList></w:sdtPr>'
        "<w:sdtContent><w:r><w:t>Yes</w:t></w:r></w:sdtContent></w:sdt>",
    )
    # C2.2: a tracked change in the last column: "No" deleted, "Yes" inserted
    _xml_paragraph(
        t.cell(r["C2.2"], 5),
        '<w:del w:id="1" w:author="a"><w:r><w:delText>No</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="a"><w:r><w:t>Yes – patient contact details</w:t></w:r></w:ins>',
    )
    # C3.2: the drop-down still shows its placeholder: not answered
    _xml_paragraph(
        t.cell(r["C3.2"], 2),
        "<w:sdt><w:sdtPr><w:showingPlcHdr/><w:dropDownList/></w:sdtPr>"
        "<w:sdtContent><w:r><w:t>Choose an item.</w:t></w:r></w:sdtContent></w:sdt>",
    )
    # C3.3: Wingdings check boxes, the first ticked
    _xml_paragraph(
        t.cell(r["C3.3"], 2),
        '<w:r><w:sym w:font="Wingdings" w:char="F0FE"/></w:r><w:r><w:t xml:space="preserve"> Provided </w:t></w:r>'
        '<w:r><w:sym w:font="Wingdings" w:char="F0A8"/></w:r><w:r><w:t xml:space="preserve"> Not provided</w:t></w:r>',
    )
    # C4.2.4: a check-box content control per option, the third one ticked
    boxes = []
    for label, ticked in (
        ("Yes", False),
        ("No", False),
        ("Not applicable (not used directly by patients)", True),
    ):
        glyph = "☒" if ticked else "☐"
        boxes.append(
            '<w:sdt><w:sdtPr><w14:checkbox xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml">'
            f'<w14:checked w14:val="{int(ticked)}"/></w14:checkbox></w:sdtPr>'
            f"<w:sdtContent><w:r><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"
            f'<w:r><w:t xml:space="preserve"> {label} </w:t></w:r>'
        )
    _xml_paragraph(t.cell(r["C4.2.4"], 2), "".join(boxes))
    d.save(str(path))
    expected = {
        "C1.1.1": "No",
        "C1.2": "Yes",
        "C2.2": "Yes",
        "C3.3": "Provided",
        "C4.1": "No",
        "C4.2": "No",
        "C4.2.4": "Not applicable (not used directly by patients)",
    }
    return expected, set(), {"C3.2"}
