"""Portfolio and calendar rows: what the workbench lists for every product a user may see.

``summarise`` is pure (an Assessment in, a compact row out); ``portfolio`` asks the Workbench,
which checks access, and caches each summary by (assessment id, revision) because a stored
revision never changes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from dtac_app.gates import Fit, Gate, derive_gates
from dtac_app.results import Assessment
from dtac_app.store.views import Actor, ProductSummary

from .calendar_ics import CalendarEntry
from .facade import Workbench


@dataclass(frozen=True)
class CalendarItem:
    on: dt.date
    kind: str  # "expiry" (evidence or certificate lapses), "deadline" (legal date), "window", "decision"
    text: str
    rule: str = ""


@dataclass(frozen=True)
class PortfolioRow:
    product_id: int
    assessment_id: int | None
    revision: int | None
    product: str
    version: str
    manufacturer: str
    organisation: str
    status: str
    decision: str
    decision_label: str
    profile: str = ""
    criteria_set: str = ""
    as_of: dt.date | None = None
    sections: dict[str, str] = field(default_factory=dict)
    d1_percent: float | None = None
    device_class: str | None = None
    marking: str | None = None
    regulatory: str = ""
    nice_technology: str | None = None
    nice_status: str = ""
    next_expiry: dt.date | None = None
    next_expiry_what: str = ""
    valid_until: dt.date | None = None
    valid_until_reason: str = ""
    failures: int = 0
    missing: int = 0
    conditions: int = 0
    calendar: tuple[CalendarItem, ...] = ()
    gates: tuple[Gate, ...] = ()
    fit: tuple[Fit, ...] = ()
    features: tuple[str, ...] = ()

    @property
    def sections_met(self) -> int:
        """How many assessed sections (C1–C4) are met."""
        return sum(status == "met" for status in self.sections.values())


# What each kind of engine time event is on the calendar.
_CALENDAR_KIND: dict[str, str] = {
    "evidence_expiry": "expiry",
    "renewal_window": "window",
    "evidence_current": "deadline",
    "device_deadline": "deadline",
    "status_change": "deadline",
    "form_retired": "deadline",
}


class Summary(TypedDict):
    """The portfolio columns of one assessment (the fields of :class:`PortfolioRow` it fills)."""

    profile: str
    criteria_set: str
    as_of: dt.date | None
    sections: dict[str, str]
    d1_percent: float | None
    device_class: str | None
    marking: str | None
    regulatory: str
    nice_technology: str | None
    nice_status: str
    next_expiry: dt.date | None
    next_expiry_what: str
    valid_until: dt.date | None
    valid_until_reason: str
    failures: int
    missing: int
    conditions: int
    calendar: tuple[CalendarItem, ...]
    gates: tuple[Gate, ...]
    fit: tuple[Fit, ...]
    features: tuple[str, ...]


def summarise(result: Assessment) -> Summary:
    """The portfolio columns of one assessment result (pure)."""
    sev = [f.severity for f in result.findings]
    expiries = sorted(
        (e.expires, e.label) for e in result.evidence if e.expires is not None and e.expires >= result.as_of
    )
    if result.regulatory.accepted_until and result.regulatory.accepted_until >= result.as_of:
        expiries.append(
            (result.regulatory.accepted_until, f"{result.regulatory.marking} accepted in GB until")
        )
        expiries.sort()
    covered = {ev.rule for ev in result.events}
    cal: list[CalendarItem] = [
        CalendarItem(
            on=e.expires, kind="expiry", text=f"{e.label} ({e.question}) last valid day", rule=e.question
        )
        for e in result.evidence
        if e.expires is not None and f"{e.kind}@{e.question}" not in covered
    ]
    for ev in result.events:
        cal.append(CalendarItem(on=ev.on, kind=_CALENDAR_KIND[ev.kind], text=ev.text, rule=ev.rule))
    if result.changes_on:
        # The decision holds through valid_until; the calendar marks the day it changes.
        why = "; ".join(dict.fromkeys(e.text for e in result.change_events))
        cal.append(
            CalendarItem(
                on=result.changes_on,
                kind="decision",
                text=f"No longer '{result.decision_label}': {why}",
                rule="decision",
            )
        )
    cal.sort(key=lambda c: (c.on, c.kind, c.text))
    gate_row = derive_gates(result)
    return Summary(
        profile=result.profile,
        criteria_set=result.criteria.set,
        as_of=result.as_of,
        sections={s.id: s.status for s in result.sections if s.role == "assessed"},
        d1_percent=result.d1.percent,
        device_class=result.regulatory.device_class,
        marking=result.regulatory.marking,
        regulatory=result.regulatory.status,
        nice_technology=result.nice.technology,
        nice_status=(result.nice.nice_status_label or result.nice.status) if result.nice.applies else "",
        next_expiry=expiries[0][0] if expiries else None,
        next_expiry_what=expiries[0][1] if expiries else "",
        valid_until=result.valid_until,
        valid_until_reason=result.valid_until_reason,
        failures=sev.count("fail"),
        missing=sev.count("missing"),
        conditions=sev.count("condition"),
        calendar=tuple(cal),
        gates=gate_row.gates,
        fit=gate_row.fit,
        features=gate_row.features,
    )


_cache: dict[tuple[str, int, int], Summary] = {}
_lock = threading.Lock()
_CACHE_MAX = 20_000


def _summaries(wf: Workbench, actor: Actor, products: list[ProductSummary]) -> dict[int, Summary]:
    """Summaries of each product's latest assessment; cache misses are fetched in one query."""
    out: dict[int, Summary] = {}
    missing: list[int] = []
    for p in products:
        if p.latest is None:
            continue
        hit = _cache.get((wf.db.url, p.latest.id, p.latest.current_revision))
        if hit is None:
            missing.append(p.latest.id)
        else:
            out[p.latest.id] = hit
    if missing:
        fetched = wf.current_results(actor, missing)
        with _lock:
            if len(_cache) > _CACHE_MAX:
                _cache.clear()
            for aid, (rev, data) in fetched.items():
                summary = summarise(Assessment.model_validate(data))
                _cache[(wf.db.url, aid, rev)] = summary
                out[aid] = summary
    return out


