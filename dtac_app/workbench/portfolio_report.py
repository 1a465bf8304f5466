"""The portfolio report: the back-pain comparison as a table, in accessible HTML and in PDF.

"Which of these apps may we offer, to whom": one row per product with its decision, valid-until
date, fit (acute or long-lasting pain) and one column per gate, each state written in words and
shown in colour; then the HTE16 features per product. Rows come from the store
(``portfolio.portfolio``) or from a folder of submission files (``rows_from_directory``); the
filters are the workbench's (decision, fit, profile).

Every product name and detail is text from a submission: escaped for HTML (Jinja2 autoescape) and
for ReportLab's paragraph markup, never markup itself.

One concern, one module (a little over 500 lines): the report's rows, its filters and its two
renderings change together (a new gate or column touches all of them), and the renderers share
the row model and the wording. ReportLab and Jinja2 are imported inside the renderers, so the
pages and the CLI that only filter rows never load them.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dtac_app import __version__
from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError
from dtac_app.gates import FIT_LABELS, GATE_LABELS, GATE_STATE_COLOURS, GATE_STATE_LABELS, GATES, GateState
from dtac_app.results import DECISION_LABELS, DECISION_ORDER

from .portfolio import PortfolioRow, summarise

NOT_ASSESSED = "Not assessed"
FIT_NOT_STATED = "not_stated"
FIT_FILTER_LABELS: dict[str, str] = {
    **{str(k): v for k, v in FIT_LABELS.items()},
    FIT_NOT_STATED: "Not stated",
}
# Light tints behind dark text (contrast well above 4.5:1); the state is also written in words.
STATE_TINTS: dict[GateState, str] = {
    "pass": "#DDEFE3",
    "condition": "#DCE9F6",
    "research": "#F1E0E9",
    "fail": "#F8DAD7",
    "missing": "#FCE9D0",
    "not_applicable": "#EDEFF1",
}
TEXT = "#212B32"


@dataclass(frozen=True)
class Filters:
    decisions: frozenset[str] = frozenset()  # decision keys ("" = not assessed)
    fits: frozenset[str] = frozenset()  # "acute", "chronic", "not_stated"
    profiles: frozenset[str] = frozenset()

    def describe(self) -> str:
        parts = []
        if self.decisions:
            parts.append(
                "decision: " + ", ".join(DECISION_LABELS.get(d, NOT_ASSESSED) for d in sorted(self.decisions))  # type: ignore[call-overload]
            )
        if self.fits:
            parts.append("fit: " + ", ".join(FIT_FILTER_LABELS[f] for f in sorted(self.fits)))
        if self.profiles:
            parts.append("profile: " + ", ".join(sorted(self.profiles)))
        return "; ".join(parts) or "none (every product)"


def row_fits(row: PortfolioRow) -> set[str]:
    return set(row.fit) or {FIT_NOT_STATED}


def filter_rows(rows: Iterable[PortfolioRow], f: Filters) -> list[PortfolioRow]:
    """The rows matching every chosen filter (an empty choice matches everything)."""
    out = []
    for r in rows:
        if f.decisions and r.decision not in f.decisions:
            continue
        if f.fits and not (row_fits(r) & f.fits):
            continue
        if f.profiles and r.profile not in f.profiles:
            continue
        out.append(r)
    return out


def parse_filters(decisions: Sequence[str], fits: Sequence[str], profiles: Sequence[str]) -> Filters:
    """Filters from command-line values, each checked against its allowed values."""
    allowed_d = set(DECISION_ORDER) | {"not_assessed"}
    for d in decisions:
        if d not in allowed_d:
            raise InputError(
                "--decision", "", f"'{d}' is not a decision; use one of: {', '.join(sorted(allowed_d))}"
            )
    for x in fits:
        if x not in FIT_FILTER_LABELS:
            raise InputError("--fit", "", f"'{x}' is not a fit; use one of: {', '.join(FIT_FILTER_LABELS)}")
    for p in profiles:
        if p not in ("dtac", "nice-lbp"):
            raise InputError("--profile", "", f"'{p}' is not a profile; use dtac or nice-lbp")
    return Filters(
        decisions=frozenset("" if d == "not_assessed" else d for d in decisions),
        fits=frozenset(fits),
        profiles=frozenset(profiles),
    )


def rows_from_directory(directory: Path, *, as_of: dt.date) -> tuple[list[PortfolioRow], list[InputError]]:
    """Assess every submission file in a folder; bad files are returned as errors, not raised."""
    from .assessing import assess_file, find_submissions

    rows: list[PortfolioRow] = []
    errors: list[InputError] = []
    for i, path in enumerate(find_submissions(directory), start=1):
        try:
            _, a = assess_file(path, as_of=as_of)
        except InputError as e:
            errors.append(e)
            continue
        rows.append(
            PortfolioRow(
                product_id=i,
                assessment_id=None,
                revision=None,
                product=a.product.name,
                version=a.product.version,
                manufacturer=a.product.manufacturer,
                organisation=a.product.manufacturer,
                status="not reviewed",
                decision=a.decision,
                decision_label=a.decision_label,
                **summarise(a),
            )
        )
    return rows, errors


def sort_rows(rows: Iterable[PortfolioRow]) -> list[PortfolioRow]:
    """Back-pain products first, then by decision (most favourable first), then by name."""
    rank: dict[str, int] = {d: i for i, d in enumerate(reversed(DECISION_ORDER))}
    return sorted(
        rows,
        key=lambda r: (r.profile != "nice-lbp", rank.get(r.decision, 99), r.product.casefold(), r.version),
    )


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


def fit_text(row: PortfolioRow) -> str:
    return "; ".join(FIT_LABELS[f] for f in row.fit) or "Not stated"


@dataclass(frozen=True)
class ReportCell:
    text: str
    state: GateState | None = None
    detail: str = ""


@dataclass(frozen=True)
class ReportRow:
    product: str
    manufacturer: str
    decision: str
    decision_label: str
    valid_until: str
    next_expiry: str
    fit: str
    profile: str
    gates: tuple[ReportCell, ...]
    features: tuple[bool, ...]


def report_rows(rows: Iterable[PortfolioRow], catalogue: Catalogue) -> list[ReportRow]:
    feature_ids = [f.id for f in catalogue.nice.features]
    out = []
    for r in sort_rows(rows):
        by_id = {g.id: g for g in r.gates}
        cells = []
        for gid, _ in GATES:
            g = by_id.get(gid)
            cells.append(
                ReportCell(GATE_STATE_LABELS[g.state], g.state, g.detail) if g else ReportCell("—", None, "")
            )
        out.append(
            ReportRow(
                product=f"{r.product} {r.version}",
                manufacturer=r.manufacturer,
                decision=r.decision,
                decision_label=r.decision_label,
                valid_until=_date(r.valid_until),
                next_expiry=_date(r.next_expiry),
                fit=fit_text(r) if r.profile == "nice-lbp" else "—",
                profile=r.profile or "—",
                gates=tuple(cells),
                features=tuple(fid in r.features for fid in feature_ids),
            )
        )
    return out


# ------------------------------------------------------------------------------------------ HTML

_HTML = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="DTAC Workbench {{ version }}">
<title>{{ title }}</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #212B32; margin: 1.5rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
p.meta { color: #425563; margin: .2rem 0; }
table { border-collapse: collapse; margin-top: .6rem; font-size: .85rem; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border: 1px solid #AEB7BD; padding: .3rem .45rem; vertical-align: top; text-align: left; }
thead th { background: #E8EDEE; }
th[scope=row] { font-weight: normal; }
th[scope=row] strong { display: block; }
td.state { border-left-width: 6px; min-width: 6.5rem; }
td.state .word { font-weight: bold; display: block; }
td.state .detail { font-size: .78rem; }
.legend li { display: inline-block; margin-right: 1rem; padding: .1rem .4rem; border-left: 6px solid; }
ul.legend { padding: 0; }
td.yes { font-weight: bold; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p class="meta">As of {{ as_of }} · {{ rows|length }} product{{ '' if rows|length == 1 else 's' }} · filters: {{ filters }}</p>
<p class="meta">{{ source }}</p>
<p>Each gate is written in words and shown in colour: {% for s in states %}{{ labels[s] }}{{ ', ' if not loop.last else '.' }}{% endfor %}
Gates come from the assessment results; fit and features are as the vendor stated them and do not change the decision.</p>
<ul class="legend" aria-label="Gate states">
{% for s in states %}<li style="border-color: {{ colours[s] }}; background: {{ tints[s] }}">{{ labels[s] }}</li>
{% endfor %}</ul>

<h2 id="gates">Gate matrix</h2>
<table>
<caption>Decision, validity, fit and gates per product</caption>
<thead><tr>
<th scope="col">Product</th><th scope="col">Decision</th><th scope="col">Valid until</th><th scope="col">Next expiry</th><th scope="col">Fit</th>
{% for g in gate_labels %}<th scope="col">{{ g }}</th>{% endfor %}
</tr></thead>
<tbody>
{% for r in rows %}<tr>
<th scope="row"><strong>{{ r.product }}</strong>{{ r.manufacturer }} · {{ r.profile }}</th>
<td class="state" style="border-left-color: {{ decision_colours.get(r.decision, '#768692') }}"><span class="word">{{ r.decision_label }}</span></td>
<td>{{ r.valid_until }}</td><td>{{ r.next_expiry }}</td><td>{{ r.fit }}</td>
{% for c in r.gates %}{% if c.state %}<td class="state" style="border-left-color: {{ colours[c.state] }}; background: {{ tints[c.state] }}"><span class="word">{{ c.text }}</span><span class="detail">{{ c.detail }}</span></td>{% else %}<td>—</td>{% endif %}
{% endfor %}</tr>
{% endfor %}</tbody>
</table>

<h2 id="features">HTE16 features</h2>
<p>The features NICE highlighted in HTE16, as each vendor of a back-pain product stated them (reported for comparison; they do not change the decision).</p>
<table>
<caption>HTE16 features per product</caption>
<thead><tr><th scope="col">Product</th>{% for f in features %}<th scope="col">{{ f }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in rows if r.profile == 'nice-lbp' %}<tr><th scope="row">{{ r.product }}</th>{% for has in r.features %}<td class="{{ 'yes' if has else 'no' }}">{{ 'Yes' if has else 'No' }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
</main>
</body>
</html>
"""

