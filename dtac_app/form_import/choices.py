"""Reading a choice out of one cell. Pure.

A cell answers a choice question when it begins with an option, or marks exactly one (bold, a
ticked box, the others deleted from the printed list); a cell that only names options is a
suggestion, never an answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dtac_app.criteria import canon_label

from .raw import Cell

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


def is_free_text(text: str) -> bool:
    return canon_label(text.strip(" .")) == _FREE_TEXT


@dataclass
class Reading:
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


def strip_lead(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _BOX_X.sub("", text)
        text = _LEAD_NOISE.sub("", text)
    return text


def prefix_option(text: str, lookup: Mapping[str, str]) -> tuple[str, str] | None:
    """The longest option the text begins with (ending at a word boundary), and the rest of the text."""
    text = strip_lead(text)
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


def read_options_cell(
    cell: Cell, lookup: Mapping[str, str], n_options: int
) -> tuple[Reading | None, Cell | None]:
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
            return Reading(label, how="the only option left in the Options cell"), None
        if len(ticked) == 1:
            label = next(iter(ticked))
            assert label is not None
            return Reading(label, how="marked in the Options cell"), None
        if len(ticked) > 1:
            return Reading(conflict=tuple(sorted(x for x in ticked if x)), how="several options marked"), None
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
                return Reading(label, explanation=rest.text.strip(), how="marked in the Options cell"), rest
            return None, rest
    if is_free_text(text.split("\n")[0]):
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


def read_free(cell: Cell, lookup: Mapping[str, str]) -> Reading:
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
            return Reading(conflict=tuple(sorted(bold | {option})), how="the text and its bold words differ")
        return Reading(option, explanation=rest, how="the answer begins with it")
    if len(bold) == 1:
        option = next(iter(bold))
        return Reading(option, explanation=text.strip(), how="the only option in bold")
    if len(bold) > 1:
        return Reading(conflict=tuple(sorted(bold)), how="several options in bold")
    return Reading(suggestions=mentioned_options(strip_lead(text), lookup))
