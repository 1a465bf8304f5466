"""Sign-in form: local account, or single sign-on when .streamlit/secrets.toml configures it."""

from __future__ import annotations

import streamlit as st

from dtac_app.store.errors import LoginFailed
from dtac_app.ui import session
from dtac_app.ui.safe import md


def client_address() -> str | None:
    """The browser's address as Streamlit sees the connection (None on localhost). Behind a reverse
    proxy this is the proxy's, unless the proxy forwards it (docs/security.md, "Sign-in throttling")."""
    return st.context.ip_address


def render_sign_in() -> None:
    """The sign-in form; shown on the start page and on any deep link opened while signed out."""
    st.title("DTAC Workbench")
    st.write("Decide whether a digital health technology may be used in the NHS — and show why.")
    notice = st.session_state.pop("sign_in_notice", None)
    if notice:
        st.info(notice)
    if st.session_state.get("sso_error"):
        st.error(md(st.session_state.pop("sso_error")))
    if session.sso_configured():
        providers = [k for k, v in st.secrets["auth"].items() if isinstance(v, dict)]
        for p in providers or [None]:
            label = f"Sign in with {p.title() if p else 'single sign-on'}"
            if st.button(label, key=f"sso_{p}", type="primary"):
                st.login(p) if p else st.login()
        st.caption("Or use a local account:")
    with st.form("sign_in", border=True):
        st.subheader("Sign in", anchor=False)
        username = st.text_input("User name", key="si_user", autocomplete="username")
        password = st.text_input("Password", type="password", key="si_pass", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if not username or not password:
            st.error("Enter your user name and password.")
        else:
            try:
                user = session.workflow().login(username.strip(), password, address=client_address())
            except LoginFailed as e:
                # The same words for an unknown name and a wrong password; if throttled, how long to wait.
                st.error(e.message)
            else:
                session.signed_in(user)
                st.rerun()
    hint = session.demo_accounts_hint()
    if hint:
        st.info(hint, icon=":material/key:")
