"""The dossier's embedded fonts (DejaVu Sans, shipped in ``dtac_app/fonts`` with its licence).

The standard PDF fonts cover Latin-1 only and are not embedded, so a Greek, Cyrillic or Hebrew
answer would come out as black boxes. DejaVu covers those scripts; what it does not cover (emoji,
CJK) is replaced by a placeholder glyph before it reaches ReportLab, so nothing ever fails to draw.
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
PLACEHOLDER = "\ufffd"  # REPLACEMENT CHARACTER: DejaVu has a glyph for it

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()
_coverage: frozenset[int] | None = None

# Characters that carry no glyph of their own: dropped rather than shown as placeholders.
_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD}
_INVISIBLE.update(range(0xFE00, 0xFE10))  # variation selectors (emoji presentation)
_INVISIBLE.update(range(0x1F3FB, 0x1F400))  # skin-tone modifiers
_INVISIBLE.update(range(0xE0100, 0xE01F0))  # variation selectors supplement
_INVISIBLE.update(range(0xE0000, 0xE0080))  # tag characters (flag sequences)


def register_fonts() -> frozenset[int]:
    """Register DejaVu Sans (regular and bold) once per process; return the code points both cover.

    ReportLab's font registry is process-wide, so this is safe to call from every build and from
    several threads. Italic maps to regular: the dossier uses no italics, and a vendor's ``<i>``
    is escaped text, never markup.
    """
    global _coverage
    if _coverage is not None:
        return _coverage
    with _lock:
        if _coverage is None:
            fonts = {}
            for name, file in _FILES.items():
                font = TTFont(name, str(FONT_DIR / file))
                pdfmetrics.registerFont(font)
                fonts[name] = font
            addMapping(REGULAR, 0, 0, REGULAR)
            addMapping(REGULAR, 1, 0, BOLD)
            addMapping(REGULAR, 0, 1, REGULAR)
            addMapping(REGULAR, 1, 1, BOLD)
            _coverage = frozenset(fonts[REGULAR].face.charToGlyph) & frozenset(fonts[BOLD].face.charToGlyph)
    return _coverage


@lru_cache(maxsize=8192)
def _replacement(ch: str) -> str:
    """What a non-ASCII or control character becomes in the PDF."""
    cp = ord(ch)
    if ch in "\n":
        return ch
    if ch == "\t":
        return " "
    if cp in _INVISIBLE:
        return ""
    cat = unicodedata.category(ch)
    if cat == "Cf":  # bidi controls, other format characters: no glyph, no visible effect in a PDF
        return ""
    if cat in ("Cc", "Cs", "Co", "Cn"):
        return PLACEHOLDER
    return ch if cp in register_fonts() else PLACEHOLDER


def drawable(text: str) -> str:
    """``text`` with every character the embedded fonts cannot draw replaced or dropped."""
    if text.isascii() and text.isprintable():
        return text
    table = {}
    for ch in set(text):
        if ch.isascii() and ch.isprintable():
            continue
        rep = _replacement(ch)
        if rep != ch:
            table[ord(ch)] = rep
    return text.translate(table) if table else text
