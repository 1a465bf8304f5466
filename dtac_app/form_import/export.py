"""Write a submission back into a Word form in the official table layout, so a vendor who
pre-checked here can send the form their ICB asks for.

One table per section with the header ``Code | Question | Options | Answer``: the official ids,
the questions in this project's own words (the criteria files paraphrase the form), the official
option labels, and the answer. Evidence records follow in a table of their own, whose first
column is not a question id, so importing the file reads back exactly the answers.
"""

from __future__ import annotations

import io
from typing import Any

from dtac_app.criteria import Catalogue
from dtac_app.submission import Submission

ANSWER_HEADER = ("Code", "Question", "Options", "Answer")
EVIDENCE_HEADER = ("Evidence", "For question", "Certificate or reference", "Issued", "Expires", "File")


def export_form(sub: Submission, catalogue: Catalogue) -> bytes:
    import docx
    from docx.shared import Pt

    cs = catalogue.dtac_set(sub.criteria)
    d = docx.Document()
    d.core_properties.title = f"DTAC form v{cs.version}: {sub.product.name} {sub.product.version}"
    d.core_properties.author = sub.product.manufacturer
    d.add_heading("Digital Technology Assessment Criteria (DTAC)", 0)
    d.add_paragraph(f"Form version {cs.version} ({cs.title}, published {cs.published:%-d %B %Y}).")
    d.add_paragraph(
        f"Completed for {sub.product.name} {sub.product.version} by {sub.product.manufacturer}. "
        "The questions are worded by DTAC Workbench; the ids and options are the official ones."
    )
    for section in cs.sections:
        table = _headed_table(d, f"Section {section.id}: {section.title}", ANSWER_HEADER)
        for q in section.questions:
            cells = table.add_row().cells
            cells[0].text = q.id
            cells[1].text = q.text
            if q.show_if is not None and q.routing_note:
                note = cells[1].add_paragraph().add_run(q.routing_note)
                note.italic = True
                note.font.size = Pt(8)
            cells[2].text = " | ".join(q.options) if q.options else "Free text"
            cells[3].text = sub.answers.get(q.id, "")
    if sub.evidence:
        kinds = catalogue.regulatory.evidence_kinds
        table = _headed_table(d, "Evidence", EVIDENCE_HEADER)
        for ev in sub.evidence:
            kind = kinds.get(ev.kind)
            values = (
                kind.label if kind else ev.kind,
                ev.question,
                ev.reference or ev.title,
                ev.issued.isoformat() if ev.issued else "",
                ev.expires.isoformat() if ev.expires else "",
                ev.file or "",
            )
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _headed_table(d: Any, heading: str, header: tuple[str, ...]) -> Any:
    """A level-1 heading, then a grid table whose first row names the columns in bold."""
    d.add_heading(heading, 1)
    table = d.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    return table
