"""GB medical-device status on the assessment date: registration, marking, CE acceptance. Pure."""

from __future__ import annotations

import datetime as dt

from .criteria import Policy, RegulatoryRules
from .dates import ONE_DAY, fmt
from .results import Finding, RegulatoryVerdict, Severity, TimeEvent
from .submission import Submission


def _f(
    rule: str,
    severity: Severity,
    text: str,
    used: str = "",
    fix: str = "",
    valid_until: dt.date | None = None,
) -> Finding:
    return Finding(
        rule=f"GB-REG.{rule}",
        severity=severity,
        text=text,
        used=used,
        fix=fix,
        section="Regulatory",
        kind="regulatory",
        valid_until=valid_until,
    )


def _deadline(rule: str, last_day: dt.date, text: str) -> TimeEvent:
    """The day after ``last_day``, when a GB device marking or certificate stops counting."""
    return TimeEvent(
        on=last_day + ONE_DAY, effect="fail", text=text, rule=f"GB-REG.{rule}", kind="device_deadline"
    )


def _says_device(sub: Submission) -> bool | None:
    """What the DTAC answers say about device status (v2 C1.1.1, v1 C1.3)."""
    a = sub.answers
    if sub.criteria == "dtac-v1.0":
        # v1.0 C1.3: "Yes" registered, "No" within UK MDR but not registered, "Not applicable" not a device.
        v1 = a.get("C1.3")
        return v1 in ("Yes", "No") if v1 in ("Yes", "No", "Not applicable") else None
    v2 = a.get("C1.1.1")
    return v2 == "Yes" if v2 in ("Yes", "No") else None  # an answer naming no option says nothing


