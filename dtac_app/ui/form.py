"""The DTAC form on screen: questions follow the criteria's routing, evidence is hashed on arrival.

The page only collects what a vendor types into a submission dict; the engine judges it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import streamlit as st

from dtac_app.criteria import Catalogue, CriteriaSet, Question
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import labelled
from dtac_app.vocabulary import DEVICE_CLASSES, MARKINGS, PROFILE_SHORT_LABELS, PROFILES
from dtac_app.workbench.assessing import questions_asked

EVIDENCE_TYPES = ["pdf", "png", "jpg", "jpeg", "txt", "docx", "xlsx", "csv", "odt"]
EVIDENCE_MAX_MB = 20


def _k(prefix: str, *parts: str) -> str:
    return prefix + "_" + "_".join(p.replace(".", "-") for p in parts)


def _yes_no(label: str, key: str) -> bool | None:
    """A Yes / No question with nothing chosen at first: True, False, or None while unanswered."""
    choice = st.radio(label, ["Yes", "No"], index=None, key=key, horizontal=True)
    return None if choice is None else choice == "Yes"


def issued_label(check: str, kind: str) -> str:
    """What the "issued" date means for this kind of evidence."""
    if check == "pen_test":
        return "Test date"
    if kind == "ico_registration":
        return "Registered on"
    if check == "cyber_essentials" or kind == "device_certificate":
        return "Certificate issued on"
    return "Issued on"


def lower_first(label: str) -> str:
    """A label inside a sentence: the first letter in lower case unless it starts an acronym (DSPT, ODS)."""
    first = label.split(" ", 1)[0]
    if len(first) > 1 and (first[1].isupper() or first[1].isdigit()):
        return label
    return label[:1].lower() + label[1:]


def render_question(q: Question, prefix: str, flag: tuple[str, str] | None = None) -> str | None:
    if flag is not None:
        with st.container(border=True, key=_k(prefix, "flag", q.id)):
            kind, said = flag
            if kind == "unresolved":
                st.warning(
                    f"{q.id} could not be read from the imported form: choose the answer yourself.",
                    icon=":material/help:",
                )
                if said:
                    st.text(f"The form says: {said}")
            else:
                st.info(f"{q.id} was read from the imported form: check it.", icon=":material/visibility:")
                if said:
                    st.text(said)
            return _render_question(q, prefix)
    return _render_question(q, prefix)


def _render_question(q: Question, prefix: str) -> str | None:
    key = _k(prefix, "q", q.id)
    label = f"{q.id} — {q.text}"
    if q.type == "choice":
        value = st.radio(
            label, q.options, index=None, key=key, horizontal=len(q.options) <= 3, help=q.guidance or None
        )
        return value
    if q.type == "text":
        value = st.text_area(
            label, key=key, height=80 if q.id[0] in "CD" else 68, max_chars=100_000, help=q.guidance or None
        )
    else:
        value = st.text_input(label, key=key, max_chars=2_000, help=q.guidance or None)
    return value.strip() or None if value else None


def render_evidence(
    q: Question, answer: str | None, prefix: str, catalogue: Catalogue
) -> list[dict[str, Any]]:
    """Evidence inputs for the requirements this answer calls for."""
    records: list[dict[str, Any]] = []
    for req in q.evidence:
        if req.when is not None and answer not in req.when:
            continue
        key = _k(prefix, "ev", q.id, req.kind)
        with st.container(border=True):
            st.markdown(f"**Evidence for {q.id}: {req.label}**" + ("" if req.required else " (optional)"))
            rec: dict[str, Any] = {"question": q.id, "kind": req.kind}
            c1, c2 = st.columns(2)
            rec["reference"] = c1.text_input(
                "Reference or certificate number", key=key + "_ref", max_chars=200
            )
            rec["issuer"] = c2.text_input("Issued by", key=key + "_iss", max_chars=200)
            if req.check in ("cyber_essentials", "pen_test", "expiry") or req.kind in (
                "ico_registration",
                "device_certificate",
            ):
                d1, d2 = st.columns(2)
                issued = d1.date_input(
                    issued_label(req.check, req.kind), value=None, key=key + "_issued", format="YYYY-MM-DD"
                )
                expires = d2.date_input("Expires", value=None, key=key + "_expires", format="YYYY-MM-DD")
                rec["issued"] = issued
                rec["expires"] = expires
            if req.check == "pen_test":
                rec["highest_cvss"] = st.number_input(
                    "Highest CVSS score found",
                    min_value=0.0,
                    max_value=10.0,
                    value=None,
                    step=0.1,
                    key=key + "_cvss",
                )
                rec["owasp_top10"] = st.checkbox(
                    "The test covered the OWASP Top 10", value=True, key=key + "_owasp"
                )
            if req.check == "dspt":
                s1, s2 = st.columns(2)
                rec["status"] = s1.selectbox(
                    "DSPT status", catalogue.regulatory.dspt.statuses, index=None, key=key + "_status"
                )
                rec["period"] = (
                    s2.text_input("DSPT year (e.g. 2025-26)", key=key + "_period", max_chars=7) or None
                )
                rec["ods_code"] = st.text_input("ODS code", key=key + "_ods", max_chars=20) or None
            upload = st.file_uploader(
                f"Upload the {lower_first(req.label)}",
                type=EVIDENCE_TYPES,
                key=key + "_file",
                max_upload_size=EVIDENCE_MAX_MB,
                help=f"PDF, image, text or office document, up to {EVIDENCE_MAX_MB} MB. It is hashed on arrival.",
            )
            if upload is not None:
                data = upload.getvalue()
                digest = hashlib.sha256(data).hexdigest()
                rec["file"] = f"evidence/{upload.name}"
                rec["sha256"] = digest
                st.session_state.setdefault(prefix + "_files", {})[rec["file"]] = data
                st.caption(f"Received {md(upload.name)} ({len(data):,} bytes) — SHA-256 `{digest}`")
        records.append({k: v for k, v in rec.items() if v not in (None, "")})
    return records


def render_form(
    cs: CriteriaSet, catalogue: Catalogue, prefix: str, flags: dict[str, tuple[str, str]] | None = None
) -> dict[str, Any]:
    """Render product details, the DTAC questions the answers route to, regulatory and clinical details.

    ``flags`` highlights questions (id -> ("unresolved" | "check", the imported form's words))."""
    flags = flags or {}
    data: dict[str, Any] = {"schema": "dtac-submission/1", "criteria": cs.key}
    st.subheader("Product", anchor=False)
    c1, c2, c3 = st.columns(3)
    product = {
        "name": c1.text_input("Product name", key=_k(prefix, "p", "name"), max_chars=200),
        "version": c2.text_input("Product version", key=_k(prefix, "p", "version"), max_chars=100),
        "manufacturer": c3.text_input("Manufacturer", key=_k(prefix, "p", "manufacturer"), max_chars=300),
    }
    data["product"] = product
    data["profile"] = st.radio(
        "Profile",
        list(PROFILES),
        key=_k(prefix, "profile"),
        horizontal=True,
        format_func=lambda p: PROFILE_SHORT_LABELS[p],
    )
    data["submitted_on"] = st.date_input(
        "Date of this submission", value=dt.date.today(), key=_k(prefix, "submitted"), format="YYYY-MM-DD"
    )

    answers: dict[str, str] = {}
    evidence: list[dict[str, Any]] = []
    # Routing depends on earlier answers, so read them from session state first.
    current = {q.id: st.session_state.get(_k(prefix, "q", q.id)) for _s, q, _c, _t in cs.plan}
    current = {k: v.strip() if isinstance(v, str) else v for k, v in current.items() if v}
    shown = questions_asked(cs, current)
    for section in cs.sections:
        asked = [q for q in section.questions if shown.get(q.id) is True]
        with st.expander(
            f"{section.id} {section.title} — {len(asked)} question{'s' if len(asked) != 1 else ''} to answer",
            expanded=section.role == "assessed",
        ):
            if section.note:
                st.caption(section.note)
            for q in asked:
                value = render_question(q, prefix, flags.get(q.id))
                if value:
                    answers[q.id] = value
                evidence.extend(render_evidence(q, value, prefix, catalogue))
            waiting = [q.id for q in section.questions if shown.get(q.id) is None]
            if waiting:
                st.caption(
                    "More questions appear once the questions above are answered: " + ", ".join(waiting)
                )
    data["answers"] = answers
    data["evidence"] = evidence

    with st.expander("Medical-device status (GB)", expanded=False):
        is_device = st.radio(
            "Is the product a medical device?",
            ["No", "Yes"],
            key=_k(prefix, "reg", "device"),
            horizontal=True,
        )
        if is_device == "Yes":
            r1, r2 = st.columns(2)
            reg: dict[str, Any] = {"medical_device": True}
            reg["device_class"] = r1.selectbox(
                "Device class", list(DEVICE_CLASSES), index=None, key=_k(prefix, "reg", "class")
            )
            reg["marking"] = r2.selectbox(
                "Marking", list(MARKINGS), index=None, key=_k(prefix, "reg", "marking")
            )
            if reg["marking"] and reg["marking"].startswith("CE") and reg["device_class"] == "I":
                reg["class_i_ce_basis"] = st.selectbox(
                    "Self-declared Class I CE: declared under",
                    ["mdr", "mdd_upclassified", "mdd_only"],
                    index=None,
                    key=_k(prefix, "reg", "basis"),
                    format_func=labelled(
                        {
                            "mdr": "EU MDR",
                            "mdd_upclassified": "MDD before 26 May 2021, up-classified under MDR",
                            "mdd_only": "MDD only (no notified body under either)",
                        }
                    ),
                )
            reg["certificate_number"] = (
                r1.text_input("Certificate number", key=_k(prefix, "reg", "certno"), max_chars=200) or None
            )
            reg["certificate_expiry"] = r2.date_input(
                "Certificate expiry", value=None, key=_k(prefix, "reg", "certexp"), format="YYYY-MM-DD"
            )
            reg["mhra_registration"] = (
                st.text_input("MHRA registration reference", key=_k(prefix, "reg", "mhra"), max_chars=200)
                or None
            )
            data["regulatory"] = {k: v for k, v in reg.items() if v is not None}
        else:
            data["regulatory"] = {"medical_device": False}

    if data["profile"] == "nice-lbp":
        nice = catalogue.nice
        with st.expander("Back-pain clinical profile (NICE HTE16, NG59)", expanded=True):
            clinical: dict[str, Any] = {}
            names = [t.name for t in nice.technologies]
            tech = st.selectbox(
                "Technology name as NICE assessed it (leave empty if NICE has not assessed it)",
                names,
                index=None,
                key=_k(prefix, "cl", "tech"),
            )
            clinical["nice_technology"] = tech
            clinical["delivers_treatment"] = st.checkbox(
                "The app delivers treatment (not only information)", value=True, key=_k(prefix, "cl", "treat")
            )
            labels = {c.id: c.label for c in nice.content_items}
            clinical["content"] = st.multiselect(
                "Content the app delivers",
                list(labels),
                format_func=labelled(labels),
                key=_k(prefix, "cl", "content"),
            )
            a1, a2 = st.columns(2)
            clinical["minimum_age"] = a1.number_input(
                "Minimum user age", min_value=0, max_value=120, value=None, key=_k(prefix, "cl", "age")
            )
            clinical["pain_duration"] = a2.multiselect(
                "Back pain duration served", ["acute", "chronic"], key=_k(prefix, "cl", "duration")
            )
            sr = st.radio(
                "Can people refer themselves?",
                ["No", "Yes"],
                key=_k(prefix, "cl", "selfref"),
                horizontal=True,
            )
            clinical["self_referral"] = sr == "Yes"
            if sr == "Yes":
                clinical["red_flag_escalation"] = _yes_no(
                    "Does it screen for red flags and escalate them to a clinician?",
                    _k(prefix, "cl", "redflag"),
                )
            if tech:
                outcomes = {o.id: o.label for o in nice.evidence_outcomes}
                clinical["evidence_generation"] = {
                    "agreement_in_place": _yes_no(
                        "Are NICE evidence-generation agreements in place?", _k(prefix, "cl", "eg")
                    ),
                    "outcomes": st.multiselect(
                        "Outcomes being collected",
                        list(outcomes),
                        format_func=labelled(outcomes),
                        key=_k(prefix, "cl", "outcomes"),
                    ),
                }
            data["clinical"] = {k: v for k, v in clinical.items() if v is not None}
    return data
