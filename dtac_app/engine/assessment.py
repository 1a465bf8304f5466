"""``assess``: one submission, one catalogue, one date in; one explained ``Assessment`` out.

The order of work: questions in form order with routing, commitments that reach past skipped
questions, the form version's validity, sections, D1, the evidence register, GB device rules,
the NICE profile, then the decision and when it changes. The pieces live beside this module
(``plan``, ``questions``, ``scoring``, ``register``, ``decision``).

One concern, so one module past 500 lines: the sequence of one assessment, kept together so it
reads top to bottom in the order the engine works; each step's rules are in the modules above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from dtac_app.criteria import Catalogue, CriteriaSet, Policy
from dtac_app.dates import ONE_DAY, fmt
from dtac_app.provenance import DocumentProvenance, DocumentState
from dtac_app.results import (
    ASSESSMENT_SCHEMA,
    DECISION_LABELS,
    Assessment,
    D1Score,
    Finding,
    NiceVerdict,
    Outcome,
    Override,
    QuestionResult,
    RegulatoryVerdict,
    SectionResult,
    TimeEvent,
    Verification,
)
from dtac_app.rules_evidence import check_record
from dtac_app.rules_nice import IDENTITY_OVERRIDE, UNCONFIRMED_RULE, assess_nice
from dtac_app.rules_regulatory import assess_regulatory
from dtac_app.submission import Submission
from dtac_app.vocabulary import PROFILES

from .decision import SEVERITY_RANK, decide, first_change, fixes, reasons, summary
from .plan import MAX_SECTION_RESULTS, ChoiceJudgement, EnginePlan, plan_for
from .questions import Context, judge, not_asked_reason, question_findings, short
from .register import device_evidence, evidence_register
from .scoring import score_d1

ENGINE_VERSION = "2.1.0"

# Informational findings that belong in the assessment's findings (a warning a reader must see).
_SHOWN_INFO_RULES = frozenset({UNCONFIRMED_RULE, IDENTITY_OVERRIDE})


def assess(
    submission: Submission,
    catalogue: Catalogue,
    *,
    as_of: dt.date,
    policy: Policy | None = None,
    profile: str | None = None,
    overrides: Mapping[str, Override] | None = None,
    verifications: Mapping[str, Verification] | None = None,
    documents: Mapping[int, DocumentState | DocumentProvenance] | None = None,
) -> Assessment:
    """Assess a normalised submission (see ``submission.normalise``) on ``as_of``.

    ``documents`` gives each evidence record's provenance by index (received, asserted, verified,
    problem; see :mod:`dtac_app.provenance`). A record not in it is *asserted*: nobody has seen
    its file, so it never counts as valid evidence.

    The results are gathered as plain data and validated into the ``Assessment`` in one call at
    the end (pydantic-core builds the nested models far faster than one constructor call each)."""
    policy = policy or catalogue.policy
    prof = profile or submission.profile
    if prof not in PROFILES:
        raise ValueError(f"unknown profile '{prof}'")
    overrides = overrides or {}
    verifications = verifications or {}
    w = _judge_all(submission, catalogue, as_of, policy, prof, overrides, verifications, documents)
    findings, events, sections, d1 = w.findings, w.events, w.sections, w.d1
    cs = w.plan.criteria

    ev_results = evidence_register(
        submission, catalogue, w.ctx.evidence_state, w.ctx.evidence_label, documents
    )
    if w.regulatory.applies:
        device_evidence(ev_results, as_of)

    # ---- decision
    decision = decide(findings)
    # A 'review' event (a dated NICE change, future-dated evidence) may or may not change the
    # decision: find out by judging on that day. Rare, so the cost only falls where it applies.
    review_changes = {
        day
        for day in sorted({e.on for e in events if e.effect == "review" and e.on > as_of})
        if decide(
            _judge_all(submission, catalogue, day, policy, prof, overrides, verifications, documents).findings
        )
        != decision
    }
    changes_on, why, change_events = first_change(decision, events, as_of, review_changes)
    events.sort(key=lambda e: (e.on, e.rule))

    return Assessment.model_validate(
        {
            "schema": ASSESSMENT_SCHEMA,
            "engine_version": ENGINE_VERSION,
            "as_of": as_of,
            "profile": prof,
            "criteria": {
                "set": cs.key,
                "title": cs.title,
                "version": cs.version,
                "hashes": catalogue.hashes_for(cs.key),
            },
            "product": {
                "name": submission.product.name,
                "version": submission.product.version,
                "manufacturer": submission.product.manufacturer,
            },
            "decision": decision,
            "decision_label": DECISION_LABELS[decision],
            "summary": summary(decision, findings, sections, d1),
            "reasons": reasons(decision, findings, sections, cs),
            "conditions": [f for f in findings if f.severity == "condition"],
            "valid_until": changes_on - ONE_DAY if changes_on else None,
            "changes_on": changes_on,
            "valid_until_reason": why,
            "change_events": change_events,
            "events": [e for e in events if e.on > as_of],
            "sections": sections,
            "questions": w.results,
            "d1": d1,
            "evidence": ev_results,
            "regulatory": w.regulatory,
            "nice": w.nice,
            "findings": sorted(findings, key=lambda f: SEVERITY_RANK[f.severity]),
            "fixes": fixes(findings),
        }
    )


# The findings the engine gathers (model instances from the rules and the plan's caches, plain
# fields from the question loop), validated in one call.
_FINDINGS: TypeAdapter[list[Finding]] = TypeAdapter(list[Finding])

_NO_NICE = NiceVerdict(
    applies=False, status="not_applicable", summary="The NICE back-pain profile was not applied."
)


@dataclass(slots=True)
class _Judged:
    """Everything judged on one day, up to (not including) the decision."""

    plan: EnginePlan
    ctx: Context
    results: list[QuestionResult | dict[str, Any]]
    findings: list[Finding]
    events: list[TimeEvent]
    sections: list[SectionResult]
    d1: D1Score
    regulatory: RegulatoryVerdict
    nice: NiceVerdict


def _judge_all(
    submission: Submission,
    catalogue: Catalogue,
    as_of: dt.date,
    policy: Policy,
    prof: str,
    overrides: Mapping[str, Override],
    verifications: Mapping[str, Verification],
    documents: Mapping[int, DocumentState | DocumentProvenance] | None,
) -> _Judged:
    """Every rule applied on ``as_of``: questions, commitments, form version, sections, D1, GB
    device rules and the NICE profile, with their findings and dated events."""
    cs = catalogue.dtac_set(submission.criteria)
    plan = plan_for(cs)
    found: list[Finding | dict[str, Any]] = []
    events: list[TimeEvent] = []

    # Evidence records grouped by question for quick lookup.
    by_question: dict[str, list[int]] = {}
    for i, rec in enumerate(submission.evidence):
        by_question.setdefault(rec.question, []).append(i)
    is_v1 = cs.version.startswith("1")
    ctx = Context(
        sub=submission,
        by_question=by_question,
        catalogue=catalogue,
        policy=policy,
        as_of=as_of,
        apply_cvss=(not is_v1) or policy.v1_apply_cvss_threshold,
        documents=documents,
    )

    results, shown, counts = _questions(plan, ctx, overrides, verifications, found, events)
    _commitments(plan, ctx, shown, counts, found)
    _form_validity(cs, submission, as_of, found, events)
    sections = _sections(plan, counts)

    d1 = score_d1(plan, shown, submission.answers, policy)
    if (
        policy.d1_minimum_percent is not None
        and d1.percent is not None
        and d1.percent < policy.d1_minimum_percent
    ):
        found.append(
            {
                "rule": "D1.minimum",
                "severity": "fail",
                "section": "D1",
                "text": f"D1 score {d1.percent:.1f}% is below this organisation's minimum of {policy.d1_minimum_percent:.0f}%",
                "used": "policy d1_minimum_percent",
                "fix": "Improve usability and accessibility items in D1",
                "kind": "d1_minimum",
            }
        )

    # ---- regulatory and NICE
    lbp = prof == "nice-lbp"
    device_required = bool(lbp and (submission.clinical is None or submission.clinical.delivers_treatment))
    regulatory, reg_events = assess_regulatory(
        submission, catalogue.regulatory, policy, as_of, device_required=device_required
    )
    found.extend(f for f in regulatory.findings if f.severity != "pass")
    events.extend(reg_events)
    if lbp:
        nice, nice_events = assess_nice(submission, catalogue.nice, policy, as_of, overrides)
        found.extend(
            f
            for f in (*nice.findings, *nice.content)
            if f.severity not in ("pass", "info") or f.rule in _SHOWN_INFO_RULES
        )
        events.extend(nice_events)
    else:
        nice = _NO_NICE
    return _Judged(
        plan=plan,
        ctx=ctx,
        results=results,
        findings=_FINDINGS.validate_python(found),
        events=events,
        sections=sections,
        d1=d1,
        regulatory=regulatory,
        nice=nice,
    )


# Which of a section's counts (asked, passed, failed, missing) an outcome adds to, besides asked.
_COUNT_SLOT: dict[str, int] = {"pass": 1, "fail": 2, "missing": 3}


def _questions(
    plan: EnginePlan,
    ctx: Context,
    overrides: Mapping[str, Override],
    verifications: Mapping[str, Verification],
    findings: list[Finding | dict[str, Any]],
    events: list[TimeEvent],
) -> tuple[list[QuestionResult | dict[str, Any]], dict[str, bool | None], dict[str, list[int]]]:
    """Every question in form order, routed and judged. Returns the results, which questions were
    shown, and per section the counts (asked, passed, failed, missing)."""
    answers = ctx.sub.answers
    by_question = ctx.by_question
    shown: dict[str, bool | None] = {}
    results: list[QuestionResult | dict[str, Any]] = []
    counts: dict[str, list[int]] = {s.id: [0, 0, 0, 0] for s in plan.criteria.sections}
    for step in plan.steps:
        qid = step.qid
        cond = step.cond
        asked = True if cond is None else cond(answers, shown)
        shown[qid] = asked
        answer = answers.get(qid)
        q = step.q
        sid = step.section_id
        if asked is not True:
            if answer is None or answer in step.options:
                # Nothing submission-specific in it: built once per criteria set.
                cached = step.not_asked.get((asked, answer))
                if cached is None:
                    why = not_asked_reason(step.cond_text, asked)
                    cached = step.not_asked[(asked, answer)] = _result(
                        qid, sid, q.short, False, answer, "not_applicable", why
                    )
                results.append(cached)
            else:
                why = not_asked_reason(step.cond_text, asked)
                results.append(
                    {
                        "id": qid,
                        "section": sid,
                        "short": q.short,
                        "asked": False,
                        "answer": answer,
                        "outcome": "not_applicable",
                        "reason": why,
                    }
                )
            continue
        override = overrides.get(qid) if overrides else None
        ver = verifications.get(qid) if verifications else None
        plain = override is None and ver is None and qid not in by_question
        c = counts[sid]
        if plain and step.reusable_choice and answer in step.options:
            # A choice answer with nothing attached is judged the same in every submission.
            hit = step.choice.get(answer)
            if hit is None:
                j = judge(q, step.role, answer, ctx)
                hit = step.choice[answer] = ChoiceJudgement(
                    result=_result(qid, sid, q.short, True, answer, j.outcome, j.reason, j.condition),
                    findings=tuple(
                        Finding(**f)
                        for f in question_findings(
                            q, step.role, sid, answer, j.outcome, j.reason, j, j.condition, j.kind
                        )
                    ),
                    count_slot=_COUNT_SLOT.get(j.outcome, 0),
                )
            results.append(hit.result)
            c[0] += 1
            if hit.count_slot:
                c[hit.count_slot] += 1
            if hit.findings:
                findings.extend(hit.findings)
            continue
        if plain and step.recorded_only and answer and (q.type != "choice" or answer in step.options):
            # Context (sections A and B): recorded, never judged.
            results.append(
                {
                    "id": qid,
                    "section": sid,
                    "short": q.short,
                    "asked": True,
                    "answer": answer,
                    "outcome": "informational",
                    "reason": f"Answered “{short(answer)}”",
                }
            )
            c[0] += 1
            continue
        role = step.role
        j = judge(q, role, answer, ctx)
        outcome, reason, condition, kind = j.outcome, j.reason, j.condition, j.kind
        r: dict[str, Any] = {
            "id": qid,
            "section": sid,
            "short": q.short,
            "asked": True,
            "answer": answer,
        }
        if j.evidence:
            r["evidence"] = j.evidence
        q_events = j.events
        if override is not None:
            r.update(engine_outcome=outcome, engine_reason=reason, override=override)
            outcome = override.outcome
            reason = f"Assessor override ({override.by or 'assessor'}): {override.rationale} [engine said: {reason}]"
            kind = "override"
            # The assessor's judgement replaces the engine's: no condition, finding or dated event of
            # the engine's own survives it (conditions, decision, valid-until and fixes follow).
            condition = ""
            q_events = []
        if ver is not None:
            r.update(provenance="verified", verification=ver)
        if q_events:
            events.extend(e.event() for e in q_events)
        r["outcome"] = outcome
        r["reason"] = reason
        if condition:
            r["condition"] = condition
        results.append(r)
        c[0] += 1
        if outcome == "pass":
            c[1] += 1
        elif outcome == "fail":
            c[2] += 1
        elif outcome == "missing":
            c[3] += 1
        if role == "assessed" or condition or outcome == "missing":
            findings.extend(question_findings(q, role, sid, answer, outcome, reason, j, condition, kind))
    return results, shown, counts


def _result(
    qid: str,
    section: str,
    short_: str,
    asked: bool,
    answer: str | None,
    outcome: Outcome,
    reason: str,
    condition: str = "",
) -> QuestionResult:
    return QuestionResult(
        id=qid,
        section=section,
        short=short_,
        asked=asked,
        answer=answer,
        outcome=outcome,
        reason=reason,
        condition=condition,
    )


def _commitments(
    plan: EnginePlan,
    ctx: Context,
    shown: dict[str, bool | None],
    counts: dict[str, list[int]],
    findings: list[Finding | dict[str, Any]],
) -> None:
    """Commitments an answer carries beyond the questions the form then skips (C3.2 Charter)."""
    answers = ctx.sub.answers
    for sec_id, q, commit in plan.commitments:
        if shown.get(q.id) is not True or answers.get(q.id) not in commit.when:
            continue
        claim = f"{q.id} = “{answers[q.id]}”"
        for other, consistent in commit.answers.items():
            given = answers.get(other)
            if given is None or shown.get(other) is not False or given in consistent:
                continue
            other_q = plan.questions[other]
            counts[sec_id][3] += 1
            findings.append(
                {
                    "rule": f"{q.id}.commitment",
                    "severity": "missing",
                    "text": f"{q.id} {q.short}: {claim} commits the supplier to {commit.label}, but {other} "
                    f"({other_q.short}) is answered “{short(given)}”, which contradicts it",
                    "used": f"{claim}; {other} = “{short(given)}”",
                    "fix": f"Resolve {q.id} against {other}: either the commitment holds and {other} is "
                    f"“{consistent[0]}”, or answer {q.id} “No” and complete the questions it skips",
                    "section": sec_id,
                    "kind": "commitment",
                    "question": q.id,
                }
            )
        for other in commit.check_evidence_of:
            other_q = plan.questions[other]
            for i in ctx.by_question.get(other, ()):
                rec = ctx.sub.evidence[i]
                for req in other_q.evidence:
                    if req.kind != rec.kind:
                        continue
                    chk = check_record(
                        rec, req, ctx.catalogue.regulatory, ctx.policy, ctx.as_of, apply_cvss=ctx.apply_cvss
                    )
                    ctx.evidence_state[i], ctx.evidence_label[i] = chk, req.label
                    if chk.state == "problem" and chk.severity == "fail":
                        counts[sec_id][2] += 1
                        findings.append(
                            {
                                "rule": f"{other}.evidence",
                                "severity": "fail",
                                "text": f"{other} {other_q.short}: {chk.detail} (supplied although {claim} skips "
                                f"{other}; its findings still count)",
                                "used": f"evidence[{i}] ({rec.kind})",
                                "fix": chk.fix,
                                "section": sec_id,
                                "kind": "evidence_problem",
                                "question": other,
                                "valid_until": chk.expires,
                            }
                        )


def _form_validity(
    cs: CriteriaSet,
    submission: Submission,
    as_of: dt.date,
    findings: list[Finding | dict[str, Any]],
    events: list[TimeEvent],
) -> None:
    """Form-version validity (v1.0 retired for submissions after 5 Apr 2026)."""
    until = cs.accept_submissions_until
    if until is None:
        return
    form_date = submission.submitted_on or as_of
    if submission.submitted_on is None and form_date <= until:
        events.append(
            TimeEvent(
                on=until + ONE_DAY,
                effect="fail",
                rule=f"{cs.key}.retired",
                kind="form_retired",
                text=f"{cs.title} is no longer accepted after {fmt(until)} "
                "(the submission gives no date, so the assessment date counts)",
            )
        )
    if form_date > until:
        findings.append(
            {
                "rule": f"{cs.key}.retired",
                "severity": "fail",
                "section": "Form",
                "text": f"{cs.title} is accepted only for submissions made by {fmt(until)}; "
                f"this one is dated {fmt(form_date)}",
                "used": f"submitted_on = {submission.submitted_on or 'not given (assessment date used)'}",
                "fix": "Resubmit on the current DTAC form (v2.0); the criteria browser shows what moved",
                "kind": "form_retired",
            }
        )


def _sections(plan: EnginePlan, counts: dict[str, list[int]]) -> list[SectionResult]:
    sections: list[SectionResult] = []
    cache = plan.sections
    for section in plan.criteria.sections:
        asked_n, passed, failed, missing = counts[section.id]
        key = (section.id, asked_n, passed, failed, missing)
        hit = cache.get(key)
        if hit is None:
            if section.role == "assessed":
                status = "not_met" if failed else "incomplete" if missing else "met"
            else:
                status = "context" if section.role == "context" else "scored"
            hit = SectionResult(
                id=section.id,
                title=section.title,
                role=section.role,
                status=status,
                passed=passed,
                failed=failed,
                missing=missing,
                asked=asked_n,
            )
            if len(cache) < MAX_SECTION_RESULTS:
                cache[key] = hit
        sections.append(hit)
    return sections


def route(cs: CriteriaSet, answers: Mapping[str, str]) -> dict[str, bool | None]:
    """Which questions are asked for these answers: True asked, False routed out, None waiting.

    The workbench's on-screen form uses this to show only the questions the answers lead to.
    """
    shown: dict[str, bool | None] = {}
    for step in plan_for(cs).steps:
        shown[step.q.id] = True if step.cond is None else step.cond(answers, shown)
    return shown
