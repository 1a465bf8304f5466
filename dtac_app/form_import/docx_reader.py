"""Read a Word .docx form into tables of text (with emphasis) and cover text.

A .docx file is a ZIP archive, so it is checked before python-docx sees it: size on disk, member
count, expanded size and compression ratio (a "docx bomb" expands a few kilobytes into gigabytes),
and the presence of a Word main document. python-docx parses XML without resolving entities.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from dtac_app.errors import InputError

from .raw import Cell, RawForm, Table

MAX_FORM_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 500
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # a member larger than 1 MB that expanded more than this was built to exhaust memory
_BIG_MEMBER = 1024 * 1024


def check_docx_archive(name: str, data: bytes) -> None:
    if len(data) > MAX_FORM_BYTES:
        raise InputError(
            name, "", f"file is {len(data) / 1_048_576:.1f} MB; the limit is {MAX_FORM_BYTES // 1_048_576} MB"
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError(name, "", "not a Word .docx document (it is not a ZIP archive)") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise InputError(name, "", f"the document holds {len(members)} parts; the limit is {MAX_MEMBERS}")
        total = 0
        for m in members:
            total += m.file_size
            if m.file_size > _BIG_MEMBER and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise InputError(
                    name,
                    m.filename,
                    f"part expands {m.file_size // max(m.compress_size, 1)}-fold; refusing a possible ZIP bomb",
                )
        if total > MAX_EXPANDED_BYTES:
            raise InputError(
                name, "", f"the document expands to more than {MAX_EXPANDED_BYTES // 1_048_576} MB"
            )
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
            raise InputError(name, "", "not a Word .docx document (no word/ main document part)")


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFF = {"0", "false", "off", "none"}
# Wingdings / Symbol check-box glyphs that Word writes as <w:sym>, as the characters people see.
_SYMBOLS = {"FE": "☑", "FD": "☒", "78": "☒", "A8": "☐", "6F": "☐", "71": "☐", "A1": "☐"}


def read_docx(name: str, data: bytes) -> RawForm:
    """Tables and cover text, read from the XML so that text inside content controls (drop-downs,
    check boxes), tracked insertions, hyperlinks and text boxes counts, and deleted text does not."""
    check_docx_archive(name, data)
    import docx
    from docx.table import Table as DocxTable

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises ValueError, KeyError or lxml errors on a broken file
        raise InputError(name, "", f"cannot read it as a Word .docx document ({type(e).__name__})") from None

    cover: list[str] = []
    tables: list[Table] = []
    try:
        # Style lookups in python-docx scan every style each time: resolve the bold ones once.
        bold_styles = {
            st.style_id for st in document.styles if getattr(st, "font", None) is not None and st.font.bold
        }
        body = document.element.body
        for el in body.iter(_W + "p", _W + "tbl"):
            if _inside(el, _W + "tbl", body):
                continue  # nested in a table: read with the table
            if el.tag == _W + "tbl":
                tables.append(_table(DocxTable(el, document._body), f"table {len(tables) + 1}", bold_styles))
            else:
                text = "".join(t for t, _ in _paragraph(el, bold_styles))
                if text.strip():
                    cover.append(text)
        for section in document.sections:  # the version is often in the header or footer
            for part in (section.header, section.footer):
                if part is not None and not part.is_linked_to_previous:
                    for p in part._element.iter(_W + "p"):
                        text = "".join(t for t, _ in _paragraph(p, bold_styles))
                        if text.strip():
                            cover.append(text)
    except Exception as e:
        raise InputError(name, "", f"cannot read the document's content ({type(e).__name__})") from None
    return RawForm(file=name, format="docx", cover="\n".join(cover), tables=tuple(tables))


def _inside(el: Any, tag: str, stop: Any) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if anc.tag == tag:
            return True
    return False


def _table(table: Any, where: str, bold_styles: set[str]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    # id() of an lxml element is only stable while the element is referenced: keep them referenced.
    seen: dict[int, Any] = {}
    for row in table.rows:
        cells: list[Cell] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column (and row) it spans: keep its text in the first.
            tc = cell._tc
            if id(tc) in seen:
                cells.append(Cell(""))
                continue
            seen[id(tc)] = tc
            cells.append(_cell(tc, bold_styles))
        rows.append(tuple(cells))
    return Table(where=where, rows=tuple(rows))


def _cell(tc: Any, bold_styles: set[str]) -> Cell:
    segments: list[tuple[str, bool]] = []
    first = True
    for p in tc.iter(_W + "p"):
        if _inside(p, _W + "tbl", tc) or _inside(p, _W + "p", tc):
            continue  # a nested table, or a text box inside a paragraph (read with that paragraph)
        if not first:
            segments.append(("\n", False))
        first = False
        segments.extend(_paragraph(p, bold_styles))
    return Cell.of(segments)


def _paragraph(p: Any, bold_styles: set[str]) -> list[tuple[str, bool]]:
    ppr = p.find(_W + "pPr")
    pstyle = ppr.find(_W + "pStyle") if ppr is not None else None
    para_bold = pstyle is not None and pstyle.get(_W + "val") in bold_styles
    out: list[tuple[str, bool]] = []
    for r in p.iter(_W + "r"):
        if _placeholder(r, p):
            continue
        text = []
        for child in r:
            if child.tag == _W + "t":
                text.append(child.text or "")
            elif child.tag == _W + "tab":
                text.append("\t")
            elif child.tag in (_W + "br", _W + "cr"):
                text.append("\n")
            elif child.tag == _W + "sym":
                code = (child.get(_W + "char") or "").upper()
                text.append(_SYMBOLS.get(code[-2:], ""))
        if text:
            out.append(("".join(text), _run_emphasised(r, para_bold, bold_styles)))
    return out


def _placeholder(r: Any, p: Any) -> bool:
    """Runs of a content control still showing its placeholder ("Choose an item.") are not answers;
    runs of a text box belong to the text box's own paragraph."""
    for anc in r.iterancestors():
        if anc is p:
            return False
        if anc.tag == _W + "p":
            return True
        if anc.tag == _W + "sdt":
            pr = anc.find(_W + "sdtPr")
            if pr is not None and pr.find(_W + "showingPlcHdr") is not None:
                return True
    return False


def _run_emphasised(r: Any, para_bold: bool, bold_styles: set[str]) -> bool:
    rpr = r.find(_W + "rPr")
    if rpr is None:
        return para_bold
    hl = rpr.find(_W + "highlight")
    if hl is not None and (hl.get(_W + "val") or "").lower() not in _OFF:
        return True
    b = rpr.find(_W + "b")
    if b is not None:
        return (b.get(_W + "val") or "true").lower() not in _OFF
    rstyle = rpr.find(_W + "rStyle")
    return para_bold or (rstyle is not None and rstyle.get(_W + "val") in bold_styles)