_rows: dict[tuple[object, ...], tuple[tuple[int, ...], list[PortfolioRow]]] = {}
_ROWS_MAX = 200


def portfolio(wf: Workbench, actor: Actor) -> list[PortfolioRow]:
    """One row per product the actor may see (the Workbench enforces who sees what).

    The rows are kept per database and actor while the store's change stamp stays the same, so a
    page re-run (a filter, a click) does not read every product again; any saved change moves the
    stamp and the next call reads afresh."""
    stamp = wf.change_stamp(actor)
    key = (wf.db.url, actor.id, actor.role, actor.organisation_id)
    hit = _rows.get(key)
    if hit is not None and hit[0] == stamp:
        return list(hit[1])
    rows = _read_portfolio(wf, actor)
    with _lock:
        if len(_rows) > _ROWS_MAX:
            _rows.clear()
        _rows[key] = (stamp, rows)
    return list(rows)


def _read_portfolio(wf: Workbench, actor: Actor) -> list[PortfolioRow]:
    products = wf.list_products(actor)
    summaries = _summaries(wf, actor, products)
    rows: list[PortfolioRow] = []
    for p in products:
        latest = p.latest
        extra = summaries.get(latest.id) if latest is not None else None
        if latest is None or extra is None:
            rows.append(
                PortfolioRow(
                    product_id=p.id,
                    assessment_id=None,
                    revision=None,
                    product=p.name,
                    version=p.latest_version or "",
                    manufacturer=p.manufacturer,
                    organisation=p.organisation_name,
                    status="not assessed",
                    decision="",
                    decision_label="Not assessed",
                )
            )
            continue
        rows.append(
            PortfolioRow(
                product_id=p.id,
                assessment_id=latest.id,
                revision=latest.current_revision,
                product=p.name,
                version=p.latest_version or "",
                manufacturer=p.manufacturer,
                organisation=p.organisation_name,
                status=latest.status,
                decision=latest.decision,
                decision_label=latest.decision_label,
                **extra,
            )
        )
    return rows


def calendar_entries(
    rows: Iterable[PortfolioRow], *, since: dt.date | None = None, until: dt.date | None = None
) -> list[CalendarEntry]:
    """The rows' dated items (from ``since`` to ``until`` inclusive) for the calendar and its .ics file."""
    out: list[CalendarEntry] = []
    for r in rows:
        for c in r.calendar:
            if (since is not None and c.on < since) or (until is not None and c.on > until):
                continue
            out.append(
                CalendarEntry(
                    on=c.on,
                    kind=c.kind,
                    text=c.text,
                    product=f"{r.product} {r.version}".strip(),
                    organisation=r.organisation,
                    decision=r.decision_label,
                    rule=c.rule,
                )
            )
    out.sort(key=lambda e: (e.on, e.product, e.kind, e.text))
    return out
