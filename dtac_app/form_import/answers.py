"""Deciding each question's answer from the cells found for it. Pure.

Columns the template does not fill are trusted before its own (``Supporting information``,
``Scoring criteria``); two different options make the question unresolved; a number, date or
address taken out of a longer answer is kept with medium confidence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dtac_app.criteria import Question

from .choices import (
    Reading,
    is_free_text,
    mentioned_options,
    read_free,
    read_options_cell,
    strip_lead,
    tidy,
)
from .raw import Cell
from .references import find_dates
from .result import Confidence, QuestionImport
from .tables import ROLE_NAMES, TEMPLATE_ROLES, Candidate

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)?(?![\w.])")


def decide_question(q: Question, cands: list[Candidate], lookup: Mapping[str, str]) -> QuestionImport:
    cands = sorted(cands, key=lambda c: c.rank)
    base: dict[str, Any] = {"id": q.id, "short": q.short, "type": q.type}
    moved = next((c.moved_from for c in cands if c.moved_from), None)
    moved_note = f"Written in the row of {moved}; check it belongs to {q.id}. " if moved else ""
    if q.type == "choice":
        return _decide_choice(q, cands, lookup, base, moved_note)
    return _decide_value(q, cands, base, moved_note)


def _vendor_words(cells: list[tuple[Candidate, Cell]]) -> str:
    seen: list[str] = []
    for _, cell in cells:
        t = cell.text.strip()
        if t and t not in seen:
            seen.append(t)
    return "\n".join(seen)


def _decide_choice(
    q: Question, cands: list[Candidate], lookup: Mapping[str, str], base: dict[str, Any], moved_note: str
) -> QuestionImport:
    readings: list[tuple[Candidate, Reading]] = []
    words: list[tuple[Candidate, Cell]] = []
    for c in cands:
        cell: Cell | None = c.cell
        if c.role == "weight" and _NUMBER.fullmatch(c.cell.text.strip()):
            continue  # the form's weighting, not an answer
        if c.role == "options":
            r, cell = read_options_cell(c.cell, lookup, len(q.options))
            if r is not None:
                readings.append((c, r))
        if cell is None or not cell.text.strip():
            continue
        words.append((c, cell))
        readings.append((c, read_free(cell, lookup)))
    vendor = _vendor_words(words)
    if not readings and not vendor:
        return QuestionImport(**base, status="blank")
    trusted = [(c, r) for c, r in readings if c.role not in TEMPLATE_ROLES]
    template = [(c, r) for c, r in readings if c.role in TEMPLATE_ROLES]
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
            return _unresolved(
                base,
                where,
                vendor,
                f"{moved_note}The form names more than one option ({', '.join(named)}); ask the supplier which applies.",
                could_be=tuple(named),
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
    return _unresolved(
        base,
        "; ".join(dict.fromkeys(c.source for c, _ in words)),
        vendor,
        f"{moved_note}{hint}; choose one of: {'; '.join(q.options)}.",
        could_be=tuple(could),
    )


_URL = re.compile(r"https?://[^\s<>\"'\]]+", re.I)


def _decide_value(
    q: Question, cands: list[Candidate], base: dict[str, Any], moved_note: str
) -> QuestionImport:
    texts: list[tuple[Candidate, str]] = []
    for c in cands:
        cell: Cell | None = c.cell
        if c.role == "weight" and _NUMBER.fullmatch(c.cell.text.strip()):
            continue
        if c.role == "options":
            _, cell = read_options_cell(c.cell, {}, 0)
        if cell is None:
            continue
        t = strip_lead(cell.text).strip()
        if t and not is_free_text(t):
            texts.append((c, t))
    if not texts:
        return QuestionImport(**base, status="blank")
    trusted = [(c, t) for c, t in texts if c.role not in TEMPLATE_ROLES]
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
            return _unresolved(
                base,
                c.source,
                vendor,
                f"{moved_note}Expected one number; the answer holds {len(numbers) or 'no'} numbers.",
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
            return _unresolved(
                base, c.source, vendor, f"{moved_note}Expected one date; found {len(days) or 'none'}."
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


def _unresolved(
    base: dict[str, Any], source: str, vendor: str, check: str, *, could_be: tuple[str, ...] = ()
) -> QuestionImport:
    """Left unanswered in the draft: low confidence, with what the assessor should ask or check."""
    return QuestionImport(
        **base,
        status="unresolved",
        confidence="low",
        source=source,
        vendor_text=vendor,
        could_be=could_be,
        check=check,
    )


def _template_note(role: str) -> str:
    return f"Read from the {ROLE_NAMES[role]} column; check these are the supplier's words, not the form's guidance."


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
