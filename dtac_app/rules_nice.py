"""NICE back-pain profile: HTE16 status and conditions, NG59 content, population, self-referral. Pure.

One concern, so one module past 500 lines: the NICE verdict on one product. Its parts (which
technology a product is, its status on a date, the content rules, the conditions of use) decide
together, and most of the length is the wording of each finding.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from .criteria import ContentItem, NiceProfile, NiceTechnology, Policy, StatusChange
from .dates import fmt
from .results import Finding, NiceVerdict, Override, Severity, TimeEvent
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
    return Finding(
        rule=rule,
        severity=severity,
        text=text,
        used=used,
        fix=fix,
        section="NICE",
        standing=standing,
        kind="nice",
    )


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


_COMPANY_SUFFIXES = frozenset(
    [
        "ltd",
        "limited",
        "plc",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "gmbh",
        "ag",
        "aps",
        "as",
        "asa",
        "ab",
        "oy",
        "bv",
        "nv",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "pty",
        "co",
        "company",
        "corp",
        "corporation",
        "the",
    ]
)


def company_key(name: str) -> str:
    """A company name compared sensibly: case, accents, punctuation and legal suffixes ignored.

    "getUBetter Ltd", "GETUBETTER LIMITED" and "getUBetter, Ltd." give the same key.
    """
    t = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").casefold()
    t = t.replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", t).split()
    while words and words[-1] in _COMPANY_SUFFIXES:
        words.pop()
    while words and words[0] == "the":
        words.pop(0)
    return "".join(words)


IDENTITY_OVERRIDE = "NICE.identity"


def identity_mismatch(sub: Submission, tech: NiceTechnology) -> str:
    """Why the submission is not from ``tech``'s company ("" when its manufacturer matches)."""
    maker = sub.product.manufacturer
    keys = {company_key(n) for n in (tech.company, *tech.company_aliases) if n}
    if keys and company_key(maker) in keys:
        return ""
    company = tech.company or "a company NICE names"
    return f"The submission names {tech.name}, but its manufacturer is {maker}, not {company}"


UNCONFIRMED_RULE = "NICE.unconfirmed"


def _unconfirmed_warnings(tech: NiceTechnology, policy: Policy, as_of: dt.date) -> list[Finding]:
    """A visible warning for every unconfirmed status change recorded for ``tech``."""
    out = []
    for h in tech.history:
        if h.confirmed:
            continue
        label = STATUS_LABELS.get(h.status, h.status)
        since = h.effective_text or (fmt(h.effective) if h.effective else "no date given")
        why = f" ({h.reason})" if h.reason else ""
        if policy.apply_unconfirmed_nice_changes:
            if h.effective is None or h.effective <= as_of:
                treatment = "policy apply_unconfirmed_nice_changes is true, so it is applied"
            else:
                treatment = (
                    f"policy apply_unconfirmed_nice_changes is true, so it is applied from {fmt(h.effective)}"
                )
        else:
            confirmed = [
                x for x in tech.history if x.confirmed and (x.effective is None or x.effective <= as_of)
            ]
            last = STATUS_LABELS.get(confirmed[-1].status, confirmed[-1].status) if confirmed else "none"
            treatment = (
                "policy apply_unconfirmed_nice_changes is false, so it is not applied: "
                f"the last confirmed status is used ({last})"
            )
        out.append(
            _f(
                UNCONFIRMED_RULE,
                "info",
                f"Warning: an UNCONFIRMED report says {tech.name}'s NICE status changed to '{label}'{why}, "
                f"from {since}; {treatment}",
                used=f"nice-lbp history of {tech.name}; source: {' '.join(h.source.split())}",
                fix=f"Check {tech.name}'s status on NICE's HTE16 page and record the confirmed change",
            )
        )
    return out


# id(NICE profile) -> (the profile, its content findings by (id(item), has exercise)). The entry
# holds the profile, so its ids are not reused while cached; bounded by items x 2 per profile.
_CONTENT: dict[int, tuple[NiceProfile, dict[tuple[int, bool], Finding]]] = {}


def _fixed_content(profile: NiceProfile) -> dict[tuple[int, bool], Finding]:
    hit = _CONTENT.get(id(profile))
    if hit is None or hit[0] is not profile:
        if len(_CONTENT) >= 8:
            _CONTENT.clear()
        hit = _CONTENT[id(profile)] = (profile, {})
    return hit[1]


def _content_finding(profile: NiceProfile, ci: ContentItem, has_exercise: bool) -> Finding:
    """The NG59 finding on a content item the app offers (no NICE exemption applying to it)."""
    ref = f"NG59.{ci.id}"
    if ci.rule in ("do_not_offer", "discouraged"):
        verb = "NICE says do not offer" if ci.rule == "do_not_offer" else "NICE guidance discourages"
        return _f(
            ref,
            "fail",
            f"Offers {ci.label}: {verb} this ({ci.ng59})",
            used=f"clinical.content includes {ci.id}",
            fix=f"Remove from the app's content: {ci.label}",
        )
    if ci.rule == "only_with_exercise" and not has_exercise:
        return _f(
            ref,
            "fail",
            f"{ci.label} is offered without exercise; NG59 supports it only as part of a package that includes exercise ({ci.ng59})",
            used=f"clinical.content includes {ci.id} but not {profile.exercise_item}",
            fix="Deliver it within a programme that includes exercise",
        )
    return _f(
        ref,
        "pass",
        f"{ci.label}" + (f" ({ci.ng59})" if ci.ng59 else ""),
        used=f"clinical.content includes {ci.id}",
    )


