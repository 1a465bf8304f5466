"""Users (admins only): list, add, disable. Passwords are stored as argon2 hashes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dtac_app.store.errors import StoreError
from dtac_app.ui import session
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import pick_one
from dtac_app.vocabulary import ROLES
from dtac_app.workbench.access import MIN_PASSWORD_LENGTH


def page() -> None:
    user = session.page_top("Users")
    wf = session.workflow()
    if user.role != "admin":
        st.error("Only administrators can manage users.")
        return
    try:
        users = wf.list_users(user)
        orgs = wf.list_organisations(user)
    except StoreError as e:
        session.show_store_error(e)
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "User": u.username,
                    "Name": u.display_name,
                    "Role": u.role,
                    "Organisation": u.organisation_name or "",
                    "E-mail": u.email or "",
                    "Single sign-on": "linked" if u.sso_linked else "",
                    "Status": "disabled" if u.disabled else "active",
                }
                for u in users
            ]
        ),
        hide_index=True,
        key="us_table",
    )
    with st.form("us_add", clear_on_submit=True):
        st.subheader("Add a user", anchor=False)
        c1, c2 = st.columns(2)
        username = c1.text_input("User name", max_chars=100)
        role = c2.selectbox("Role", list(ROLES))
        display = c1.text_input("Full name", max_chars=300)
        email = c2.text_input("E-mail (for single sign-on)", max_chars=300)
        org = pick_one("Organisation (vendors only)", {o.id: o.name for o in orgs})
        password = st.text_input(
            f"Initial password (at least {MIN_PASSWORD_LENGTH} characters)", type="password"
        )
        if st.form_submit_button("Add user", type="primary"):
            try:
                created = wf.create_user(
                    user,
                    username.strip(),
                    role=role,
                    password=password or None,
                    display_name=display,
                    email=email or None,
                    organisation=org,
                )
                st.toast(f"Added {md(created.username)}.", icon=":material/person_add:")
                st.rerun()
            except (StoreError, ValueError) as e:
                st.error(md(getattr(e, "message", None) or str(e)))
    active = [u for u in users if not u.disabled and u.id != user.id]
    if active:
        who = pick_one("Disable an account", {u.id: u.username for u in active}, key="us_disable")
        if who is not None and st.button("Disable", key="us_disable_btn"):
            try:
                wf.disable_user(user, who)
                st.rerun()
            except StoreError as e:
                session.show_store_error(e)


page()
