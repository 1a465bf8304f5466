"""Who is signed in, and the one Workbench the pages call. Access rules live in the Workbench."""

from __future__ import annotations

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
from dtac_app.ui.widgets import labelled

if TYPE_CHECKING:
    from dtac_app.submission import Submission
    from dtac_app.workbench.facade import Workbench

USER_KEY = "dtac_user"
T = TypeVar("T")


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


def current_user() -> UserView | None:
    """The signed-in user, re-read from the database on every run (a disabled account is signed out)."""
    user = st.session_state.get(USER_KEY)
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
        st.session_state[USER_KEY] = user
    if user is None:
        return None
    try:
        fresh = wf.refresh_user(user)
    except (AccessDenied, StoreError):
        st.session_state.pop(USER_KEY, None)
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


def sign_out() -> None:
    st.session_state.clear()
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
        choice = st.selectbox(
            "File it under the vendor organisation",
            [o.id for o in orgs],
            index=None,
            format_func=labelled({o.id: o.name for o in orgs}),
            key="pc_org",
            placeholder="Leave empty to create one from the manufacturer's name",
        )
        org_id = choice
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
