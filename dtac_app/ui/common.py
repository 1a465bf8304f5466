"""Shared pieces for the Streamlit pages: cached catalogue, decision badge, assessment views.

Presentation only: every rule lives in the engine or the criteria data.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

import streamlit as st

from dtac_app.catalogue import get_catalogue
from dtac_app.criteria import Catalogue
from dtac_app.finding_text import without_rule  # noqa: F401 - re-exported for pages
from dtac_app.results import DECISION_COLOURS, OUTCOME_LABELS, Assessment, Decision
from dtac_app.ui.icon import app_icon  # noqa: F401 - re-exported for pages
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import BadgeColour
from dtac_app.vocabulary import SECTION_STATUS_LABELS

if TYPE_CHECKING:
    import pandas as pd

BADGE_COLOURS: dict[str, BadgeColour] = {
    "not_available": "red",
    "incomplete": "orange",
    "research_only": "violet",
    "available_with_conditions": "blue",
    "available": "green",
}
BADGE_ICONS: dict[str, str] = {
    "not_available": ":material/block:",
    "incomplete": ":material/pending:",
    "research_only": ":material/science:",
    "available_with_conditions": ":material/rule:",
    "available": ":material/check_circle:",
}
SECTION_LABELS = SECTION_STATUS_LABELS


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    return get_catalogue()


def today() -> dt.date:
    """The UI's clock (the engine never reads one)."""
    override = st.session_state.get("as_of_override")
    return override if isinstance(override, dt.date) else dt.date.today()


def decision_badge(decision: Decision | str, label: str) -> None:
    st.badge(label, icon=BADGE_ICONS.get(decision), color=BADGE_COLOURS.get(decision, "gray"))


def decision_banner(a: Assessment) -> None:
    """The decision in colour AND words, with the valid-until date."""
    colour = DECISION_COLOURS[a.decision]
    until = a.valid_until.isoformat() if a.valid_until else "no date"
    st.html(
        f"""<div role="status" aria-label="Decision" style="border-left:8px solid {colour};padding:0.6rem 1rem;
        background:#f0f4f5;border-radius:4px;margin-bottom:0.5rem">
        <div style="font-size:0.85rem;color:#425563">Decision as of {a.as_of.isoformat()}</div>
        <div data-testid="decision-label" style="font-size:1.6rem;font-weight:700;color:{colour}">{html.escape(a.decision_label)}</div>
        <div style="color:#212b32">Valid until: <strong>{until}</strong> — {html.escape(a.valid_until_reason)}</div>
        </div>"""
    )


def sections_frame(a: Assessment) -> pd.DataFrame:
    import pandas as pd  # imported on first use: the sign-in page does not need it

    rows = []
    for s in a.sections:
        if s.role == "context":
            continue
        result = SECTION_LABELS[s.status]
        if s.role == "scored" and a.d1.percent is not None:
            result = f"Scored {a.d1.percent:.0f}%"
        scored = s.role == "scored"  # D1 is scored, not met / not met: counts would mislead
        rows.append(
            {
                "Section": f"{s.id} {s.title}",
                "Result": result,
                "Met": "—" if scored else str(s.passed),
                "Not met": "—" if scored else str(s.failed),
                "Missing": "—" if scored else str(s.missing),
            }
        )
    return pd.DataFrame(rows)


def questions_frame(a: Assessment, *, asked_only: bool = True) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for q in a.questions:
        if asked_only and not q.asked:
            continue
        rows.append(
            {
                "Id": q.id,
                "Question": q.short,
                "Answer": (q.answer or "")[:200],
                "Outcome": OUTCOME_LABELS[q.outcome] + (" (override)" if q.override else ""),
                "Reason": q.reason[:400],
                "Provenance": "Verified" if q.provenance == "verified" else "Asserted",
            }
        )
    return pd.DataFrame(rows)


def show_assessment(a: Assessment, *, key: str, show_fixes: bool = True) -> None:
    import pandas as pd

    decision_banner(a)
    st.caption(f"{md(a.summary)} Criteria {md(a.criteria.title)} · profile {md(a.profile)}.")
    c1, c2 = st.columns([3, 2])
    with c1:
        st.subheader("Sections", anchor=False)
        st.dataframe(sections_frame(a), hide_index=True, key=f"{key}_sections")
    with c2:
        st.subheader("Regulatory and NICE", anchor=False)
        st.markdown(
            f"**Regulatory:** {md(a.regulatory.status.replace('_', ' '))} — {md(a.regulatory.summary)}"
        )
        if a.nice.applies:
            st.markdown(f"**NICE:** {md(a.nice.status.replace('_', ' '))} — {md(a.nice.summary)}")
        else:
            st.markdown("**NICE:** back-pain profile not applied")
    st.subheader("Why", anchor=False)
    for f in a.reasons:
        st.markdown(
            f"- **{md(f.rule)}** — {md(without_rule(f))}" + (f"  \n  _Used: {md(f.used)}_" if f.used else "")
        )
    if a.conditions and a.decision != "available_with_conditions":
        st.subheader("Conditions", anchor=False)
        for f in a.conditions:
            st.markdown(f"- **{md(f.rule)}** — {md(without_rule(f))}")
    if show_fixes and a.fixes:
        st.subheader("What would change it", anchor=False)
        st.dataframe(
            pd.DataFrame(
                [{"#": f.rank, "Do this": f.action, "Effect": f.impact, "Rule": f.rule} for f in a.fixes]
            ),
            hide_index=True,
            key=f"{key}_fixes",
        )
