"""The PDF dossier (ReportLab platypus): the record of an assessment.

Layout: cover → one-page summary → findings by section → evidence register → regulatory and
NICE status → conditions, reasons, timeline and fixes → appendix of long texts → sign-off.
Every page carries the product, the decision and "Page X of Y".

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
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dtac_app import __version__
from dtac_app.dates import fmt
from dtac_app.results import DECISION_COLOURS, Assessment, Finding

from . import content as C
from .fonts import BOLD, REGULAR, drawable, register_fonts
from .json_export import assessment_sha256
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
    return s


# ----------------------------------------------------------------------------- page furniture


@dataclass
class _Chrome:
    """What the header and footer need on every page."""

    product: str
    decision_label: str
    decision_colour: str
    as_of: str
    created: TimeStamp
    title: str

    def header(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        canv.saveState()
        y = PAGE_H - 12 * mm
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
        canv.restoreState()

    def footer(self, canv: Canvas, page: int, pages: int) -> None:
        canv.saveState()
        y = 11 * mm
        canv.setStrokeColor(GREY_4)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, y + 4.2 * mm, PAGE_W - MARGIN_X, y + 4.2 * mm)
        canv.setFont(REGULAR, 7.5)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN_X, y, f"{self.product} · Decision: {self.decision_label} · as of {self.as_of}")
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
    def __init__(self, d: C.DossierInput) -> None:
        self.d = d
        self.a = d.assessment
        self.s = _styles()
        self.appendix: list[tuple[str, str, str]] = []  # (ref, title, full text) of clipped cells
        self.story: list[Flowable] = []

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
        """Untrusted text in a table cell: clipped to fit, with the full text kept for the appendix.

        ``label`` is a bold lead-in this module writes (never untrusted text).
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

    def heading(self, text: str, level: int, *, outline: bool = True) -> Paragraph:
        """A heading; levels 0 and 1 also get a PDF bookmark (the outline a reader navigates by)."""
        style = "h1" if level == 0 else "h2" if level == 1 else "h3"
        h = Paragraph(para(text), self.s[style])
        if level <= 1 and outline:
            h._outline_level = level
            h._outline_title = clean(text)[:120]
        return h

    def table(
        self,
        header: Sequence[str] | None,
        rows: list[list[Any]],
        widths: Sequence[float],
        *,
        extra: Sequence[tuple[Any, ...]] = (),
        zebra: bool = True,
    ) -> Table:
        data: list[list[Any]] = []
        if header:
            data.append([_Txt(h, self.s["cell_head"]) for h in header])
        data.extend(rows)
        first = 1 if header else 0
        cmds: list[tuple[Any, ...]] = [
            *_resolve(data, widths, 7),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3.5),
            ("TOPPADDING", (0, 0), (-1, -1), 2.6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3.4),
            ("LINEBELOW", (0, first), (-1, -1), 0.3, GREY_4),
        ]
        if header:
            cmds += [("BACKGROUND", (0, 0), (-1, 0), GREY_5), ("LINEBELOW", (0, 0), (-1, 0), 1.1, BLUE)]
        if zebra and len(data) > first:
            cmds.append(("ROWBACKGROUNDS", (0, first), (-1, -1), [WHITE, _c("#F8FAFA")]))
        cmds.extend(extra)
        t = Table(data, colWidths=list(widths), repeatRows=first, hAlign="LEFT")
        t.setStyle(TableStyle(cmds))
        return t

    def kv(
        self, rows: Sequence[tuple[str, Any]], key_width: float = 42 * mm, width: float = FRAME_W
    ) -> Table:
        """A two-column key/value table; values may be text (escaped) or flowables."""
        data: list[list[Any]] = []
        for k, v in rows:
            val = v if isinstance(v, Flowable) else self.cell(v, "kv_val", title=k, wide=True)
            data.append([_Txt(k, self.s["kv_key"]), val])
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

    def badge_cell(self, label: str, colour: str, *more: str) -> _Txt | list[_Txt]:
        """A status in words on a block of its colour, with any further lines in plain text below."""
        key = f"badge@{colour}"
        if key not in self.s:
            self.s[key] = ParagraphStyle(
                key,
                parent=self.s["cell_badge"],
                textColor=_c(C.text_on(colour)),
                backColor=_c(colour),
                borderPadding=(1.2, 2.5, 1.6, 2.5),
            )
        badge = _Txt(label, self.s[key], paragraph_only=True)  # a plain table string has no background
        if not more:
            return badge
        return [badge, *(self.cell(m, "cell") for m in more)]

    def bullets(
        self, items: Sequence[str], style: str = "bullet", limit: int | None = None
    ) -> list[Flowable]:
        """A bulleted list; ``limit`` clips each item (for the one-page summary only)."""
        out: list[Flowable] = []
        for it in items:
            text = clip(clean(it), limit, 6)[0] if limit else it
            out.append(Paragraph(para(text), self.s[style], bulletText="•"))
        return out

    # -- the document

    def build(self) -> list[Flowable]:
        self.cover()
        self.story += [NextPageTemplate("body"), PageBreak()]
        self.summary()
        self.story.append(PageBreak())
        self.findings()
        self.story.append(PageBreak())
        self.evidence()
        self.story.append(PageBreak())
        self.regulatory_and_nice()
        self.story.append(PageBreak())
        self.conditions_and_timeline()
        # The appendix collects clipped texts from every earlier table, so it is built last but one.
        if self.appendix:
            self.story.append(PageBreak())
            self.appendix_pages()
        self.story.append(PageBreak())
        self.signoff()
        return self.story

    def cover(self) -> None:
        a, s = self.a, self.story
        colour = DECISION_COLOURS[a.decision]
        fg = C.text_on(colour)
        s.append(Spacer(1, COVER_BAND - MARGIN_TOP + 6 * mm))
        s.append(self.p("Product", "cover_label"))
        s.append(self.p(clip(a.product.name, 200, 3)[0], "cover_product"))
        s.append(self.p(f"Version {a.product.version} · {a.product.manufacturer}", "cover_sub"))
        s.append(Spacer(1, 6 * mm))
        big = ParagraphStyle("db", parent=self.s["decision_big"], textColor=_c(fg))
        small = ParagraphStyle("ds", parent=self.s["decision_small"], textColor=_c(fg))
        words = ParagraphStyle("dw", parent=self.s["decision_words"], textColor=_c(fg))
        panel = Table(
            [
                [Paragraph("Decision", small)],
                [Paragraph(para(a.decision_label), big)],
                [Paragraph(para(a.summary), words)],
            ],
            colWidths=[FRAME_W],
            hAlign="LEFT",
        )
        panel.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                    ("BACKGROUND", (0, 0), (-1, -1), _c(colour)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 9 * mm / 2),
                    ("TOPPADDING", (0, 0), (0, 0), 8),
                    ("BOTTOMPADDING", (0, -1), (0, -1), 10),
                    ("TOPPADDING", (0, 1), (0, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (0, -2), 0),
                ]
            )
        )
        s.append(panel)
        s.append(Spacer(1, 4 * mm))
        s.append(
            self.kv(
                [
                    ("Valid until", C.valid_until_text(a)),
                    ("Why", a.valid_until_reason),
                ]
            )
        )
        s.append(Spacer(1, 6 * mm))
        dtac_hash = a.criteria.hashes.get(a.criteria.set, "")
        sub = self.d.submission
        rows: list[tuple[str, Any]] = [
            ("Product", a.product.name),
            ("Version", a.product.version),
            ("Manufacturer", a.product.manufacturer),
            ("Criteria set", f"{a.criteria.title} ({a.criteria.set})"),
            ("Criteria version", a.criteria.version),
            ("Criteria content hash", self.markup(f"SHA-256 {para(dtac_hash)}", "hash")),
            ("Profile", C.PROFILE_LABELS.get(a.profile, a.profile)),
            ("Assessment date (as of)", fmt(a.as_of)),
            ("Submitted on", C.date_text(sub.submitted_on, "Not stated")),
            ("Engine", f"DTAC Workbench {__version__}, rules engine {a.engine_version}"),
        ]
        s.append(self.kv(rows))

    def summary(self) -> None:
        a = self.a
        inner: list[Flowable] = [self.heading("Summary", 0, outline=False), self.p(a.summary, "lead")]
        rows = []
        for sec in a.sections:
            colour = C.SECTION_STATUS_COLOURS[sec.status]
            label = C.section_label(sec, a.d1.percent)
            context = sec.role == "context"
            rows.append(
                [
                    self.cell(f"{sec.id} {sec.title}", "cell_muted" if context else "cell_bold"),
                    self.badge_cell(label, colour),
                    self.cell("—" if context else sec.passed),
                    self.cell("—" if context else sec.failed),
                    self.cell("—" if context else sec.missing),
                    self.cell(sec.asked),
                ]
            )
        w = [62 * mm, 44 * mm, 17 * mm, 17 * mm, 17 * mm, FRAME_W - 157 * mm]
        inner.append(self.table(["Section", "Result", "Met", "Not met", "Missing", "Asked"], rows, w))
        inner.append(Spacer(1, 4 * mm))

        reg, nice = a.regulatory, a.nice
        facts = self.kv(
            [
                ("D1 usability and accessibility", C.d1_text(a)),
                ("GB device regulation", self._verdict_markup(reg.status, reg.summary)),
                (
                    "NICE back-pain guidance",
                    self._verdict_markup(nice.status, nice.summary)
                    if nice.applies
                    else "Not applied (profile dtac)",
                ),
                ("Valid until", C.valid_until_sentence(a)),
            ],
            key_width=34 * mm,
            width=112 * mm,
        )  # narrower: the chart sits beside it
        chart = _section_chart(a)
        side = Table([[facts, chart]], colWidths=[112 * mm, FRAME_W - 112 * mm], hAlign="LEFT")
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
        inner.append(side)

        def listing(title: str, findings: Sequence[Finding], n: int) -> None:
            inner.append(self.heading(title, 2))
            shown = [C.finding_line(f) for f in findings[:n]]
            inner.extend(self.bullets(shown, limit=240))
            if len(findings) > n:
                inner.append(
                    self.p(f"… and {len(findings) - n} more: see “Conditions, reasons and fixes”.", "muted")
                )

        listing("Reasons for the decision", a.reasons, 6)
        if a.conditions and a.reasons != a.conditions:
            listing("Conditions", a.conditions, 5)
        if a.fixes:
            inner.append(self.heading("Top fixes (most impact first)", 2))
            for f in a.fixes[:5]:
                inner.append(
                    Paragraph(
                        para(clip(clean(f.action), 240, 6)[0]), self.s["bullet"], bulletText=f"{f.rank}."
                    )
                )
            if len(a.fixes) > 5:
                inner.append(
                    self.p(f"… and {len(a.fixes) - 5} more: see “Conditions, reasons and fixes”.", "muted")
                )
        # The summary is one page by design; shrink rather than spill if a submission is extreme.
        avail_h = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - 2 * mm
        page = KeepInFrame(FRAME_W, avail_h, inner, mode="shrink")
        page._outline_level, page._outline_title = 0, "Summary"
        self.story.append(page)

    def _verdict_markup(self, status: str, summary: str) -> Paragraph:
        colour = C.VERDICT_COLOURS[status]
        label = C.VERDICT_LABELS[status]
        return self.markup(
            f'<font color="{C.ink(colour)}"><b>{para(label)}</b></font> — {para(clip(clean(summary), 300, 4)[0])}',
            "kv_val",
        )

    def findings(self) -> None:
        a = self.a
        self.story.append(self.heading("Findings by section", 0))
        self.story.append(
            self.p(
                "Every question on the form, in form order: the supplier’s answer, the outcome and the reason, any assessor "
                "override with its rationale, and whether the answer was asserted by the supplier or verified by an assessor. "
                "Evidence references (E1, E2, …) point to the evidence register.",
                "small",
            )
        )
        widths = [15 * mm, 28 * mm, 33 * mm, 22 * mm, FRAME_W - 127 * mm, 29 * mm]
        for sec, qs in C.questions_by_section(a):
            if not qs:
                continue
            colour = C.SECTION_STATUS_COLOURS[sec.status]
            block: list[Flowable] = [self.heading(f"{sec.id} {sec.title}", 1)]
            block.append(
                self.markup(
                    f'<font color="{C.ink(colour)}"><b>{para(C.section_label(sec, a.d1.percent))}</b></font>'
                    f" · {para(C.section_counts(sec))}",
                    "small",
                )
            )
            rows = []
            for q in qs:
                muted = not q.asked
                st = "cell_muted" if muted else "cell"
                colour_q = C.OUTCOME_COLOURS[q.outcome]
                if q.override is not None:
                    outcome = self.badge_cell(C.outcome_label(q), colour_q, "(assessor override)")
                else:
                    outcome = self.badge_cell(C.outcome_label(q), colour_q)
                reason: list[Flowable] = [self.cell(C.reason_text(q), st, title=f"{q.id} reason", wide=True)]
                if q.override is not None:
                    reason.append(
                        self.cell(
                            C.override_text(q),
                            st,
                            title=f"{q.id} override rationale",
                            wide=True,
                            label="Assessor override.",
                        )
                    )
                if q.condition:
                    reason.append(self.cell(f"Condition: {q.condition}", st, title=f"{q.id} condition"))
                if q.evidence:
                    reason.append(self.cell(f"Evidence: {C.evidence_refs(q)}", st))
                rows.append(
                    [
                        self.cell(q.id, "cell_bold" if not muted else "cell_muted"),
                        self.cell(q.short, st),
                        self.cell(q.answer if q.answer is not None else "—", st, title=f"{q.id} answer"),
                        outcome,
                        reason,
                        self.cell(C.provenance_text(q), st, title=f"{q.id} verification"),
                    ]
                )
            if sec.id == "D1" and any(i.points is not None for i in a.d1.items):
                block.append(_d1_chart(a))
            block.append(Spacer(1, 1.5 * mm))
            t = self.table(
                ["ID", "Question", "Answer", "Outcome", "Reason, override, evidence", "Provenance"],
                rows,
                widths,
            )
            # Keep the heading (and the D1 chart) with the start of its table.
            self.story.append(
                CondPageBreak(
                    45 * mm + sum(f.wrap(FRAME_W, PAGE_H)[1] for f in block if isinstance(f, Drawing))
                )
            )
            self.story.extend(block)
            self.story.append(t)

    def evidence(self) -> None:
        a = self.a
        self.story.append(self.heading("Evidence register", 0))
        self.story.append(
            self.p(
                f"Every evidence record in the submission with its state on {fmt(a.as_of)} and the SHA-256 of its file. "
                "“dtac verify” recomputes these hashes from the files and re-runs the assessment.",
                "small",
            )
        )
        if not a.evidence:
            self.story.append(self.p("The submission lists no evidence.", "body"))
            return
        widths = [10 * mm, 52 * mm, 16 * mm, 34 * mm, 19 * mm, 19 * mm, FRAME_W - 150 * mm]
        rows: list[list[Any]] = []
        extra: list[tuple[Any, ...]] = []
        for e in a.evidence:
            r = len(rows) + 1
            ref = C.evidence_ref(e.index)
            colour = C.EVIDENCE_STATE_COLOURS[e.state]
            name = [
                self.cell(e.label, "cell_bold"),
                self.cell(C.evidence_name(e), "cell", title=f"{ref} file"),
            ]
            if e.title and e.file:
                name.append(self.cell(e.title, "cell_muted", title=f"{ref} title"))
            rows.append(
                [
                    self.cell(ref, "cell_bold"),
                    name,
                    self.cell(e.question),
                    self.cell(C.evidence_reference(e) or "—", title=f"{ref} reference"),
                    self.cell(C.date_text(e.issued)),
                    self.cell(C.date_text(e.expires)),
                    self.badge_cell(C.EVIDENCE_STATE_LABELS[e.state], colour),
                ]
            )
            digest = f"SHA-256 {para(e.sha256)}" if e.sha256 else "SHA-256 — no file supplied (a record only)"
            rows.append(
                [
                    "",
                    [self.cell(e.detail, "cell_muted", wide=True), self.markup(digest, "hash")],
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
            extra += [
                ("BACKGROUND", (0, r), (-1, r + 1), _c("#F8FAFA") if (r // 2) % 2 else WHITE),
                ("SPAN", (1, r + 1), (-1, r + 1)),
                ("NOSPLIT", (0, r), (-1, r + 1)),
                ("LINEBELOW", (0, r), (-1, r), 0.3, WHITE),
                ("TOPPADDING", (0, r + 1), (-1, r + 1), 0),
                ("BOTTOMPADDING", (0, r + 1), (-1, r + 1), 5),
            ]
        t = self.table(
            ["Ref", "Evidence and file", "Question", "Reference / issuer", "Issued", "Expires", "Status"],
            rows,
            widths,
            extra=extra,
            zebra=False,
        )
        self.story.append(t)

    def regulatory_and_nice(self) -> None:
        a = self.a
        reg, nice = a.regulatory, a.nice
        self.story.append(self.heading("Regulatory and NICE status", 0))
        self.story.append(self.heading("GB medical-device regulation", 1))
        self.story.append(
            self.kv(
                [
                    ("Result", self._verdict_markup(reg.status, reg.summary)),
                    ("Medical device", "Yes" if reg.applies else "No (the device rules do not apply)"),
                    ("Device class", reg.device_class or "—"),
                    ("Marking", reg.marking or "—"),
                    ("GB acceptance ends", C.date_text(reg.accepted_until)),
                    ("MHRA registration", reg.mhra_registration or "—"),
                ]
            )
        )
        if reg.findings:
            self.story.append(self.heading("Regulatory findings", 2))
            self.story.append(self.findings_table(reg.findings))

        self.story.append(self.heading("NICE back-pain guidance (HTE16 and NG59)", 1))
        if not nice.applies:
            self.story.append(
                self.p(f"{nice.summary} The assessment ran under the “{a.profile}” profile.", "body")
            )
            return
        self.story.append(
            self.kv(
                [
                    ("Result", self._verdict_markup(nice.status, nice.summary)),
                    ("Technology", nice.technology or "Not assessed by NICE"),
                    ("HTE16 status", nice.nice_status_label or "—"),
                ]
            )
        )
        self.story.append(self.heading("Evidence-generation obligations (HTE16 1.2–1.3)", 2))
        if nice.obligations:
            self.story.extend(self.bullets(list(nice.obligations)))
        else:
            self.story.append(
                self.p("None: NICE’s evidence-generation conditions do not apply to this product.", "small")
            )
        self.story.append(self.heading("NG59 clinical-content findings", 2))
        if nice.content:
            self.story.append(self.findings_table(nice.content))
        else:
            self.story.append(
                self.p("No content items were listed, so no NG59 content rules were applied.", "small")
            )
        if nice.findings:
            self.story.append(self.heading("Population, referral and HTE16 findings", 2))
            self.story.append(self.findings_table(nice.findings))

    def findings_table(self, findings: Sequence[Finding], *, fix: bool = False) -> Table:
        rows = []
        for f in findings:
            colour = C.SEVERITY_COLOURS[f.severity]
            row = [
                self.cell(f.rule, "cell_bold"),
                self.badge_cell(C.SEVERITY_LABELS[f.severity], colour),
                self.cell(f.text, title=f"{f.rule} finding", wide=True),
                self.cell(f.used or "—", "cell_muted", title=f"{f.rule} based on"),
            ]
            if fix:
                row.append(self.cell(f.fix or "—", title=f"{f.rule} fix"))
            rows.append(row)
        if fix:
            widths = [33 * mm, 20 * mm, 55 * mm, 33 * mm, FRAME_W - 141 * mm]
            return self.table(["Rule", "Result", "Finding", "Based on", "How to fix"], rows, widths)
        widths = [35 * mm, 21 * mm, 76 * mm, FRAME_W - 132 * mm]
        return self.table(["Rule", "Result", "Finding", "Based on"], rows, widths)

    def conditions_and_timeline(self) -> None:
        a = self.a
        self.story.append(self.heading("Conditions, reasons and fixes", 0))
        self.story.append(self.heading("Reasons for the decision", 1))
        self.story.append(self.findings_table(a.reasons, fix=True))
        self.story.append(self.heading("Conditions attached", 1))
        if a.conditions:
            self.story.append(self.findings_table(a.conditions, fix=True))
        else:
            self.story.append(self.p("No conditions are attached to this decision.", "small"))
        self.story.append(self.heading("Decision timeline", 1))
        self.story.append(self.p(f"Valid until: {C.valid_until_sentence(a)}", "small"))
        if a.events:
            rows, extra = [], []
            for r, ev in enumerate(a.events, start=1):
                rows.append(
                    [
                        self.cell(fmt(ev.on), "cell_bold"),
                        self.cell(C.EFFECT_LABELS[ev.effect]),
                        self.cell(ev.text, title=f"Event {ev.rule}", wide=True),
                        self.cell(ev.rule, "cell_muted"),
                    ]
                )
                if a.changes_on is not None and ev.on == a.changes_on:
                    extra.append(("BACKGROUND", (0, r), (-1, r), _c("#FFF4D6")))
            w = [24 * mm, 28 * mm, 90 * mm, FRAME_W - 142 * mm]
            self.story.append(
                self.table(["Date", "Effect", "What changes", "Rule"], rows, w, extra=extra, zebra=False)
            )
        else:
            self.story.append(self.p("No dated changes are known.", "small"))
        self.story.append(self.heading("What would change the decision", 1))
        if a.fixes:
            rows = []
            for f in a.fixes:
                rows.append(
                    [
                        self.cell(f.rank, "cell_bold"),
                        self.cell(f.rule),
                        self.cell(C.SEVERITY_LABELS[f.severity]),
                        self.cell(f.action, title=f"Fix {f.rank}", wide=True),
                        self.cell(f.impact, "cell_muted"),
                    ]
                )
            w = [9 * mm, 26 * mm, 20 * mm, 70 * mm, FRAME_W - 125 * mm]
            self.story.append(self.table(["#", "Rule", "Type", "Action", "Impact"], rows, w))
        else:
            self.story.append(self.p("Nothing to fix: the product meets every rule that applies.", "small"))

    def appendix_pages(self) -> None:
        self.story.append(self.heading("Appendix: full texts", 0))
        self.story.append(
            self.p(
                "Texts too long for a table cell are shown there in part and printed here in full, exactly as supplied "
                "(characters the embedded fonts cannot draw, such as emoji, appear as �).",
                "small",
            )
        )
        for ref, title, full in self.appendix:
            self.story.append(self.heading(f"{ref} — {title} ({len(full):,} characters)", 2))
            for piece in chunks(full):
                self.story.append(self.p(piece, "appendix"))

    def signoff(self) -> None:
        a = self.a
        self.story.append(self.heading("Sign-off", 0))
        self.story.append(self.heading("Reproducibility", 1))
        self.story.append(
            self.kv(
                [
                    ("Assessment fingerprint", self.markup(f"SHA-256 {assessment_sha256(a)}", "hash")),
                    ("Signing key", C.signing_text(self.d)),
                    *[
                        (f"Criteria file {k}", self.markup(f"SHA-256 {para(v)}", "hash"))
                        for k, v in C.criteria_rows(a)
                    ],
                    (
                        "Check",
                        "Run “dtac verify” on the JSON dossier to recompute evidence hashes and re-run the assessment.",
                    ),
                ],
                key_width=46 * mm,
            )
        )
        for i, so in enumerate(self.d.signoff_blocks, start=1):
            block: list[Flowable] = [
                self.heading("Assessor sign-off" + (f" ({i})" if len(self.d.signoff_blocks) > 1 else ""), 1)
            ]
            block.append(self.p(so.statement or C.DEFAULT_SIGNOFF_STATEMENT, "small"))
            rows = [(k, v) for k, v in C.signoff_lines(so)]
            rows.insert(3, ("Signature", ""))
            data: list[list[Any]] = [
                [_Txt(k, self.s["kv_key"]), self.cell(v, "kv_val", title=k) if v else ""] for k, v in rows
            ]
            widths = [36 * mm, 110 * mm]
            cmds = _resolve(data, widths, 0)
            t = Table(data, colWidths=widths, rowHeights=[10 * mm] * len(data), hAlign="LEFT")
            t.setStyle(
                TableStyle(
                    [
                        *cmds,
                        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                        ("LINEBELOW", (1, 0), (1, -1), 0.6, TEXT),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ]
                )
            )
            block.append(t)
            self.story.append(KeepTogether(block))


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


def build_story(d: C.DossierInput) -> list[Flowable]:
    """The dossier's flowables (exposed for the benchmark, which builds them with bare ReportLab)."""
    register_fonts()
    return _Builder(d).build()


def make_doc(d: C.DossierInput, buf: io.BytesIO) -> tuple[BaseDocTemplate, Callable[..., Canvas]]:
    a = d.assessment
    product = clip(clean(f"{a.product.name} {a.product.version}").replace("\n", " "), 70, 1)[0]
    chrome = _Chrome(
        product=_plain(product),
        decision_label=a.decision_label,
        decision_colour=DECISION_COLOURS[a.decision],
        as_of=fmt(a.as_of),
        created=_as_of_timestamp(a),
        title=f"{C.TITLE}: {product}",
    )
    doc = _DocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=_plain(chrome.title),
        author="DTAC Workbench",
        subject=f"Decision: {a.decision_label} (as of {a.as_of.isoformat()})",
        creator=f"DTAC Workbench {__version__}",
        keywords=["DTAC", a.criteria.set, a.profile, a.decision],
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
    doc.addPageTemplates(
        [
            PageTemplate(id="cover", frames=[body], onPage=chrome.cover),
            PageTemplate(id="body", frames=[body], onPage=chrome.header),
        ]
    )
    return doc, _canvas_maker(chrome)


def _plain(text: str) -> str:
    """Text drawn directly on the canvas (header, footer, metadata): drawable, no markup to escape."""
    return drawable(clean(text)).replace("\n", " ")


def render_pdf(d: C.DossierInput) -> bytes:
    register_fonts()
    buf = io.BytesIO()
    doc, maker = make_doc(d, buf)
    doc.build(build_story(d), canvasmaker=maker)
    return buf.getvalue()


__all__ = ["build_story", "make_doc", "render_pdf"]
