"""The two charts the dossier draws (answers by section, D1 points per item)."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from dtac_app.dossier import content as C
from dtac_app.dossier.fonts import BOLD, REGULAR
from dtac_app.results import Assessment

from .style import BLUE, FRAME_W, GREY_4, TEXT, rgb


def _drawing(w: float, h: float) -> Drawing:
    d = Drawing(w, h)
    d.initialFontName = REGULAR  # the renderer's default is Helvetica, a font we do not embed
    d.initialFontSize = 7
    return d


def section_chart(a: Assessment) -> Drawing:
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
        bc.bars[i].fillColor = rgb(col)
        bc.bars[i].strokeColor = None
    d.add(bc)
    x = 18.0
    for label, col in zip(("Met", "Not met", "Missing"), palette, strict=True):
        d.add(Rect(x, 4, 7, 7, fillColor=rgb(col), strokeColor=None))
        d.add(String(x + 10, 5, label, fontName=REGULAR, fontSize=7, fillColor=TEXT))
        x += 10 + stringWidth(label, REGULAR, 7) + 9
    return d


def d1_chart(a: Assessment) -> Drawing:
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
