"""Finding the answers' cells in a form's tables. Pure.

Which tables are question tables, which column plays which role, which row belongs to which
question (a row that names another question's id answers that one), and where each candidate
answer cell was found, for the report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dtac_app.criteria import CriteriaSet, Question, canon_label

from .choices import is_free_text
from .raw import Cell, RawForm, Table

# Roles a column can play. "free" = a column the official template does not have.
_RANK = {"answer": 0, "free": 1, "options": 2, "question": 3, "scoring": 4, "supporting": 5, "weight": 6}
TEMPLATE_ROLES = frozenset({"scoring", "supporting", "weight"})
ROLE_NAMES = {
    "answer": "answer",
    "free": "extra",
    "options": "Options",
    "question": "Question",
    "scoring": "Scoring criteria",
    "supporting": "Supporting information",
    "weight": "Weighted score",
}

_ID_CELL = re.compile(r"^([A-D]\d+(?:\.\d+)*)[.:)]*$", re.I)
_ID_LEAD = re.compile(r"^\s*\(?([A-D]\d+(?:\.\d+)*)\)?(?=[\s.:)\-–—]|$)[\s.:)\-–—]*", re.I)


@dataclass
class Candidate:
    source: str
    role: str
    cell: Cell
    moved_from: str | None = None

    @property
    def rank(self) -> int:
        return _RANK[self.role]


@dataclass
class _Layout:
    header_row: int | None
    roles: list[str | None]


@dataclass
class _Collected:
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)
    rows_seen: dict[str, str] = field(default_factory=dict)
    unknown_ids: list[str] = field(default_factory=list)
    by_column: dict[tuple[str, int, int], Candidate] = field(default_factory=dict)
    tables_used: int = 0


def header_role(text: str) -> str | None:
    """The role a header cell names, or None when it is empty (a column the vendor may fill)."""
    t = canon_label(re.sub(r"[^\w\s#/]", " ", text))
    if not t:
        return None
    if t in {"code", "id", "ref", "reference", "no", "number", "#", "item", "q", "qid"} or t in {
        "question id",
        "question code",
        "question no",
        "question number",
        "ref no",
    }:
        return "code"
    if t in {"options", "option", "choices", "possible answers", "answer options", "response options"}:
        return "options"
    if t.startswith("question") or t in {"criteria", "criterion", "requirement", "requirements"}:
        return "question"
    if "supporting" in t or "guidance" in t:
        return "supporting"
    if "weight" in t or t in {"score", "scores"}:
        return "weight"
    if "scoring" in t or "pass criteria" in t or "assessment criteria" in t:
        return "scoring"
    if any(w in t for w in ("answer", "response", "reply", "supplier", "vendor", "your", "comment")):
        return "answer"
    return "free"


def cell_id(text: str) -> str | None:
    m = _ID_CELL.match("".join(text.split()))
    return m.group(1).upper() if m else None


def lead_id(text: str) -> tuple[str, int] | None:
    m = _ID_LEAD.match(text)
    if not m:
        return None
    return m.group(1).replace(" ", "").upper(), m.end()


def _layout(table: Table) -> _Layout | None:
    for r, row in enumerate(table.rows[:3]):
        named = [header_role(c.text) for c in row]
        if "question" in named and ("code" in named or "options" in named):
            return _Layout(r, named)
    id_rows = [row for row in table.rows if row and cell_id(row[0].text)]
    if len(id_rows) >= 2:
        width = max(len(r) for r in table.rows)
        roles: list[str | None] = ["code", "question"] + [None] * (width - 2)
        listy = [
            sum(1 for row in id_rows if c < len(row) and ("|" in row[c].text or is_free_text(row[c].text)))
            for c in range(width)
        ]
        best = max(range(2, width), key=lambda c: listy[c], default=None)
        if best is not None and listy[best] * 2 >= len(id_rows):
            roles[best] = "options"
        first = table.rows[0] if table.rows else ()
        if first and not cell_id(first[0].text) and any(c.text.strip() for c in first):
            # a header row this reader does not fully recognise: still use the columns it does
            for c, cell in enumerate(first[2:], start=2):
                role = header_role(cell.text)
                if c < width and role not in (None, "free", "code", "question"):
                    roles[c] = role
            return _Layout(0, roles)
        return _Layout(None, roles)
    return None


def _where(table: Table, r: int, role: str | None, header: str, qid: str) -> str:
    col = (
        f"column '{header.strip()}'"
        if header.strip()
        else f"{ROLE_NAMES.get(role or 'free', 'extra')} column"
    )
    if table.where == "headed sections":
        return f"the text under heading {qid}"
    return f"{table.where}, row {r + 1}, {col}"


def collect_candidates(form: RawForm, cs: CriteriaSet, other_ids: set[str]) -> _Collected:
    out = _Collected()
    known = cs.questions
    sections = {s.id for s in cs.sections}
    for table in form.tables:
        layout = _layout(table)
        if layout is None:
            continue
        roles = layout.roles
        header = table.rows[layout.header_row] if layout.header_row is not None else ()
        header_texts = [c.text for c in header]
        code_col = roles.index("code") if "code" in roles else None
        q_col = roles.index("question") if "question" in roles else None
        used = False
        current: str | None = None
        for r, row in enumerate(table.rows):
            if layout.header_row is not None and r <= layout.header_row:
                continue
            if not any(c.text.strip() for c in row):
                continue  # empty row
            if [c.text for c in row] == header_texts:
                continue  # header repeated on a new page
            qid = None
            continuation = False
            if code_col is not None and code_col < len(row):
                qid = cell_id(row[code_col].text)
            if qid is None:
                for c in (code_col, q_col, 0):
                    if c is not None and c < len(row):
                        lead = lead_id(row[c].text)
                        if lead and (lead[0] in known or lead[0] in other_ids):
                            qid = lead[0]
                            break
            if qid is None:
                first = row[code_col].text.strip() if code_col is not None and code_col < len(row) else ""
                question = row[q_col].text.strip() if q_col is not None and q_col < len(row) else ""
                if first or question or current is None:
                    current = None  # a sub-heading or a row this reader does not understand
                    continue
                qid = current  # a continuation of the row above
                continuation = True
            elif qid not in known:
                # a section heading row ("C1 Clinical safety") is not a question: skip it quietly
                if qid not in out.unknown_ids and qid not in sections:
                    out.unknown_ids.append(qid)
                current = None
                continue
            current = qid
            used = True
            out.rows_seen.setdefault(qid, f"{table.where}, row {r + 1}")
            for c, cell in enumerate(row):
                role = roles[c] if c < len(roles) else None
                if role == "code" or not cell.text.strip():
                    continue
                if role == "question":
                    answer = _answer_in_question(cell)
                    if answer is None:
                        continue
                    cell = answer
                hdr = header_texts[c] if c < len(header_texts) else ""
                for target, part, moved in _split_by_ids(qid, cell, known):
                    key = (target, id(table), c)
                    if continuation and key in out.by_column:
                        prev = out.by_column[key]
                        prev.cell = Cell(
                            prev.cell.text + "\n" + part.text, prev.cell.emphasis + (False,) + part.emphasis
                        )
                        continue
                    cand = Candidate(_where(table, r, role or "free", hdr, qid), role or "free", part, moved)
                    out.by_column[key] = cand
                    out.candidates.setdefault(target, []).append(cand)
        if used:
            out.tables_used += 1
    return out


def _answer_in_question(cell: Cell) -> Cell | None:
    """Suppliers sometimes answer inside the question cell: in bold after it, or after 'Answer:'."""
    m = re.search(r"(?:^|\n)\s*(?:supplier\s+)?(?:answer|response)\s*:\s*", cell.text, re.I)
    if m:
        return cell.slice(m.end(), len(cell.text))
    runs = cell.emphasised_runs()
    if not runs or runs[0][0] == 0 or not cell.text[: runs[0][0]].strip():
        return None  # all bold, or bold from the start: that is the question's own formatting
    start = runs[0][0]
    return cell.slice(start, len(cell.text))


def _split_by_ids(
    qid: str, cell: Cell, known: Mapping[str, Question]
) -> Iterable[tuple[str, Cell, str | None]]:
    """A cell that begins (or has a line that begins) with another question's id and a separator
    ("C1.2.1: Provided") answers that question, not the row's."""
    text = cell.text
    cuts: list[tuple[int, int, str]] = []
    for m in re.finditer(r"(?:^|\n)", text):
        lead = lead_id(text[m.end() :])
        if lead is None or lead[0] == qid or lead[0] not in known:
            continue
        span = text[m.end() : m.end() + lead[1]]
        if re.search(r"[:.)\-–—]\s*$", span.rstrip()) or re.search(r"[:)\-–—]", span):
            cuts.append((m.end(), m.end() + lead[1], lead[0]))
    if not cuts:
        yield qid, cell, None
        return
    if text[: cuts[0][0]].strip():
        yield qid, cell.slice(0, cuts[0][0]), None
    for i, (_, body, target) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(text)
        yield target, cell.slice(body, end), qid
