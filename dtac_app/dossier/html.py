"""The accessible HTML dossier: the same content as the PDF, for screen readers and the browser.

ReportLab cannot tag PDFs, so this is the accessible copy: one self-contained file with semantic
headings, real tables (caption, ``<th scope>``), a language, colours that pass WCAG 2.2 AA
contrast, statuses in words as well as colour, print styles, and no scripts or external assets.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from dtac_app import __version__
from dtac_app.dates import fmt
from dtac_app.results import DECISION_COLOURS, Assessment, Finding

from . import content as C
from .json_export import assessment_sha256
from .text import clean


def esc(text: object) -> str:
    """Untrusted text as HTML text: cleaned, then every markup character escaped."""
    return html.escape(clean(text), quote=True)


def _badge(label: str, colour: str) -> str:
    return f'<span class="badge" style="background:{colour};color:{C.text_on(colour)}">{esc(label)}</span>'


def _table(
    caption: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    row_header: bool = True,
    cls: str = "",
) -> str:
    """A data table; cells are already-escaped HTML. The first cell of each row is a row header."""
    out = [
        f'<table class="{cls}">' if cls else "<table>",
        f"<caption>{esc(caption)}</caption>",
        "<thead><tr>",
    ]
    out += [f'<th scope="col">{esc(h)}</th>' for h in header]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            if i == 0 and row_header:
                out.append(f'<th scope="row">{cell}</th>')
            else:
                out.append(f"<td>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _kv(caption: str, rows: Sequence[tuple[str, str]]) -> str:
    """A key/value table (values already escaped HTML)."""
    body = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{v}</td></tr>' for k, v in rows)
    return f'<table class="kv"><caption>{esc(caption)}</caption><tbody>{body}</tbody></table>'


def _text(text: object) -> str:
    """Vendor text in a cell: escaped, direction detected per cell (Arabic, Hebrew read right-to-left)."""
    return f'<span class="vendor" dir="auto">{esc(text)}</span>'


def _findings_rows(findings: Sequence[Finding], fix: bool) -> list[list[str]]:
    rows = []
    for f in findings:
        row = [
            esc(f.rule),
            _badge(C.SEVERITY_LABELS[f.severity], C.SEVERITY_COLOURS[f.severity]),
            _text(f.text),
            _text(f.used or "—"),
        ]
        if fix:
            row.append(_text(f.fix or "—"))
        rows.append(row)
    return rows


def _findings_table(caption: str, findings: Sequence[Finding], *, fix: bool = False) -> str:
    header = ["Rule", "Result", "Finding", "Based on"] + (["How to fix"] if fix else [])
    return _table(caption, header, _findings_rows(findings, fix))


def _verdict(status: str, summary: str) -> str:
    colour = C.VERDICT_COLOURS[status]
    return f"{_badge(C.VERDICT_LABELS[status], colour)} {_text(summary)}"


CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5;
  color: #212B32; background: #FFFFFF; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #FFEB3B; color: #212B32; padding: .5rem; z-index: 2; }
header.banner { background: #005EB8; color: #FFFFFF; padding: 1.5rem 1rem; }
header.banner p { margin: .25rem 0 0; }
.wrap { max-width: 68rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0; }
h2 { font-size: 1.6rem; color: #003087; margin: 2.5rem 0 .75rem; border-bottom: 2px solid #005EB8; padding-bottom: .25rem; }
h3 { font-size: 1.25rem; color: #003087; margin: 1.75rem 0 .5rem; }
a { color: #005EB8; }
a:focus { outline: 3px solid #FFEB3B; background: #FFEB3B; color: #212B32; }
nav ol { columns: 2; padding-left: 1.25rem; }
.product { font-size: 2.2rem; font-weight: bold; color: #003087; margin: 1.5rem 0 0; }
.decision { padding: 1rem 1.25rem; margin: 1rem 0; border-left: 10px solid rgba(0,0,0,.25); }
.decision p { margin: 0; }
.decision .value { font-size: 2rem; font-weight: bold; line-height: 1.2; margin: .25rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.25rem; font-size: .875rem; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; color: #212B32; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid #D8DDE0; }
thead th { background: #F0F4F5; border-bottom: 2px solid #005EB8; }
tbody th { font-weight: bold; }
table.kv th { width: 30%; background: #F0F4F5; }
.badge { display: inline-block; padding: .05rem .45rem; font-weight: bold; border-radius: 3px; white-space: nowrap; }
.vendor { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: isolate; }
.hash { font-family: "DejaVu Sans Mono", Consolas, monospace; overflow-wrap: anywhere; font-size: .8rem; }
.muted { color: #4C6272; }
.not-asked { color: #4C6272; }
.override { font-weight: bold; }
.signoff dd { border-bottom: 1px solid #212B32; min-height: 2rem; margin: 0 0 .75rem; }
.signoff dt { font-weight: bold; }
footer { margin: 3rem 0 2rem; color: #4C6272; font-size: .875rem; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { font-size: 10pt; }
  header.banner { background: none; color: #000; border-bottom: 3pt solid #005EB8; padding: 0 0 6pt; }
  nav, .skip { display: none; }
  nav + section h2, section:first-of-type h2 { break-before: auto; }
  h2 { break-before: page; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  tr, .decision { break-inside: avoid; }
  .badge, .decision, thead th, table.kv th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: #000; text-decoration: none; }
}
"""


