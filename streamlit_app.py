"""DTAC Workbench — the Streamlit entry point: sign-in gate, pages per role, shared sidebar.

Run it with `dtac serve` (which prepares the database first) or `streamlit run streamlit_app.py`.
"""

from __future__ import annotations

import streamlit as st

from dtac_app import __version__
from dtac_app.ui import failures, session
from dtac_app.ui.icon import app_icon
from dtac_app.ui.safe import md

st.set_page_config(page_title="DTAC Workbench", page_icon=app_icon(), layout="wide")
# WCAG 2.2 AA contrast: Streamlit draws captions at 60% opacity (3.9:1 on the sidebar); draw them
# opaque in NHS dark grey instead (7:1 on white, 6.4:1 on the sidebar). Static CSS, no user text.
st.html(
    "<style>[data-testid='stCaptionContainer']{opacity:1;color:#425563}</style>",
)

PAGES = "dtac_app/ui/pages/"
user = session.current_user()

pages = {
    "portfolio": st.Page(
        PAGES + "portfolio.py", title="Portfolio", icon=":material/dashboard:", default=user is not None
    ),
    "precheck": st.Page(PAGES + "precheck.py", title="Pre-check a submission", icon=":material/fact_check:"),
    "review": st.Page(PAGES + "review.py", title="Assessment", icon=":material/rate_review:"),
    "dossier": st.Page(PAGES + "dossier.py", title="Dossier", icon=":material/description:"),
    "calendar": st.Page(PAGES + "calendar.py", title="Compliance calendar", icon=":material/event:"),
    "criteria": st.Page(PAGES + "criteria_browser.py", title="Criteria", icon=":material/menu_book:"),
    "audit": st.Page(PAGES + "audit.py", title="Audit trail", icon=":material/history:"),
    "users": st.Page(PAGES + "users.py", title="Users", icon=":material/group:"),
}

if user is None:
    # Every page stays routable so a deep link survives signing in: each page asks for sign-in itself.
    # The start page is the bare sign-in form (it needs none of the pages' modules).
    sign_in = st.Page(PAGES + "sign_in.py", title="Sign in", url_path="sign-in", default=True)
    nav = st.navigation([sign_in, *pages.values()], position="hidden")
else:
    work = [pages[k] for k in ("portfolio", "precheck", "review", "dossier", "calendar")]
    reference = [pages["criteria"], pages["audit"]] + ([pages["users"]] if user.role == "admin" else [])
    # One flat list: with sections Streamlit puts each section's header and links in a <div> inside
    # the <ul>, which breaks the list structure for assistive technology (axe: list, listitem).
    nav = st.navigation([*work, *reference])
    with st.sidebar:
        st.markdown(
            f"**{md(user.label)}**  \n{md(user.role.title())}"
            + (f" · {md(user.organisation_name)}" if user.organisation_name else "")
        )
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            session.sign_out()
            st.rerun()
        st.caption(f"DTAC Workbench {__version__}. Works offline; nothing leaves this server.")

with failures.database_errors_shown():  # the last line of defence: a reference, never SQL
    session.keep_cookie_in_step()
    nav.run()
