"""The Evidence tab: each document's state and file facts, the viewer, and the assessor's check."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dtac_app.provenance import DOCUMENT_STATE_LABELS
from dtac_app.store.errors import StoreError
from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import evidence_viewer, session


def evidence(user: UserView, view: AssessmentView, can_edit: bool) -> None:
    """The submission's evidence: each document's state and file facts, and the viewer."""
    wf = session.workflow()
    docs = session.fetch(lambda: wf.list_evidence(user, view.submission_id))
    if docs is None:
        return
    if not docs:
        st.info("The submission lists no evidence.")
        return
    labels = {e.index: e.label for e in view.result.evidence}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Ref": f"E{d.index + 1}",
                    "Question": d.question,
                    "Document": labels.get(d.index, d.kind),
                    "State": DOCUMENT_STATE_LABELS[d.state],
                    "File": d.path or "",
                    "SHA-256": d.sha256 or (f"{d.claimed_sha256} (claimed)" if d.claimed_sha256 else ""),
                    "Size": evidence_viewer.size_text(d.size),
                    "Type": d.media_type or "",
                    "Sent by": d.sent_by,
                    "Received": f"{d.received_at:%Y-%m-%d %H:%M}" if d.received_at else "",
                }
                for d in docs
            ]
        ),
        hide_index=True,
        key=f"rv_evidence_{view.submission_id}",
    )
    pick = st.selectbox(
        "Open a document",
        [d.index for d in docs],
        index=None,
        format_func=lambda i: (
            f"E{i + 1} {labels.get(i, docs[i].kind)} — {DOCUMENT_STATE_LABELS[docs[i].state]}"
            + (f" — {docs[i].path}" if docs[i].path else "")
        ),
        placeholder="Choose a document",
        key=f"rv_ev_pick_{view.submission_id}",
    )
    if pick is None:
        return
    doc = docs[pick]
    if doc.has_file:
        try:
            doc, content = wf.evidence_file(user, view.submission_id, pick)
        except StoreError as e:
            session.show_store_error(e)
        else:
            evidence_viewer.show_document(doc, content, key=f"rv_ev_{view.submission_id}_{pick}")
    else:
        evidence_viewer.show_facts(doc)
        st.info(
            "No file was received for this document: it is asserted, and the SHA-256 shown (if any) is the "
            "supplier's claim. It counts once the file arrives or an assessor verifies it.",
            icon=":material/description:",
        )
    if not can_edit:
        return
    with st.form(key=f"rv_ev_check_{view.id}_{view.revision}_{pick}"):
        st.markdown("**Record a check of this document**")
        state = st.radio(
            "Result",
            ["verified", "problem"],
            format_func={"verified": "Verified", "problem": "Problem (wrong, unreadable, out of date)"}.get,
            horizontal=True,
            key=f"rv_ev_state_{pick}",
        )
        checked = st.text_area(
            "What did you check? (register entry, certificate number, the document itself, and the result)",
            key=f"rv_ev_what_{pick}",
            max_chars=5000,
        )
        if st.form_submit_button("Record the check", type="primary"):
            try:
                new = wf.check_evidence(
                    user,
                    view.id,
                    view.revision,
                    pick,
                    state="problem" if state == "problem" else "verified",
                    checked=checked,
                )
            except StoreError as e:
                session.show_store_error(e)
            else:
                st.success(
                    f"Recorded. Revision {new.revision}: {new.result.decision_label}.",
                    icon=":material/check_circle:",
                )
                st.rerun()
