"""The History tab: the assessment's revisions and the product's audit trail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dtac_app.store.views import AssessmentView, UserView
from dtac_app.ui import session
from dtac_app.vocabulary import decision_label


def history(user: UserView, view: AssessmentView) -> None:
    wf = session.workflow()
    found = session.fetch(lambda: (wf.list_revisions(user, view.id), wf.history(user, view.product_id)))
    if found is None:
        return
    revs, trail = found
    st.markdown("**Revisions**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Revision": r.number,
                    "Saved": f"{r.created_at:%Y-%m-%d %H:%M}",
                    "By": r.created_by,
                    "Decision": decision_label(r.decision),
                    "Valid until": r.valid_until,
                    "Overrides": r.overrides,
                    "Verified": r.verified,
                    "Signed off": f"{r.signed_off.by} {r.signed_off.at:%Y-%m-%d}" if r.signed_off else "",
                    "Note": r.comment,
                }
                for r in revs
            ]
        ),
        hide_index=True,
        key=f"hist_revs_{view.id}",
    )
    st.markdown("**Audit trail** (append-only)")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": f"{e.at:%Y-%m-%d %H:%M:%S}",
                    "Who": e.actor,
                    "What": e.action,
                    "Detail": e.detail,
                    "Before": "" if e.before is None else str(e.before)[:300],
                    "After": "" if e.after is None else str(e.after)[:300],
                }
                for e in reversed(trail)
            ]
        ),
        hide_index=True,
        key=f"hist_audit_{view.id}",
    )