def assess_regulatory(
    sub: Submission, rules: RegulatoryRules, policy: Policy, as_of: dt.date, *, device_required: bool
) -> tuple[RegulatoryVerdict, list[TimeEvent]]:
    reg = sub.regulatory
    says = _says_device(sub)
    findings: list[Finding] = []
    events: list[TimeEvent] = []
    if reg is None:
        if device_required:
            f = _f(
                "record",
                "missing",
                "No regulatory record: a back-pain treatment app must be a regulated medical device",
                fix="Add the regulatory section: device class, UKCA or CE marking, MHRA registration",
            )
            return RegulatoryVerdict(applies=True, status="missing", summary=f.text, findings=(f,)), events
        if says:
            f = _f(
                "record",
                "missing",
                "The answers say the product is a medical device, but there is no regulatory record",
                used=f"{'C1.3' if sub.criteria == 'dtac-v1.0' else 'C1.1.1'} = {sub.answers.get('C1.3' if sub.criteria == 'dtac-v1.0' else 'C1.1.1')}",
                fix="Add the regulatory section: device class, marking, certificate and MHRA registration",
            )
            return RegulatoryVerdict(applies=True, status="missing", summary=f.text, findings=(f,)), events
        return RegulatoryVerdict(
            applies=False, status="not_applicable", summary="Not a medical device (no regulatory record)."
        ), events

    if says is not None and says != reg.medical_device:
        findings.append(
            _f(
                "consistency",
                "missing",
                "The DTAC answers and the regulatory record disagree about whether this is a medical device",
                used=f"regulatory.medical_device = {reg.medical_device}",
                fix="Make C1.1.1 (or v1 C1.3) and the regulatory record agree",
            )
        )

    if not reg.medical_device:
        if device_required:
            findings.append(
                _f(
                    "device",
                    "fail",
                    "A back-pain treatment app must be a regulated medical device; this product is not one "
                    "(NICE made no recommendation for ACT for PAIN for this reason)",
                    used="regulatory.medical_device = false",
                    fix="Obtain UKCA (or accepted CE) marking and MHRA registration, or stop offering treatment",
                )
            )
            return _verdict(True, findings, reg, None, "Not a regulated medical device"), events
        return _verdict(False, findings, reg, None, "Not a medical device."), events

    # A medical device. Placeholder text ("TBC", "INSERT_NUMBER_HERE") in a regulatory field is missing.
    placeholders: dict[str, str] = {}
    for field in ("mhra_registration", "certificate_number", "certificate_issuer", "uk_responsible_person"):
        value = getattr(reg, field)
        found = policy.placeholder_in(value) if value else ""
        if found:
            placeholders[field] = value
            findings.append(
                _f(
                    f"placeholder.{field}",
                    "missing",
                    f"regulatory.{field} is “{_clip(value)}”: the placeholder “{_clip(found)}” is not a value",
                    used=f"regulatory.{field}",
                    fix=f"Give the real {field.replace('_', ' ')} (regulatory.{field})",
                )
            )
    if not reg.device_class:
        findings.append(
            _f(
                "class",
                "missing",
                "Device class not stated",
                fix="State the device class (I, IIa, IIb or III)",
            )
        )
    if "mhra_registration" in placeholders:
        pass  # reported above as missing: the registration is not given
    elif not reg.mhra_registration:
        findings.append(
            _f(
                "mhra",
                "fail",
                "Not registered with the MHRA: devices must be registered before being placed on the GB market",
                used="regulatory.mhra_registration is empty",
                fix="Register the device with the MHRA (DORS) and give the registration reference",
            )
        )
    else:
        findings.append(
            _f(
                "mhra",
                "pass",
                f"MHRA registration {reg.mhra_registration}",
                used="regulatory.mhra_registration",
            )
        )

    accepted_until: dt.date | None = None
    marking = reg.marking
    if marking is None:
        findings.append(_f("marking", "missing", "Marking not stated", fix="State the UKCA or CE marking"))
    elif marking == "none":
        findings.append(
            _f(
                "marking",
                "fail",
                "The device has no UKCA or CE marking",
                used="regulatory.marking = none",
                fix="Obtain UKCA marking (or a CE marking accepted in GB)",
            )
        )
    else:
        needs_body = reg.device_class in rules.third_party_assessment if reg.device_class else None
        mrule = rules.markings[marking]
        if marking == "UKCA":
            if needs_body:
                accepted_until = _certificate(reg.certificate_expiry, findings, "UKCA certificate")
            else:
                findings.append(
                    _f(
                        "marking",
                        "pass",
                        "UKCA marked (self-declared Class I: Declaration of Conformity)",
                        used="regulatory.marking = UKCA",
                    )
                )
        else:
            legal_end: dt.date | None
            if reg.device_class == "I" and needs_body is False:
                basis = reg.class_i_ce_basis or ("mdr" if marking == "CE-MDR" else None)
                if basis is None:
                    findings.append(
                        _f(
                            "marking",
                            "missing",
                            "Self-declared Class I CE marking: say whether it was declared under EU MDR or MDD",
                            fix="Set regulatory.class_i_ce_basis (mdr, mdd_upclassified or mdd_only)",
                        )
                    )
                    legal_end = None
                else:
                    sd = rules.self_declared_class_i_ce[basis]
                    legal_end = sd.gb_acceptance_ends
                cert_end = reg.certificate_expiry
            else:
                legal_end = mrule.class_overrides.get(reg.device_class or "", mrule.gb_acceptance_ends)
                cert_end = (
                    _certificate(reg.certificate_expiry, findings, f"{marking} certificate")
                    if needs_body
                    else reg.certificate_expiry
                )
            ends = [d for d in (legal_end, cert_end) if d is not None]
            if legal_end is not None:
                accepted_until = min(ends)
                why = (
                    "certificate expiry"
                    if cert_end is not None and cert_end < legal_end
                    else f"GB acceptance of {mrule.label} ends"
                )
                if as_of > accepted_until:
                    findings.append(
                        _f(
                            "ce_acceptance",
                            "fail",
                            f"{marking} marking is not accepted in GB after {fmt(accepted_until)} ({why})",
                            used=f"regulatory.marking = {marking}, class {reg.device_class}",
                            fix="Obtain UKCA marking from a UK Approved Body",
                            valid_until=accepted_until,
                        )
                    )
                else:
                    findings.append(
                        _f(
                            "ce_acceptance",
                            "condition",
                            f"{marking} marking accepted in GB until {fmt(accepted_until)} ({why}); plan the move to UKCA",
                            used=f"regulatory.marking = {marking}, class {reg.device_class}",
                            fix=f"Obtain UKCA marking before {fmt(accepted_until)}",
                            valid_until=accepted_until,
                        )
                    )
                    events.append(
                        _deadline(
                            "ce_acceptance",
                            accepted_until,
                            f"{marking} marking stops being accepted in GB after {fmt(accepted_until)}",
                        )
                    )
        if accepted_until is not None and marking == "UKCA":
            events.append(
                _deadline(
                    "certificate", accepted_until, f"UKCA certificate expires after {fmt(accepted_until)}"
                )
            )
            warn_from = accepted_until - dt.timedelta(days=policy.expiry_warning_days)
            if as_of > accepted_until:
                findings.append(
                    _f(
                        "certificate",
                        "fail",
                        f"UKCA certificate expired after {fmt(accepted_until)}",
                        used="regulatory.certificate_expiry",
                        fix="Renew the UKCA certificate",
                        valid_until=accepted_until,
                    )
                )
            elif as_of >= warn_from:
                findings.append(
                    _f(
                        "certificate",
                        "condition",
                        f"UKCA certificate expires after {fmt(accepted_until)}, inside the renewal window",
                        used="regulatory.certificate_expiry",
                        fix=f"Renew the UKCA certificate before {fmt(accepted_until)}",
                        valid_until=accepted_until,
                    )
                )
            else:
                findings.append(
                    _f(
                        "certificate",
                        "pass",
                        f"UKCA certificate valid until {fmt(accepted_until)}",
                        used="regulatory.certificate_expiry",
                        valid_until=accepted_until,
                    )
                )
                events.append(
                    TimeEvent(
                        on=warn_from,
                        effect="condition",
                        text="UKCA certificate enters its renewal window",
                        rule="GB-REG.certificate",
                        kind="renewal_window",
                    )
                )
    summary = _summary(reg.device_class, marking, accepted_until, reg.mhra_registration)
    return _verdict(True, findings, reg, accepted_until, summary), events


