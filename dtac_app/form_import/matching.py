"""Read the answers out of a completed DTAC form without guessing. Pure: data in, data out.

The structure is worked out from the form itself, not from one layout:

* a table is a question table when a header row names its columns (``Code``, ``Question``,
  ``Options``, ...) or, with no header, when its first column holds question ids;
* a row belongs to the question whose id starts it (in the code column, or leading the question);
  a row with no id and no question continues the row above; empty rows are skipped;
* the answer is looked for in every column the template leaves free: an answer/response column,
  any column the template does not have, the ``Options`` cell (once the printed option list is set
  aside), emphasised text after the question, and last the template's own columns (``Supporting
  information``, ``Scoring criteria``), which are trusted less because they hold the form's words.

Options are matched with ``canon_label`` and the criteria set's option lookup. A choice answer is
taken only when a cell begins with an option, or marks exactly one (bold, highlight, a ticked box,
the others deleted); anything less is left unanswered and reported with the options it could be.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from dtac_app.criteria import Catalogue, CriteriaSet, EvidenceRequirement, Question, canon_label

from .raw import Cell, RawForm, Table

Confidence = Literal["high", "medium", "low"]
Status = Literal["answered", "unresolved", "blank", "absent"]

# Roles a column can play. "free" = a column the official template does not have.
_RANK = {"answer": 0, "free": 1, "options": 2, "question": 3, "scoring": 4, "supporting": 5, "weight": 6}
_TEMPLATE_ROLES = frozenset({"scoring", "supporting", "weight"})
_ROLE_NAMES = {
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
_CHECKED = "☒☑✓✔✅■◉⦿"
_UNCHECKED = "☐□◯○"
_BOX_X = re.compile(r"^\s*[\[(]\s*[xX✓✔]\s*[\])]\s*")
_BOX_EMPTY = re.compile(r"^\s*[\[(]\s*[\])]\s*")
_QUOTES = "\"'“”‘’«»"
_LEAD_NOISE = re.compile(
    rf"^(?:[\s{_CHECKED}{_UNCHECKED}{_QUOTES}•*>\-–—:]+|(?:supplier\s+)?(?:answer|response)\s*:\s*)", re.I
)
_EXPLAIN_STRIP = " \t\n\u00a0.,;:!-–—"
_FREE_TEXT = canon_label("Free text")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)?(?![\w.])")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuestionImport:
    """What was read for one question, and what the assessor should check."""

    id: str
    short: str
    type: str
    status: Status
    answer: str | None = None
    confidence: Confidence | None = None
    source: str = ""
    vendor_text: str = ""
    explanation: str = ""
    could_be: tuple[str, ...] = ()
    check: str = ""


@dataclass(frozen=True)
class AssertedEvidence:
    """A reference the vendor plainly stated in an answer: a draft evidence record, marked asserted.

    ``kind`` is None when the question asks for no evidence of that sort; such references are only
    reported, not written into the draft.
    """

    question: str
    kind: str | None
    reference: str
    sentence: str
    source: str
    issued: dt.date | None = None
    expires: dt.date | None = None
    ods_code: str | None = None
    status: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class FormImport:
    file: str
    format: str
    criteria: str
    version_note: str
    questions: tuple[QuestionImport, ...]
    evidence: tuple[AssertedEvidence, ...]
    warnings: tuple[str, ...] = ()

    @property
    def answers(self) -> dict[str, str]:
        return {q.id: q.answer for q in self.questions if q.status == "answered" and q.answer is not None}

    @property
    def unresolved(self) -> tuple[QuestionImport, ...]:
        return tuple(q for q in self.questions if q.status == "unresolved")

    @property
    def to_check(self) -> tuple[QuestionImport, ...]:
        return tuple(q for q in self.questions if q.status == "answered" and q.confidence != "high")


# ----------------------------------------------------------------------------- structure


@dataclass
class _Candidate:
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
    candidates: dict[str, list[_Candidate]] = field(default_factory=dict)
    rows_seen: dict[str, str] = field(default_factory=dict)
    unknown_ids: list[str] = field(default_factory=list)
    by_column: dict[tuple[str, int, int], _Candidate] = field(default_factory=dict)
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


def _cell_id(text: str) -> str | None:
    m = _ID_CELL.match("".join(text.split()))
    return m.group(1).upper() if m else None


def _lead_id(text: str) -> tuple[str, int] | None:
    m = _ID_LEAD.match(text)
    if not m:
        return None
    return m.group(1).replace(" ", "").upper(), m.end()


def _layout(table: Table) -> _Layout | None:
    for r, row in enumerate(table.rows[:3]):
        named = [header_role(c.text) for c in row]
        if "question" in named and ("code" in named or "options" in named):
            return _Layout(r, named)
    id_rows = [row for row in table.rows if row and _cell_id(row[0].text)]
    if len(id_rows) >= 2:
        width = max(len(r) for r in table.rows)
        roles: list[str | None] = ["code", "question"] + [None] * (width - 2)
        listy = [
            sum(1 for row in id_rows if c < len(row) and ("|" in row[c].text or _is_free_text(row[c].text)))
            for c in range(width)
        ]
        best = max(range(2, width), key=lambda c: listy[c], default=None)
        if best is not None and listy[best] * 2 >= len(id_rows):
            roles[best] = "options"
        first = table.rows[0] if table.rows else ()
        if first and not _cell_id(first[0].text) and any(c.text.strip() for c in first):
            # a header row this reader does not fully recognise: still use the columns it does
            for c, cell in enumerate(first[2:], start=2):
                role = header_role(cell.text)
                if c < width and role not in (None, "free", "code", "question"):
                    roles[c] = role
            return _Layout(0, roles)
        return _Layout(None, roles)
    return None


def _is_free_text(text: str) -> bool:
    return canon_label(text.strip(" .")) == _FREE_TEXT


def _where(table: Table, r: int, role: str | None, header: str, qid: str) -> str:
    col = (
        f"column '{header.strip()}'"
        if header.strip()
        else f"{_ROLE_NAMES.get(role or 'free', 'extra')} column"
    )
    if table.where == "headed sections":
        return f"the text under heading {qid}"
    return f"{table.where}, row {r + 1}, {col}"


def _collect(form: RawForm, cs: CriteriaSet, other_ids: set[str]) -> _Collected:
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
                qid = _cell_id(row[code_col].text)
            if qid is None:
                for c in (code_col, q_col, 0):
                    if c is not None and c < len(row):
                        lead = _lead_id(row[c].text)
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
                    cand = _Candidate(_where(table, r, role or "free", hdr, qid), role or "free", part, moved)
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
        lead = _lead_id(text[m.end() :])
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


# ----------------------------------------------------------------------------- reading one cell


@dataclass
class _Reading:
    option: str | None = None
    explanation: str = ""
    suggestions: tuple[str, ...] = ()
    how: str = ""
    conflict: tuple[str, ...] = ()


_ODD_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2000-\u200a\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def tidy(text: str) -> str:
    """Word's non-breaking, thin and zero-width spaces become plain spaces (or nothing)."""
    lines = [" ".join(_ODD_SPACES.sub(" ", _INVISIBLE.sub("", line)).split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _strip_lead(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _BOX_X.sub("", text)
        text = _LEAD_NOISE.sub("", text)
    return text


def prefix_option(text: str, lookup: Mapping[str, str]) -> tuple[str, str] | None:
    """The longest option the text begins with (ending at a word boundary), and the rest of the text."""
    text = _strip_lead(text)
    head = text[:300]
    best: tuple[str, int] | None = None
    for i in range(1, len(head) + 1):
        if i < len(head) and head[i].isalnum():
            continue
        if not head[i - 1].strip():
            continue
        label = lookup.get(canon_label(head[:i].rstrip(_QUOTES)))
        if label is not None:
            best = (label, i)
    if best is None:
        return None
    return best[0], text[best[1] :].strip(_EXPLAIN_STRIP + _QUOTES)


def mentioned_options(text: str, lookup: Mapping[str, str]) -> tuple[str, ...]:
    """Options named anywhere in the text (word-bounded), longest first, without ones inside others."""
    t = canon_label(text[:2000])
    found: list[str] = []
    for c, label in sorted(lookup.items(), key=lambda kv: -len(kv[0])):
        if (
            re.search(rf"(?<!\w){re.escape(c)}(?!\w)", t)
            and not any(c in canon_label(f) for f in found if canon_label(f) != c)
            and label not in found
        ):
            found.append(label)
    return tuple(found)


_LIST_SPLIT = re.compile(r"[|\n]")
# How else a printed option list is written: "Yes / No", "Yes, No", "Yes or No", "☐ Yes ☒ No".
_LIST_SPLIT_LOOSE = re.compile(
    rf"[|\n/;,]|\s+or\s+|(?=[{_CHECKED}{_UNCHECKED}])|(?=[\[(]\s*[xX✓✔ ]?\s*[\])])"
)


def _token_spans(text: str, split: re.Pattern[str] = _LIST_SPLIT) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for m in split.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _read_options_cell(
    cell: Cell, lookup: Mapping[str, str], n_options: int
) -> tuple[_Reading | None, Cell | None]:
    """The Options cell holds the printed list; a supplier marks, keeps or replaces one option.

    Returns a reading when the cell itself shows the choice, and the cell's remaining text (the
    vendor's own words, with the printed list set aside) to be read like any other answer cell.
    """
    text = cell.text
    tokens = _tokens(cell, lookup, _LIST_SPLIT)
    if not _all_listed(tokens):
        loose = _tokens(cell, lookup, _LIST_SPLIT_LOOSE)
        if _all_listed(loose):
            tokens = loose
    listed = [t for t in tokens if t[3] is not None or canon_label(t[2]) == _FREE_TEXT]
    if tokens and len(listed) == len(tokens):
        options = [t for t in tokens if t[3] is not None]
        if not options:
            return None, None  # "Free text" only: the template, no answer here
        ticked = {t[3] for t in options if t[4]}
        if not ticked:
            bold = [t for t in options if t[6]]
            if 0 < len(bold) < len(options):
                ticked = {t[3] for t in bold}
        if not ticked and len({t[3] for t in options}) == 1 and n_options > 1:
            label = options[0][3]
            assert label is not None
            return _Reading(label, how="the only option left in the Options cell"), None
        if len(ticked) == 1:
            label = next(iter(ticked))
            assert label is not None
            return _Reading(label, how="marked in the Options cell"), None
        if len(ticked) > 1:
            return _Reading(
                conflict=tuple(sorted(x for x in ticked if x)), how="several options marked"
            ), None
        return None, None  # the printed list, untouched
    # The cell holds the vendor's words. Set aside a leading line that is the printed list.
    first_line_end = text.find("\n")
    if first_line_end > 0:
        line_tokens = [t for t in tokens if t[1] <= first_line_end]
        if len(line_tokens) > 1 and all(
            t[3] is not None or canon_label(t[2]) == _FREE_TEXT for t in line_tokens
        ):
            rest = cell.slice(first_line_end + 1, len(text))
            ticked = {t[3] for t in line_tokens if t[4] or (t[6] and not all(x[6] for x in line_tokens))}
            if len(ticked) == 1:
                label = next(iter(ticked))
                return _Reading(label, explanation=rest.text.strip(), how="marked in the Options cell"), rest
            return None, rest
    if _is_free_text(text.split("\n")[0]):
        return None, cell.slice(len(text.split("\n")[0]) + 1, len(text)) if "\n" in text else None
    named = set(mentioned_options(text, lookup))
    if n_options > 1 and len(named) == len(set(lookup.values())) and not any(cell.emphasis):
        return None, None  # every option printed, none marked: the template's list in some other layout
    return None, cell


def _tokens(cell: Cell, lookup: Mapping[str, str], split: re.Pattern[str]) -> list[tuple[Any, ...]]:
    text = cell.text
    out = []
    for a, b in _token_spans(text, split):
        raw = text[a:b]
        marked = any(ch in raw for ch in _CHECKED) or bool(_BOX_X.match(raw))
        unmarked = any(ch in raw for ch in _UNCHECKED) or bool(_BOX_EMPTY.match(raw))
        clean = _BOX_EMPTY.sub("", _BOX_X.sub("", raw)).strip().strip(_CHECKED + _UNCHECKED + " \u00a0*")
        label = lookup.get(canon_label(clean))
        out.append((a, b, clean, label, marked, unmarked, cell.emphasised(a, b)))
    return out


def _all_listed(tokens: list[tuple[Any, ...]]) -> bool:
    return bool(tokens) and all(t[3] is not None or canon_label(t[2]) == _FREE_TEXT for t in tokens)


def _read_free(cell: Cell, lookup: Mapping[str, str]) -> _Reading:
    text = cell.text
    bold = {
        lookup[canon_label(cell.text[a:b].strip(_EXPLAIN_STRIP))]
        for a, b in cell.emphasised_runs()
        if canon_label(cell.text[a:b].strip(_EXPLAIN_STRIP)) in lookup
    }
    pre = prefix_option(text, lookup)
    if pre is not None:
        option, rest = pre
        if bold and bold != {option}:
            return _Reading(conflict=tuple(sorted(bold | {option})), how="the text and its bold words differ")
        return _Reading(option, explanation=rest, how="the answer begins with it")
    if len(bold) == 1:
        option = next(iter(bold))
        return _Reading(option, explanation=text.strip(), how="the only option in bold")
    if len(bold) > 1:
        return _Reading(conflict=tuple(sorted(bold)), how="several options in bold")
    return _Reading(suggestions=mentioned_options(_strip_lead(text), lookup))


# ----------------------------------------------------------------------------- deciding a question


def _decide(q: Question, cands: list[_Candidate], lookup: Mapping[str, str]) -> QuestionImport:
    cands = sorted(cands, key=lambda c: c.rank)
    base: dict[str, Any] = {"id": q.id, "short": q.short, "type": q.type}
    moved = next((c.moved_from for c in cands if c.moved_from), None)
    moved_note = f"Written in the row of {moved}; check it belongs to {q.id}. " if moved else ""
    if q.type == "choice":
        return _decide_choice(q, cands, lookup, base, moved_note)
    return _decide_value(q, cands, base, moved_note)


def _vendor_words(cells: list[tuple[_Candidate, Cell]]) -> str:
    seen: list[str] = []
    for _, cell in cells:
        t = cell.text.strip()
        if t and t not in seen:
            seen.append(t)
    return "\n".join(seen)


def _decide_choice(
    q: Question, cands: list[_Candidate], lookup: Mapping[str, str], base: dict[str, Any], moved_note: str
) -> QuestionImport:
    readings: list[tuple[_Candidate, _Reading]] = []
    words: list[tuple[_Candidate, Cell]] = []
    for c in cands:
        cell: Cell | None = c.cell
        if c.role == "weight" and _NUMBER.fullmatch(c.cell.text.strip()):
            continue  # the form's weighting, not an answer
        if c.role == "options":
            r, cell = _read_options_cell(c.cell, lookup, len(q.options))
            if r is not None:
                readings.append((c, r))
        if cell is None or not cell.text.strip():
            continue
        words.append((c, cell))
        readings.append((c, _read_free(cell, lookup)))
    vendor = _vendor_words(words)
    if not readings and not vendor:
        return QuestionImport(**base, status="blank")
    trusted = [(c, r) for c, r in readings if c.role not in _TEMPLATE_ROLES]
    template = [(c, r) for c, r in readings if c.role in _TEMPLATE_ROLES]
    for group, confidence in ((trusted, "high"), (template, "medium")):
        stated = [r for _, r in template if r.option or r.conflict]
        # A template column that begins with one option and names no other reads as the
        # supplier's answer; one that names several ("Yes = pass, No = fail") is the form's words.
        if (
            group is template
            and not trusted
            and len(stated) == 1
            and stated[0].option
            and set(mentioned_options(stated[0].explanation, lookup)) <= {stated[0].option}
        ):
            confidence = "high"
        chosen = [(c, r) for c, r in group if r.option]
        conflicts = [(c, r) for c, r in group if r.conflict]
        if group is trusted and chosen:
            # A template column where the supplier plainly wrote a different option (it begins with it
            # and names no other) is a conflict, not a footnote. Guidance ("Yes = pass, No = fail")
            # and the Supporting information column, which is the form's own text, are not.
            chosen += [
                (c, r)
                for c, r in template
                if r.option
                and r.option != chosen[0][1].option
                and c.role != "supporting"
                and set(mentioned_options(r.explanation, lookup)) <= {r.option}
            ]
        options = {r.option for _, r in chosen}
        if conflicts or len(options) > 1:
            named = sorted({*(o for o in options if o), *(x for _, r in conflicts for x in r.conflict)})
            where = "; ".join(sorted({c.source for c, _ in chosen + conflicts}))
            return QuestionImport(
                **base,
                status="unresolved",
                confidence="low",
                source=where,
                vendor_text=vendor,
                could_be=tuple(named),
                check=f"{moved_note}The form names more than one option ({', '.join(named)}); ask the supplier which applies.",
            )
        if options:
            c, r = chosen[0]
            check = moved_note
            if confidence == "medium":
                check += _template_note(c.role)
            return QuestionImport(
                **base,
                status="answered",
                answer=r.option,
                confidence=confidence if not moved_note else "medium",  # type: ignore[arg-type]
                source=c.source,
                vendor_text=vendor,
                explanation=r.explanation,
                check=(check.strip() or f"Chosen: {r.how}."),
            )
        if group is trusted and vendor and trusted:
            break  # the supplier wrote something of their own that names no option: do not fall back
    suggestions = tuple(dict.fromkeys(s for _, r in readings for s in r.suggestions))
    could = suggestions or q.options
    hint = (
        f"The answer mentions {', '.join(repr(s) for s in suggestions)} but does not begin with it"
        if suggestions
        else "The answer does not state one of the options"
    )
    return QuestionImport(
        **base,
        status="unresolved",
        confidence="low",
        source="; ".join(dict.fromkeys(c.source for c, _ in words)) or "",
        vendor_text=vendor,
        could_be=tuple(could),
        check=f"{moved_note}{hint}; choose one of: {'; '.join(q.options)}.",
    )


_URL = re.compile(r"https?://[^\s<>\"'\]]+", re.I)


def _decide_value(
    q: Question, cands: list[_Candidate], base: dict[str, Any], moved_note: str
) -> QuestionImport:
    texts: list[tuple[_Candidate, str]] = []
    for c in cands:
        cell: Cell | None = c.cell
        if c.role == "weight" and _NUMBER.fullmatch(c.cell.text.strip()):
            continue
        if c.role == "options":
            _, cell = _read_options_cell(c.cell, {}, 0)
        if cell is None:
            continue
        t = _strip_lead(cell.text).strip()
        if t and not _is_free_text(t):
            texts.append((c, t))
    if not texts:
        return QuestionImport(**base, status="blank")
    trusted = [(c, t) for c, t in texts if c.role not in _TEMPLATE_ROLES]
    c, text = (trusted or texts)[0]
    confidence: Confidence = "high" if trusted else "medium"
    check = moved_note
    if not trusted:
        check += _template_note(c.role)
    others = [t for _, t in (trusted or texts)[1:] if t != text]
    if others:
        check += f" Other text in the row: {_clip(others[0], 120)!r}."
    vendor = "\n".join(dict.fromkeys(t for _, t in texts))
    text = tidy(text)
    value = text
    if q.type == "number":
        numbers = _NUMBER.findall(text)
        if len(numbers) != 1:
            return QuestionImport(
                **base,
                status="unresolved",
                confidence="low",
                source=c.source,
                vendor_text=vendor,
                check=f"{moved_note}Expected one number; the answer holds {len(numbers) or 'no'} numbers.",
            )
        value = numbers[0].replace(",", ".")
        if text.strip() != numbers[0]:
            confidence = "medium"
            check += " The number was taken from a longer answer."
    elif q.type == "url":
        urls = _URL.findall(text)
        if len(urls) == 1 and text.strip() != urls[0]:
            value = urls[0].rstrip(".,;)")
            confidence = "medium"
            check += " The address was taken from a longer answer."
        elif not urls:
            confidence = "medium"
            check += " The answer is not a web address."
    elif q.type == "date":
        days = find_dates(text)
        if len(days) != 1:
            return QuestionImport(
                **base,
                status="unresolved",
                confidence="low",
                source=c.source,
                vendor_text=vendor,
                check=f"{moved_note}Expected one date; found {len(days) or 'none'}.",
            )
        value = days[0][1].isoformat()
        if days[0][0] != text.strip():
            confidence = "medium"
            check += " The date was taken from a longer answer."
    if moved_note:
        confidence = "medium"
    return QuestionImport(
        **base,
        status="answered",
        answer=value,
        confidence=confidence,
        source=c.source,
        vendor_text=vendor,
        explanation="" if value == text else text,
        check=check.strip(),
    )


# ----------------------------------------------------------------------------- evidence references

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_DATE_PATTERNS = [
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"),
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?\s+(\d{4})\b"),
]


def find_dates(text: str) -> list[tuple[str, dt.date]]:
    """Dates written as 2026-05-01, 01/05/2026 (UK day first) or 1 May 2026."""
    out: list[tuple[int, str, dt.date]] = []
    for i, rx in enumerate(_DATE_PATTERNS):
        for m in rx.finditer(text):
            try:
                if i == 0:
                    d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                elif i == 1:
                    d = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
                else:
                    month = _MONTHS.get(m.group(2).lower())
                    if month is None:
                        continue
                    d = dt.date(int(m.group(3)), month, int(m.group(1)))
            except ValueError:
                continue
            out.append((m.start(), m.group(0), d))
    return [(s, d) for _, s, d in sorted(out)]


_REFERENCE_PATTERNS = [
    re.compile(r"https?://[^\s<>\"'\]]+", re.I),
    # labelled numbers: "certificate number IASME-CE-000123", "registration no. ZA123456"
    re.compile(
        r"\b(?:certificate|registration|reference|licence|license|cert)\.?\s*(?:number|no\.?|#|id)?\s*[:#]?\s*"
        r"([A-Z0-9][A-Z0-9\-/]{3,})",
        re.I,
    ),
    re.compile(r"\b[A-Z]{2,}(?:-[A-Z0-9]+)*-\d{3,}\b"),  # IASME-CE-000123, GB-MF-000012345
    re.compile(r"\bZ[A-Z]\d{6,7}\b"),  # ICO registration numbers
]
_ODS = re.compile(r"\bODS(?:\s+code)?\s*[:#]?\s*([A-Z0-9]{3,6})\b", re.I)
_PERIOD = re.compile(r"\b(20\d\d)[-/](\d\d)\b(?![-/]\d)")
_EXPIRES_WORDS = re.compile(r"expir|valid\s+(?:until|to|through)|renew|due", re.I)
_ISSUED_WORDS = re.compile(
    r"issued|dated|awarded|certified|completed|carried out|conducted|tested|published|registered|passed|achieved|signed",
    re.I,
)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z(])|\n+", text)
    return [p.strip() for p in parts if p.strip()]


def _references(sentence: str) -> list[str]:
    found: list[str] = []
    for rx in _REFERENCE_PATTERNS:
        for m in rx.finditer(sentence):
            ref = (m.group(1) if m.groups() else m.group(0)).rstrip(".,;:)")
            if rx is _REFERENCE_PATTERNS[1] and not any(ch.isdigit() for ch in ref):
                continue
            if not any(ref in f or f in ref for f in found):
                found.append(ref)
    return found


def _kind_for(q: Question, answer: str | None, sentence: str, catalogue: Catalogue) -> str | None:
    reqs: list[EvidenceRequirement] = [
        r for r in q.evidence if answer is None or r.when is None or answer in (r.when or ())
    ]
    if not reqs:
        return None
    if len(reqs) == 1:
        return reqs[0].kind
    s = canon_label(sentence)
    kinds = catalogue.regulatory.evidence_kinds
    named = [
        r.kind
        for r in reqs
        if canon_label(r.label) in s or (r.kind in kinds and canon_label(kinds[r.kind].label) in s)
    ]
    return named[0] if len(named) == 1 else None


def extract_evidence(
    q: Question, answer: str | None, text: str, source: str, catalogue: Catalogue
) -> list[AssertedEvidence]:
    """References the vendor plainly stated (numbers, codes, addresses, dates), one per sentence."""
    out: list[AssertedEvidence] = []
    statuses = {canon_label(s): s for s in catalogue.regulatory.dspt.statuses}
    for sentence in _sentences(text):
        refs = _references(sentence)
        ods = _ODS.search(sentence)
        dates = find_dates(sentence)
        period_m = _PERIOD.search(sentence)
        status = next((label for c, label in statuses.items() if c in canon_label(sentence)), None)
        if not (refs or ods or dates):
            continue
        kind = _kind_for(q, answer, sentence, catalogue)
        issued = expires = None
        for raw, d in dates:
            before = sentence[: sentence.find(raw)]
            if _EXPIRES_WORDS.search(before[-40:]):
                expires = expires or d
            elif _ISSUED_WORDS.search(before[-60:]):
                issued = issued or d
        reference = "; ".join(refs) or "; ".join(raw for raw, _ in dates)
        if ods and not refs:
            reference = f"ODS {ods.group(1).upper()}"
        period = None
        if period_m and int(period_m.group(2)) == (int(period_m.group(1)) + 1) % 100:
            period = f"{period_m.group(1)}-{period_m.group(2)}"
        if issued and expires and expires < issued:
            issued = expires = None  # contradictory: keep the sentence, not the dates
        out.append(
            AssertedEvidence(
                question=q.id,
                kind=kind,
                reference=reference,
                sentence=sentence,
                source=source,
                issued=issued,
                expires=expires,
                ods_code=ods.group(1).upper() if ods and kind == "dspt" else None,
                status=status if kind == "dspt" else None,
                period=period if kind == "dspt" else None,
            )
        )
    return out


# ----------------------------------------------------------------------------- form version


_V1_COVER = re.compile(r"\b(?:version|v)\s*1(?:\.0)?\b|\b2021\b", re.I)
_V2_COVER = re.compile(r"\b(?:version|v)\s*2(?:\.0)?\b|\b2026\b", re.I)


def detect_version(form: RawForm, catalogue: Catalogue) -> tuple[str | None, str]:
    """The form version from its cover text and from the question ids it holds; a sentence saying how."""
    ids: set[str] = set()
    for table in form.tables:
        for row in table.rows:
            for cell in row[:2]:
                qid = _cell_id(cell.text)
                lead = _lead_id(cell.text)
                ids.update(x for x in (qid, lead[0] if lead else None) if x)
    sets = {k: set(cs.questions) for k, cs in catalogue.dtac.items()}
    v1, v2 = sets.get("dtac-v1.0", set()), sets.get("dtac-v2.0", set())
    only1, only2 = len(ids & (v1 - v2)), len(ids & (v2 - v1))
    by_ids = "dtac-v1.0" if only1 > only2 else "dtac-v2.0" if only2 > only1 else None
    cover = form.cover[:5000]
    says1, says2 = bool(_V1_COVER.search(cover)), bool(_V2_COVER.search(cover))
    by_cover = "dtac-v1.0" if says1 and not says2 else "dtac-v2.0" if says2 and not says1 else None
    if by_cover and by_ids and by_cover != by_ids:
        return by_ids, (
            f"The cover reads like {by_cover} but the question ids are those of {by_ids} "
            f"({max(only1, only2)} ids found only in {by_ids}); read as {by_ids}."
        )
    if by_cover and by_ids:
        return by_cover, f"{by_cover}: stated on the cover and confirmed by the question ids."
    if by_cover:
        return by_cover, f"{by_cover}: stated on the cover."
    if by_ids:
        return by_ids, f"{by_ids}: from the question ids (the cover does not state a version)."
    return None, "The form does not state its version and its question ids fit both versions."


# ----------------------------------------------------------------------------- the whole form


def match_form(form: RawForm, catalogue: Catalogue, criteria: str | None = None) -> FormImport:
    """Read every question of the form's criteria set from the form. Raises ValueError when no
    table in the form is a DTAC question table (the caller turns that into an InputError)."""
    detected, note = detect_version(form, catalogue)
    warnings: list[str] = []
    if criteria is not None:
        key = catalogue.dtac_set(criteria).key
        if detected and detected != key:
            warnings.append(f"You chose {key}, but the form looks like {detected}: {note}")
        note = f"{key}: chosen with --criteria." if not detected or detected == key else note
    elif detected is None:
        key = catalogue.dtac_set(None).key
        warnings.append(f"{note} Read as {key}; pass --criteria if that is wrong.")
        note = f"{key}: assumed (the form does not say)."
    else:
        key = detected
    cs = catalogue.dtac_set(key)
    other_ids = {qid for k, s in catalogue.dtac.items() if k != key for qid in s.questions}
    collected = _collect(form, cs, other_ids)
    if collected.tables_used == 0:
        raise ValueError(
            "no DTAC question table found: expected tables whose header row names Code, Question and "
            "Options (or whose first column holds question ids such as C1.2)"
        )
    if collected.unknown_ids:
        warnings.append(
            f"Rows with ids that are not questions of {key} were skipped: {', '.join(collected.unknown_ids[:20])}"
        )
    lookup = cs.option_lookup
    questions: list[QuestionImport] = []
    evidence: list[AssertedEvidence] = []
    plan = [q for _, q, _, _ in cs.plan]
    for i, q in enumerate(plan):
        cands = collected.candidates.get(q.id)
        if not cands and q.id not in collected.rows_seen:
            questions.append(QuestionImport(id=q.id, short=q.short, type=q.type, status="absent"))
            continue
        qi = _decide(q, cands or [], lookup.get(q.id, {}))
        qi = replace(qi, vendor_text=tidy(qi.vendor_text), explanation=tidy(qi.explanation))
        if qi.status == "unresolved" and q.type == "choice" and qi.vendor_text and i + 1 < len(plan):
            nxt = plan[i + 1]
            if nxt.type == "choice" and prefix_option(qi.vendor_text, lookup.get(nxt.id, {})):
                qi = _with_check(
                    qi,
                    f"{qi.check} The words read like an answer to {nxt.id} ({nxt.short}); the supplier may "
                    "have written it in the wrong row.",
                )
        questions.append(qi)
        if qi.vendor_text and q.type != "url":
            evidence.extend(
                extract_evidence(
                    q, qi.answer if qi.status == "answered" else None, qi.vendor_text, qi.source, catalogue
                )
            )
    return FormImport(
        file=form.file,
        format=form.format,
        criteria=key,
        version_note=note,
        questions=tuple(questions),
        evidence=tuple(evidence),
        warnings=tuple(warnings),
    )


def _template_note(role: str) -> str:
    return f"Read from the {_ROLE_NAMES[role]} column; check these are the supplier's words, not the form's guidance."


def _with_check(qi: QuestionImport, check: str) -> QuestionImport:
    return replace(qi, check=check.strip())


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
