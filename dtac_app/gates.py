"""The back-pain comparison: one row of gates per assessment, derived from the engine's results. Pure.

"Which of these apps may we offer, to whom" is answered gate by gate: the DTAC sections C1–C4,
the D1 score, GB device status, and — under the back-pain profile — NICE HTE16 status, NG59
content, population (16 and over) and self-referral safeguards. Every state comes from structured
fields of the result (section status, finding rule ids and severities, verdict statuses), never
from the text shown to people, so rewording a sentence cannot change a gate.

Fit (acute or long-lasting pain, as NICE distinguishes them) and the HTE16 features are reported as
the submission stated them; they do not change a gate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .results import Assessment, Finding, Severity

GateState = Literal["pass", "condition", "research", "fail", "missing", "not_applicable"]

GATE_STATES: tuple[GateState, ...] = ("fail", "missing", "research", "condition", "pass", "not_applicable")
GATE_STATE_LABELS: dict[GateState, str] = {
    "pass": "Pass",
    "condition": "Condition",
    "research": "Research only",
    "fail": "Fail",
    "missing": "Missing",
    "not_applicable": "Not applicable",
}
# NHS identity colours; each state is also written in words, so colour is never the only signal.
GATE_STATE_COLOURS: dict[GateState, str] = {
    "pass": "#007F3B",
    "condition": "#005EB8",
    "research": "#7C2855",
    "fail": "#D5281B",
    "missing": "#ED8B00",
    "not_applicable": "#768692",
}

GateId = Literal["C1", "C2", "C3", "C4", "D1", "device", "hte16", "ng59", "population", "self_referral"]
GATES: tuple[tuple[GateId, str], ...] = (
    ("C1", "C1"),
    ("C2", "C2"),
    ("C3", "C3"),
    ("C4", "C4"),
    ("D1", "D1 %"),
    ("device", "GB device status"),
    ("hte16", "NICE HTE16 status"),
    ("ng59", "NG59 content"),
    ("population", "Population 16+"),
    ("self_referral", "Self-referral safeguards"),
)
GATE_LABELS: dict[GateId, str] = dict(GATES)
_BACK_PAIN_ORDER: tuple[GateId, ...] = ("hte16", "ng59", "population", "self_referral")
BACK_PAIN_GATES: frozenset[GateId] = frozenset(_BACK_PAIN_ORDER)

Fit = Literal["acute", "chronic"]
FIT_LABELS: dict[Fit, str] = {
    "acute": "Acute (new) pain",
    "chronic": "Pain 3 months or more",
}

FIT_SHORT: dict[Fit, str] = {"acute": "Acute", "chronic": "3 months+"}

# Worst first: the state of a gate is the worst severity among its findings.
_SEVERITY_STATE: dict[Severity, GateState] = {
    "fail": "fail",
    "missing": "missing",
    "research": "research",
    "condition": "condition",
    "pass": "pass",
    "info": "pass",
}
_RANK = {s: i for i, s in enumerate(GATE_STATES)}
_SECTION_STATE: dict[str, GateState] = {"met": "pass", "not_met": "fail", "incomplete": "missing"}


@dataclass(frozen=True)
class Gate:
    id: GateId
    state: GateState
    detail: str = ""

    @property
    def label(self) -> str:
        return GATE_STATE_LABELS[self.state]


@dataclass(frozen=True)
class GateRow:
    """One product's gates, plus its fit and features as submitted (not decision-affecting)."""

    gates: tuple[Gate, ...]
    fit: tuple[Fit, ...] = ()
    features: tuple[str, ...] = ()

    def gate(self, gate_id: GateId) -> Gate:
        for g in self.gates:
            if g.id == gate_id:
                return g
        raise KeyError(gate_id)


def worst(states: Iterable[GateState]) -> GateState | None:
    ranked = sorted(states, key=_RANK.__getitem__)
    return ranked[0] if ranked else None