def _certificate(expiry: dt.date | None, findings: list[Finding], label: str) -> dt.date | None:
    if expiry is None:
        findings.append(
            _f(
                "certificate",
                "missing",
                f"{label} expiry date not given",
                fix="Give the certificate number, issuing body and expiry date",
            )
        )
    return expiry


def _summary(device_class: str | None, marking: str | None, until: dt.date | None, mhra: str | None) -> str:
    parts = [f"Class {device_class}" if device_class else "Class not stated"]
    parts.append(marking if marking and marking != "none" else "no marking")
    if until:
        parts.append(f"accepted until {fmt(until)}")
    parts.append(f"MHRA {mhra}" if mhra else "not MHRA-registered")
    return ", ".join(parts)


def _verdict(
    applies: bool, findings: list[Finding], reg, until: dt.date | None, summary: str
) -> RegulatoryVerdict:
    sev = {f.severity for f in findings}
    status = (
        "fail"
        if "fail" in sev
        else "missing"
        if "missing" in sev
        else "condition"
        if "condition" in sev
        else ("pass" if applies else "not_applicable")
    )
    return RegulatoryVerdict(
        applies=applies,
        status=status,
        summary=summary,
        device_class=reg.device_class,
        marking=reg.marking,
        accepted_until=until,
        mhra_registration=reg.mhra_registration,
        findings=tuple(findings),
    )


def _clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
