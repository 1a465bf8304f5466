"""Evidence validity on the assessment date (Cyber Essentials, pen test, DSPT, dated documents). Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from .criteria import EvidenceRequirement, Policy, RegulatoryRules
from .dates import ONE_DAY, dspt_period_starts, dspt_valid_through, fmt, last_valid_day
from .provenance import DocumentProvenance
from .results import EventKind, EvidenceState, Severity, TimeEvent
from .submission import EvidenceRecord

_Effect = Literal["fail", "condition", "review"]  # TimeEvent.effect


class PendingEvent(NamedTuple):
    """A dated change to one evidence record's verdict (its rule and question say which record), as
    plain fields: many are dropped (renewal windows of unseen documents, expiries of a question that
    fails anyway), so the ``TimeEvent`` is made only for those the engine keeps (``event()``)."""

    on: dt.date
    effect: _Effect
    kind: EventKind
    text: str
    rule: str
    question: str

    def event(self) -> TimeEvent:
        return TimeEvent(
            on=self.on,
            effect=self.effect,
            kind=self.kind,
            text=self.text,
            rule=self.rule,
            question=self.question,
        )


@dataclass(slots=True)
class EvidenceCheck:
    """The verdict on one evidence record for one requirement."""

    state: EvidenceState
    severity: Severity  # pass / condition / missing / fail
    detail: str
    fix: str = ""
    expires: dt.date | None = None
    events: list[PendingEvent] = field(default_factory=list)


def _event(
    rule: str, question: str, on: dt.date, effect: _Effect, kind: EventKind, text: str
) -> PendingEvent:
    return PendingEvent(on, effect, kind, text, rule, question)


def _becomes_current(rule: str, question: str, label: str, day: dt.date) -> PendingEvent:
    """The date on which evidence dated after the assessment becomes current."""
    return _event(
        rule, question, day, "review", "evidence_current", f"{label} dated {fmt(day)} becomes current"
    )


def _expiry_events(
    rule: str, question: str, label: str, last_day: dt.date, until: str, days_left: int, warn_days: int
) -> list[PendingEvent]:
    """Its expiry, and (while ``days_left`` is more than ``warn_days``) when its renewal window opens.
    ``until`` is ``last_day`` formatted."""
    events = [
        PendingEvent(
            last_day + ONE_DAY, "fail", "evidence_expiry", f"{label} expires after {until}", rule, question
        )
    ]
    if days_left > warn_days:  # the window opens after the assessment date
        window = f"{label} enters the {warn_days}-day renewal window"
        events.append(
            PendingEvent(
                last_day - dt.timedelta(days=warn_days), "condition", "renewal_window", window, rule, question
            )
        )
    return events


def _dated(
    rule: str,
    question: str,
    label: str,
    last_day: dt.date,
    issued: dt.date | None,
    as_of: dt.date,
    warn_days: int,
) -> EvidenceCheck:
    if issued is not None and issued > as_of:
        return EvidenceCheck(
            "not_yet_valid",
            "missing",
            f"{label} is dated {fmt(issued)}, after the assessment date",
            f"Supply {label} issued on or before the assessment date",
            last_day,
            [_becomes_current(rule, question, label, issued)],
        )
    if as_of > last_day:
        return EvidenceCheck(
            "expired",
            "fail",
            f"{label} expired after {fmt(last_day)}",
            f"Renew {label} and resubmit it",
            last_day,
        )
    days_left = (last_day - as_of).days
    until = fmt(last_day)
    events = _expiry_events(rule, question, label, last_day, until, days_left, warn_days)
    if days_left <= warn_days:
        return EvidenceCheck(
            "expiring",
            "condition",
            f"{label} valid until {until}: {days_left} days left, inside the {warn_days}-day renewal window",
            f"Renew {label} before {until}",
            last_day,
            events,
        )
    return EvidenceCheck("valid", "pass", f"{label} valid until {until}", "", last_day, events)


def _not_yet(rule: str, question: str, label: str, day: dt.date, verb: str, fix: str) -> EvidenceCheck:
    """Evidence from after the assessment date: not valid yet (and implausible if claimed as current)."""
    return EvidenceCheck(
        "not_yet_valid",
        "missing",
        f"{label} {verb} {fmt(day)}, after the assessment date: it cannot count yet",
        fix,
        None,
        [_becomes_current(rule, question, label, day)],
    )


def check_record(
    rec: EvidenceRecord,
    req: EvidenceRequirement,
    rules: RegulatoryRules,
    policy: Policy,
    as_of: dt.date,
    *,
    apply_cvss: bool = True,
) -> EvidenceCheck:
    rule = f"{req.kind}@{rec.question}"
    label = req.label
    warn = policy.expiry_warning_days
    kind = rules.evidence_kinds.get(rec.kind)
    if rec.issued is not None and rec.issued > as_of:
        # Whatever the evidence is, a document dated after the assessment cannot count yet.
        return _not_yet(
            rule,
            rec.question,
            label,
            rec.issued,
            "is dated",
            f"Supply {label} issued on or before the assessment date",
        )
    if req.check == "cyber_essentials":
        months = (kind.validity_months if kind else None) or 12
        candidates = []
        if rec.issued:
            candidates.append(last_valid_day(rec.issued, months))
        if rec.expires:
            candidates.append(rec.expires)
        if not candidates:
            return EvidenceCheck(
                "undated",
                "missing",
                f"{label}: no issue or expiry date given",
                f"Add the issue date of the {label}",
            )
        return _dated(rule, rec.question, label, min(candidates), rec.issued, as_of, warn)
    if req.check == "pen_test":
        months = rules.pen_test.max_age_months
        if rec.issued is None:
            return EvidenceCheck(
                "undated",
                "missing",
                f"{label}: the test date is not given",
                "Add the date of the penetration test",
            )
        if rec.highest_cvss is None:
            return EvidenceCheck(
                "problem",
                "missing",
                f"{label}: the highest CVSS score found is not stated",
                "State the highest CVSS score in the report",
            )
        threshold = rules.pen_test.cvss_threshold
        if apply_cvss and rec.highest_cvss >= threshold:
            return EvidenceCheck(
                "problem",
                "fail",
                f"{label} reports a finding scored CVSS {rec.highest_cvss:.1f}, at or above {threshold:.1f}",
                f"Fix every finding scored CVSS {threshold:.1f} or higher and supply a retest",
                last_valid_day(rec.issued, months),
            )
        if rec.owasp_top10 is False:
            return EvidenceCheck(
                "problem",
                "fail",
                f"{label} does not cover the OWASP Top 10",
                "Commission a test that covers the OWASP Top 10",
            )
        if rec.owasp_top10 is None:
            # Only an explicit statement counts: unstated coverage is missing, not a pass.
            return EvidenceCheck(
                "problem",
                "missing",
                f"{label}: whether the test covered the OWASP Top 10 is not stated",
                "State that the penetration test covered the OWASP Top 10 (owasp_top10: true), as the report shows",
            )
        return _dated(
            rule,
            rec.question,
            f"{label} ({fmt(rec.issued)})",
            last_valid_day(rec.issued, months),
            rec.issued,
            as_of,
            warn,
        )
    if req.check == "dspt":
        d = rules.dspt
        if not rec.status:
            return EvidenceCheck(
                "problem",
                "missing",
                f"{label}: the publication status is not given",
                "State the DSPT publication status",
            )
        if rec.status not in d.acceptable:
            return EvidenceCheck(
                "problem",
                "fail",
                f"DSPT status is '{rec.status}'; {' or '.join(d.acceptable)} is required",
                "Publish a DSPT return at Standards Met or Standards Exceeded",
            )
        if not rec.period:
            return EvidenceCheck(
                "undated",
                "missing",
                f"{label}: the DSPT year (e.g. 2025-26) is not given",
                "State the DSPT year",
            )
        starts = dspt_period_starts(rec.period, d.deadline_month, d.deadline_day)
        if starts > as_of:
            return _not_yet(
                rule,
                rec.question,
                f"DSPT {rec.period}",
                starts,
                "cannot have been published before its year starts on",
                "Give the DSPT year of the latest published return",
            )
        through = dspt_valid_through(rec.period, d.deadline_month, d.deadline_day)
        return _dated(rule, rec.question, f"DSPT {rec.period} ({rec.status})", through, None, as_of, warn)
    if req.check == "expiry" or (kind is not None and kind.needs_expiry):
        if rec.expires is None:
            return EvidenceCheck(
                "undated", "missing", f"{label}: no expiry date given", f"Add the expiry date of the {label}"
            )
        return _dated(rule, rec.question, label, rec.expires, rec.issued, as_of, warn)
    # Plain documents: valid if supplied; an explicit expiry is still honoured.
    if rec.expires is not None:
        return _dated(rule, rec.question, label, rec.expires, rec.issued, as_of, warn)
    if rec.issued is not None and rec.issued > as_of:
        return EvidenceCheck(
            "not_yet_valid",
            "missing",
            f"{label} is dated after the assessment date",
            f"Supply a current {label}",
            None,
            [_becomes_current(rule, rec.question, label, rec.issued)],
        )
    return EvidenceCheck("valid", "pass", f"{label} supplied")


def best_check(checks: list[EvidenceCheck]) -> int:
    """Index of the most favourable check when several records answer one requirement."""
    rank = {"pass": 0, "condition": 1, "missing": 2, "fail": 3, "info": 4, "research": 4}

    def key(i: int) -> tuple[int, int]:
        c = checks[i]
        return (rank[c.severity], -(c.expires.toordinal() if c.expires else 0))

    return min(range(len(checks)), key=key)


def apply_provenance(
    check: EvidenceCheck, provenance: DocumentProvenance, label: str, policy: Policy
) -> EvidenceCheck:
    """The check as far as the document's provenance lets it stand.

    A received or verified document keeps its check. A problem document (stored bytes that no
    longer match the hash, or a file an assessor found unreadable or wrong) counts as not supplied.
    An asserted one (cited, no file, not verified) is never valid: the question is at best
    incomplete (``policy.asserted_evidence``). A check that already fails on the record's own facts
    (expired, CVSS) keeps its failure.
    """
    state = provenance.state
    if state == "received" or state == "verified" or check.severity == "fail":
        return check
    events = [e for e in check.events if e.effect != "condition"]  # a later expiry still fails it
    if state == "problem":
        what = provenance.checked or "the stored file does not match its SHA-256 or cannot be read"
        return EvidenceCheck(
            "problem",
            "missing",
            f"{label}: {what}",
            f"Send a readable copy of the {label}",
            check.expires,
            events,
        )
    severity: Severity = "fail" if policy.asserted_evidence == "fail" else "missing"
    if check.severity == "missing" and severity == "missing":
        return check  # its own gap (no date, no status) says more
    return EvidenceCheck(
        "asserted",
        severity,
        f"{label}: no file received and not verified (the SHA-256 is the supplier's claim)",
        f"Send the {label} file, or have an assessor verify it",
        check.expires,
        events,
    )
