"""From findings to the decision: precedence, the reasons shown, when it changes, what would change it.

Precedence (the product brief): not available > incomplete > research use only > available with
conditions > available. Everything here reads structured fields (severity, standing, rule,
``on``, ``effect``); sentences are only written, never read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dtac_app.criteria import CriteriaSet
from dtac_app.dates import fmt
from dtac_app.results import (
    DECISION_LABELS,
    D1Score,
    Decision,
    Finding,
    SectionResult,
    Severity,
    TimeEvent,
)

SEVERITY_RANK: dict[str, int] = {
    "fail": 0,
    "missing": 1,
    "research": 2,
    "condition": 3,
    "info": 4,
    "pass": 5,
}

# The decision each severity holds in place.
_HOLDS: dict[Severity, Decision] = {
    "fail": "not_available",
    "missing": "incomplete",
    "research": "research_only",
    "condition": "available_with_conditions",
}
_DECIDING: dict[Decision, Severity] = {d: s for s, d in _HOLDS.items()}


def decide(findings: list[Finding]) -> Decision:
    sev = {f.severity for f in findings}
    for s in ("fail", "missing", "research", "condition"):
        if s in sev:
            return _HOLDS[s]
    return "available"


def reasons(
    decision: Decision, findings: list[Finding], sections: list[SectionResult], cs: CriteriaSet
) -> tuple[Finding, ...]:
    sev = _DECIDING.get(decision)
    if sev is not None:
        return tuple(f for f in findings if f.severity == sev)
    met = ", ".join(s.id for s in sections if s.role == "assessed")
    return (
        Finding(
            rule="DTAC",
            severity="pass",
            text=f"All assessed sections met ({met}); no conditions apply",
            used=f"{cs.title}",
            section="",
            kind="all_met",
        ),
    )


def first_change(
    decision: Decision, events: list[TimeEvent], as_of: dt.date, review_changes: set[dt.date] | None
) -> tuple[dt.date | None, str, tuple[TimeEvent, ...]]:
    """The first future date on which the decision would differ (``changes_on``), why, and the events
    that change it on that day.

    The decision is valid until the day before.

    ``review_changes``: the 'review' dates on which re-assessing gave another decision (None: treat
    every review date as a change)."""

    def changes(e: TimeEvent) -> bool:
        if e.effect == "review":
            return review_changes is None or e.on in review_changes
        if decision == "not_available":
            return False
        return e.effect == "fail" or (e.effect == "condition" and decision == "available")

    relevant = [e for e in events if e.on > as_of and changes(e)]
    if decision == "not_available" and not relevant:
        return None, "No date: the decision changes only when the submission or evidence changes.", ()
    if not relevant:
        return None, "No known future date changes this decision.", ()
    first = min(relevant, key=lambda e: (e.on, e.rule))
    same_day = sorted((e for e in relevant if e.on == first.on), key=lambda e: e.rule)
    why = "; ".join(dict.fromkeys(e.text for e in same_day))
    return first.on, f"On {fmt(first.on)} the decision changes: {why}", tuple(same_day)


# A decision's label inside a sentence ("available for NHS use").
_IN_SENTENCE: dict[Decision, str] = {d: label[0].lower() + label[1:] for d, label in DECISION_LABELS.items()}


def impact_text(
    severity: Severity,
    holds: Decision,
    holding: int,
    moves_to: Decision | None,
    standing: bool,
    standing_remain: bool,
) -> str:
    """The ``impact`` sentence of a fix, from its structured fields."""
    if standing:
        return "A standing condition of use: it stays attached to the decision while it applies"
    if moves_to is None:
        return f"One of {holding} items keeping the decision at '{_IN_SENTENCE[holds]}'"
    after = _IN_SENTENCE[moves_to]
    if severity == "condition" and standing_remain:
        after += " (standing conditions remain)"
    return f"The only item keeping the decision at '{_IN_SENTENCE[holds]}': fixing it moves it to '{after}'"


def fixes(findings: list[Finding]) -> list[dict[str, Any]]:
    """What would change the decision, most impact first.

    Failures come first (they make it 'not available'), then missing items, then conditions. Each
    fix comes from the finding its rule raised (its ``fix``, ``kind``, ``question``) and says
    whether it is the last item holding the decision at its level and, if so, where the decision
    would move. Standing conditions (e.g. NICE's conditions of use) cannot be cleared by the vendor.
    Each is the fields of a ``Fix`` (validated with the assessment).
    """
    actionable = [
        f
        for f in findings
        if f.severity in ("fail", "missing", "condition", "research") and (f.fix or f.severity == "research")
    ]
    if not actionable:
        return []
    actionable.sort(key=lambda f: (SEVERITY_RANK[f.severity], f.standing, f.section, f.rule))
    counts: dict[str, int] = {}
    standing = False
    for f in findings:
        s = f.severity
        if s == "condition" and f.standing:
            standing = True
        elif s in _HOLDS:
            counts[s] = counts.get(s, 0) + 1
    conditional_after: Decision = (
        "available_with_conditions" if counts.get("condition") or standing else "available"
    )
    after_research: Decision = "research_only" if counts.get("research") else conditional_after
    after: dict[str, Decision] = {
        "fail": "incomplete" if counts.get("missing") else after_research,
        "missing": after_research,
        "research": conditional_after,
        "condition": "available_with_conditions" if standing else "available",
    }
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for f in actionable:
        # The same instruction raised by two rules is one thing to do.
        action = f.fix or "Seek NICE assessment outside research use"
        if action in seen:
            continue
        seen.add(action)
        severity = f.severity
        is_standing = severity == "condition" and f.standing
        n = 0 if is_standing else counts[severity]
        holds = _HOLDS[severity]
        moves_to = after[severity] if n == 1 else None
        out.append(
            {
                "rank": len(out) + 1,
                "rule": f.rule,
                "severity": severity,
                "action": action,
                "impact": impact_text(severity, holds, n, moves_to, is_standing, standing),
                "kind": f.kind,
                "question": f.question,
                "section": f.section,
                "holds": holds,
                "holding": n,
                "moves_to": moves_to,
                "standing": is_standing,
                "valid_until": f.valid_until,
            }
        )
    return out


def summary(decision: Decision, findings: list[Finding], sections: list[SectionResult], d1: D1Score) -> str:
    assessed = [s for s in sections if s.role == "assessed"]
    met = sum(s.status == "met" for s in assessed)
    parts = [f"{DECISION_LABELS[decision]}.", f"{met} of {len(assessed)} assessed sections met."]
    n = {"fail": 0, "missing": 0, "condition": 0}
    for f in findings:
        if f.severity in n:
            n[f.severity] += 1
    if n["fail"]:
        parts.append(f"{n['fail']} failure{'s' if n['fail'] != 1 else ''}.")
    if n["missing"]:
        parts.append(f"{n['missing']} item{'s' if n['missing'] != 1 else ''} missing.")
    if n["condition"]:
        parts.append(f"{n['condition']} condition{'s' if n['condition'] != 1 else ''}.")
    if d1.percent is not None:
        parts.append(f"D1 {d1.percent:.0f}%.")
    return " ".join(parts)
