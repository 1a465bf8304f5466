"""Lays out a ``Document`` as ReportLab flowables: one method per block type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.graphics.shapes import Drawing
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepInFrame,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dtac_app.dossier import blocks as D
from dtac_app.dossier import content as C
from dtac_app.dossier.fonts import REGULAR
from dtac_app.dossier.text import chunks, clean, clip, para

from .cells import Txt, resolve
from .charts import d1_chart, section_chart
from .style import (
    BLUE,
    CELL_CHARS,
    CELL_LINES,
    COVER_BAND,
    FRAME_W,
    GREY_4,
    GREY_5,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    PAGE_H,
    WHITE,
    WIDE_CHARS,
    WIDE_LINES,
    rgb,
    styles,
)


class Builder:
    """Lays out a ``Document``: one method per block type; the words all come from the document."""

    def __init__(self, d: C.DossierInput, doc: D.Document) -> None:
        self.d = d
        self.a = d.assessment
        self.doc = doc
        self.s = styles()
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
    ) -> Txt:
        """Text in a table cell: clipped to fit, with the full text kept for the appendix.

        ``label`` is a bold lead-in the document writes.
        """
        st = self.s[style] if isinstance(style, str) else style
        full = clean(text).strip()
        shown, cut = clip(full, *((WIDE_CHARS, WIDE_LINES) if wide else (CELL_CHARS, CELL_LINES)))
        prefix = f"<b>{para(label)}</b> " if label else ""
        if not cut:
            return Txt(shown, st, prefix=prefix)
        ref = f"A{len(self.appendix) + 1}"
        self.appendix.append((ref, title or "Text", full))
        return Txt(shown, st, f" <b>[full text: appendix {ref}]</b>", prefix)

    def heading(self, text: str, style: str, outline: int | None) -> Paragraph:
        """A heading; ``outline`` 0 or 1 also gives it a PDF bookmark (the outline a reader navigates by)."""
        h = Paragraph(para(text), self.s[style])
        if outline is not None:
            h._outline_level = outline
            h._outline_title = clean(text)[:120]
        return h

    def badge(self, label: str, colour: str) -> Txt:
        """A status in words on a block of its colour."""
        key = f"badge@{colour}"
        if key not in self.s:
            self.s[key] = ParagraphStyle(
                key,
                parent=self.s["cell_badge"],
                textColor=rgb(C.text_on(colour)),
                backColor=rgb(colour),
                borderPadding=(1.2, 2.5, 1.6, 2.5),
            )
        return Txt(label, self.s[key], paragraph_only=True)  # a plain table string has no background

    def verdict(self, v: D.Verdict, style: str, limit: int | None = 300) -> Paragraph:
        summary = clip(clean(v.summary), limit, 4)[0] if limit else v.summary
        return self.markup(
            f'<font color="{C.ink(v.colour)}"><b>{para(v.label)}</b></font> — {para(summary)}', style
        )

    def inline(self, x: D.Inline, wide: bool, style: str = "cell") -> Any:
        """One line of a cell as a table-cell value (a ``Txt`` or a flowable)."""
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
        data: list[list[Any]] = [[Txt(c.title, self.s["cell_head"]) for c in t.columns]]
        extra: list[tuple[Any, ...]] = []
        with_detail = any(r.detail for r in t.rows)
        for row in t.rows:
            r = len(data)
            data.append([self.cell_value(c, wide[i]) for i, c in enumerate(row.cells)])
            if row.highlight:
                extra.append(("BACKGROUND", (0, r), (-1, r), rgb("#FFF4D6")))
            if with_detail:
                data.append(["", self.cell_value(row.detail, True), *([""] * (len(t.columns) - 2))])
                extra += [
                    ("BACKGROUND", (0, r), (-1, r + 1), rgb("#F8FAFA") if (r // 2) % 2 else WHITE),
                    ("SPAN", (1, r + 1), (-1, r + 1)),
                    ("NOSPLIT", (0, r), (-1, r + 1)),
                    ("LINEBELOW", (0, r), (-1, r), 0.3, WHITE),
                    ("TOPPADDING", (0, r + 1), (-1, r + 1), 0),
                    ("BOTTOMPADDING", (0, r + 1), (-1, r + 1), 5),
                ]
        cmds: list[tuple[Any, ...]] = [
            *resolve(data, widths, 7),
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
            cmds.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [WHITE, rgb("#F8FAFA")]))
        cmds.extend(extra)
        out = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        out.setStyle(TableStyle(cmds))
        return out

    def facts(self, f: D.Facts, width: float = FRAME_W) -> Table:
        """A two-column key/value table."""
        key_width = f.key_mm * mm
        data: list[list[Any]] = [
            [Txt(k, self.s["kv_key"]), self.cell_value(v, True, "kv_val")] for k, v in f.rows
        ]
        widths = [key_width, width - key_width]
        cmds = resolve(data, widths, 8)
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
                    ("BOX", (0, 0), (-1, -1), 1.5, rgb(n.colour)),
                    ("LINEBEFORE", (0, 0), (0, -1), 6, rgb(n.colour)),
                    ("BACKGROUND", (0, 0), (-1, -1), rgb("#FFF4F2")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, 0), 5),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 5),
                ]
            )
        )
        return t

    def decision_panel(self, b: D.DecisionPanel) -> Table:
        fg = C.text_on(b.colour)
        big = ParagraphStyle("db", parent=self.s["decision_big"], textColor=rgb(fg))
        small = ParagraphStyle("ds", parent=self.s["decision_small"], textColor=rgb(fg))
        words = ParagraphStyle("dw", parent=self.s["decision_words"], textColor=rgb(fg))
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
                    ("BACKGROUND", (0, 0), (-1, -1), rgb(b.colour)),
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
        return section_chart(self.a) if c.kind == "sections" else d1_chart(self.a)

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
