"""Untrusted text (vendor answers, assessor rationales) made safe for each output format.

Everything that comes from a submission or an assessor is data, never markup: it is cleaned of
characters no output can carry, then escaped for the format it goes into.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape as _xml_escape

from .fonts import PLACEHOLDER, drawable

_SURROGATE = re.compile("[\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?")
_BLANK_RUN = re.compile(r"\n{3,}")
# C0/C1 controls other than tab and newline; not allowed in XML, meaningless on paper.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """One line-ending convention, no lone surrogates, controls shown as a placeholder."""
    s = text if isinstance(text, str) else ("" if text is None else str(text))
    if "\r" in s:
        s = _NEWLINES.sub("\n", s)
    if not s.isascii():
        s = _SURROGATE.sub(PLACEHOLDER, s)
    if not s.isprintable():
        s = _CONTROLS.sub(PLACEHOLDER, s)
    return s


def para(text: object) -> str:
    """``text`` as ReportLab paragraph markup: drawable characters, escaped, newlines as breaks."""
    s = drawable(clean(text)).strip()
    s = _xml_escape(s)
    if "\n" in s:
        s = _BLANK_RUN.sub("\n\n", s).replace("\n", "<br/>")
    return s


def clip(text: str, max_chars: int, max_lines: int) -> tuple[str, bool]:
    """The start of ``text`` that fits in a table cell, and whether anything was cut."""
    s = text.strip()
    cut = False
    if len(s) > max_chars:
        s, cut = s[:max_chars], True
    if s.count("\n") >= max_lines:
        s, cut = "\n".join(s.split("\n")[:max_lines]), True
    if cut:
        # Prefer to cut at a word boundary when one is reasonably close.
        space = s.rfind(" ", max(0, len(s) - 40))
        if space > 0:
            s = s[:space]
        s = s.rstrip() + " …"
    return s, cut


def chunks(text: str, size: int = 2_000) -> list[str]:
    """Split long text into paragraph-sized pieces, at line breaks or spaces where possible.

    ReportLab re-wraps a whole paragraph each time it splits it over a page, so one 50 000-character
    paragraph costs far more than twenty-five 2 000-character ones, and reads no better.
    """
    out: list[str] = []
    s = text.strip()
    while len(s) > size:
        cut = s.rfind("\n", size // 2, size)
        if cut < 0:
            cut = s.rfind(" ", size // 2, size)
        if cut < 0:
            cut = size
        out.append(s[:cut])
        s = s[cut:].lstrip()
    if s:
        out.append(s)
    return out
