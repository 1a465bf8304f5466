"""NICE back-pain profile: HTE16 status and conditions, NG59 content, population, self-referral. Pure."""

from __future__ import annotations

import datetime as dt

from .criteria import NiceProfile, NiceTechnology, Policy, StatusChange
from .dates import fmt
from .results import Finding, NiceVerdict, Severity, TimeEvent, finding
from .submission import Submission

STATUS_LABELS = {
    "use_with_evidence_generation": "Can be used while more evidence is generated (HTE16 1.1)",
    "research_only": "Only in research (HTE16 1.4)",
    "no_recommendation": "Assessed; no recommendation made",
    "out_of_scope": "Assessed; judged out of scope",
    "withdrawn": "Recommendation withdrawn",
    None: "Not assessed by NICE in HTE16",
}


def _f(
    rule: str, severity: Severity, text: str, used: str = "", fix: str = "", standing: bool = False
) -> Finding:
    return finding(rule, severity, text, used, fix, "NICE", standing)


def current_status(
    tech: NiceTechnology, as_of: dt.date, policy: Policy
) -> tuple[StatusChange | None, list[StatusChange]]:
    """The status in force on ``as_of`` and any later dated changes (unconfirmed ones only by policy)."""
    usable = [h for h in tech.history if h.confirmed or policy.apply_unconfirmed_nice_changes]
    now: StatusChange | None = None
    future: list[StatusChange] = []
    for h in usable:
        if h.effective is None or h.effective <= as_of:
            if now is None or (h.effective or dt.date.min) >= (now.effective or dt.date.min):
                now = h
        else:
            future.append(h)
    return now, sorted(future, key=lambda h: h.effective or dt.date.max)