TITLE = "Back-pain comparison: portfolio report"


def _context(
    rows: list[ReportRow], catalogue: Catalogue, as_of: dt.date, filters: Filters, source: str
) -> dict[str, Any]:
    from dtac_app.results import DECISION_COLOURS

    states = ("pass", "condition", "research", "fail", "missing", "not_applicable")
    return {
        "title": TITLE,
        "version": __version__,
        "as_of": as_of.isoformat(),
        "rows": rows,
        "filters": filters.describe(),
        "source": source,
        "states": states,
        "labels": GATE_STATE_LABELS,
        "colours": GATE_STATE_COLOURS,
        "tints": STATE_TINTS,
        "gate_labels": [GATE_LABELS[g] for g, _ in GATES],
        "features": [f.label for f in catalogue.nice.features],
        "decision_colours": DECISION_COLOURS,
    }


def render_html(
    rows: Iterable[PortfolioRow],
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    filters: Filters = Filters(),
    source: str = "",
) -> str:
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)
    return env.from_string(_HTML).render(
        **_context(report_rows(rows, catalogue), catalogue, as_of, filters, source)
    )


# ------------------------------------------------------------------------------------------ PDF


def render_pdf(
    rows: Iterable[PortfolioRow],
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    filters: Filters = Filters(),
    source: str = "",
) -> bytes:
    """The same tables as the HTML, on landscape A4; byte-identical for the same inputs."""
    import calendar
    import time

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import TimeStamp
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from dtac_app.dossier.fonts import BOLD, REGULAR, register_fonts
    from dtac_app.dossier.text import para
    from dtac_app.results import DECISION_COLOURS

    register_fonts()
    data = report_rows(rows, catalogue)
    page_w, page_h = landscape(A4)
    margin = 10 * mm
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=8, leading=10, textColor=colors.HexColor(TEXT))
    small = ParagraphStyle("small", parent=body, fontSize=6.2, leading=7.4)
    word = ParagraphStyle("word", parent=small, fontName=BOLD, fontSize=6.6, leading=8)
    head = ParagraphStyle("head", parent=small, fontName=BOLD)
    h1 = ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=15, leading=19, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
    )

    stamp = TimeStamp(invariant=1)
    t = calendar.timegm(as_of.timetuple())
    stamp.t, stamp.lt = t, time.gmtime(t)
    stamp.YMDhms = tuple(stamp.lt)[:6]
    stamp.dhh = stamp.dmm = 0
    stamp.tzname = "UTC"

    class _Canvas(Canvas):
        """Holds pages back so each footer can say "Page X of Y"."""

        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            self._doc._timeStamp = stamp  # PDF dates = the report date, never the clock
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for n, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                self.setFont(REGULAR, 7)
                self.setFillColor(colors.HexColor("#425563"))
                self.drawString(margin, 6 * mm, f"{TITLE} · as of {as_of.isoformat()}")
                self.drawRightString(page_w - margin, 6 * mm, f"Page {n} of {len(self._held)}")
                Canvas.showPage(self)
            Canvas.save(self)

    story: list[Any] = [
        Paragraph(para(TITLE), h1),
        Paragraph(
            para(
                f"As of {as_of.isoformat()} · {len(data)} product{'' if len(data) == 1 else 's'} · "
                f"filters: {filters.describe()}"
            ),
            body,
        ),
    ]
    if source:
        story.append(Paragraph(para(source), body))
    story.append(
        Paragraph(
            para(
                "Each gate is written in words and shown in colour: "
                + ", ".join(GATE_STATE_LABELS.values())
                + ". Gates come from the assessment results; fit and features are as the vendor stated "
                "them and do not change the decision."
            ),
            body,
        )
    )
    story.append(Paragraph(para("Gate matrix"), h2))
    header = ["Product", "Decision", "Valid until", "Next expiry", "Fit", *(GATE_LABELS[g] for g, _ in GATES)]
    table: list[list[Any]] = [[Paragraph(para(h), head) for h in header]]
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#AEB7BD")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EDEE")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for i, r in enumerate(data, start=1):
        cells: list[Any] = [
            Paragraph(f"<b>{para(r.product)}</b><br/>{para(r.manufacturer)} · {para(r.profile)}", small),
            Paragraph(para(r.decision_label), word),
            Paragraph(para(r.valid_until), small),
            Paragraph(para(r.next_expiry), small),
            Paragraph(para(r.fit), small),
        ]
        colours: dict[str, str] = {str(k): v for k, v in DECISION_COLOURS.items()}
        decision_colour = colours.get(r.decision, "#768692")
        style.append(("LINEBEFORE", (1, i), (1, i), 3, colors.HexColor(decision_colour)))
        for j, c in enumerate(r.gates, start=5):
            if c.state is None:
                cells.append(Paragraph("—", small))
                continue
            detail = para(c.detail[:90] + ("…" if len(c.detail) > 90 else ""))
            cells.append(Paragraph(f"<b>{para(c.text)}</b><br/><font size=5.6>{detail}</font>", small))
            style.append(("BACKGROUND", (j, i), (j, i), colors.HexColor(STATE_TINTS[c.state])))
            style.append(("LINEBEFORE", (j, i), (j, i), 3, colors.HexColor(GATE_STATE_COLOURS[c.state])))
        table.append(cells)
    avail = page_w - 2 * margin
    first = [34 * mm, 22 * mm, 16 * mm, 16 * mm, 20 * mm]
    rest = (avail - sum(first)) / len(GATES)
    gates_table = Table(table, colWidths=[*first, *([rest] * len(GATES))], repeatRows=1)
    gates_table.setStyle(TableStyle(style))
    story.append(gates_table)

    story.append(Paragraph(para("HTE16 features"), h2))
    story.append(
        Paragraph(
            para(
                "The features NICE highlighted in HTE16, as each vendor of a back-pain product stated them "
                "(reported for comparison; they do not change the decision)."
            ),
            body,
        )
    )
    labels = [f.label for f in catalogue.nice.features]
    ftable: list[list[Any]] = [[Paragraph(para(h), head) for h in ["Product", *labels]]]
    for r in (r for r in data if r.profile == "nice-lbp"):
        ftable.append(
            [
                Paragraph(para(r.product), small),
                *(Paragraph("<b>Yes</b>" if has else "No", small) for has in r.features),
            ]
        )
    fw = (avail - 40 * mm) / max(1, len(labels))
    features_table = Table(ftable, colWidths=[40 * mm, *([fw] * len(labels))], repeatRows=1)
    features_table.setStyle(TableStyle(style[:5]))
    story.append(features_table)
    story.append(Spacer(1, 4))

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=(page_w, page_h),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=12 * mm,
        title=TITLE,
        author="DTAC Workbench",
        subject=f"Back-pain comparison as of {as_of.isoformat()}",
        creator=f"DTAC Workbench {__version__}",
        lang="en-GB",
        displayDocTitle=1,
        invariant=1,
        initialFontName=REGULAR,
    )
    doc.build(story, canvasmaker=_Canvas)
    return buf.getvalue()


def write_report(
    rows: Iterable[PortfolioRow],
    catalogue: Catalogue,
    out_dir: Path,
    formats: Sequence[str],
    *,
    as_of: dt.date,
    filters: Filters = Filters(),
    source: str = "",
) -> dict[str, Path]:
    """Build every requested format first, then write each atomically; returns the paths."""
    rows = list(rows)
    built: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "html":
            built[fmt] = render_html(rows, catalogue, as_of=as_of, filters=filters, source=source).encode()
        elif fmt == "pdf":
            built[fmt] = render_pdf(rows, catalogue, as_of=as_of, filters=filters, source=source)
        else:
            raise InputError("--format", "", f"'{fmt}' is not a report format; use pdf and/or html")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for fmt, content in built.items():
        path = out_dir / f"portfolio-report-{as_of.isoformat()}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        paths[fmt] = path
    return paths
