"""Who is signed in, and the one Workbench the pages call. Access rules live in the Workbench."""

from __future__ import annotations

import contextlib
import datetime as dt
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from dtac_app.errors import InputError
from dtac_app.settings import get_settings
from dtac_app.store.errors import AccessDenied, StoreError, database_failure
from dtac_app.store.views import UserView
from dtac_app.ui.failures import database_errors_shown
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import pick_one
from dtac_app.vocabulary import SESSION_COOKIE_NAME

if TYPE_CHECKING:
    from dtac_app.submission import Submission
    from dtac_app.workbench.facade import Workbench

USER_KEY = "dtac_user"
T = TypeVar("T")
SESSION_KEY = "dtac_session_id"
"""The web session (dtac_app/workbench/sessions.py) this tab's sign-in belongs to, under `dtac serve`."""
_HANDOFF_KEY = "dtac_session_handoff"
_CLEAR_COOKIE_KEY = "dtac_clear_cookie"
_REFUSED_KEY = "dtac_cookie_refused"


def open_workbench() -> Workbench:
    """Open the configured database (imported on first use: the sign-in form does not need it)."""
    from dtac_app.workbench.facade import open_workbench as open_it

    with database_errors_shown():  # e.g. the server is unreachable: no address or SQL on the page
        return open_it()


@st.cache_resource(show_spinner="Opening the database…")
def workflow() -> Workbench:
    """One Workbench per server process (thread-safe; each call uses its own DB session)."""
    return open_workbench()


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def cookie_sessions() -> bool:
    """Whether the server keeps sign-ins in a cookie (`dtac serve`; not plain `streamlit run`, not AppTest)."""
    return get_settings().web_sessions


