"""The PDF dossier (ReportLab platypus): the record of an assessment.

Lays out the format-neutral ``document.Document`` (which decides every word): cover → one-page
summary → findings by section → evidence register → regulatory and NICE status → conditions,
reasons, timeline and fixes → appendix of long texts → sign-off. Every page carries the product,
the decision, how the dossier is marked (draft, vendor pre-check or signed by whom) and "Page X of Y".

Reproducible: invariant mode is set on this document only (not globally), the PDF dates are the
assessment date, and nothing reads the clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from dtac_app import __version__
from dtac_app.dossier import blocks as D
from dtac_app.dossier import content as C
from dtac_app.dossier.document import build_document
from dtac_app.dossier.fonts import REGULAR, register_fonts
from dtac_app.dossier.text import clean, clip

from .layout import Builder
from .page import Chrome, DocTemplate, as_of_timestamp, canvas_maker, plain
from .style import FRAME_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_H


def build_story(d: C.DossierInput, doc: D.Document | None = None) -> list[Flowable]:
    """The dossier's flowables (exposed for the benchmark, which builds them with bare ReportLab)."""
    register_fonts()
    return Builder(d, doc or build_document(d)).build()


def make_doc(
    d: C.DossierInput, buf: io.BytesIO, doc: D.Document | None = None
) -> tuple[BaseDocTemplate, Callable[..., Canvas]]:
    a = d.assessment
    document = doc or build_document(d)
    product = clip(clean(document.product).replace("\n", " "), 70, 1)[0]
    chrome = Chrome(
        product=plain(product),
        decision_label=document.decision_label,
        decision_colour=document.decision_colour,
        marking=document.marking,
        as_of=document.as_of,
        footer_text=plain(clip(clean(document.footer).replace("\n", " "), 150, 1)[0]),
        created=as_of_timestamp(a),
    )
    template = DocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=plain(
            f"{document.title}: {product}"
            + ("" if document.marking.official else f" — {document.marking.text}")
        ),
        author="DTAC Workbench",
        subject=plain(document.subject),
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
    return template, canvas_maker(chrome)


def render_pdf(d: C.DossierInput, doc: D.Document | None = None) -> bytes:
    """The PDF of ``doc`` (built from ``d`` when not given)."""
    register_fonts()
    document = doc or build_document(d)
    buf = io.BytesIO()
    template, maker = make_doc(d, buf, document)
    template.build(build_story(d, document), canvasmaker=maker)
    return buf.getvalue()


# The page geometry is exported for the benchmark, which lays out the same story with bare ReportLab.
__all__ = [
    "FRAME_W",
    "MARGIN_BOTTOM",
    "MARGIN_TOP",
    "MARGIN_X",
    "build_story",
    "make_doc",
    "render_pdf",
]
