"""Evidence the vendor plainly stated in an answer: reference numbers, ODS codes, web addresses and
dates, one draft evidence record (marked asserted) per sentence. Pure."""

from __future__ import annotations

import datetime as dt
import re

from dtac_app.criteria import Catalogue, EvidenceRequirement, Question, canon_label

from .result import AssertedEvidence

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_DATE_PATTERNS = [
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b"),
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?\s+(\d{4})\b"),
]


def find_dates(text: str) -> list[tuple[str, dt.date]]:
    """Dates written as 2026-05-01, 01/05/2026 (UK day first) or 1 May 2026."""
    out: list[tuple[int, str, dt.date]] = []
    for i, rx in enumerate(_DATE_PATTERNS):
        for m in rx.finditer(text):
            try:
                if i == 0:
                    d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                elif i == 1:
                    d = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
                else:
                    month = _MONTHS.get(m.group(2).lower())
                    if month is None:
                        continue
                    d = dt.date(int(m.group(3)), month, int(m.group(1)))
            except ValueError:
                continue
            out.append((m.start(), m.group(0), d))
    return [(s, d) for _, s, d in sorted(out)]


_REFERENCE_PATTERNS = [
    re.compile(r"https?://[^\s<>\"'\]]+", re.I),
    # labelled numbers: "certificate number IASME-CE-000123", "registration no. ZA123456"
    re.compile(
        r"\b(?:certificate|registration|reference|licence|license|cert)\.?\s*(?:number|no\.?|#|id)?\s*[:#]?\s*"
        r"([A-Z0-9][A-Z0-9\-/]{3,})",
        re.I,
    ),
    re.compile(r"\b[A-Z]{2,}(?:-[A-Z0-9]+)*-\d{3,}\b"),  # IASME-CE-000123, GB-MF-000012345
    re.compile(r"\bZ[A-Z]\d{6,7}\b"),  # ICO registration numbers
]
_ODS = re.compile(r"\bODS(?:\s+code)?\s*[:#]?\s*([A-Z0-9]{3,6})\b", re.I)
_PERIOD = re.compile(r"\b(20\d\d)[-/](\d\d)\b(?![-/]\d)")
_EXPIRES_WORDS = re.compile(r"expir|valid\s+(?:until|to|through)|renew|due", re.I)
_ISSUED_WORDS = re.compile(
    r"issued|dated|awarded|certified|completed|carried out|conducted|tested|published|registered|passed|achieved|signed",
    re.I,
)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z(])|\n+", text)
    return [p.strip() for p in parts if p.strip()]


def _references(sentence: str) -> list[str]:
    found: list[str] = []
    for rx in _REFERENCE_PATTERNS:
        for m in rx.finditer(sentence):
            ref = (m.group(1) if m.groups() else m.group(0)).rstrip(".,;:)")
            if rx is _REFERENCE_PATTERNS[1] and not any(ch.isdigit() for ch in ref):
                continue
            if not any(ref in f or f in ref for f in found):
                found.append(ref)
    return found


def _kind_for(q: Question, answer: str | None, sentence: str, catalogue: Catalogue) -> str | None:
    reqs: list[EvidenceRequirement] = [
        r for r in q.evidence if answer is None or r.when is None or answer in (r.when or ())
    ]
    if not reqs:
        return None
    if len(reqs) == 1:
        return reqs[0].kind
    s = canon_label(sentence)
    kinds = catalogue.regulatory.evidence_kinds
    named = [
        r.kind
        for r in reqs
        if canon_label(r.label) in s or (r.kind in kinds and canon_label(kinds[r.kind].label) in s)
    ]
    return named[0] if len(named) == 1 else None


def extract_evidence(
    q: Question, answer: str | None, text: str, source: str, catalogue: Catalogue
) -> list[AssertedEvidence]:
    """References the vendor plainly stated (numbers, codes, addresses, dates), one per sentence."""
    out: list[AssertedEvidence] = []
    statuses = {canon_label(s): s for s in catalogue.regulatory.dspt.statuses}
    for sentence in _sentences(text):
        refs = _references(sentence)
        ods = _ODS.search(sentence)
        dates = find_dates(sentence)
        period_m = _PERIOD.search(sentence)
        status = next((label for c, label in statuses.items() if c in canon_label(sentence)), None)
        if not (refs or ods or dates):
            continue
        kind = _kind_for(q, answer, sentence, catalogue)
        issued = expires = None
        for raw, d in dates:
            before = sentence[: sentence.find(raw)]
            if _EXPIRES_WORDS.search(before[-40:]):
                expires = expires or d
            elif _ISSUED_WORDS.search(before[-60:]):
                issued = issued or d
        reference = "; ".join(refs) or "; ".join(raw for raw, _ in dates)
        if ods and not refs:
            reference = f"ODS {ods.group(1).upper()}"
        period = None
        if period_m and int(period_m.group(2)) == (int(period_m.group(1)) + 1) % 100:
            period = f"{period_m.group(1)}-{period_m.group(2)}"
        if issued and expires and expires < issued:
            issued = expires = None  # contradictory: keep the sentence, not the dates
        out.append(
            AssertedEvidence(
                question=q.id,
                kind=kind,
                reference=reference,
                sentence=sentence,
                source=source,
                issued=issued,
                expires=expires,
                ods_code=ods.group(1).upper() if ods and kind == "dspt" else None,
                status=status if kind == "dspt" else None,
                period=period if kind == "dspt" else None,
            )
        )
    return out
