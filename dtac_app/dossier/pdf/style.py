"""The PDF's page geometry, colours and paragraph styles."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from dtac_app.dossier import content as C
from dtac_app.dossier.fonts import BOLD, REGULAR

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_W = PAGE_W - 2 * MARGIN_X
COVER_BAND = 42 * mm

# Longer texts are clipped in table cells (so every row fits on a page) and printed in full in
# the appendix. Narrow columns hold ~20 characters a line, wide ones ~55.
CELL_CHARS, CELL_LINES = 280, 10
WIDE_CHARS, WIDE_LINES = 900, 16


def rgb(hex_colour: str) -> colors.Color:
    return colors.HexColor(hex_colour)


TEXT = rgb(C.NHS_TEXT)
MUTED = rgb(C.NHS_SECONDARY_TEXT)
BLUE = rgb(C.NHS_BLUE)
DARK_BLUE = rgb(C.NHS_DARK_BLUE)
GREY_4 = rgb(C.NHS_GREY_4)
GREY_5 = rgb(C.NHS_GREY_5)
WHITE = colors.white


# ----------------------------------------------------------------------------- styles


def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=REGULAR,
        bulletFontName=REGULAR,
        fontSize=9,
        leading=12.5,
        textColor=TEXT,
        spaceAfter=4,
    )
    s: dict[str, ParagraphStyle] = {"body": base}

    def add(name: str, **kw: Any) -> None:
        parent = s[kw.pop("parent", "body")]
        s[name] = ParagraphStyle(name, parent=parent, **kw)

    add("small", fontSize=8, leading=10.5)
    add("muted", fontSize=8, leading=10.5, textColor=MUTED)
    add("cell", fontSize=7.5, leading=9.6, spaceAfter=0)
    add("cell_muted", parent="cell", textColor=MUTED)
    add("cell_bold", parent="cell", fontName=BOLD)
    add("cell_head", parent="cell", fontName=BOLD, textColor=TEXT)
    add("cell_badge", parent="cell", fontName=BOLD)
    add("hash", parent="cell", fontSize=7.2, leading=9)
    for name, size, leading, colour, before, after in (
        ("h1", 17, 21, DARK_BLUE, 0, 8),
        ("h2", 12.5, 16, DARK_BLUE, 10, 4),
        ("h3", 10, 13, TEXT, 8, 3),
    ):
        add(
            name,
            fontName=BOLD,
            fontSize=size,
            leading=leading,
            textColor=colour,
            spaceBefore=before,
            spaceAfter=after,
            keepWithNext=1,
        )
    add("lead", fontSize=10, leading=14)
    add("bullet", fontSize=8.5, leading=11.5, leftIndent=10, bulletIndent=0, spaceAfter=2)
    add("cover_label", fontSize=8.5, leading=11, textColor=MUTED, spaceAfter=1)
    add("cover_product", fontName=BOLD, fontSize=24, leading=29, textColor=DARK_BLUE, spaceAfter=4)
    add("cover_sub", fontSize=12, leading=16, textColor=TEXT, spaceAfter=2)
    add("decision_small", fontSize=9, leading=12, spaceAfter=2)
    add("decision_big", fontName=BOLD, fontSize=26, leading=31, spaceAfter=4)
    add("decision_words", fontSize=9.5, leading=13, spaceAfter=0)
    add("kv_key", parent="cell", fontName=BOLD, fontSize=8, leading=10.5)
    add("kv_val", parent="cell", fontSize=8, leading=10.5)
    add("appendix", fontSize=8.5, leading=11.5, spaceAfter=3)
    add("notice_title", fontName=BOLD, fontSize=11, leading=14, spaceAfter=2)
    return s
