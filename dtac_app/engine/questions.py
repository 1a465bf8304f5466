"""Judging one asked question: its answer, the evidence the answer calls for, and the findings.

Each rule that can fail or hold back a question says here what it is about (a finding ``kind``)
and what fixes it (``fix``), so fixes never depend on the wording of a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dtac_app.criteria import Catalogue, Policy, Question
from dtac_app.provenance import DocumentProvenance, DocumentState, provenance_of
from dtac_app.results import EvidenceState, FindingKind, Outcome
from dtac_app.rules_answers import placeholder_problem, registration_problem
from dtac_app.rules_evidence import EvidenceCheck, PendingEvent, apply_provenance, best_check, check_record
from dtac_app.submission import Submission

from .decision import SEVERITY_RANK

# What an evidence check that holds a question back is about.
EVIDENCE_KIND: dict[EvidenceState, FindingKind] = {
    "expired": "evidence_expired",
    "expiring": "evidence_expiring",
    "not_yet_valid": "evidence_not_yet_valid",
    "undated": "evidence_undated",
    "problem": "evidence_problem",
    "asserted": "evidence_asserted",
    "valid": "evidence_problem",
    "unchecked": "evidence_problem",
}


@dataclass(slots=True)
class Judgement:
    """The verdict on one asked question.

    ``fix`` says what fixes a failing or missing outcome ("" where the question's own wording says
    it); ``condition_fix`` what clears the condition."""

    outcome: Outcome
    reason: str
    kind: FindingKind | None = None
    fix: str = ""
    condition: str = ""
    condition_fix: str = ""
    condition_kind: FindingKind | None = None
    valid_until: dt.date | None = None  # of the evidence behind a failing or missing outcome
    condition_valid_until: dt.date | None = None  # of the evidence behind the condition
    evidence: Sequence[int] = ()
    # Dated changes of its evidence, made into ``TimeEvent``s only if the engine keeps them.
    events: Sequence[PendingEvent] = ()


@dataclass(slots=True)
class Context:
    """What judging needs from the assessment in hand (one per ``assess`` call)."""

    sub: Submission
    by_question: dict[str, list[int]]
    catalogue: Catalogue
    policy: Policy
    as_of: dt.date
    apply_cvss: bool
    documents: Mapping[int, DocumentState | DocumentProvenance] | None
    evidence_state: dict[int, EvidenceCheck] = field(default_factory=dict)
    evidence_label: dict[int, str] = field(default_factory=dict)
    _device: bool | None = None

    def is_device(self) -> bool:
        """A regulated medical device, or a back-pain app that delivers treatment (so must be one)."""
        if self._device is None:
            sub = self.sub
            self._device = bool(
                (sub.regulatory is not None and sub.regulatory.medical_device)
                or (
                    sub.profile == "nice-lbp" and sub.clinical is not None and sub.clinical.delivers_treatment
                )
            )
        return self._device


_NO_RECORDS: list[int] = []  # shared, never changed: a question with no evidence record


def judge(q: Question, role: str, answer: str | None, ctx: Context) -> Judgement:
    """Judge one asked question."""
    linked = ctx.by_question.get(q.id, _NO_RECORDS)
    if answer is None or not answer.strip():
        if role == "assessed":
            return Judgement("missing", "Not answered", "missing_answer", evidence=linked)
        return Judgement("informational", "Not answered", evidence=linked)
    dc = q.device_contradiction
    if dc is not None and answer in dc.answers and ctx.is_device():
        reason = f"Answered “{answer}”, but {' '.join(dc.reason.split())}"
        return Judgement("missing", reason, "device_contradiction", " ".join(dc.fix.split()), evidence=linked)
    if q.type == "choice" and answer not in q.options:
        # Kept as written (see submission.normalise): the question stays missing until it names an option.
        options = "; ".join(q.options)
        return Judgement(
            "missing",
            f"“{short(answer)}” is not one of the options ({options})",
            "not_an_option",
            f"{q.id} {q.short}: choose one of the options ({options})",
            evidence=linked,
        )

    rule = q.pass_rule
    j = Judgement("informational", "", evidence=linked)
    condition_fixes: list[str] = []
    if rule is None:
        note = f" ({q.routing_note})" if q.routing_note and role == "assessed" else ""
        j.reason = f"Answered “{short(answer)}”{note}"
    elif rule.nonempty:
        text = answer.strip()
        placeholder = placeholder_problem(ctx.policy, text)
        registration = (
            registration_problem(ctx.catalogue.regulatory, text)
            if rule.professional_registration and not placeholder
            else ""
        )
        if placeholder:
            j.outcome, j.reason, j.kind = "missing", placeholder[0].upper() + placeholder[1:], "placeholder"
            j.fix = f"{q.id} {q.short}: replace the placeholder with a real answer"
        elif len(text) < rule.min_chars:
            j.outcome, j.kind = "missing", "too_short"
            j.reason = (
                f"Answer too short to assess ({len(text)} characters; at least {rule.min_chars} expected)"
            )
        elif registration:
            j.outcome, j.reason, j.kind = "missing", f"“{short(text)}”: {registration}", "no_registration"
            j.fix = f"{q.id}: name the {q.short} and give their professional register and number"
        else:
            j.outcome = "pass"
            j.reason = "Answer given" + (f": “{short(text)}”" if len(text) <= 60 else "")
    elif answer in rule.accept:
        j.outcome, j.reason = "pass", f"Answered “{answer}”"
    elif answer in rule.conditional:
        j.outcome, j.reason = "pass", f"Answered “{answer}”"
        j.condition = rule.condition_text or f"Conditional answer “{answer}”"
        j.condition_kind = "conditional_answer"
        condition_fixes.append(j.condition)
    else:
        j.outcome, j.kind = "fail", "criterion_not_met"
        j.reason = f"Answered “{answer}”: {rule.fail_reason or f'“{answer}” does not meet the criterion'}"

    if role != "assessed" and j.outcome == "fail":
        j.outcome = "informational"
        j.reason += " (scored for comparison; not pass/fail)"

    if (j.outcome == "pass" or rule is None) and q.evidence:
        _judge_evidence(q, role, answer, ctx, j, linked, condition_fixes)
    if condition_fixes:
        j.condition_fix = "; ".join(condition_fixes)
    return j


def _judge_evidence(
    q: Question,
    role: str,
    answer: str,
    ctx: Context,
    j: Judgement,
    linked: list[int],
    condition_fixes: list[str],
) -> None:
    """The evidence the answer calls for: the worst requirement decides, expiries become events."""
    records = ctx.sub.evidence
    regulatory, policy, as_of, apply_cvss, documents = (
        ctx.catalogue.regulatory,
        ctx.policy,
        ctx.as_of,
        ctx.apply_cvss,
        ctx.documents,
    )
    events: list[PendingEvent] = []
    # (rank, severity, detail, fix, kind, last valid day)
    worst: tuple[int, str, str, str, FindingKind, dt.date | None] | None = None
    for req in q.evidence:
        if req.when is not None and answer not in req.when:
            continue
        if len(linked) == 1:  # the usual case, without building a list
            recs = linked if records[linked[0]].kind == req.kind else _NO_RECORDS
        else:
            recs = [i for i in linked if records[i].kind == req.kind]
        if not recs:
            if req.required and role == "assessed":
                rank = SEVERITY_RANK["missing"]
                if worst is None or rank < worst[0]:
                    worst = (
                        rank,
                        "missing",
                        f"{req.label} not supplied",
                        f"supply the {req.label}",
                        "missing_evidence",
                        None,
                    )
            continue
        label = req.label
        if len(recs) == 1:
            # One record (the usual case): its check is the verdict.
            i = recs[0]
            chosen = apply_provenance(
                check_record(records[i], req, regulatory, policy, as_of, apply_cvss=apply_cvss),
                provenance_of(documents, i),
                label,
                policy,
            )
            ctx.evidence_state[i] = chosen
            ctx.evidence_label[i] = label
            if role != "assessed":
                continue
            events.extend(chosen.events)
        else:
            checks = [
                apply_provenance(
                    check_record(records[i], req, regulatory, policy, as_of, apply_cvss=apply_cvss),
                    provenance_of(documents, i),
                    label,
                    policy,
                )
                for i in recs
            ]
            for i, c in zip(recs, checks, strict=True):
                ctx.evidence_state[i] = c
                ctx.evidence_label[i] = label
            chosen = checks[best_check(checks)]
            if role != "assessed":
                continue
            events.extend(chosen.events)
            # A record dated in the future also counts from its date, even if another is chosen now.
            events.extend(e for c in checks if c is not chosen for e in c.events if e.effect == "review")
        if chosen.severity == "condition":
            j.condition = (j.condition + "; " if j.condition else "") + chosen.detail
            j.condition_kind = j.condition_kind or EVIDENCE_KIND[chosen.state]
            j.condition_valid_until = j.condition_valid_until or chosen.expires
            condition_fixes.append(chosen.fix or f"Renew the {req.label}")
        elif chosen.severity in ("fail", "missing"):
            rank = SEVERITY_RANK[chosen.severity]
            if worst is None or rank < worst[0]:
                worst = (
                    rank,
                    chosen.severity,
                    chosen.detail,
                    chosen.fix,
                    EVIDENCE_KIND[chosen.state],
                    chosen.expires,
                )
    if worst is not None:
        j.outcome = "fail" if worst[1] == "fail" else "missing"
        j.reason = f"{j.reason}; {worst[2]}"
        j.fix = f"{q.id}: {worst[3]}" if worst[3] else ""
        j.kind = worst[4]
        j.valid_until = worst[5]
        # Incomplete now, it still fails on a later expiry (a change of decision); failing
        # now, only a dated review can change it.
        keep = ("review",) if worst[1] == "fail" else ("review", "fail")
        events = [e for e in events if e.effect in keep]
    j.events = events


def question_findings(
    q: Question,
    role: str,
    section: str,
    answer: str | None,
    outcome: Outcome,
    reason: str,
    j: Judgement,
    condition: str,
    kind: FindingKind | None,
) -> list[dict[str, Any]]:
    """The findings a judged question raises (in assessed sections, or a scored one with a condition),
    as the fields of a ``Finding`` (the assessment validates them all at once)."""
    if role == "assessed" or (role == "scored" and condition):
        failed = outcome == "fail" or outcome == "missing"
        if not failed and not condition:
            return []  # a pass or an informational answer raises nothing
        out: list[dict[str, Any]] = []
        used = used_text(q, answer)
        if failed:
            out.append(
                {
                    "rule": q.id,
                    "severity": outcome,
                    "text": f"{q.id} {q.short}: {reason}",
                    "used": used,
                    "fix": j.fix or question_fix(q, outcome),
                    "section": section,
                    "kind": kind,
                    "question": q.id,
                    "valid_until": j.valid_until if kind == j.kind else None,
                }
            )
        if condition:
            out.append(
                {
                    "rule": q.id,
                    "severity": "condition",
                    "text": f"{q.id} {q.short}: {condition}",
                    "used": used,
                    "fix": j.condition_fix or condition,
                    "section": section,
                    "kind": j.condition_kind,
                    "question": q.id,
                    "valid_until": j.condition_valid_until,
                }
            )
        return out
    if outcome == "missing" and answer and q.type == "choice":
        # An answer that names no option outside the assessed sections: shown, not decisive.
        return [
            {
                "rule": q.id,
                "severity": "info",
                "text": f"{q.id} {q.short}: {reason}",
                "used": used_text(q, answer),
                "fix": j.fix or question_fix(q, outcome),
                "section": section,
                "kind": kind,
                "question": q.id,
            }
        ]
    return []


def not_asked_reason(cond: str, asked: bool | None) -> str:
    if not cond:
        return "Not asked"
    if asked is None:
        return f"Waiting for an earlier answer: asked only when {cond}"
    return f"Not asked: applies only when {cond}"


def short(text: str, n: int = 60) -> str:
    """A short one-line ``text`` as it is; otherwise on one line with single spaces, cut to ``n``
    characters (ending "…" when cut)."""
    if len(text) <= n and "\n" not in text and "  " not in text and "\t" not in text:
        return text
    # Tidying a prefix gives a prefix of the tidied whole: when it is already longer than ``n``,
    # the cut is the same, and a long answer is not split word by word.
    head = " ".join(text[: 2 * n].split())
    if len(head) > n:
        return head[: n - 1] + "…"
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def used_text(q: Question, answer: str | None) -> str:
    return f"{q.id} = “{short(answer)}”" if answer else f"{q.id} not answered"


def question_fix(q: Question, outcome: Outcome) -> str:
    """The fix that follows from the question itself (rules with a more specific fix set ``Judgement.fix``)."""
    if outcome == "missing":
        return f"Answer {q.id}: {q.short}"
    if q.pass_rule and q.pass_rule.accept:
        return f"{q.id}: meet the criterion so the answer can be “{q.pass_rule.accept[0]}”"
    return f"Improve the answer to {q.id} ({q.short})"
