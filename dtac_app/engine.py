"""The assessment engine: a pure function of (submission, catalogue, policy, as_of).

No clock, no I/O. Same inputs, same output. Every outcome carries the rule it applied and
what it used, and the decision follows the precedence in the product brief:
not available > incomplete > research use only > available with conditions > available.

One concern, so one module even past 500 lines: turning answers into a decision. Rule families
that stand alone live beside it (rules_evidence.py, rules_regulatory.py, rules_nice.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .criteria import Catalogue, CriteriaSet, Policy, Question
from .dates import ONE_DAY, fmt
from .provenance import DocumentProvenance, DocumentState, provenance_of
from .results import (
    ASSESSMENT_SCHEMA,
    DECISION_LABELS,
    Assessment,
    CriteriaRef,
    D1Item,
    D1Score,
    Decision,
    EvidenceResult,
    Finding,
    Fix,
    NiceVerdict,
    Outcome,
    Override,
    ProductRef,
    QuestionResult,
    SectionResult,
    Severity,
    TimeEvent,
    Verification,
    build,
    finding,
    question_result,
)
from .rules_answers import placeholder_problem, registration_problem
from .rules_evidence import EvidenceCheck, apply_provenance, best_check, check_record
from .rules_nice import IDENTITY_OVERRIDE, UNCONFIRMED_RULE, assess_nice
from .rules_regulatory import assess_regulatory
from .submission import Submission
from .vocabulary import PROFILES

ENGINE_VERSION = "2.0.0"

_SEVERITY_RANK: dict[str, int] = {
    "fail": 0,
    "missing": 1,
    "research": 2,
    "condition": 3,
    "info": 4,
    "pass": 5,
}
# Informational findings that belong in the assessment's findings (a warning a reader must see).
_SHOWN_INFO_RULES = frozenset({UNCONFIRMED_RULE, IDENTITY_OVERRIDE})
_OUTCOME_SEVERITY: dict[Outcome, Severity] = {
    "pass": "pass",
    "fail": "fail",
    "missing": "missing",
    "not_applicable": "info",
    "informational": "info",
}


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
    _recheck: bool = True,
) -> Assessment:
    """Assess a normalised submission (see ``submission.normalise``) on ``as_of``.

    ``documents`` gives each evidence record's provenance by index (received, asserted, verified,
    problem; see :mod:`dtac_app.provenance`). A record not in it is *asserted*: nobody has seen
    its file, so it never counts as valid evidence."""
    policy = policy or catalogue.policy
    prof = profile or submission.profile
    if prof not in PROFILES:
        raise ValueError(f"unknown profile '{prof}'")
    cs = catalogue.dtac_set(submission.criteria)
    overrides = overrides or {}
    verifications = verifications or {}
    answers = submission.answers
    findings: list[Finding] = []
    events: list[TimeEvent] = []

    # Evidence records grouped by question for quick lookup.
    by_question: dict[str, list[int]] = {}
    for i, rec in enumerate(submission.evidence):
        by_question.setdefault(rec.question, []).append(i)
    evidence_state: dict[int, EvidenceCheck] = {}
    evidence_label: dict[int, str] = {}

    is_v1 = cs.version.startswith("1")
    apply_cvss = (not is_v1) or policy.v1_apply_cvss_threshold

    # ---- questions, in form order, with routing
    shown: dict[str, bool | None] = {}
    results: list[QuestionResult] = []
    counts: dict[str, list[int]] = {s.id: [0, 0, 0, 0] for s in cs.sections}  # asked, pass, fail, missing
    cache = _cache_for(cs)
    static, not_asked_cache = cache.choice, cache.not_asked
    for section, q, cond, cond_text in cs.plan:
        qid = q.id
        asked = True if cond is None else cond(answers, shown)
        shown[qid] = asked
        answer = answers.get(qid)
        if asked is not True:
            if answer is None:
                # Nothing submission-specific in it: build it once per criteria set.
                key = (qid, asked)
                cached = not_asked_cache.get(key)
                if cached is None:
                    cached = not_asked_cache[key] = question_result(
                        qid,
                        section.id,
                        q.short,
                        False,
                        None,
                        "not_applicable",
                        _not_asked_reason(cond_text, asked),
                    )
                results.append(cached)
            else:
                results.append(
                    question_result(
                        qid,
                        section.id,
                        q.short,
                        False,
                        answer,
                        "not_applicable",
                        _not_asked_reason(cond_text, asked),
                    )
                )
            continue
        role = section.role
        override = overrides.get(qid) if overrides else None
        ver = verifications.get(qid) if verifications else None
        if (
            q.type == "choice"
            and answer is not None
            and answer in q.options
            and q.device_contradiction is None
            and override is None
            and ver is None
            and qid not in by_question
        ):
            # A choice answer with no evidence records, override or verification is judged the same in
            # every submission: reuse the result (bounded by the number of options per question).
            ckey = (qid, answer, role)
            hit = static.get(ckey)
            if hit is None:
                outcome, reason, condition, cond_fix, _ev, _events, fix = _judge(
                    q,
                    role,
                    answer,
                    submission,
                    by_question,
                    catalogue,
                    policy,
                    as_of,
                    apply_cvss,
                    evidence_state,
                    evidence_label,
                    documents,
                )
                hit = static[ckey] = (
                    question_result(qid, section.id, q.short, True, answer, outcome, reason, condition),
                    outcome,
                    reason,
                    condition,
                    cond_fix,
                    fix,
                )
            qr, outcome, reason, condition, cond_fix, fix = hit
            results.append(qr)
            c = counts[section.id]
            c[0] += 1
            if outcome == "pass":
                c[1] += 1
            elif outcome != "informational":
                _count_problem(c, outcome)
                if role == "assessed":
                    _question_findings(
                        findings, q, section.id, answer, outcome, reason, condition, cond_fix, fix
                    )
                continue
            if condition and (role == "assessed" or role == "scored"):
                _question_findings(findings, q, section.id, answer, outcome, reason, condition, cond_fix, fix)
            continue
        if (
            role == "context"
            and q.pass_rule is None
            and not q.evidence
            and override is None
            and ver is None
            and answer
            and qid not in by_question
            and (q.type != "choice" or answer in q.options)
        ):
            # Context (sections A and B): recorded, never judged.
            results.append(
                question_result(
                    qid, section.id, q.short, True, answer, "informational", f"Answered “{_short(answer)}”"
                )
            )
            c = counts[section.id]
            c[0] += 1
            continue
        outcome, reason, condition, cond_fix, ev_idx, q_events, fix = _judge(
            q,
            role,
            answer,
            submission,
            by_question,
            catalogue,
            policy,
            as_of,
            apply_cvss,
            evidence_state,
            evidence_label,
            documents,
        )
        engine_outcome: Outcome | None = None
        engine_reason = ""
        if override is not None:
            engine_outcome, engine_reason = outcome, reason
            outcome = override.outcome
            reason = f"Assessor override ({override.by or 'assessor'}): {override.rationale} [engine said: {reason}]"
            # The assessor's judgement replaces the engine's: no condition, finding or dated event of
            # the engine's own survives it (conditions, decision, valid-until and fixes follow).
            condition = ""
            q_events = []
        if q_events:
            events.extend(q_events)
        results.append(
            question_result(
                qid,
                section.id,
                q.short,
                True,
                answer,
                outcome,
                reason,
                condition,
                tuple(ev_idx),
                engine_outcome,
                override,
                "verified" if ver else "asserted",
                ver,
                engine_reason,
            )
        )
        _count(counts[section.id], outcome)
        if role == "assessed" or (role == "scored" and condition):
            _question_findings(findings, q, section.id, answer, outcome, reason, condition, cond_fix, fix)
        elif outcome == "missing" and answer and q.type == "choice":
            # An answer that names no option outside the assessed sections: shown, not decisive.
            findings.append(
                finding(
                    qid,
                    "info",
                    f"{qid} {q.short}: {reason}",
                    _used(q, answer),
                    fix or _question_fix(q, outcome, reason),
                    section.id,
                )
            )

    # ---- commitments an answer carries beyond the questions the form then skips (C3.2 Charter)
    for sec_id, q, commit in cs.commitments:
        if shown.get(q.id) is not True or answers.get(q.id) not in commit.when:
            continue
        claim = f"{q.id} = “{answers[q.id]}”"
        for other, consistent in commit.answers.items():
            given = answers.get(other)
            if given is None or shown.get(other) is not False or given in consistent:
                continue
            other_q = cs.questions[other]
            counts[sec_id][3] += 1
            findings.append(
                finding(
                    f"{q.id}.commitment",
                    "missing",
                    f"{q.id} {q.short}: {claim} commits the supplier to {commit.label}, but {other} "
                    f"({other_q.short}) is answered “{_short(given)}”, which contradicts it",
                    f"{claim}; {other} = “{_short(given)}”",
                    f"Resolve {q.id} against {other}: either the commitment holds and {other} is "
                    f"“{consistent[0]}”, or answer {q.id} “No” and complete the questions it skips",
                    sec_id,
                )
            )
        for other in commit.check_evidence_of:
            other_q = cs.questions[other]
            for i in by_question.get(other, ()):
                rec = submission.evidence[i]
                for req in other_q.evidence:
                    if req.kind != rec.kind:
                        continue
                    chk = check_record(rec, req, catalogue.regulatory, policy, as_of, apply_cvss=apply_cvss)
                    evidence_state[i], evidence_label[i] = chk, req.label
                    if chk.state == "problem" and chk.severity == "fail":
                        counts[sec_id][2] += 1
                        findings.append(
                            finding(
                                f"{other}.evidence",
                                "fail",
                                f"{other} {other_q.short}: {chk.detail} (supplied although {claim} skips "
                                f"{other}; its findings still count)",
                                f"evidence[{i}] ({rec.kind})",
                                chk.fix,
                                sec_id,
                            )
                        )

    # ---- form-version validity (v1.0 retired for submissions after 5 Apr 2026)
    if cs.accept_submissions_until is not None:
        form_date = submission.submitted_on or as_of
        if submission.submitted_on is None and form_date <= cs.accept_submissions_until:
            events.append(
                build(
                    TimeEvent,
                    on=cs.accept_submissions_until + ONE_DAY,
                    effect="fail",
                    rule=f"{cs.key}.retired",
                    kind="form_retired",
                    text=f"{cs.title} is no longer accepted after {fmt(cs.accept_submissions_until)} "
                    "(the submission gives no date, so the assessment date counts)",
                )
            )
        if form_date > cs.accept_submissions_until:
            findings.append(
                finding(
                    rule=f"{cs.key}.retired",
                    severity="fail",
                    section="Form",
                    text=f"{cs.title} is accepted only for submissions made by {fmt(cs.accept_submissions_until)}; "
                    f"this one is dated {fmt(form_date)}",
                    used=f"submitted_on = {submission.submitted_on or 'not given (assessment date used)'}",
                    fix="Resubmit on the current DTAC form (v2.0); the criteria browser shows what moved",
                )
            )

    # ---- sections
    sections: list[SectionResult] = []
    for section in cs.sections:
        asked_n, passed, failed, missing = counts[section.id]
        if section.role == "assessed":
            status = "not_met" if failed else "incomplete" if missing else "met"
        else:
            status = "context" if section.role == "context" else "scored"
        sections.append(
            build(
                SectionResult,
                id=section.id,
                title=section.title,
                role=section.role,
                status=status,
                passed=passed,
                failed=failed,
                missing=missing,
                asked=asked_n,
            )
        )

    # ---- D1 score
    d1 = _score_d1(cs, results, policy)
    if (
        policy.d1_minimum_percent is not None
        and d1.percent is not None
        and d1.percent < policy.d1_minimum_percent
    ):
        findings.append(
            finding(
                rule="D1.minimum",
                severity="fail",
                section="D1",
                text=f"D1 score {d1.percent:.1f}% is below this organisation's minimum of {policy.d1_minimum_percent:.0f}%",
                used="policy d1_minimum_percent",
                fix="Improve usability and accessibility items in D1",
            )
        )

    # ---- evidence register
    ev_results = _evidence_register(submission, catalogue, evidence_state, evidence_label, documents)

    # ---- regulatory and NICE
    lbp = prof == "nice-lbp"
    device_required = bool(lbp and (submission.clinical is None or submission.clinical.delivers_treatment))
    regulatory, reg_events = assess_regulatory(
        submission, catalogue.regulatory, policy, as_of, device_required=device_required
    )
    findings.extend(f for f in regulatory.findings if f.severity != "pass")
    events.extend(reg_events)
    if regulatory.applies:
        ev_results = _device_evidence(ev_results, as_of)
    if lbp:
        nice, nice_events = assess_nice(submission, catalogue.nice, policy, as_of, overrides)
        findings.extend(
            f
            for f in (*nice.findings, *nice.content)
            if f.severity not in ("pass", "info") or f.rule in _SHOWN_INFO_RULES
        )
        events.extend(nice_events)
    else:
        nice = NiceVerdict(
            applies=False, status="not_applicable", summary="The NICE back-pain profile was not applied."
        )

    # ---- decision
    decision = _decide(findings)
    reasons = _reasons(decision, findings, sections, cs)
    conditions = tuple(f for f in findings if f.severity == "condition")
    review_changes: set[dt.date] = set()
    if _recheck:
        # A 'review' event (a dated NICE change, future-dated evidence) may or may not change the
        # decision: find out by assessing on that day. Rare, so the cost only falls where it applies.
        for day in sorted({e.on for e in events if e.effect == "review" and e.on > as_of}):
            later = assess(
                submission,
                catalogue,
                as_of=day,
                policy=policy,
                profile=prof,
                overrides=overrides,
                verifications=verifications,
                documents=documents,
                _recheck=False,
            )
            if later.decision != decision:
                review_changes.add(day)
    first_change, why, change_events = _first_change(
        decision, events, as_of, review_changes if _recheck else None
    )
    fixes = _fixes(findings, decision)
    summary = _summary(decision, findings, sections, d1)
    events.sort(key=lambda e: (e.on, e.rule))

    return build(
        Assessment,
        schema_=ASSESSMENT_SCHEMA,
        engine_version=ENGINE_VERSION,
        as_of=as_of,
        profile=prof,
        criteria=CriteriaRef(
            set=cs.key, title=cs.title, version=cs.version, hashes=catalogue.hashes_for(cs.key)
        ),
        product=ProductRef(
            name=submission.product.name,
            version=submission.product.version,
            manufacturer=submission.product.manufacturer,
        ),
        decision=decision,
        decision_label=DECISION_LABELS[decision],
        summary=summary,
        reasons=reasons,
        conditions=conditions,
        valid_until=first_change - ONE_DAY if first_change else None,
        changes_on=first_change,
        valid_until_reason=why,
        change_events=change_events,
        events=tuple(e for e in events if e.on > as_of),
        sections=tuple(sections),
        questions=tuple(results),
        d1=d1,
        evidence=ev_results,
        regulatory=regulatory,
        nice=nice,
        findings=tuple(sorted(findings, key=lambda f: _SEVERITY_RANK[f.severity])),
        fixes=fixes,
    )


# ----------------------------------------------------------------------------- question judging


def _judge(
    q: Question,
    role: str,
    answer: str | None,
    sub: Submission,
    by_question: dict[str, list[int]],
    catalogue: Catalogue,
    policy: Policy,
    as_of: dt.date,
    apply_cvss: bool,
    evidence_state: dict[int, EvidenceCheck],
    evidence_label: dict[int, str],
    documents: Mapping[int, DocumentState | DocumentProvenance] | None,
) -> tuple[Outcome, str, str, str, list[int], list[TimeEvent], str]:
    """Judge one asked question.

    Returns (outcome, reason, condition, what clears the condition, evidence, events, what fixes a
    failing or missing outcome — "" where the question's own wording says it)."""
    linked = by_question.get(q.id, [])
    if answer is None or not answer.strip():
        if role == "assessed":
            return "missing", "Not answered", "", "", linked, [], ""
        return "informational", "Not answered", "", "", linked, [], ""
    if q.device_contradiction is not None and answer in q.device_contradiction.answers and _is_device(sub):
        dc = q.device_contradiction
        reason = f"Answered “{answer}”, but {' '.join(dc.reason.split())}"
        return "missing", reason, "", "", linked, [], " ".join(dc.fix.split())
    if q.type == "choice" and answer not in q.options:
        # Kept as written (see submission.normalise): the question stays missing until it names an option.
        return (
            "missing",
            f"“{_short(answer)}” is not one of the options ({'; '.join(q.options)})",
            "",
            "",
            linked,
            [],
            f"{q.id} {q.short}: choose one of the options ({'; '.join(q.options)})",
        )

    rule = q.pass_rule
    condition = ""
    condition_fixes: list[str] = []
    outcome_fix = ""
    if rule is None:
        note = f" ({q.routing_note})" if q.routing_note and role == "assessed" else ""
        outcome: Outcome = "informational"
        reason = f"Answered “{_short(answer)}”{note}"
    elif rule.nonempty:
        text = answer.strip()
        placeholder = placeholder_problem(policy, text)
        registration = (
            registration_problem(catalogue.regulatory, text)
            if rule.professional_registration and not placeholder
            else ""
        )
        if placeholder:
            outcome, reason = "missing", placeholder[0].upper() + placeholder[1:]
            outcome_fix = f"{q.id} {q.short}: replace the placeholder with a real answer"
        elif len(text) < rule.min_chars:
            outcome, reason = (
                "missing",
                f"Answer too short to assess ({len(text)} characters; at least {rule.min_chars} expected)",
            )
        elif registration:
            outcome, reason = "missing", f"“{_short(text)}”: {registration}"
            outcome_fix = f"{q.id}: name the {q.short} and give their professional register and number"
        else:
            outcome, reason = "pass", "Answer given" + (f": “{_short(text)}”" if len(text) <= 60 else "")
    elif answer in rule.accept:
        outcome, reason = "pass", f"Answered “{answer}”"
    elif answer in rule.conditional:
        outcome, reason = "pass", f"Answered “{answer}”"
        condition = rule.condition_text or f"Conditional answer “{answer}”"
        condition_fixes.append(condition)
    else:
        outcome, reason = "fail", rule.fail_reason or f"“{answer}” does not meet the criterion"
        reason = f"Answered “{answer}”: {reason}"

    if role != "assessed" and outcome == "fail":
        outcome = "informational"
        reason += " (scored for comparison; not pass/fail)"

    # Evidence the answer calls for.
    q_events: list[TimeEvent] = []
    if outcome == "pass" or rule is None:
        worst: tuple[int, str, str, str] | None = None  # (rank, severity, detail, fix)
        for req in q.evidence:
            if req.when is not None and answer not in req.when:
                continue
            recs = [i for i in linked if sub.evidence[i].kind == req.kind]
            if not recs:
                if req.required and role == "assessed":
                    sev, detail = "missing", f"{req.label} not supplied"
                    if worst is None or _SEVERITY_RANK[sev] < worst[0]:
                        worst = (_SEVERITY_RANK[sev], sev, detail, f"supply the {req.label}")
                continue
            checks = [
                apply_provenance(
                    check_record(
                        sub.evidence[i], req, catalogue.regulatory, policy, as_of, apply_cvss=apply_cvss
                    ),
                    provenance_of(documents, i),
                    req.label,
                    policy,
                )
                for i in recs
            ]
            best = best_check(checks) if len(checks) > 1 else 0
            for i, c in zip(recs, checks, strict=True):
                evidence_state[i] = c
                evidence_label[i] = req.label
            chosen = checks[best]
            if role == "assessed":
                q_events.extend(chosen.events)
                # A record dated in the future also counts from its date, even if another is chosen now.
                q_events.extend(
                    e for c in checks if c is not chosen for e in c.events if e.effect == "review"
                )
            if chosen.severity == "condition" and role == "assessed":
                condition = (condition + "; " if condition else "") + chosen.detail
                condition_fixes.append(chosen.fix or f"Renew the {req.label}")
            if chosen.severity in ("fail", "missing") and role == "assessed":
                rank = _SEVERITY_RANK[chosen.severity]
                if worst is None or rank < worst[0]:
                    worst = (rank, chosen.severity, chosen.detail, chosen.fix)
        if worst is not None:
            outcome = "fail" if worst[1] == "fail" else "missing"
            reason = f"{reason}; {worst[2]}"
            outcome_fix = f"{q.id}: {worst[3]}" if worst[3] else ""
            # Incomplete now, it still fails on a later expiry (a change of decision); failing
            # now, only a dated review can change it.
            keep = ("review",) if worst[1] == "fail" else ("review", "fail")
            q_events = [e for e in q_events if e.effect in keep]
    return outcome, reason, condition, "; ".join(condition_fixes), linked, q_events, outcome_fix


@dataclass(eq=False)
class _ResultCache:
    """Results that depend only on one criteria set, reused across assessments (the engine's own
    state, kept here rather than on the frozen criteria model). Each dict is bounded by the
    criteria: questions × options × roles, questions × routing states, D1 items × points."""

    choice: dict[tuple[str, str, str], tuple[QuestionResult, Outcome, str, str, str, str]] = field(
        default_factory=dict
    )
    not_asked: dict[tuple[str, bool | None], QuestionResult] = field(default_factory=dict)
    d1_items: dict[tuple[str, str, float | None, str], D1Item] = field(default_factory=dict)


# id(criteria set) -> (the set, its cache). The set is held, so its id is not reused while cached.
_CACHES: dict[int, tuple[CriteriaSet, _ResultCache]] = {}
_MAX_CACHED_SETS = 16


def _cache_for(cs: CriteriaSet) -> _ResultCache:
    entry = _CACHES.get(id(cs))
    if entry is None or entry[0] is not cs:
        if len(_CACHES) >= _MAX_CACHED_SETS:
            _CACHES.pop(next(iter(_CACHES)))
        entry = _CACHES[id(cs)] = (cs, _ResultCache())
    return entry[1]


def _is_device(sub: Submission) -> bool:
    """A regulated medical device, or a back-pain app that delivers treatment (so must be one)."""
    if sub.regulatory is not None and sub.regulatory.medical_device:
        return True
    return sub.profile == "nice-lbp" and sub.clinical is not None and sub.clinical.delivers_treatment


def _count_problem(c: list[int], outcome: Outcome) -> None:
    if outcome == "fail":
        c[2] += 1
    elif outcome == "missing":
        c[3] += 1


def _count(c: list[int], outcome: Outcome) -> None:
    c[0] += 1
    if outcome == "pass":
        c[1] += 1
    elif outcome == "fail":
        c[2] += 1
    elif outcome == "missing":
        c[3] += 1


def _question_findings(
    findings: list[Finding],
    q: Question,
    section: str,
    answer: str | None,
    outcome: Outcome,
    reason: str,
    condition: str,
    condition_fix: str,
    fix: str = "",
) -> None:
    if outcome == "fail" or outcome == "missing":
        findings.append(
            finding(
                q.id,
                outcome,
                f"{q.id} {q.short}: {reason}",
                _used(q, answer),
                fix or _question_fix(q, outcome, reason),
                section,
            )
        )
    if condition:
        findings.append(
            finding(
                q.id,
                "condition",
                f"{q.id} {q.short}: {condition}",
                _used(q, answer),
                condition_fix or condition,
                section,
            )
        )


def _not_asked_reason(cond: str, asked: bool | None) -> str:
    if not cond:
        return "Not asked"
    if asked is None:
        return f"Waiting for an earlier answer: asked only when {cond}"
    return f"Not asked: applies only when {cond}"


def _short(text: str, n: int = 60) -> str:
    if len(text) <= n and "\n" not in text and "  " not in text and "\t" not in text:
        return text
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _used(q: Question, answer: str | None) -> str:
    return f"{q.id} = “{_short(answer)}”" if answer else f"{q.id} not answered"


def _question_fix(q: Question, outcome: Outcome, reason: str) -> str:
    """The fix that follows from the question itself (rules with a more specific fix return it from ``_judge``)."""
    if outcome == "missing":
        return f"Answer {q.id}: {q.short}"
    if q.pass_rule and q.pass_rule.accept:
        return f"{q.id}: meet the criterion so the answer can be “{q.pass_rule.accept[0]}”"
    return f"Improve the answer to {q.id} ({q.short})"


# ----------------------------------------------------------------------------- D1


def _score_d1(cs: CriteriaSet, results: list[QuestionResult], policy: Policy) -> D1Score:
    items: list[D1Item] = []
    earned = possible = 0.0
    static = _cache_for(cs).d1_items

    def item(qid: str, weight: float, points: float | None, note: str = "") -> D1Item:
        key = ("d1", qid, points, note)
        hit = static.get(key)
        if hit is None:
            hit = static[key] = build(D1Item, id=qid, weight=weight, points=points, note=note)
        return hit

    questions = cs.questions
    scored = {s.id for s in cs.sections if s.role == "scored"}
    for r in results:
        if r.section not in scored:
            continue
        q = questions[r.id]
        if q.score is None:
            continue
        weight = q.score.weight
        if not r.asked:
            items.append(item(q.id, weight, None, "not asked"))
            continue
        if not r.answer:
            possible += weight
            items.append(item(q.id, weight, 0.0, "not answered"))
            continue
        if q.type == "choice" and r.answer not in q.options:
            possible += weight
            items.append(item(q.id, weight, 0.0, "not one of the options"))
            continue
        pts = q.score.points.get(r.answer, q.score.points.get("*", 0.0))
        if pts == "policy:working_towards_credit":
            pts = policy.v1_working_towards_credit
        elif pts == "policy:not_applicable":
            pts = "exclude" if policy.v1_not_applicable_d1 == "exclude" else 1.0
        if pts == "exclude":
            items.append(item(q.id, weight, None, "not applicable"))
            continue
        value = float(pts)
        earned += value * weight
        possible += weight
        items.append(item(q.id, weight, value))
    pct = round(100.0 * earned / possible, 1) if possible else None
    return D1Score(
        method=cs.scoring.method,
        earned=round(earned, 3),
        possible=round(possible, 3),
        percent=pct,
        items=tuple(items),
    )


# ----------------------------------------------------------------------------- evidence register


def _evidence_register(
    sub: Submission,
    catalogue: Catalogue,
    states: dict[int, EvidenceCheck],
    labels: dict[int, str],
    documents: Mapping[int, DocumentState | DocumentProvenance] | None,
) -> tuple[EvidenceResult, ...]:
    out = []
    kinds = catalogue.regulatory.evidence_kinds
    for i, rec in enumerate(sub.evidence):
        c = states.get(i)
        kind = kinds.get(rec.kind)
        label = labels.get(i) or (kind.label if kind else rec.kind)
        if c is None:
            state, detail, expires = (
                "unchecked",
                "Not used by any question asked with this answer",
                rec.expires,
            )
        else:
            state, detail, expires = c.state, c.detail, c.expires or rec.expires
        prov = provenance_of(documents, i)
        out.append(
            build(
                EvidenceResult,
                index=i,
                question=rec.question,
                kind=rec.kind,
                label=label,
                title=rec.title,
                reference=rec.reference,
                issuer=rec.issuer,
                issued=rec.issued,
                expires=expires,
                file=rec.file,
                sha256=rec.sha256,
                state=state,
                detail=detail,
                provenance=prov.state,
                checked=prov.checked,
                checked_by=prov.by,
                checked_on=prov.on,
            )
        )
    return tuple(out)


_DEVICE_KINDS = frozenset({"declaration_of_conformity", "mhra_registration", "device_certificate"})


def _device_evidence(register: tuple[EvidenceResult, ...], as_of: dt.date) -> tuple[EvidenceResult, ...]:
    """Device documents support the GB device verdict even when no DTAC question asks for them."""
    out = []
    for e in register:
        if e.state == "unchecked" and e.kind in _DEVICE_KINDS:
            if e.provenance in ("asserted", "problem"):
                what = "no file received and not verified" if e.provenance == "asserted" else "problem"
                e = e.model_copy(
                    update={"state": e.provenance, "detail": f"Cited for the GB device verdict; {what}"}
                )
            elif e.expires is not None and as_of > e.expires:
                e = e.model_copy(
                    update={
                        "state": "expired",
                        "detail": f"{e.label} expired after {fmt(e.expires)} (GB device evidence)",
                    }
                )
            else:
                until = f", valid until {fmt(e.expires)}" if e.expires else ""
                e = e.model_copy(
                    update={"state": "valid", "detail": f"Supports the GB device verdict{until}"}
                )
        out.append(e)
    return tuple(out)


# ----------------------------------------------------------------------------- decision


def _decide(findings: list[Finding]) -> Decision:
    sev = {f.severity for f in findings}
    if "fail" in sev:
        return "not_available"
    if "missing" in sev:
        return "incomplete"
    if "research" in sev:
        return "research_only"
    if "condition" in sev:
        return "available_with_conditions"
    return "available"


_DECIDING: dict[Decision, Severity] = {
    "not_available": "fail",
    "incomplete": "missing",
    "research_only": "research",
    "available_with_conditions": "condition",
}


def _reasons(
    decision: Decision, findings: list[Finding], sections: list[SectionResult], cs: CriteriaSet
) -> tuple[Finding, ...]:
    sev = _DECIDING.get(decision)
    if sev is not None:
        return tuple(f for f in findings if f.severity == sev)
    met = ", ".join(s.id for s in sections if s.role == "assessed")
    return (
        finding(
            rule="DTAC",
            severity="pass",
            text=f"All assessed sections met ({met}); no conditions apply",
            used=f"{cs.title}",
            section="",
        ),
    )


def _first_change(
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


def _fixes(findings: list[Finding], decision: Decision) -> tuple[Fix, ...]:
    """What would change the decision, most impact first.

    Failures come first (they make it 'not available'), then missing items, then conditions.
    Each fix says whether it is the last item holding the decision at its level and, if so,
    where the decision would move. Standing conditions (e.g. NICE's conditions of use) cannot be
    cleared by the vendor; the impact text says so instead of promising an unconditional pass.
    """
    actionable = [
        f
        for f in findings
        if f.severity in ("fail", "missing", "condition", "research") and (f.fix or f.severity == "research")
    ]
    actionable.sort(key=lambda f: (_SEVERITY_RANK[f.severity], f.standing, f.section, f.rule))
    counts: dict[str, int] = {}
    for f in findings:
        if f.severity in ("fail", "missing", "research") or (f.severity == "condition" and not f.standing):
            counts[f.severity] = counts.get(f.severity, 0) + 1
    standing = any(f.severity == "condition" and f.standing for f in findings)
    conditional_after = counts.get("condition") or standing
    after = {
        "fail": "incomplete"
        if counts.get("missing")
        else "research use only"
        if counts.get("research")
        else "available with conditions"
        if conditional_after
        else "available for NHS use",
        "missing": "research use only"
        if counts.get("research")
        else "available with conditions"
        if conditional_after
        else "available for NHS use",
        "research": "available with conditions" if conditional_after else "available for NHS use",
        "condition": "available with conditions (standing conditions remain)"
        if standing
        else "available for NHS use",
    }
    blocking = {
        "fail": "not available",
        "missing": "incomplete",
        "research": "research use only",
        "condition": "available with conditions",
    }
    out: list[Fix] = []
    seen: set[str] = set()
    for f in actionable:
        action = f.fix or "Seek NICE assessment outside research use"
        if action in seen:
            continue
        seen.add(action)
        if f.severity == "condition" and f.standing:
            impact = "A standing condition of use: it stays attached to the decision while it applies"
        else:
            n = counts[f.severity]
            if n == 1:
                impact = f"The only item keeping the decision at '{blocking[f.severity]}': fixing it moves it to '{after[f.severity]}'"
            else:
                impact = f"One of {n} items keeping the decision at '{blocking[f.severity]}'"
        out.append(
            build(Fix, rank=len(out) + 1, rule=f.rule, severity=f.severity, action=action, impact=impact)
        )
    return tuple(out)


def _summary(decision: Decision, findings: list[Finding], sections: list[SectionResult], d1: D1Score) -> str:
    assessed = [s for s in sections if s.role == "assessed"]
    met = sum(s.status == "met" for s in assessed)
    parts = [f"{DECISION_LABELS[decision]}.", f"{met} of {len(assessed)} assessed sections met."]
    n = {k: sum(f.severity == k for f in findings) for k in ("fail", "missing", "condition")}
    if n["fail"]:
        parts.append(f"{n['fail']} failure{'s' if n['fail'] != 1 else ''}.")
    if n["missing"]:
        parts.append(f"{n['missing']} item{'s' if n['missing'] != 1 else ''} missing.")
    if n["condition"]:
        parts.append(f"{n['condition']} condition{'s' if n['condition'] != 1 else ''}.")
    if d1.percent is not None:
        parts.append(f"D1 {d1.percent:.0f}%.")
    return " ".join(parts)


def route(cs: CriteriaSet, answers: Mapping[str, str]) -> dict[str, bool | None]:
    """Which questions are asked for these answers: True asked, False routed out, None waiting.

    The workbench's on-screen form uses this to show only the questions the answers lead to.
    """
    shown: dict[str, bool | None] = {}
    for _section, q, cond, _text in cs.plan:
        shown[q.id] = True if cond is None else cond(answers, shown)
    return shown


__all__ = ["ENGINE_VERSION", "ONE_DAY", "assess", "route"]