def _from_findings(
    gate_id: GateId, findings: Iterable[Finding], *, none: GateState = "missing", none_detail: str = ""
) -> Gate:
    relevant = list(findings)
    state = worst(_SEVERITY_STATE[f.severity] for f in relevant)
    if state is None:
        return Gate(gate_id, none, none_detail)
    # The detail is for people (the worst finding's own sentence); the state never depends on it.
    detail = next(f.text for f in relevant if _SEVERITY_STATE[f.severity] == state)
    return Gate(gate_id, state, detail)


def _rule_in(f: Finding, *prefixes: str) -> bool:
    return any(f.rule == p or f.rule.startswith(p + ".") for p in prefixes)


def derive_gates(result: Assessment) -> GateRow:
    """The comparison row of one assessment result."""
    gates: list[Gate] = []
    for sid in ("C1", "C2", "C3", "C4"):
        sec = result.section(sid)
        if sec is None or sec.role != "assessed":
            gates.append(Gate(sid, "missing", "Section not in this criteria set"))
            continue
        state = _SECTION_STATE.get(sec.status, "missing")
        detail = {"pass": "Met", "fail": "Not met", "missing": "Incomplete"}[state]
        if state == "pass" and any(f.section == sid and f.severity == "condition" for f in result.findings):
            state, detail = "condition", "Met, with conditions"
        gates.append(Gate(sid, state, detail))

    d1_findings = [
        f for f in result.findings if f.section == "D1" and f.severity in ("fail", "missing", "condition")
    ]
    pct = result.d1.percent
    if d1_findings:
        g = _from_findings("D1", d1_findings)
        extra = {
            "condition": ", with conditions",
            "fail": ", below the minimum",
            "missing": ", items missing",
        }
        gates.append(
            Gate("D1", g.state, f"{pct:.0f}%{extra.get(g.state, '')}" if pct is not None else g.detail)
        )
    elif pct is None:
        gates.append(Gate("D1", "missing", "Not scored"))
    else:
        gates.append(Gate("D1", "pass", f"{pct:.0f}%"))

    reg = result.regulatory
    if not reg.applies or reg.status == "not_applicable":
        gates.append(Gate("device", "not_applicable", "Not a medical device"))
    else:
        reg_states: dict[str, GateState] = {
            "pass": "pass",
            "fail": "fail",
            "missing": "missing",
            "condition": "condition",
        }
        state = reg_states[reg.status]
        device = " ".join(
            x for x in (f"Class {reg.device_class}" if reg.device_class else "", reg.marking or "") if x
        )
        gates.append(Gate("device", state, device or reg.summary))

    nice = result.nice
    if not nice.applies:
        for gid in _BACK_PAIN_ORDER:
            gates.append(Gate(gid, "not_applicable", "Back-pain profile not applied"))
        return GateRow(tuple(gates))

    profile_missing = [f for f in nice.findings if f.rule == "NICE.profile"]
    if profile_missing:
        for gid in _BACK_PAIN_ORDER:
            gates.append(Gate(gid, "missing", "No clinical profile"))
        return GateRow(tuple(gates))

    hte16 = [f for f in nice.findings if _rule_in(f, "HTE16", "NICE.unassessed") and f.severity != "info"]
    g = _from_findings("hte16", hte16, none="missing", none_detail="No NICE status")
    gates.append(Gate("hte16", g.state, nice.nice_status_label or g.detail))
    ng59 = [f for f in (*nice.findings, *nice.content) if _rule_in(f, "NG59")]
    g = _from_findings("ng59", ng59)
    if g.state == "pass":
        g = Gate("ng59", "pass", "Consistent with NG59")
    gates.append(g)
    gates.append(_from_findings("population", (f for f in nice.findings if f.rule == "NICE.population")))
    gates.append(
        _from_findings(
            "self_referral",
            (f for f in nice.findings if f.rule in ("NICE.self_referral", "NICE.red_flags")),
            none="pass",
            none_detail="No self-referral",
        )
    )
    return GateRow(tuple(gates), fit=nice.pain_duration, features=nice.features)