def _session_cookie() -> str | None:
    try:
        value = st.context.cookies.get(SESSION_COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no browser request behind this run
        return None
    return value if isinstance(value, str) and value else None


def _resume_from_cookie() -> UserView | None:
    """The user of the browser's session cookie, if it is valid: a reload, new tab or deep link stays
    signed in (and no login is written to the audit log)."""
    cookie = _session_cookie()
    if cookie is None or st.session_state.get(_REFUSED_KEY) == cookie:
        return None
    found = workflow().resume_session(cookie)
    if found is None:
        st.session_state[_REFUSED_KEY] = cookie  # checked once per tab, not on every run
        return None
    st.session_state[USER_KEY] = found.user
    st.session_state[SESSION_KEY] = found.id
    return found.user


def signed_in(user: UserView) -> None:
    """Sign this tab in; under `dtac serve` also begin a web session, whose cookie the next run sets."""
    st.session_state[USER_KEY] = user
    if cookie_sessions():
        grant = workflow().begin_session(user)
        st.session_state[SESSION_KEY] = grant.id
        st.session_state[_HANDOFF_KEY] = grant.handoff


def keep_cookie_in_step() -> None:
    """Have the browser request the endpoint that sets (after sign-in) or deletes (after sign-out) the
    session cookie: the cookie is HttpOnly, so only the server can write it. The request is a hidden
    image (a plain same-origin request, no script, no frame); shown until the server has seen it."""
    code = st.session_state.get(_HANDOFF_KEY)
    session_id = st.session_state.get(SESSION_KEY)
    if isinstance(code, str) and isinstance(session_id, int):
        if workflow().session_claimed(session_id):
            st.session_state.pop(_HANDOFF_KEY, None)
            return
        _hidden_request(f"/dtac/session?code={code}")
    elif st.session_state.pop(_CLEAR_COOKIE_KEY, False):
        _hidden_request("/dtac/sign-out")


def _hidden_request(path: str) -> None:
    """``path`` is the app's own: fixed text and a URL-safe base64 code (no quote, no markup)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = (f"/{base}" if base else "") + path
    with st.container(key="dtac_cookie"):
        st.html(
            f'<style>.st-key-dtac_cookie{{display:none}}</style><img src="{url}" alt="" width="1" height="1">'
        )


def current_user() -> UserView | None:
    """The signed-in user, re-read from the database on every run (a disabled account is signed out)."""
    user = st.session_state.get(USER_KEY)
    if user is None and cookie_sessions():
        user = _resume_from_cookie()
    sso_pending = user is None and sso_configured() and getattr(st.user, "is_logged_in", False)
    if user is None and not sso_pending:
        return None  # the sign-in form needs no database
    wf = workflow()
    if sso_pending:
        user = wf.find_user_for_identity(getattr(st.user, "email", None), getattr(st.user, "sub", None))
        if user is None:
            st.session_state["sso_error"] = (
                f"{getattr(st.user, 'email', 'This account')} has no DTAC Workbench account. "
                "Ask an administrator to add your account."
            )
            return None
        signed_in(user)
    if user is None:
        return None
    from dtac_app.workbench.sessions import SessionEnded

    session_id = st.session_state.get(SESSION_KEY)
    try:
        fresh = wf.check_session(user, session_id) if isinstance(session_id, int) else wf.refresh_user(user)
    except SessionEnded:
        _forget_sign_in()
        st.session_state["sign_in_notice"] = (
            "Your sign-in has ended: it expired, or you signed out in another tab. Sign in again."
        )
        return None
    except (AccessDenied, StoreError):
        _forget_sign_in()
        st.session_state["sign_in_notice"] = (
            "Your account has been disabled or removed; you have been signed out."
        )
        return None
    st.session_state[USER_KEY] = fresh
    return fresh


def require_user() -> UserView:
    """The signed-in user; otherwise show the sign-in form here (so deep links work) and stop."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, UserView):
        from dtac_app.ui.sign_in_form import render_sign_in

        render_sign_in()
        st.stop()
    return user


def page_top(title: str, intro: str = "") -> UserView:
    """How every signed-in page starts: the user (or the sign-in form, see ``require_user``), the
    page's title and its one-paragraph introduction."""
    user = require_user()
    st.title(title)
    if intro:
        st.write(intro)
    return user


def _forget_sign_in() -> None:
    """Drop this tab's sign-in, and never resume it from the cookie it came with."""
    for key in (USER_KEY, SESSION_KEY, _HANDOFF_KEY):
        st.session_state.pop(key, None)
    cookie = _session_cookie()
    if cookie is not None:
        st.session_state[_REFUSED_KEY] = cookie


def sign_out() -> None:
    """End the web session (revoked in the database), forget the tab's state, delete the cookie."""
    user = st.session_state.get(USER_KEY)
    session_id = st.session_state.get(SESSION_KEY)
    if isinstance(user, UserView) and isinstance(session_id, int):
        with contextlib.suppress(StoreError):  # the account went away meanwhile: nothing to end
            workflow().end_session(user, session_id)
    cookie = _session_cookie()
    st.session_state.clear()
    if cookie_sessions():
        st.session_state[_CLEAR_COOKIE_KEY] = True
        if cookie is not None:
            st.session_state[_REFUSED_KEY] = cookie
    if sso_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def demo_accounts_hint() -> str | None:
    """Shown on the sign-in page when the server was started by `dtac serve` with example data."""
    return get_settings().demo_hint


def show_store_error(e: StoreError) -> None:
    msg = getattr(e, "message", None) or str(e)
    if isinstance(e, AccessDenied):
        st.error(f"You do not have access to this: {md(msg)}", icon=":material/lock:")
    else:
        st.error(md(msg), icon=":material/error:")


def fetch(load: Callable[[], T]) -> T | None:
    """What ``load`` returns, or None once the store's refusal (no access, not found) is shown."""
    try:
        return load()
    except StoreError as e:
        show_store_error(e)
        return None


def act(change: Callable[[], object]) -> None:
    """Make ``change`` and run the page again to show it, or show the store's refusal."""
    try:
        change()
    except StoreError as e:
        show_store_error(e)
        return
    st.rerun()


def offer_submit(user: UserView, sub: Submission, filename: str, data: bytes) -> None:
    """Let a vendor send the pre-checked file to the assessors (stored as received, with its hash)."""
    st.divider()
    st.subheader("Send for assessment", anchor=False)
    org_id: int | None = None
    if user.role == "vendor":
        st.write(
            f"The file will be stored for **{md(user.organisation_name or '')}** exactly as it is, with its SHA-256, "
            "and assessed, with every evidence file that came with it (each kept once, by its SHA-256); "
            "assessors see it in their portfolio and can open the files."
        )
    else:
        orgs = [o for o in workflow().list_organisations(user) if o.kind == "vendor"]
        org_id = pick_one(
            "File it under the vendor organisation",
            {o.id: o.name for o in orgs},
            key="pc_org",
            placeholder="Leave empty to create one from the manufacturer's name",
        )
    comment = st.text_input("Note for the assessors (optional)", key="pc_comment", max_chars=2000)
    if st.button("Send for assessment", type="primary", key="pc_send"):
        try:
            view = workflow().submit(
                user, data, filename, organisation_id=org_id, comment=comment, as_of=_today()
            )
        except StoreError as e:
            show_store_error(e)
        except InputError as e:
            st.error(f"{md(filename)}: {md(e.message)}")
        except Exception as e:  # noqa: BLE001 - anything else: a reference, never its text or SQL
            show_store_error(database_failure(e))
        else:
            st.success(
                f"Sent. {md(view.product_name)} {md(view.version)} is now assessment #{view.id} "
                f"(decision: {md(view.result.decision_label)}).",
                icon=":material/check_circle:",
            )
            st.page_link(
                "dtac_app/ui/pages/review.py",
                label="Open it",
                icon=":material/arrow_forward:",
                query_params={"product": str(view.product_id), "assessment": str(view.id)},
            )


def _today() -> dt.date:
    override = st.session_state.get("as_of_override")
    return override if isinstance(override, dt.date) else dt.date.today()


def options_key(prefix: str, options: object) -> str:
    """A widget key that changes when its option labels do: the browser keeps showing a keyed
    selectbox's old label for the same value (e.g. a decision that a save has just changed)."""
    return f"{prefix}_{zlib.crc32(repr(options).encode()):08x}"


def query_int(name: str) -> int | None:
    raw: Any = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