def assess_nice(
    sub: Submission,
    profile: NiceProfile,
    policy: Policy,
    as_of: dt.date,
    overrides: Mapping[str, Override] | None = None,
) -> tuple[NiceVerdict, list[TimeEvent]]:
    """The back-pain profile verdict. ``overrides[IDENTITY_OVERRIDE]`` with outcome ``pass`` is an
    assessor confirming that a manufacturer whose name differs is entitled to the NICE status
    (e.g. a licensed reseller)."""
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

    # Which HTE16 technology this is: named, and made by that technology's company.
    named = profile.find_technology(c.nice_technology) if c.nice_technology else None
    tech = named
    mismatch = identity_mismatch(sub, named) if named is not None else ""
    if mismatch and named is not None:
        ov = (overrides or {}).get(IDENTITY_OVERRIDE)
        if ov is not None and ov.outcome == "pass":
            findings.append(
                _f(
                    IDENTITY_OVERRIDE,
                    "info",
                    f"{mismatch}; an assessor confirmed it may use {named.name}'s NICE status"
                    f" ({ov.by or 'assessor'}: {ov.rationale})",
                    used=f"product.manufacturer = {sub.product.manufacturer}; override {IDENTITY_OVERRIDE}",
                )
            )
        else:
            tech = None
            findings.append(
                _f(
                    IDENTITY_OVERRIDE,
                    "info",
                    f"{mismatch}: it does not inherit {named.name}'s NICE status",
                    used=f"clinical.nice_technology = {c.nice_technology}; product.manufacturer = {sub.product.manufacturer}",
                    fix=f"If {sub.product.manufacturer} is licensed to supply {named.name}, an assessor can confirm it"
                    f" (override {IDENTITY_OVERRIDE}); otherwise leave nice_technology empty",
                )
            )
    status_now: StatusChange | None = None
    future: list[StatusChange] = []
    if tech is not None:
        status_now, future = current_status(tech, as_of, policy)
    status_key: str | None = status_now.status if status_now else None
    exemptions = (
        {ex.item: (tech.name, ex) for ex in tech.ng59_exemptions}
        if tech and status_key == "use_with_evidence_generation"
        else {}
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
    fixed = _fixed_content(profile)
    for ci in profile.content_items:
        if ci.id not in items:
            continue
        if ci.rule == "only_with_exercise" and not has_exercise and ci.id in exemptions:
            tech_name, ex = exemptions[ci.id]
            content.append(
                _f(
                    f"NG59.{ci.id}",
                    "condition",
                    f"{ci.label} without exercise: {ex.condition}",
                    used=f"clinical.content includes {ci.id}; {tech_name}: {ex.source}",
                    standing=True,
                )
            )
            continue
        # Otherwise the finding depends on the profile alone: made once per item (with or without exercise).
        key = (id(ci), has_exercise)
        hit = fixed.get(key)
        if hit is None:
            hit = fixed[key] = _content_finding(profile, ci, has_exercise)
        content.append(hit)
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
    obligations: list[str] = []
    if tech is not None:
        findings.extend(_unconfirmed_warnings(tech, policy, as_of))
        for h in future:
            if h.effective:
                events.append(
                    TimeEvent(
                        on=h.effective,
                        effect="review",
                        rule="NICE.HTE16",
                        kind="status_change",
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
    elif status_key == "withdrawn" and tech is not None and status_now is not None:
        when = (
            fmt(status_now.effective)
            if status_now.effective
            else status_now.effective_text or "a date not given"
        )
        why = f" ({status_now.reason})" if status_now.reason else ""
        basis = (
            "an unconfirmed report, applied because policy apply_unconfirmed_nice_changes is true"
            if not status_now.confirmed
            else status_now.source
        )
        findings.append(
            _f(
                "HTE16.withdrawn",
                "fail",
                f"NICE withdrew its HTE16 recommendation for {name} from {when}{why}; source: {basis}",
                used=f"clinical.nice_technology = {name}; nice-lbp history",
                fix=f"Check {name}'s current status on NICE's HTE16 page; a withdrawn recommendation cannot support NHS use",
            )
        )
        summary = f"{name}: {status_label}"
        status = "fail"
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
        reason = status_now.reason if status_now and status_now.reason else ""
        who = name or "This product"
        not_covered = f"{who}: {status_label}" + (f" (NICE's reason: {reason})" if reason else "")
        if mismatch and tech is None:
            not_covered = f"{mismatch}, so it is treated as not assessed by NICE"
        effect = policy.unassessed_lbp_product
        if effect == "available_with_conditions":
            findings.append(
                _f(
                    "NICE.unassessed",
                    "condition",
                    f"{not_covered}. NICE guidance does not cover it, so use is a local commissioning decision; "
                    "NICE Evidence Standards Framework tier C evidence is expected",
                    used=f"clinical.nice_technology = {c.nice_technology or 'none'}; product.manufacturer = "
                    f"{sub.product.manufacturer}; policy unassessed_lbp_product",
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
            pain_duration=c.pain_duration,
            features=c.features,
        ),
        events,
    )