def assess_nice(
    sub: Submission, profile: NiceProfile, policy: Policy, as_of: dt.date
) -> tuple[NiceVerdict, list[TimeEvent]]:
    events: list[TimeEvent] = []
    c = sub.clinical
    if c is None:
        f = _f(
            "NICE.profile",
            "missing",
            "No clinical profile: the back-pain profile needs the product's content, population and referral route",
            fix="Add the clinical section (content items, minimum age, self-referral, red-flag escalation)",
        )
        return NiceVerdict(applies=True, status="missing", summary=f.text, findings=(f,)), events

    findings: list[Finding] = []
    # Population: 16 and over.
    if c.minimum_age is None:
        findings.append(
            _f(
                "NICE.population",
                "missing",
                "Minimum user age not stated",
                fix="State the minimum age of users",
            )
        )
    elif c.minimum_age < profile.population_min_age:
        findings.append(
            _f(
                "NICE.population",
                "fail",
                f"Offered to people aged {c.minimum_age}; {profile.guidance} and NG59 cover people aged {profile.population_min_age} and over",
                used=f"clinical.minimum_age = {c.minimum_age}",
                fix=f"Restrict use to people aged {profile.population_min_age} and over",
            )
        )
    else:
        findings.append(
            _f("NICE.population", "pass", f"Users aged {c.minimum_age} and over", used="clinical.minimum_age")
        )

    # Self-referral needs red-flag escalation (HTE16 3.2).
    if c.self_referral is None:
        findings.append(
            _f(
                "NICE.self_referral",
                "missing",
                "Not stated whether people can refer themselves",
                fix="State whether self-referral is allowed",
            )
        )
    elif c.self_referral:
        if c.red_flag_escalation is None:
            findings.append(
                _f(
                    "NICE.red_flags",
                    "missing",
                    "Self-referral is allowed but red-flag escalation is not described",
                    fix="State how red flags are identified and escalated",
                )
            )
        elif not c.red_flag_escalation:
            findings.append(
                _f(
                    "NICE.red_flags",
                    "fail",
                    "Self-referral is allowed without safeguards that identify and escalate red flags (HTE16 3.2)",
                    used="clinical.self_referral = true, red_flag_escalation = false",
                    fix="Add red-flag screening with escalation to a clinician, or remove self-referral",
                )
            )
        else:
            findings.append(
                _f(
                    "NICE.red_flags",
                    "pass",
                    "Self-referral with red-flag screening and escalation",
                    used="clinical.red_flag_escalation",
                )
            )

    # NG59 content.
    content: list[Finding] = []
    items = set(c.content)
    if not items:
        findings.append(
            _f(
                "NG59.content",
                "missing",
                "No content items listed",
                fix="List the treatment content the app delivers",
            )
        )
    has_exercise = profile.exercise_item in items
    for ci in profile.content_items:
        if ci.id not in items:
            continue
        ref = f"NG59.{ci.id}"
        if ci.rule in ("do_not_offer", "discouraged"):
            verb = "NICE says do not offer" if ci.rule == "do_not_offer" else "NICE guidance discourages"
            content.append(
                _f(
                    ref,
                    "fail",
                    f"Offers {ci.label}: {verb} this ({ci.ng59})",
                    used=f"clinical.content includes {ci.id}",
                    fix=f"Remove from the app's content: {ci.label}",
                )
            )
        elif ci.rule == "only_with_exercise" and not has_exercise:
            content.append(
                _f(
                    ref,
                    "fail",
                    f"{ci.label} is offered without exercise; NG59 supports it only as part of a package that includes exercise ({ci.ng59})",
                    used=f"clinical.content includes {ci.id} but not {profile.exercise_item}",
                    fix="Deliver it within a programme that includes exercise",
                )
            )
        else:
            content.append(
                _f(
                    ref,
                    "pass",
                    f"{ci.label}" + (f" ({ci.ng59})" if ci.ng59 else ""),
                    used=f"clinical.content includes {ci.id}",
                )
            )
    if items and not ({"self_management", "stay_active"} & items):
        content.append(
            _f(
                "NG59.self_management",
                "condition",
                "No self-management advice or encouragement to stay active (NG59 1.2.1 recommends both at every step)",
                fix="Add self-management advice and encouragement to keep active",
            )
        )

    # Regulated-device requirement is checked in the regulatory rules; note non-treatment apps here.
    if not c.delivers_treatment:
        findings.append(
            _f("NICE.scope", "info", "Not a treatment app: information or self-help only (NICE ESF tier B)")
        )

    # HTE16 status.
    tech = profile.find_technology(c.nice_technology) if c.nice_technology else None
    obligations: list[str] = []
    status_key: str | None = None
    if tech is not None:
        now, future = current_status(tech, as_of, policy)
        status_key = now.status if now else None
        for h in future:
            if h.effective:
                events.append(
                    TimeEvent(
                        on=h.effective,
                        effect="review",
                        rule="NICE.HTE16",
                        text=f"NICE status of {tech.name} changes to '{STATUS_LABELS.get(h.status, h.status)}' on {fmt(h.effective)}",
                    )
                )
    status_label = STATUS_LABELS.get(status_key, status_key or "")
    name = tech.name if tech else None
    if status_key == "use_with_evidence_generation":
        eg = c.evidence_generation
        if eg is None or eg.agreement_in_place is None:
            findings.append(
                _f(
                    "HTE16.1.2",
                    "missing",
                    "Not stated whether evidence-generation agreements are in place (HTE16 1.2)",
                    fix="Confirm the agreements to generate evidence that NICE's plan asks for",
                )
            )
        elif not eg.agreement_in_place:
            findings.append(
                _f(
                    "HTE16.1.2",
                    "fail",
                    "No agreement to generate the evidence NICE asks for; HTE16 1.2 makes this a condition of use",
                    used="clinical.evidence_generation.agreement_in_place = false",
                    fix="Put the evidence-generation agreements in place and confirm them to NICE",
                )
            )
        obligations.append(
            "Generate evidence under NICE's evidence generation plan and confirm progress to NICE every year (HTE16 1.2)"
        )
        obligations.append(
            f"Submit the evidence to NICE after about {profile.evidence_generation_years} years for review (HTE16 1.3)"
        )
        collected = set(eg.outcomes) if eg else set()
        missing_outcomes = [
            o.label for o in profile.evidence_outcomes if o.essential and o.id not in collected
        ]
        if missing_outcomes:
            obligations.append("Start collecting: " + "; ".join(missing_outcomes))
        if eg and eg.last_nice_contact and (as_of - eg.last_nice_contact).days > 365:
            obligations.append(
                f"Annual progress contact with NICE is overdue (last {fmt(eg.last_nice_contact)})"
            )
        for o in obligations:
            findings.append(
                _f(
                    "HTE16.1.2",
                    "condition",
                    o,
                    used=f"{name}: {status_label}",
                    fix=o if o.startswith(("Start collecting", "Annual progress")) else "",
                    standing=not o.startswith(("Start collecting", "Annual progress")),
                )
            )
        summary = f"{name}: {status_label}"
        status = "condition"
    elif status_key == "research_only":
        findings.append(
            _f(
                "HTE16.1.4",
                "research",
                f"NICE lists {name} for use only in research; NHS access through company, research or non-core NHS funding (HTE16 1.5)",
                used=f"clinical.nice_technology = {name}",
            )
        )
        summary = f"{name}: {status_label}"
        status = "research"
    else:
        reason = ""
        if tech is not None:
            latest = current_status(tech, as_of, policy)[0]
            reason = latest.reason if latest and latest.reason else ""
        who = name or "This product"
        not_covered = f"{who}: {status_label}" + (f" (NICE's reason: {reason})" if reason else "")
        effect = policy.unassessed_lbp_product
        if effect == "available_with_conditions":
            findings.append(
                _f(
                    "NICE.unassessed",
                    "condition",
                    f"{not_covered}. NICE guidance does not cover it, so use is a local commissioning decision; "
                    "NICE Evidence Standards Framework tier C evidence is expected",
                    used=f"clinical.nice_technology = {name or 'none'}; policy unassessed_lbp_product",
                    fix="Provide NICE ESF tier C evidence to the commissioner",
                    standing=True,
                )
            )
            status = "condition"
        elif effect == "research_only":
            findings.append(
                _f(
                    "NICE.unassessed",
                    "research",
                    f"{not_covered}; organisation policy: research use only",
                    used="policy unassessed_lbp_product = research_only",
                )
            )
            status = "research"
        else:
            findings.append(
                _f(
                    "NICE.unassessed",
                    "fail",
                    f"{not_covered}; organisation policy: not available",
                    used="policy unassessed_lbp_product = not_available",
                    fix="Seek NICE assessment or a local policy exception",
                )
            )
            status = "fail"
        summary = not_covered

    if tech and tech.pain_duration and c.pain_duration:
        extra = set(c.pain_duration) - set(tech.pain_duration)
        if extra:
            findings.append(
                _f(
                    "HTE16.2.2",
                    "info",
                    f"NICE describes {tech.name} as for {' and '.join(tech.pain_duration)} low back pain; the submission also claims {' and '.join(sorted(extra))}",
                    used="clinical.pain_duration",
                )
            )

    all_f = findings + content
    sev = {f.severity for f in all_f}
    if "fail" in sev:
        status = "fail"
    elif "missing" in sev:
        status = "missing"
    return (
        NiceVerdict(
            applies=True,
            status=status,
            summary=summary,
            technology=name,
            nice_status=status_key,
            nice_status_label=status_label,
            obligations=tuple(obligations),
            content=tuple(content),
            findings=tuple(findings),
        ),
        events,
    )
