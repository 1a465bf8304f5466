"""One product's assessment: question by question review, overrides, verification, clarifications,
sign-off, history and audit trail. Vendors see the same page read-only and can reply to clarifications."""

from __future__ import annotations

import streamlit as st

from dtac_app.ui import common, session
from dtac_app.ui.review.clarifications import clarifications
from dtac_app.ui.review.conflicts import conflict, unsaved_edits
from dtac_app.ui.review.evidence import evidence
from dtac_app.ui.review.history import history
from dtac_app.ui.review.picker import header, pick_assessment
from dtac_app.ui.review.questions import question_review
from dtac_app.ui.review.sign_off import sign_off


def page() -> None:
    user = session.page_top("Assessment")
    view = pick_assessment(user)
    if view is None:
        return
    header(view)
    can_edit = user.role in ("assessor", "admin") and view.is_current
    unsaved = unsaved_edits(user, view) if can_edit else None
    if unsaved is not None:
        conflict(user, view, unsaved)  # nothing else until the edits are re-applied or discarded
        return
    common.show_assessment(view.result, key=f"rv_{view.id}_{view.revision}", show_fixes=True)
    tab = st.segmented_control(
        "Part",
        ["Questions", "Evidence", "Clarifications", "Sign-off", "History"],
        default="Questions",
        required=True,
        key=f"rv_tab_{view.id}",
    )
    if tab == "Questions":
        if user.role in ("assessor", "admin") and not view.is_current:
            st.info("This is an earlier revision: read-only.")
        question_review(user, view, can_edit)
    elif tab == "Evidence":
        evidence(user, view, can_edit)
    elif tab == "Clarifications":
        clarifications(user, view)
    elif tab == "Sign-off":
        sign_off(user, view)
    else:
        history(user, view)
    st.page_link(
        "dtac_app/ui/pages/dossier.py",
        label="Build the dossier for this assessment",
        icon=":material/description:",
        query_params={"product": str(view.product_id), "assessment": str(view.id)},
    )


page()
