"""Read a Markdown form: pipe tables, or one heading per question with the answer beneath it.

Headed sections become a table with the header ``Code | Question | Options | Answer`` so the
matcher reads both layouts the same way. ``**bold**`` and ``__bold__`` keep their emphasis (the
chosen option is often bolded); other Markdown is kept as plain text, never rendered.
"""

from __future__ import annotations

import re

from dtac_app.errors import InputError
from dtac_app.safe_yaml import MAX_DOCUMENT_BYTES

from .raw import Cell, RawForm, Table

_ID = r"[A-Da-d]\s?\d+(?:\.\d+)*"
_HEADING = re.compile(rf"^\s{{0,3}}(#{{1,6}})\s+(?:\*\*|__)?({_ID})\b[\s.:)\-–—]*(.*?)\s*#*\s*$")
_ANY_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_OPTIONS_LINE = re.compile(r"^\s*(?:[-*]\s+)?(?:\*\*|__)?options?(?:\*\*|__)?\s*:\s*(.*)$", re.I)
_ANSWER_LINE = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?(?:answer|response|supplier response|our response)(?:\*\*|__)?\s*:\s*(.*)$",
    re.I,
)
_BOLD = re.compile(r"(\*\*|__)(.+?)\1")


def read_markdown(name: str, data: bytes) -> RawForm:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(
            name,
            "",
            f"file is {len(data) / 1_048_576:.1f} MB; the limit is {MAX_DOCUMENT_BYTES // 1_048_576} MB",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(name, f"byte {e.start}", "file is not UTF-8 text") from None
    if "\x00" in text:
        raise InputError(name, "", "not a Markdown text file (it holds binary data)")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cover: list[str] = []
    tables: list[Table] = []
    sections: list[tuple[Cell, ...]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_row(line) and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
            rows = [_row(line)]
            i += 2
            while i < len(lines) and _is_row(lines[i]):
                rows.append(_row(lines[i]))
                i += 1
            tables.append(Table(where=f"table {len(tables) + 1}", rows=tuple(rows)))
            continue
        m = _HEADING.match(line)
        if m:
            qid = m.group(2).replace(" ", "")
            question = m.group(3)
            body: list[str] = []
            i += 1
            while i < len(lines) and not _ANY_HEADING.match(lines[i]) and not _is_row(lines[i]):
                body.append(lines[i])
                i += 1
            options, answer = _split_body(body)
            sections.append((Cell(qid), _inline(question), _inline(options), _inline(answer)))
            continue
        if line.strip():
            cover.append(_BOLD.sub(r"\2", line))
        i += 1
    if sections:
        header = tuple(Cell(h) for h in ("Code", "Question", "Options", "Answer"))
        tables.append(Table(where="headed sections", rows=(header, *sections)))
    return RawForm(file=name, format="md", cover="\n".join(cover), tables=tuple(tables))


def _is_row(line: str) -> bool:
    return line.strip().startswith("|")


def _row(line: str) -> tuple[Cell, ...]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells = re.split(r"(?<!\\)\|", s)
    return tuple(
        _inline(c.replace("\\|", "|").replace("<br>", "\n").replace("<br/>", "\n").strip()) for c in cells
    )


def _split_body(body: list[str]) -> tuple[str, str]:
    options: list[str] = []
    answer: list[str] = []
    for line in body:
        mo = _OPTIONS_LINE.match(line)
        if mo:
            options.append(mo.group(1))
            continue
        ma = _ANSWER_LINE.match(line)
        answer.append(ma.group(1) if ma else line)
    return "\n".join(options).strip(), "\n".join(answer).strip()


def _inline(text: str) -> Cell:
    """Markdown emphasis to a Cell: **bold** and __bold__ are emphasised, the markers dropped."""
    segments: list[tuple[str, bool]] = []
    pos = 0
    for m in _BOLD.finditer(text):
        if m.start() > pos:
            segments.append((text[pos : m.start()], False))
        segments.append((m.group(2), True))
        pos = m.end()
    if pos < len(text):
        segments.append((text[pos:], False))
    return Cell.of(segments)
