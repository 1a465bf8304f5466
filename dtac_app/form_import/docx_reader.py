"""Read a Word .docx form into tables of text (with emphasis) and cover text.

A .docx file is a ZIP archive, so it is checked before python-docx sees it: size on disk, member
count, expanded size and compression ratio (a "docx bomb" expands a few kilobytes into gigabytes),
and the presence of a Word main document. python-docx parses XML without resolving entities.
"""

from __future__ import annotations

import io
import zipfile

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


def read_docx(name: str, data: bytes) -> RawForm:
    check_docx_archive(name, data)
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

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
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                if block.text.strip():
                    cover.append(block.text)
            elif isinstance(block, DocxTable):
                tables.append(_table(block, f"table {len(tables) + 1}", bold_styles))
        for section in document.sections:  # the version is often in the header or footer
            for part in (section.header, section.footer):
                if part is not None and not part.is_linked_to_previous:
                    cover.extend(p.text for p in part.paragraphs if p.text.strip())
    except Exception as e:
        raise InputError(name, "", f"cannot read the document's content ({type(e).__name__})") from None
    return RawForm(file=name, format="docx", cover="\n".join(cover), tables=tuple(tables))


def _table(table: object, where: str, bold_styles: set[str]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for row in table.rows:  # type: ignore[attr-defined]
        seen: set[int] = set()
        cells: list[Cell] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans: keep its text in the first.
            key = id(cell._tc)
            if key in seen:
                cells.append(Cell(""))
                continue
            seen.add(key)
            cells.append(_cell(cell, bold_styles))
        rows.append(tuple(cells))
    return Table(where=where, rows=tuple(rows))


def _cell(cell: object, bold_styles: set[str]) -> Cell:
    from docx.text.hyperlink import Hyperlink

    segments: list[tuple[str, bool]] = []
    for i, p in enumerate(cell.paragraphs):  # type: ignore[attr-defined]
        if i:
            segments.append(("\n", False))
        para_bold = p._p.style in bold_styles
        for item in p.iter_inner_content():
            runs = item.runs if isinstance(item, Hyperlink) else [item]
            for r in runs:
                if r.text:
                    segments.append((r.text, _emphasised(r, para_bold, bold_styles)))
    return Cell.of(segments)


def _emphasised(run: object, para_bold: bool, bold_styles: set[str]) -> bool:
    if run.font.highlight_color is not None:  # type: ignore[attr-defined]
        return True
    if run.bold is not None:  # type: ignore[attr-defined]
        return bool(run.bold)  # type: ignore[attr-defined]
    return para_bold or run._r.style in bold_styles  # type: ignore[attr-defined]
