"""The Sign-off tab: section sign-offs, then the whole revision."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import session
from dtac_app.workbench.sign_off import MIN_REASON, open_items


def sign_off(user: UserView, view: AssessmentView) -> None:
    wf = session.workflow()
    st.caption(
        "Sign off each section, then the whole revision. A signed-off revision never changes; "
        "a later save makes a new revision that needs its own sign-off."
    )
    rows = []
    for sec in view.sections_to_sign:
        so = view.section_sign_offs.get(sec)
        rows.append(
            {
                "Section": sec,
                "Signed off by": so.signer if so else "",
                "Role": so.role if so else "",
                "Organisation": so.organisation if so else "",
                "When": f"{so.at:%Y-%m-%d %H:%M}" if so else "",
                "Note": so.note if so else "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"so_tbl_{view.id}_{view.revision}")
    whole = view.signed_off
    if whole:
        st.success(
            f"Revision {view.revision} is signed off: {view.result.decision_label}.",
            icon=":material/verified:",
        )
        # Names and reasons are typed by people: shown as text, never as markup.
        st.text(
            f"Signed off by {whole.signer}"
            + "".join(f", {x}" for x in (whole.role, whole.organisation) if x)
            + f" on {whole.at:%Y-%m-%d %H:%M}"
        )
        if whole.note:
            st.text(f"Note: {whole.note}")
        if whole.open_items:
            st.text(f"Signed with items open: {whole.open_items}")
        return
    if user.role == "vendor" or not view.is_current:
        return
    k = f"{view.id}_{view.revision}"
    unsigned = [s for s in view.sections_to_sign if s not in view.section_sign_offs]
    note = st.text_input("Sign-off note (optional)", key=f"so_note_{k}", max_chars=2000)
    role = st.text_input("Your role", value="Assessor", key=f"so_role_{k}", max_chars=200)
    organisation = st.text_input(
        "Your organisation", value=user.organisation_name or "", key=f"so_org_{k}", max_chars=300
    )
    if unsigned:
        sec = st.selectbox("Section to sign off", unsigned, key=f"so_sec_{k}")
        if st.button(f"Sign off {sec}", key=f"so_btn_{k}"):
            session.act(
                lambda: wf.sign_off_section(
                    user, view.id, view.revision, sec, note=note, role=role, organisation=organisation
                )
            )
        st.caption("Every section must be signed off before the whole assessment.")
        return
    st.subheader("Sign off the whole assessment", anchor=False)
    label = view.result.decision_label
    st.info(f"The decision you are signing off: {label} (revision {view.revision}).", icon=":material/gavel:")
    still_open = open_items(view.result, view.open_clarifications)
    reason = ""
    if still_open:
        st.warning(
            "Still open: " + "; ".join(still_open) + ". Answer or close them first, or record why you are "
            "signing off now.",
            icon=":material/warning:",
        )
        reason = st.text_area(
            "Why sign off with these open (required, at least 10 characters)",
            key=f"so_why_{k}",
            max_chars=5000,
        )
    confirmed = st.checkbox(
        f"I confirm the decision “{label}” for this product, revision {view.revision}. A sign-off cannot be undone.",
        key=f"so_confirm_{k}",
    )
    ready = confirmed and (not still_open or len(reason.strip()) >= MIN_REASON)
    if st.button(
        "Sign off the whole assessment",
        type="primary",
        disabled=not ready,
        key=f"so_all_{k}",
        help=None
        if ready
        else "Tick the confirmation" + (" and say why items are open." if still_open else "."),
    ):
        session.act(
            partial(
                wf.sign_off,
                user,
                view.id,
                view.revision,
                decision=view.result.decision,
                note=note,
                role=role,
                organisation=organisation,
                open_items_reason=reason,
            )
        )
