"""The PDF dossier (ReportLab platypus): the record of an assessment.

Lays out the format-neutral ``document.Document`` (which decides every word): cover → one-page
summary → findings by section → evidence register → regulatory and NICE status → conditions,
reasons, timeline and fixes → appendix of long texts → sign-off. Every page carries the product,
the decision, how the dossier is marked (draft, vendor pre-check or signed by whom) and "Page X of Y".

Reproducible: invariant mode is set on this document only (not globally), the PDF dates are the
assessment date, and nothing reads the clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import calendar
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepInFrame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dtac_app import __version__
from dtac_app.results import Assessment

from . import content as C
from . import document as D
from .fonts import BOLD, REGULAR, drawable, register_fonts
from .text import chunks, clean, clip, para

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


def _c(hex_colour: str) -> colors.Color:
    return colors.HexColor(hex_colour)


TEXT = _c(C.NHS_TEXT)
MUTED = _c(C.NHS_SECONDARY_TEXT)
BLUE = _c(C.NHS_BLUE)
DARK_BLUE = _c(C.NHS_DARK_BLUE)
GREY_4 = _c(C.NHS_GREY_4)
GREY_5 = _c(C.NHS_GREY_5)
WHITE = colors.white


# ----------------------------------------------------------------------------- styles


def _styles() -> dict[str, ParagraphStyle]:
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
    add(
        "h1",
        fontName=BOLD,
        fontSize=17,
        leading=21,
        textColor=DARK_BLUE,
        spaceBefore=0,
        spaceAfter=8,
        keepWithNext=1,
    )
    add(
        "h2",
        fontName=BOLD,
        fontSize=12.5,
        leading=16,
        textColor=DARK_BLUE,
        spaceBefore=10,
        spaceAfter=4,
        keepWithNext=1,
    )
    add(
        "h3",
        fontName=BOLD,
        fontSize=10,
        leading=13,
        textColor=TEXT,
        spaceBefore=8,
        spaceAfter=3,
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


# ----------------------------------------------------------------------------- page furniture


@dataclass
class _Chrome:
    """What the header and footer need on every page."""

    product: str
    decision_label: str
    decision_colour: str
    marking: D.Marking
    as_of: str
    footer_text: str
    created: TimeStamp

    def _marking(self, canv: Canvas, y: float, on_band: bool = False) -> None:
        """How the dossier is to be read, above the header of every page (and on the cover band)."""
        m = self.marking
        label = _plain(m.text)
        if m.official:
            canv.setFont(REGULAR, 7.5)
            canv.setFillColor(WHITE if on_band else _c(C.ink(m.colour)))
            canv.drawRightString(PAGE_W - MARGIN_X, y, label)
            return
        canv.setFont(BOLD, 9)
        w = canv.stringWidth(label, BOLD, 9) + 12
        canv.setFillColor(WHITE if on_band else _c(m.colour))
        canv.roundRect(PAGE_W - MARGIN_X - w, y - 3, w, 13, 2, stroke=0, fill=1)
        canv.setFillColor(_c(m.colour) if on_band else WHITE)
        canv.drawString(PAGE_W - MARGIN_X - w + 6, y + 0.2, label)

    def header(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        self._marking(canv, PAGE_H - 7 * mm)
        y = PAGE_H - 14 * mm
        canv.setFont(REGULAR, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN_X, y, f"{C.TITLE} · {self.product}")
        self._chip(canv, PAGE_W - MARGIN_X, y - 1.6, self.decision_label, self.decision_colour)
        canv.setStrokeColor(BLUE)
        canv.setLineWidth(1.2)
        canv.line(MARGIN_X, y - 4.5, PAGE_W - MARGIN_X, y - 4.5)
        canv.restoreState()

    def cover(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        canv.setFillColor(BLUE)
        canv.rect(0, PAGE_H - COVER_BAND, PAGE_W, COVER_BAND, stroke=0, fill=1)
        canv.setFillColor(WHITE)
        canv.setFont(BOLD, 22)
        canv.drawString(MARGIN_X, PAGE_H - 20 * mm, C.TITLE)
        canv.setFont(REGULAR, 10.5)
        canv.drawString(MARGIN_X, PAGE_H - 28 * mm, C.SUBTITLE)
        canv.setFont(REGULAR, 8.5)
        canv.drawString(MARGIN_X, PAGE_H - 35 * mm, f"Assessment as of {self.as_of}")
        self._marking(canv, PAGE_H - 9 * mm, on_band=True)
        canv.restoreState()

    def footer(self, canv: Canvas, page: int, pages: int) -> None:
        canv.saveState()
        y = 11 * mm
        canv.setStrokeColor(GREY_4)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, y + 4.2 * mm, PAGE_W - MARGIN_X, y + 4.2 * mm)
        canv.setFont(REGULAR, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN_X, y, self.footer_text)
        canv.setFont(BOLD, 7.5)
        canv.setFillColor(TEXT)
        canv.drawRightString(PAGE_W - MARGIN_X, y, f"Page {page} of {pages}")
        canv.restoreState()

    @staticmethod
    def _chip(canv: Canvas, right: float, y: float, label: str, colour: str) -> None:
        canv.setFont(BOLD, 7.5)
        w = canv.stringWidth(label, BOLD, 7.5) + 8
        canv.setFillColor(_c(colour))
        canv.roundRect(right - w, y - 2.2, w, 11, 2, stroke=0, fill=1)
        canv.setFillColor(_c(C.text_on(colour)))
        canv.drawString(right - w + 4, y + 0.9, label)


def _canvas_maker(chrome: _Chrome) -> Callable[..., Canvas]:
    class DossierCanvas(Canvas):
        """Holds pages back until the end so each footer can say "Page X of Y".

        Bookmarks need the real page number, which the PDF document only knows as pages are
        emitted, so they are queued per page and placed when the page is finally written.
        """

        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self._doc._timeStamp = chrome.created  # PDF dates = the assessment date, never the clock
            self._held: list[dict[str, Any]] = []
            self._marks: list[str] = []

        def bookmarkPage(self, key: str, **kw: Any) -> None:  # ReportLab's names
            self._marks.append(key)

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()
            self._marks = []

        def save(self) -> None:
            pages = len(self._held)
            for n, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                chrome.footer(self, n, pages)
                for key in self._marks:
                    Canvas.bookmarkPage(self, key, fit="XYZ", top=PAGE_H)
                Canvas.showPage(self)
            Canvas.save(self)

    return DossierCanvas


def _as_of_timestamp(a: Assessment) -> TimeStamp:
    ts = TimeStamp(invariant=1)
    t = calendar.timegm(a.as_of.timetuple())
    ts.t = t
    ts.lt = time.gmtime(t)
    ts.YMDhms = tuple(ts.lt)[:6]
    ts.dhh = ts.dmm = 0
    ts.tzname = "UTC"
    return ts


class _DocTemplate(BaseDocTemplate):
    """Adds an outline entry (PDF bookmark) for every h1 and h2 heading."""

    def afterFlowable(self, flowable: Flowable) -> None:
        level = getattr(flowable, "_outline_level", None)
        if level is None:
            return
        key = f"h{self.seq.nextf('outline')}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable._outline_title, key, level=level, closed=level > 0)


# ----------------------------------------------------------------------------- the builder


@dataclass(frozen=True)
class _Txt:
    """Untrusted text for a table cell, turned into a flowable once the column width is known.

    Text that fits on one line is drawn as a plain table string, which costs a fraction of a
    Paragraph (no markup parsing, no line breaking); everything else becomes a Paragraph.
    """

    text: str  # cleaned and clipped, not escaped
    style: ParagraphStyle
    suffix: str = ""  # markup this module wrote (the appendix reference)
    prefix: str = ""  # markup this module wrote (a bold label)
    paragraph_only: bool = False

    def paragraph(self) -> Paragraph:
        return Paragraph(self.prefix + para(self.text) + self.suffix, self.style)


# Every table starts from this font and colour, so plain-string cells in the usual style need no
# per-cell commands (a table's style commands cost more to apply than its text costs to draw).
_BASE_FONT = (REGULAR, 7.5, 9.6)


def _resolve(data: list[list[Any]], widths: Sequence[float], hpad: float) -> list[tuple[Any, ...]]:
    """Replace every ``_Txt`` in ``data`` in place; return the style commands plain strings need.

    The commands assume the table's base style is ``_BASE_FONT`` in ``TEXT`` colour.
    """
    cmds: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), *_BASE_FONT),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
    ]
    for r, row in enumerate(data):
        for c, v in enumerate(row):
            if isinstance(v, list):
                row[c] = [x.paragraph() if isinstance(x, _Txt) else x for x in v]
            elif isinstance(v, _Txt):
                st = v.style
                text = drawable(v.text)
                if (
                    not (v.suffix or v.prefix or v.paragraph_only)
                    and "\n" not in text
                    and stringWidth(text, st.fontName, st.fontSize) <= widths[c] - hpad
                ):
                    row[c] = text
                    if (st.fontName, st.fontSize, st.leading) != _BASE_FONT:
                        cmds.append(("FONT", (c, r), (c, r), st.fontName, st.fontSize, st.leading))
                    if st.textColor != TEXT:
                        cmds.append(("TEXTCOLOR", (c, r), (c, r), st.textColor))
                else:
                    row[c] = v.paragraph()
    return cmds


class _Builder:
    """Lays out a ``Document``: one method per block type; the words all come from the document."""

    def __init__(self, d: C.DossierInput, doc: D.Document) -> None:
        self.d = d
        self.a = d.assessment
        self.doc = doc
        self.s = _styles()
        self.appendix: list[tuple[str, str, str]] = []  # (ref, title, full text) of clipped cells

    # -- small pieces

    def p(self, text: object, style: str = "body") -> Paragraph:
        return Paragraph(para(text), self.s[style])

    def markup(self, markup: str, style: str = "body") -> Paragraph:
        """A paragraph from markup this module wrote (any untrusted part already passed through ``para``)."""
        return Paragraph(markup, self.s[style])

    def cell(
        self,
        text: object,
        style: str | ParagraphStyle = "cell",
        *,
        title: str = "",
        wide: bool = False,
        label: str = "",
    ) -> _Txt:
        """Text in a table cell: clipped to fit, with the full text kept for the appendix.

        ``label`` is a bold lead-in the document writes.
        """
        st = self.s[style] if isinstance(style, str) else style
        full = clean(text).strip()
        shown, cut = clip(full, *((WIDE_CHARS, WIDE_LINES) if wide else (CELL_CHARS, CELL_LINES)))
        prefix = f"<b>{para(label)}</b> " if label else ""
        if not cut:
            return _Txt(shown, st, prefix=prefix)
        ref = f"A{len(self.appendix) + 1}"
        self.appendix.append((ref, title or "Text", full))
        return _Txt(shown, st, f" <b>[full text: appendix {ref}]</b>", prefix)

    def heading(self, text: str, style: str, outline: int | None) -> Paragraph:
        """A heading; ``outline`` 0 or 1 also gives it a PDF bookmark (the outline a reader navigates by)."""
        h = Paragraph(para(text), self.s[style])
        if outline is not None:
            h._outline_level = outline
            h._outline_title = clean(text)[:120]
        return h

    def badge(self, label: str, colour: str) -> _Txt:
        """A status in words on a block of its colour."""
        key = f"badge@{colour}"
        if key not in self.s:
            self.s[key] = ParagraphStyle(
                key,
                parent=self.s["cell_badge"],
                textColor=_c(C.text_on(colour)),
                backColor=_c(colour),
                borderPadding=(1.2, 2.5, 1.6, 2.5),
            )
        return _Txt(label, self.s[key], paragraph_only=True)  # a plain table string has no background

    def verdict(self, v: D.Verdict, style: str, limit: int | None = 300) -> Paragraph:
        summary = clip(clean(v.summary), limit, 4)[0] if limit else v.summary
        return self.markup(
            f'<font color="{C.ink(v.colour)}"><b>{para(v.label)}</b></font> — {para(summary)}', style
        )

    def inline(self, x: D.Inline, wide: bool, style: str = "cell") -> Any:
        """One line of a cell as a table-cell value (a ``_Txt`` or a flowable)."""
        if isinstance(x, D.Badge):
            return self.badge(x.label, x.colour)
        if isinstance(x, D.Verdict):
            return self.verdict(x, "kv_val")
        if isinstance(x, D.Hash):
            text = f"SHA-256 {para(x.value)}" if x.value else f"SHA-256 {para(x.missing)}"
            return self.markup(text, "hash")
        tone = {"normal": style, "strong": "cell_bold", "muted": "cell_muted"}[x.tone]
        return self.cell(x.text, tone, title=x.title, wide=wide, label=x.lead)

    def cell_value(self, c: D.Cell, wide: bool, style: str = "cell") -> Any:
        items = [self.inline(x, wide, style) for x in c]
        if not items:
            return ""
        return items[0] if len(items) == 1 else items

    def table(self, t: D.Table) -> Table:
        fixed = sum(c.width_mm or 0 for c in t.columns) * mm
        widths = [c.width_mm * mm if c.width_mm else FRAME_W - fixed for c in t.columns]
        wide = [w >= 55 * mm for w in widths]
        data: list[list[Any]] = [[_Txt(c.title, self.s["cell_head"]) for c in t.columns]]
        extra: list[tuple[Any, ...]] = []
        with_detail = any(r.detail for r in t.rows)
        for row in t.rows:
            r = len(data)
            data.append([self.cell_value(c, wide[i]) for i, c in enumerate(row.cells)])
            if row.highlight:
                extra.append(("BACKGROUND", (0, r), (-1, r), _c("#FFF4D6")))
            if with_detail:
                data.append(["", self.cell_value(row.detail, True), *([""] * (len(t.columns) - 2))])
                extra += [
                    ("BACKGROUND", (0, r), (-1, r + 1), _c("#F8FAFA") if (r // 2) % 2 else WHITE),
                    ("SPAN", (1, r + 1), (-1, r + 1)),
                    ("NOSPLIT", (0, r), (-1, r + 1)),
                    ("LINEBELOW", (0, r), (-1, r), 0.3, WHITE),
                    ("TOPPADDING", (0, r + 1), (-1, r + 1), 0),
                    ("BOTTOMPADDING", (0, r + 1), (-1, r + 1), 5),
                ]
        cmds: list[tuple[Any, ...]] = [
            *_resolve(data, widths, 7),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3.5),
            ("TOPPADDING", (0, 0), (-1, -1), 2.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.4),
            ("LINEBELOW", (0, 1), (-1, -1), 0.3, GREY_4),
            ("BACKGROUND", (0, 0), (-1, 0), GREY_5),
            ("LINEBELOW", (0, 0), (-1, 0), 1.1, BLUE),
        ]
        if not with_detail and len(data) > 1:
            cmds.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [WHITE, _c("#F8FAFA")]))
        cmds.extend(extra)
        out = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        out.setStyle(TableStyle(cmds))
        return out

    def facts(self, f: D.Facts, width: float = FRAME_W) -> Table:
        """A two-column key/value table."""
        key_width = f.key_mm * mm
        data: list[list[Any]] = [
            [_Txt(k, self.s["kv_key"]), self.cell_value(v, True, "kv_val")] for k, v in f.rows
        ]
        widths = [key_width, width - key_width]
        cmds = _resolve(data, widths, 8)
        t = Table(data, colWidths=widths, hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    *cmds,
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), GREY_5),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, GREY_4),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.3, GREY_4),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.6),
                ]
            )
        )
        return t

    def paragraph(self, b: D.Para) -> Paragraph:
        parts = []
        for x in b.content:
            if isinstance(x, D.Verdict):
                parts.append(
                    f'<font color="{C.ink(x.colour)}"><b>{para(x.label)}</b></font> · {para(x.summary)}'
                )
            elif isinstance(x, D.Badge):
                parts.append(f'<font color="{C.ink(x.colour)}"><b>{para(x.label)}</b></font>')
            elif isinstance(x, D.Hash):
                parts.append(f"SHA-256 {para(x.value or x.missing)}")
            else:
                text = para(x.text)
                if x.tone == "strong":
                    text = f"<b>{text}</b>"
                parts.append((f"<b>{para(x.lead)}</b> " if x.lead else "") + text)
        return self.markup(" ".join(parts), b.style)

    def bullets(self, b: D.Bullets) -> list[Flowable]:
        out: list[Flowable] = []
        for i, it in enumerate(b.items, start=1):
            text = clip(clean(it), b.clip, 6)[0] if b.clip else it
            out.append(Paragraph(para(text), self.s["bullet"], bulletText=f"{i}." if b.ordered else "•"))
        if b.more:
            out.append(self.p(b.more, "muted"))
        return out

    def notice(self, n: D.Notice) -> Table:
        ink = C.ink(n.colour)
        t = Table(
            [
                [self.markup(f'<font color="{ink}"><b>{para(n.title)}</b></font>', "notice_title")],
                [self.p(n.text, "small")],
            ],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                    ("BOX", (0, 0), (-1, -1), 1.5, _c(n.colour)),
                    ("LINEBEFORE", (0, 0), (0, -1), 6, _c(n.colour)),
                    ("BACKGROUND", (0, 0), (-1, -1), _c("#FFF4F2")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, 0), 5),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 5),
                ]
            )
        )
        return t

    def decision_panel(self, b: D.DecisionPanel) -> Table:
        fg = C.text_on(b.colour)
        big = ParagraphStyle("db", parent=self.s["decision_big"], textColor=_c(fg))
        small = ParagraphStyle("ds", parent=self.s["decision_small"], textColor=_c(fg))
        words = ParagraphStyle("dw", parent=self.s["decision_words"], textColor=_c(fg))
        panel = Table(
            [
                [Paragraph(para(b.caption), small)],
                [Paragraph(para(b.label), big)],
                [Paragraph(para(b.summary), words)],
            ],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        panel.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                    ("BACKGROUND", (0, 0), (-1, -1), _c(b.colour)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9 * mm / 2),
                    ("TOPPADDING", (0, 0), (0, 0), 8),
                    ("BOTTOMPADDING", (0, -1), (0, -1), 10),
                    ("TOPPADDING", (0, 1), (0, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (0, -2), 0),
                ]
            )
        )
        return panel

    def chart(self, c: D.Chart) -> Drawing:
        return _section_chart(self.a) if c.kind == "sections" else _d1_chart(self.a)

    def beside(self, b: D.Beside) -> Table:
        left = 112 * mm
        side = Table(
            [[self.facts(b.facts, width=left), self.chart(b.chart)]],
            colWidths=[left, FRAME_W - left],
            hAlign="LEFT",
        )
        side.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("LEFTPADDING", (1, 0), (1, 0), 4 * mm),
                ]
            )
        )
        return side

    def blocks(self, blocks: Sequence[D.Block], *, compact: bool = False) -> list[Flowable]:
        """Flowables for a run of blocks. ``compact``: a one-page chapter (small headings, no bookmarks)."""
        out: list[Flowable] = []
        for i, b in enumerate(blocks):
            if isinstance(b, D.Heading):
                if compact or b.level >= 2:
                    out.append(self.heading(b.text, "h3", None))
                    continue
                # Keep a sub-heading (and a chart after it) with the start of what follows.
                charts = [x for x in blocks[i + 1 : i + 3] if isinstance(x, D.Chart)]
                out.append(
                    CondPageBreak(45 * mm + sum(self.chart(c).wrap(FRAME_W, PAGE_H)[1] for c in charts))
                )
                out.append(self.heading(b.text, "h2", 1))
            elif isinstance(b, D.Para):
                out.append(self.paragraph(b))
            elif isinstance(b, D.Bullets):
                out.extend(self.bullets(b))
            elif isinstance(b, D.Table):
                out.append(self.table(b))
            elif isinstance(b, D.Facts):
                out.append(self.facts(b))
            elif isinstance(b, D.Chart):
                out += [self.chart(b), Spacer(1, 1.5 * mm)]
            elif isinstance(b, D.Beside):
                out.append(self.beside(b))
            elif isinstance(b, D.DecisionPanel):
                out.append(self.decision_panel(b))
            elif isinstance(b, D.Notice):
                out.append(self.notice(b))
            if isinstance(b, D.Table | D.Facts | D.Beside | D.DecisionPanel | D.Notice) and compact:
                out.append(Spacer(1, 3 * mm))
        return out

    # -- the document

    def build(self) -> list[Flowable]:
        story = self.cover()
        story += [NextPageTemplate("body"), PageBreak()]
        chapters = [self.chapter(ch) for ch in self.doc.chapters]
        for part in chapters[:-1]:
            story += part + [PageBreak()]
        # The appendix collects clipped texts from every chapter, so it comes last but one.
        if self.appendix:
            story += self.appendix_pages() + [PageBreak()]
        story += chapters[-1]
        return story

    def chapter(self, ch: D.Chapter) -> list[Flowable]:
        if not ch.one_page:
            return [self.heading(ch.title, "h1", 0), *self.blocks(ch.blocks)]
        inner = [self.heading(ch.title, "h1", None), *self.blocks(ch.blocks, compact=True)]
        # One page by design; shrink rather than spill if a submission is extreme.
        page = KeepInFrame(FRAME_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 2 * mm, inner, mode="shrink")
        page._outline_level, page._outline_title = 0, ch.title
        return [page]

    def cover(self) -> list[Flowable]:
        s: list[Flowable] = [Spacer(1, COVER_BAND - MARGIN_TOP + 6 * mm)]
        s.append(self.p("Product", "cover_label"))
        s.append(self.p(clip(self.doc.product_name, 200, 3)[0], "cover_product"))
        s.append(self.p(self.doc.product_line, "cover_sub"))
        s.append(Spacer(1, 4 * mm))
        for b in self.blocks(self.doc.cover):
            s += [b, Spacer(1, 4 * mm)]
        return s

    def appendix_pages(self) -> list[Flowable]:
        out = [self.heading("Appendix: full texts", "h1", 0), self.p(self.doc.appendix_intro, "small")]
        for ref, title, full in self.appendix:
            out.append(self.heading(f"{ref} — {title} ({len(full):,} characters)", "h3", None))
            out.extend(self.p(piece, "appendix") for piece in chunks(full))
        return out


# ----------------------------------------------------------------------------- charts


def _drawing(w: float, h: float) -> Drawing:
    d = Drawing(w, h)
    d.initialFontName = REGULAR  # the renderer's default is Helvetica, a font we do not embed
    d.initialFontSize = 7
    return d


def _section_chart(a: Assessment) -> Drawing:
    """Met / not met / missing answers per assessed section, as a stacked horizontal bar chart."""
    secs = [s for s in a.sections if s.role == "assessed"]
    w, h = FRAME_W - 116 * mm, 52 * mm
    d = _drawing(w, h)
    d.add(String(0, h - 9, "Answers by section", fontName=BOLD, fontSize=8, fillColor=TEXT))
    if not secs:
        return d
    bc = HorizontalBarChart()
    bc.x, bc.y, bc.width, bc.height = 18, 26, w - 26, h - 42
    names = [s.id for s in reversed(secs)]
    bc.data = [
        [s.passed for s in reversed(secs)],
        [s.failed for s in reversed(secs)],
        [s.missing for s in reversed(secs)],
    ]
    bc.categoryAxis.categoryNames = names
    bc.categoryAxis.style = "stacked"
    bc.categoryAxis.labels.fontName = REGULAR
    bc.categoryAxis.labels.fontSize = 7
    bc.categoryAxis.strokeColor = GREY_4
    bc.valueAxis.valueMin = 0
    top = max([sum(v) for v in zip(*bc.data, strict=True)] + [1])
    bc.valueAxis.valueMax = top
    bc.valueAxis.valueStep = max(1, round(top / 4))
    bc.valueAxis.labels.fontName = REGULAR
    bc.valueAxis.labels.fontSize = 6.5
    bc.valueAxis.strokeColor = GREY_4
    bc.barSpacing = 0
    bc.groupSpacing = 5
    palette = (C.NHS_GREEN, C.NHS_RED, C.NHS_ORANGE)
    for i, col in enumerate(palette):
        bc.bars[i].fillColor = _c(col)
        bc.bars[i].strokeColor = None
    d.add(bc)
    x = 18.0
    for label, col in zip(("Met", "Not met", "Missing"), palette, strict=True):
        d.add(Rect(x, 4, 7, 7, fillColor=_c(col), strokeColor=None))
        d.add(String(x + 10, 5, label, fontName=REGULAR, fontSize=7, fillColor=TEXT))
        x += 10 + stringWidth(label, REGULAR, 7) + 9
    return d


def _d1_chart(a: Assessment) -> Drawing:
    """D1 points earned per item, as a share of the item's weight."""
    items = [i for i in a.d1.items if i.points is not None]
    w, h = FRAME_W, 38 * mm
    d = _drawing(w, h)
    d.add(
        String(
            0,
            h - 9,
            f"D1 points per item, as a share of each item’s weight — score {C.d1_text(a)}",
            fontName=BOLD,
            fontSize=7.5,
            fillColor=TEXT,
        )
    )
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 28, 14, min(w - 40, 26 * len(items) + 10), h - 30
    bc.data = [[round(100 * (i.points or 0.0), 1) for i in items]]
    bc.categoryAxis.categoryNames = [i.id for i in items]
    bc.categoryAxis.labels.fontName = REGULAR
    bc.categoryAxis.labels.fontSize = 6.5
    bc.categoryAxis.strokeColor = GREY_4
    bc.valueAxis.valueMin, bc.valueAxis.valueMax, bc.valueAxis.valueStep = 0, 100, 25
    bc.valueAxis.labels.fontName = REGULAR
    bc.valueAxis.labels.fontSize = 6.5
    bc.valueAxis.labelTextFormat = "%d%%"
    bc.valueAxis.strokeColor = GREY_4
    bc.bars[0].fillColor = BLUE
    bc.bars[0].strokeColor = None
    d.add(bc)
    return d


