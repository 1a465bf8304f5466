"""Audit trail: who changed what and when (append-only). Vendors see their own organisation's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dtac_app.store.errors import StoreError
from dtac_app.ui import session


def page() -> None:
    user = session.page_top("Audit trail")
    st.caption("Every change is recorded here and can never be edited or deleted through the application.")
    action = st.text_input("Filter by action (e.g. assessment.save, login.failure)", key="au_action")
    limit = st.select_slider("Entries", options=[50, 100, 500, 2000], value=100, key="au_limit")
    try:
        entries = session.workflow().audit_trail(user, action=action.strip() or None, limit=limit)
    except StoreError as e:
        session.show_store_error(e)
        return
    if not entries:
        st.info("No entries.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When (UTC)": f"{e.at:%Y-%m-%d %H:%M:%S}",
                    "Who": e.actor,
                    "Action": e.action,
                    "What": f"{e.entity_type} {e.entity_id or ''}".strip(),
                    "Detail": e.detail,
                    "Before": "" if e.before is None else str(e.before)[:500],
                    "After": "" if e.after is None else str(e.after)[:500],
                }
                for e in entries
            ]
        ),
        hide_index=True,
        key="au_table",
    )


page()
