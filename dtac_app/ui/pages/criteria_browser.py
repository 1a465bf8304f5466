"""Criteria browser: sets and versions, each question with options, routing and pass rule; v1.0 → v2.0."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dtac_app.criteria import Question, describe_condition
from dtac_app.rules_nice import STATUS_LABELS, current_status
from dtac_app.ui import common, session


def _pass_text(q: Question) -> str:
    if q.pass_rule is None:
        return "Scored" if q.score else "Not judged (context or routing)"
    pr = q.pass_rule
    text = "A written answer" if pr.nonempty else "Answer " + " or ".join(f"“{a}”" for a in pr.accept)
    if pr.conditional:
        text += "; with a condition: " + " or ".join(f"“{a}”" for a in pr.conditional)
    return text


def page() -> None:
    user = session.page_top(
        "Criteria",
        "The rules the engine applies, as versioned data. Every assessment records the SHA-256 of each file it used.",
    )
    cat = common.catalogue()
    files = pd.DataFrame(
        [
            {"Set": k, "File": v.path.rsplit("/", 1)[-1], "SHA-256": v.sha256}
            for k, v in sorted(cat.files.items())
        ]
    )
    st.dataframe(files, hide_index=True, key="cb_files")

    view = st.segmented_control(
        "Show",
        [
            "DTAC questions",
            "What changed v1.0 → v2.0",
            "NICE back-pain technologies",
            "NG59 content rules",
            "GB device rules",
            "Policy settings",
        ],
        default="DTAC questions",
        required=True,
        key="cb_view",
    )
    if view == "DTAC questions":
        key = st.selectbox(
            "Form version",
            sorted(cat.dtac, reverse=True),
            format_func=lambda k: cat.dtac[k].title,
            key="cb_set",
        )
        cs = cat.dtac_set(key)
        st.caption(
            f"Published {cs.published.isoformat()}"
            + (
                f"; accepted for submissions up to {cs.accept_submissions_until}"
                if cs.accept_submissions_until
                else ""
            )
            + f". {cs.scoring.note}"
        )
        query = st.text_input("Filter by id or words", key="cb_filter", placeholder="e.g. C3 or penetration")
        for section in cs.sections:
            qs = [
                q
                for q in section.questions
                if not query or query.casefold() in f"{q.id} {q.short} {q.text}".casefold()
            ]
            if not qs:
                continue
            st.subheader(f"{section.id} {section.title}", anchor=False)
            st.caption(
                {
                    "context": "Context — not assessed",
                    "assessed": "Assessed — must be met",
                    "scored": "Scored for comparison — never pass/fail",
                }[section.role]
                + (f". {section.note}" if section.note else "")
            )
            rows = [
                {
                    "Id": q.id,
                    "Question": q.text,
                    "Options": " · ".join(q.options) if q.options else q.type,
                    "Asked": "Always" if q.show_if is None else "When " + describe_condition(q.show_if),
                    "Meets the criterion": _pass_text(q),
                    "Evidence": "; ".join(
                        e.label + ("" if e.required else " (optional)") for e in q.evidence
                    ),
                }
                for q in qs
            ]
            st.dataframe(
                pd.DataFrame(rows),
                hide_index=True,
                key=f"cb_q_{key}_{section.id}",
                column_config={"Question": st.column_config.TextColumn(width="large")},
            )
    elif view == "What changed v1.0 → v2.0":
        for mm in cat.migrations:
            st.subheader(f"{mm.from_} → {mm.to}", anchor=False)
            st.dataframe(
                pd.DataFrame(
                    [{"Area": c.area, "v1.0": c.v1, "v2.0": c.v2, "Change": c.change} for c in mm.changes]
                ),
                hide_index=True,
                key="cb_changes",
            )
            st.markdown("**Answers that carry over** (other v2.0 questions must be answered afresh)")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "v1.0": c.v1,
                            "v2.0": c.v2,
                            "Renamed options": ", ".join(f"{a} → {b}" for a, b in c.options.items()),
                        }
                        for c in mm.carry_over
                    ]
                ),
                hide_index=True,
                key="cb_carry",
            )
    elif view == "NICE back-pain technologies":
        nice = cat.nice
        day = common.today()
        st.caption(
            f"{nice.title}. Statuses in force on {day.isoformat()}. Reports not confirmed from a primary source are shown "
            "but not applied unless the policy setting says so."
        )
        rows = []
        for t in nice.technologies:
            now, _ = current_status(t, day, cat.policy)
            pending = "; ".join(h.source for h in t.history if not h.confirmed)
            rows.append(
                {
                    "Technology": t.name,
                    "Company": t.company,
                    "Status": STATUS_LABELS.get(now.status if now else None, ""),
                    "Acute / chronic": " and ".join(t.pain_duration) or "—",
                    "Stated regulatory status": t.regulatory_statement or "—",
                    "Unconfirmed reports": pending or "—",
                    "In the 2023 draft": t.draft_2023 or "—",
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="cb_nice")
        st.markdown("**Conditions of use**")
        for c in nice.conditions_of_use:
            st.markdown(f"- {c}")
        st.markdown("**Evidence NICE asks for** — " + "; ".join(o.label for o in nice.evidence_outcomes))
        d = nice.draft
        st.caption(
            f"Draft ({d.consultation}, reported {d.reported.isoformat()}): assessed {', '.join(d.assessed)}; "
            f"named for use: {', '.join(d.named_for_use)}."
        )
    elif view == "NG59 content rules":
        labels = {
            "do_not_offer": "Do not offer — fails",
            "discouraged": "Discouraged — fails",
            "only_with_exercise": "Only with exercise",
            "recommended": "Recommended",
            "neutral": "Neutral",
        }
        st.dataframe(
            pd.DataFrame(
                [
                    {"Item": c.id, "Content": c.label, "Rule": labels[c.rule], "NG59": c.ng59, "Note": c.note}
                    for c in cat.nice.content_items
                ]
            ),
            hide_index=True,
            key="cb_ng59",
        )
    elif view == "GB device rules":
        reg = cat.regulatory
        st.caption(reg.legislation)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Marking": k,
                        "Label": m.label,
                        "Accepted in GB until": m.gb_acceptance_ends or "no end date",
                        "Class exceptions": ", ".join(f"{c}: {d}" for c, d in m.class_overrides.items()),
                        "Note": m.note,
                    }
                    for k, m in reg.markings.items()
                ]
            ),
            hide_index=True,
            key="cb_markings",
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Self-declared Class I CE": v.label,
                        "Accepted until": v.gb_acceptance_ends,
                        "Note": v.note,
                    }
                    for v in reg.self_declared_class_i_ce.values()
                ]
            ),
            hide_index=True,
            key="cb_selfdecl",
        )
        st.markdown(
            f"Third-party conformity assessment needed for classes: {', '.join(reg.third_party_assessment)}. "
            f"Pen test: at most {reg.pen_test.max_age_months} months old, no finding scored CVSS {reg.pen_test.cvss_threshold} "
            f"or higher. DSPT: {' or '.join(reg.dspt.acceptable)}; deadline {reg.dspt.deadline_day} "
            f"{['', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][reg.dspt.deadline_month]}."
        )
    else:
        pol = cat.policy
        st.dataframe(
            pd.DataFrame(
                [{"Setting": k, "Value": str(v)} for k, v in pol.model_dump().items() if k != "schema_"]
            ),
            hide_index=True,
            key="cb_policy",
        )
        if user.role == "admin":  # where the settings live is for the people who run the server
            st.caption("Change these in criteria/policy.yaml; see docs/criteria.md.")
        else:
            st.caption("Your organisation's administrator sets these.")


page()
