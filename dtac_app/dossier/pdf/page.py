"""Page furniture: the header, footer and cover band drawn on every page, and the canvas that
holds pages back so each footer can say "Page X of Y"."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable

from dtac_app.dossier import blocks as D
from dtac_app.dossier import content as C
from dtac_app.dossier.fonts import BOLD, REGULAR, drawable
from dtac_app.dossier.text import clean
from dtac_app.results import Assessment

from .style import BLUE, COVER_BAND, GREY_4, MARGIN_X, MUTED, PAGE_H, PAGE_W, TEXT, WHITE, rgb


@dataclass
class Chrome:
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
        label = plain(m.text)
        if m.official:
            canv.setFont(REGULAR, 7.5)
            canv.setFillColor(WHITE if on_band else rgb(C.ink(m.colour)))
            canv.drawRightString(PAGE_W - MARGIN_X, y, label)
            return
        canv.setFont(BOLD, 9)
        w = canv.stringWidth(label, BOLD, 9) + 12
        canv.setFillColor(WHITE if on_band else rgb(m.colour))
        canv.roundRect(PAGE_W - MARGIN_X - w, y - 3, w, 13, 2, stroke=0, fill=1)
        canv.setFillColor(rgb(m.colour) if on_band else WHITE)
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
        canv.setFillColor(rgb(colour))
        canv.roundRect(right - w, y - 2.2, w, 11, 2, stroke=0, fill=1)
        canv.setFillColor(rgb(C.text_on(colour)))
        canv.drawString(right - w + 4, y + 0.9, label)


def canvas_maker(chrome: Chrome) -> Callable[..., Canvas]:
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


def as_of_timestamp(a: Assessment) -> TimeStamp:
    ts = TimeStamp(invariant=1)
    t = calendar.timegm(a.as_of.timetuple())
    ts.t = t
    ts.lt = time.gmtime(t)
    ts.YMDhms = tuple(ts.lt)[:6]
    ts.dhh = ts.dmm = 0
    ts.tzname = "UTC"
    return ts


class DocTemplate(BaseDocTemplate):
    """Adds an outline entry (PDF bookmark) for every h1 and h2 heading."""

    def afterFlowable(self, flowable: Flowable) -> None:
        level = getattr(flowable, "_outline_level", None)
        if level is None:
            return
        key = f"h{self.seq.nextf('outline')}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable._outline_title, key, level=level, closed=level > 0)


def plain(text: str) -> str:
    """Text drawn directly on the canvas (header, footer, metadata): drawable, no markup to escape."""
    return drawable(clean(text)).replace("\n", " ")
