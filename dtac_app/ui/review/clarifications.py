"""The Clarifications tab: requests to the vendor and their replies."""

from __future__ import annotations

from functools import partial

import streamlit as st

from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import session
from dtac_app.ui.safe import md


def clarifications(user: UserView, view: AssessmentView) -> None:
    wf = session.workflow()
    items = session.fetch(lambda: wf.list_clarifications(user, view.id))
    if items is None:
        return
    for c in items:
        with st.container(border=True):
            st.markdown(
                f"**{md(c.question_id or 'General')}** — {md(c.status)} · asked by {md(c.asked_by)} "
                f"on {c.asked_at:%Y-%m-%d %H:%M}"
            )
            st.text(c.text)
            for r in c.replies:
                st.markdown(f"↳ **{md(r.by)}** ({r.at:%Y-%m-%d %H:%M})")
                st.text(r.text)
            if c.status != "closed":
                reply = st.text_area("Reply", key=f"cl_reply_{c.id}", max_chars=20_000)
                b1, b2 = st.columns(2)
                if b1.button("Send reply", key=f"cl_send_{c.id}", disabled=not reply.strip()):
                    session.act(partial(wf.reply_clarification, user, c.id, reply))
                if user.role != "vendor" and b2.button("Close request", key=f"cl_close_{c.id}"):
                    session.act(partial(wf.close_clarification, user, c.id))
    if not items:
        st.caption("No clarification requests.")
    if user.role != "vendor":
        with st.form(f"cl_new_{view.id}", clear_on_submit=True):
            st.markdown("**Ask the vendor**")
            qids = [q.id for q in view.result.questions if q.asked]
            qid = st.selectbox("About question (optional)", qids, index=None, key=f"cl_q_{view.id}")
            text = st.text_area("Your question", key=f"cl_text_{view.id}", max_chars=20_000)
            if st.form_submit_button("Send request"):
                if not text.strip():
                    st.error("Write the question for the vendor.")
                else:
                    session.act(lambda: wf.request_clarification(user, view.id, text, question_id=qid))
