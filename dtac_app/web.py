"""The web server `dtac serve` runs: Streamlit's (``st.App``) plus the two endpoints that keep a
sign-in in a cookie and a guard that serves download links only to a signed-in browser.

* ``GET /dtac/session?code=…`` — the signed-in page requests it (a hidden image) right after the
  password was checked; it spends the one-time code and answers with the session cookie
  (``HttpOnly; SameSite=Strict``, ``Secure`` over HTTPS). See :mod:`dtac_app.workbench.sessions`.
* ``GET /dtac/sign-out`` — revokes the cookie's session and deletes the cookie.
* ``/media/…`` (downloads, images, dossier files that Streamlit serves by URL) answers
  403 unless the request carries a valid session cookie.

Both endpoints refuse a request a browser marks as cross-site (``Sec-Fetch-Site``), so another site
cannot plant its own session in a user's browser. Plain ``streamlit run streamlit_app.py`` does not
load this module: it works, but a sign-in then lasts one tab and ``/media/`` is not guarded.
"""

from __future__ import annotations

import functools
from http.cookies import SimpleCookie
from types import ModuleType
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from dtac_app.vocabulary import SESSION_COOKIE_NAME

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from dtac_app.workbench.facade import Workbench


def _sessions() -> ModuleType:
    """The session rules, imported at first use: importing them (the store, SQLAlchemy) before the
    server listens would delay every start by about half a second."""
    from dtac_app.workbench import sessions

    return sessions


SESSION_PATH = "/dtac/session"
SIGN_OUT_PATH = "/dtac/sign-out"
MEDIA_PATH = "/media/"


def base_path() -> str:
    """Streamlit's ``server.baseUrlPath`` as ``/prefix`` (empty when served at the root)."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


@functools.cache
def _workbench() -> Workbench:
    from dtac_app.workbench.facade import open_workbench

    return open_workbench()


def _done() -> Response:
    """A small empty page, so that a person who opens the link by hand sees a page, not nothing."""
    return HTMLResponse("<!doctype html><title>DTAC Workbench</title>")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _cross_site(request: Request) -> bool:
    return request.headers.get("sec-fetch-site", "same-origin") == "cross-site"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def cookie_of(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The session cookie's value in raw ASGI headers (None if absent or unreadable)."""
    for name, value in headers:
        if name.lower() == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed Cookie header is no session
                continue
            if SESSION_COOKIE_NAME in jar:
                return jar[SESSION_COOKIE_NAME].value
    return None


async def claim(request: Request) -> Response:
    if _cross_site(request):
        return _no_store(PlainTextResponse("Refused: this request came from another site.", status_code=403))
    code = request.query_params.get("code", "")
    old = _sessions().unsign_cookie(request.cookies.get(SESSION_COOKIE_NAME))
    claimed = await run_in_threadpool(lambda: _workbench().claim_session(code, replacing=old))
    if claimed is None:
        return _no_store(PlainTextResponse("This sign-in link is not valid (any more).", status_code=403))
    token, _expires = claimed
    response = _no_store(_done())
    response.set_cookie(
        SESSION_COOKIE_NAME,
        _sessions().sign_token(token),
        max_age=int(_sessions().session_lifetime().total_seconds()),
        path=base_path() or "/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


async def sign_out(request: Request) -> Response:
    if _cross_site(request):
        return _no_store(PlainTextResponse("Refused: this request came from another site.", status_code=403))
    cookie = request.cookies.get(SESSION_COOKIE_NAME)
    if cookie:
        await run_in_threadpool(lambda: _workbench().end_session_by_cookie(cookie))
    response = _no_store(_done())
    response.delete_cookie(
        SESSION_COOKIE_NAME,
        path=base_path() or "/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


def routes() -> list[Route]:
    base = base_path()
    return [
        Route(base + SESSION_PATH, claim, methods=["GET"]),
        Route(base + SIGN_OUT_PATH, sign_out, methods=["GET"]),
    ]


class MediaGuard:
    """ASGI middleware: ``/media/…`` only for a request with a valid session cookie (else 403)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.prefix = base_path() + MEDIA_PATH

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            cookie = cookie_of(scope.get("headers", []))
            # No cookie: refused at once, without the store (the tab icon is asked for before
            # sign-in). With one: opened and checked off the event loop, which serves everyone.
            found = await run_in_threadpool(lambda: _workbench().resume_session(cookie)) if cookie else None
            if found is None:
                refused = _no_store(
                    PlainTextResponse("Sign in to the DTAC Workbench to open this file.", status_code=403)
                )
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_app() -> Any:
    """Streamlit's app for ``streamlit_app.py`` with the session endpoints and the media guard."""
    import streamlit as st
    from starlette.middleware import Middleware

    from dtac_app.serve import APP

    return st.App(str(APP), routes=routes(), middleware=[Middleware(MediaGuard)])


@functools.cache
def _the_app() -> Any:
    return build_app()


def __getattr__(name: str) -> Any:
    """``dtac_app.web:app`` (what `dtac serve` hands to uvicorn), built on first use."""
    if name == "app":
        return _the_app()
    raise AttributeError(name)