# ----------------------------------------------------------------------------- entry point


def build_story(d: C.DossierInput, doc: D.Document | None = None) -> list[Flowable]:
    """The dossier's flowables (exposed for the benchmark, which builds them with bare ReportLab)."""
    register_fonts()
    return _Builder(d, doc or D.build_document(d)).build()


def make_doc(
    d: C.DossierInput, buf: io.BytesIO, doc: D.Document | None = None
) -> tuple[BaseDocTemplate, Callable[..., Canvas]]:
    a = d.assessment
    document = doc or D.build_document(d)
    product = clip(clean(document.product).replace("\n", " "), 70, 1)[0]
    chrome = _Chrome(
        product=_plain(product),
        decision_label=document.decision_label,
        decision_colour=document.decision_colour,
        marking=document.marking,
        as_of=document.as_of,
        footer_text=_plain(clip(clean(document.footer).replace("\n", " "), 150, 1)[0]),
        created=_as_of_timestamp(a),
    )
    template = _DocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=_plain(
            f"{document.title}: {product}"
            + ("" if document.marking.official else f" — {document.marking.text}")
        ),
        author="DTAC Workbench",
        subject=_plain(document.subject),
        creator=f"DTAC Workbench {__version__}",
        keywords=list(document.keywords),
        lang="en-GB",
        displayDocTitle=1,
        invariant=1,
        initialFontName=REGULAR,  # no standard (unembedded) font anywhere in the file
    )
    body = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        FRAME_W,
        PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates(
        [
            PageTemplate(id="cover", frames=[body], onPage=chrome.cover),
            PageTemplate(id="body", frames=[body], onPage=chrome.header),
        ]
    )
    return template, _canvas_maker(chrome)


def _plain(text: str) -> str:
    """Text drawn directly on the canvas (header, footer, metadata): drawable, no markup to escape."""
    return drawable(clean(text)).replace("\n", " ")


def render_pdf(d: C.DossierInput, doc: D.Document | None = None) -> bytes:
    """The PDF of ``doc`` (built from ``d`` when not given)."""
    register_fonts()
    document = doc or D.build_document(d)
    buf = io.BytesIO()
    template, maker = make_doc(d, buf, document)
    template.build(build_story(d, document), canvasmaker=maker)
    return buf.getvalue()


__all__ = ["build_story", "make_doc", "render_pdf"]