def render_html(d: C.DossierInput) -> bytes:
    a = d.assessment
    colour = DECISION_COLOURS[a.decision]
    title = f"{C.TITLE}: {a.product.name} {a.product.version}"
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en-GB">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="DTAC Workbench {esc(__version__)}">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#main">Skip to the dossier</a>',
        '<header class="banner"><div class="wrap">',
        f"<p>{esc(C.TITLE)}</p>",
        f"<p>{esc(C.SUBTITLE)} · assessment as of {esc(fmt(a.as_of))}</p>",
        "</div></header>",
        '<div class="wrap">',
        '<main id="main">',
    ]
    parts += _cover(d, colour)
    parts += [
        '<nav aria-label="Contents"><h2 id="contents">Contents</h2><ol>',
        '<li><a href="#summary">Summary</a></li><li><a href="#findings">Findings by section</a></li>',
        '<li><a href="#evidence">Evidence register</a></li><li><a href="#regulatory">Regulatory and NICE status</a></li>',
        '<li><a href="#conditions">Conditions, reasons and fixes</a></li><li><a href="#signoff">Sign-off</a></li>',
        "</ol></nav>",
    ]
    parts += _summary(a)
    parts += _findings(a)
    parts += _evidence(a)
    parts += _regulatory(a)
    parts += _conditions(a)
    parts += _signoff(d)
    parts += [
        "</main>",
        f"<footer><p>{esc(a.product.name)} {esc(a.product.version)} · Decision: {esc(a.decision_label)} · as of "
        f"{esc(fmt(a.as_of))} · DTAC Workbench {esc(__version__)}, rules engine {esc(a.engine_version)}</p></footer>",
        "</div>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts).encode("utf-8")


def _cover(d: C.DossierInput, colour: str) -> list[str]:
    a = d.assessment
    dtac_hash = a.criteria.hashes.get(a.criteria.set, "")
    return [
        '<section aria-labelledby="product">',
        f'<h1 id="product" class="product" dir="auto">{esc(a.product.name)}</h1>',
        f"<p>Version {_text(a.product.version)} · {_text(a.product.manufacturer)}</p>",
        f'<div class="decision" style="background:{colour};color:{C.text_on(colour)}">',
        "<p>Decision</p>",
        f'<p class="value">{esc(a.decision_label)}</p>',
        f"<p>{esc(a.summary)}</p>",
        "</div>",
        _kv("Validity", [("Valid until", esc(C.valid_until_text(a))), ("Why", esc(a.valid_until_reason))]),
        _kv(
            "Assessment details",
            [
                ("Product", _text(a.product.name)),
                ("Version", _text(a.product.version)),
                ("Manufacturer", _text(a.product.manufacturer)),
                ("Criteria set", esc(f"{a.criteria.title} ({a.criteria.set})")),
                ("Criteria version", esc(a.criteria.version)),
                ("Criteria content hash", f'<span class="hash">SHA-256 {esc(dtac_hash)}</span>'),
                ("Profile", esc(C.PROFILE_LABELS.get(a.profile, a.profile))),
                ("Assessment date (as of)", esc(fmt(a.as_of))),
                ("Submitted on", esc(C.date_text(d.submission.submitted_on, "Not stated"))),
                ("Engine", esc(f"DTAC Workbench {__version__}, rules engine {a.engine_version}")),
            ],
        ),
        "</section>",
    ]


def _summary(a: Assessment) -> list[str]:
    rows = []
    for s in a.sections:
        context = s.role == "context"
        rows.append(
            [
                esc(f"{s.id} {s.title}"),
                _badge(C.section_label(s, a.d1.percent), C.SECTION_STATUS_COLOURS[s.status]),
                "—" if context else str(s.passed),
                "—" if context else str(s.failed),
                "—" if context else str(s.missing),
                str(s.asked),
            ]
        )
    out = [
        '<section aria-labelledby="summary">',
        '<h2 id="summary">Summary</h2>',
        f"<p>{esc(a.summary)}</p>",
        _table("Section results", ["Section", "Result", "Met", "Not met", "Missing", "Asked"], rows),
        _kv(
            "Key results",
            [
                ("D1 usability and accessibility", esc(C.d1_text(a))),
                ("GB device regulation", _verdict(a.regulatory.status, a.regulatory.summary)),
                (
                    "NICE back-pain guidance",
                    _verdict(a.nice.status, a.nice.summary)
                    if a.nice.applies
                    else esc("Not applied (profile dtac)"),
                ),
                ("Valid until", esc(C.valid_until_sentence(a))),
            ],
        ),
        '<h3 id="summary-reasons">Reasons for the decision</h3><ul>',
        *[f"<li>{_text(C.finding_line(f))}</li>" for f in a.reasons],
        "</ul>",
    ]
    if a.conditions and a.reasons != a.conditions:
        out += [
            '<h3 id="summary-conditions">Conditions</h3><ul>',
            *[f"<li>{_text(C.finding_line(f))}</li>" for f in a.conditions],
            "</ul>",
        ]
    if a.fixes:
        out += [
            '<h3 id="summary-fixes">Top fixes (most impact first)</h3><ol>',
            *[f"<li>{_text(f.action)}</li>" for f in a.fixes[:5]],
            "</ol>",
        ]
    out.append("</section>")
    return out


def _findings(a: Assessment) -> list[str]:
    out = [
        '<section aria-labelledby="findings">',
        '<h2 id="findings">Findings by section</h2>',
        "<p>Every question on the form, in form order: the supplier’s answer, the outcome and the reason, any "
        "assessor override with its rationale, and whether the answer was asserted by the supplier or verified by an "
        "assessor. Evidence references (E1, E2, …) point to the evidence register.</p>",
    ]
    for sec, qs in C.questions_by_section(a):
        if not qs:
            continue
        colour = C.SECTION_STATUS_COLOURS[sec.status]
        out.append(f'<h3 id="section-{esc(sec.id)}">{esc(sec.id)} {esc(sec.title)}</h3>')
        out.append(
            f"<p>{_badge(C.section_label(sec, a.d1.percent), colour)} {esc(C.section_counts(sec))}</p>"
        )
        rows = []
        for q in qs:
            outcome = _badge(C.outcome_label(q), C.OUTCOME_COLOURS[q.outcome])
            if q.override is not None:
                outcome += '<br><span class="override">(assessor override)</span>'
            reason = [_text(C.reason_text(q))]
            if q.override is not None:
                reason.append(f"<strong>Assessor override.</strong> {_text(C.override_text(q))}")
            if q.condition:
                reason.append(_text(f"Condition: {q.condition}"))
            if q.evidence:
                reason.append(esc(f"Evidence: {C.evidence_refs(q)}"))
            qid = esc(q.id) if q.asked else f'<span class="not-asked">{esc(q.id)}</span>'
            rows.append(
                [
                    qid,
                    esc(q.short),
                    _text(q.answer if q.answer is not None else "—"),
                    outcome,
                    "<br>".join(reason),
                    _text(C.provenance_text(q)),
                ]
            )
        out.append(
            _table(
                f"{sec.id} {sec.title}: questions",
                ["ID", "Question", "Answer", "Outcome", "Reason, override, evidence", "Provenance"],
                rows,
            )
        )
        if sec.id == "D1" and a.d1.items:
            items = [
                [esc(i.id), f"{i.weight:g}", "—" if i.points is None else f"{i.points:g}", esc(i.note or "—")]
                for i in a.d1.items
            ]
            out.append(f"<p>D1 score: {esc(C.d1_text(a))}</p>")
            out.append(_table("D1 points by item", ["Item", "Weight", "Points", "Note"], items))
    out.append("</section>")
    return out


def _evidence(a: Assessment) -> list[str]:
    out = [
        '<section aria-labelledby="evidence">',
        '<h2 id="evidence">Evidence register</h2>',
        f"<p>Every evidence record in the submission with its state on {esc(fmt(a.as_of))} and the SHA-256 of its "
        "file. “dtac verify” recomputes these hashes from the files and re-runs the assessment.</p>",
    ]
    if not a.evidence:
        out += ["<p>The submission lists no evidence.</p>", "</section>"]
        return out
    rows = []
    for e in a.evidence:
        name = f"<strong>{esc(e.label)}</strong><br>{_text(C.evidence_name(e))}"
        if e.title and e.file:
            name += f'<br><span class="muted">{_text(e.title)}</span>'
        digest = (
            f'<span class="hash">{esc(e.sha256)}</span>' if e.sha256 else "— no file supplied (a record only)"
        )
        rows.append(
            [
                esc(C.evidence_ref(e.index)),
                name,
                esc(e.question),
                _text(C.evidence_reference(e) or "—"),
                esc(C.date_text(e.issued)),
                esc(C.date_text(e.expires)),
                f"{_badge(C.EVIDENCE_STATE_LABELS[e.state], C.EVIDENCE_STATE_COLOURS[e.state])}<br>{_text(e.detail)}",
                digest,
            ]
        )
    out.append(
        _table(
            "Evidence register",
            [
                "Ref",
                "Evidence and file",
                "Question",
                "Reference / issuer",
                "Issued",
                "Expires",
                "Status",
                "SHA-256",
            ],
            rows,
        )
    )
    out.append("</section>")
    return out


def _regulatory(a: Assessment) -> list[str]:
    reg, nice = a.regulatory, a.nice
    out = [
        '<section aria-labelledby="regulatory">',
        '<h2 id="regulatory">Regulatory and NICE status</h2>',
        '<h3 id="regulatory-gb">GB medical-device regulation</h3>',
        _kv(
            "GB medical-device status",
            [
                ("Result", _verdict(reg.status, reg.summary)),
                ("Medical device", "Yes" if reg.applies else "No (the device rules do not apply)"),
                ("Device class", esc(reg.device_class or "—")),
                ("Marking", esc(reg.marking or "—")),
                ("GB acceptance ends", esc(C.date_text(reg.accepted_until))),
                ("MHRA registration", _text(reg.mhra_registration or "—")),
            ],
        ),
    ]
    if reg.findings:
        out.append(_findings_table("Regulatory findings", reg.findings))
    out.append('<h3 id="regulatory-nice">NICE back-pain guidance (HTE16 and NG59)</h3>')
    if not nice.applies:
        out += [
            f"<p>{esc(nice.summary)} The assessment ran under the “{esc(a.profile)}” profile.</p>",
            "</section>",
        ]
        return out
    out.append(
        _kv(
            "NICE status",
            [
                ("Result", _verdict(nice.status, nice.summary)),
                ("Technology", esc(nice.technology or "Not assessed by NICE")),
                ("HTE16 status", esc(nice.nice_status_label or "—")),
            ],
        )
    )
    out.append("<h4>Evidence-generation obligations (HTE16 1.2–1.3)</h4>")
    if nice.obligations:
        out += ["<ul>", *[f"<li>{esc(o)}</li>" for o in nice.obligations], "</ul>"]
    else:
        out.append("<p>None: NICE’s evidence-generation conditions do not apply to this product.</p>")
    if nice.content:
        out.append(_findings_table("NG59 clinical-content findings", nice.content))
    else:
        out.append("<p>No content items were listed, so no NG59 content rules were applied.</p>")
    if nice.findings:
        out.append(_findings_table("Population, referral and HTE16 findings", nice.findings))
    out.append("</section>")
    return out


def _conditions(a: Assessment) -> list[str]:
    out = [
        '<section aria-labelledby="conditions">',
        '<h2 id="conditions">Conditions, reasons and fixes</h2>',
        _findings_table("Reasons for the decision", a.reasons, fix=True),
    ]
    if a.conditions:
        out.append(_findings_table("Conditions attached", a.conditions, fix=True))
    else:
        out.append("<p>No conditions are attached to this decision.</p>")
    out.append('<h3 id="timeline">Decision timeline</h3>')
    out.append(f"<p>Valid until: {esc(C.valid_until_sentence(a))}</p>")
    if a.events:
        rows = [
            [esc(fmt(e.on)), esc(C.EFFECT_LABELS[e.effect]), _text(e.text), esc(e.rule)] for e in a.events
        ]
        out.append(_table("Dated changes", ["Date", "Effect", "What changes", "Rule"], rows))
    else:
        out.append("<p>No dated changes are known.</p>")
    out.append('<h3 id="fixes">What would change the decision</h3>')
    if a.fixes:
        rows = [
            [str(f.rank), esc(f.rule), esc(C.SEVERITY_LABELS[f.severity]), _text(f.action), _text(f.impact)]
            for f in a.fixes
        ]
        out.append(_table("Fixes, most impact first", ["#", "Rule", "Type", "Action", "Impact"], rows))
    else:
        out.append("<p>Nothing to fix: the product meets every rule that applies.</p>")
    out.append("</section>")
    return out


def _signoff(d: C.DossierInput) -> list[str]:
    a = d.assessment
    out = [
        '<section aria-labelledby="signoff">',
        '<h2 id="signoff">Sign-off</h2>',
        _kv(
            "Reproducibility",
            [
                ("Assessment fingerprint", f'<span class="hash">SHA-256 {assessment_sha256(a)}</span>'),
                ("Signing key", esc(C.signing_text(d))),
                *[
                    (f"Criteria file {k}", f'<span class="hash">SHA-256 {esc(v)}</span>')
                    for k, v in C.criteria_rows(a)
                ],
                (
                    "Check",
                    "Run “dtac verify” on the JSON dossier to recompute evidence hashes and re-run the assessment.",
                ),
            ],
        ),
    ]
    blocks = d.signoff_blocks
    for i, so in enumerate(blocks, start=1):
        suffix = f" ({i})" if len(blocks) > 1 else ""
        out.append(f'<h3 id="signoff-{i}">Assessor sign-off{suffix}</h3>')
        out.append(f"<p>{esc(so.statement or C.DEFAULT_SIGNOFF_STATEMENT)}</p>")
        out.append('<dl class="signoff">')
        lines = list(C.signoff_lines(so))
        lines.insert(3, ("Signature", ""))
        for k, v in lines:
            value = _text(v) if v else '<span class="muted">(not yet signed)</span>'
            out.append(f"<dt>{esc(k)}</dt><dd>{value}</dd>")
        out.append("</dl>")
    out.append("</section>")
    return out
