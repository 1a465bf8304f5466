"""Sessions in a real browser (issue 10, item 2): `dtac serve` in headless Chromium.

A sign-in survives a reload and a deep link opened in a new tab, without another login in the audit
log; the cookie is HttpOnly and SameSite=Strict; a dossier's download link (``/media/…``) works only
with the session cookie; sign-out ends it (a reload then shows the sign-in form, and the old cookie
opens nothing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import REPO, dtac_serve_command, start_server, stop_process
from test_e2e import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    VIEWPORT,
    _need_chromium,
    go,
    idle,
    shot,
    sign_in,
)
from ui_fixtures import Seeded, app_env

from dtac_app.store.db import SQLITE_FILENAME, Database
from dtac_app.workbench.facade import SYSTEM, Workbench

COOKIE_NAME = "dtac_session"  # dtac_app.workbench.sessions.COOKIE_NAME, spelled out for the record

pytestmark = pytest.mark.e2e

CLEAN = "SlotHarbour"


class Serve:
    """``dtac serve --no-examples`` (this checkout) on a copy of the seeded database."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log = data_dir / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        env = {**app_env(self.data_dir), "PYTHONPATH": str(REPO)}
        self.proc, self.base = start_server(dtac_serve_command, env, self.log)

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


@pytest.fixture(scope="module")
def served(seeded_template: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    _need_chromium()
    data_dir = tmp_path_factory.mktemp("sessions-data")
    shutil.copyfile(seeded_template.path, data_dir / SQLITE_FILENAME)
    srv = Serve(data_dir)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def browser(served: Serve, tmp_path: Path) -> Iterator[Any]:
    """A fresh Chromium profile (its own cookie jar) for each test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
            accept_downloads=True,
            downloads_path=str(tmp_path / "downloads"),
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        try:
            yield ctx
        finally:
            ctx.close()


def session_cookie(ctx: Any, timeout_s: float = 20) -> dict[str, Any]:
    """The session cookie, once the page has fetched it (a hidden image asks for it, just after sign-in)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for c in ctx.cookies():
            if c["name"] == COOKIE_NAME:
                return dict(c)
        time.sleep(0.2)
    raise AssertionError(f"no {COOKIE_NAME} cookie after sign-in; cookies: {ctx.cookies()}")


def fetch(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE_NAME}={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:  # noqa: S310 - loopback
            return int(r.status), r.read()
    except urllib.error.HTTPError as e:
        with e:
            return int(e.code), e.read()


def logins(served: Serve, username: str) -> int:
    db = Database(f"sqlite:///{served.data_dir / SQLITE_FILENAME}")
    try:
        wb = Workbench(db)
        entries = wb.audit_trail(SYSTEM, action="login.success", limit=10_000)
        return sum(1 for e in entries if e.actor == username)
    finally:
        db.dispose()


def signed_in_as(page: Any, heading: str) -> None:
    page.get_by_role("heading", name=heading).wait_for()
    page.get_by_role("button", name="Sign out").wait_for()
    assert page.get_by_role("heading", name="Sign in").count() == 0


def test_a_sign_in_survives_a_reload_and_a_deep_link_in_a_new_tab_until_sign_out(
    browser: Any, served: Serve, seeded_template: Seeded
) -> None:
    own = seeded_template.product(CLEAN)
    username, password = seeded_template.vendor_login(CLEAN)
    before = logins(served, username)
    page = browser.new_page()
    page.goto(served.base)
    idle(page)
    sign_in(page, username, password)
    signed_in_as(page, "Portfolio")
    cookie = session_cookie(browser)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert COOKIE_NAME not in page.evaluate("() => document.cookie"), "page scripts cannot read it"

    page.reload()
    idle(page)
    signed_in_as(page, "Portfolio")
    shot(page, "sessions-01-after-reload")

    deep = browser.new_page()
    deep.goto(f"{served.base}/review?product={own.id}&assessment={own.assessment_id}")
    idle(deep)
    signed_in_as(deep, f"{own.name} {own.version}")
    shot(deep, "sessions-02-deep-link-new-tab")
    deep.close()
    assert logins(served, username) == before + 1, "reloads and new tabs write no login to the audit log"

    page.get_by_role("button", name="Sign out").click()
    idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    page.reload()
    idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.get_by_role("button", name="Sign out").count() == 0
    # The cookie is gone from the browser, and the one it held no longer opens anything.
    deadline = time.monotonic() + 10
    while any(c["name"] == COOKIE_NAME for c in browser.cookies()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(c["name"] == COOKIE_NAME for c in browser.cookies())
    again = browser.new_page()
    again.context.add_cookies([cookie])  # replay the old cookie: revoked on the server
    again.goto(f"{served.base}/review?product={own.id}&assessment={own.assessment_id}")
    idle(again)
    again.get_by_role("heading", name="Sign in").wait_for()


def test_dossier_download_links_need_the_session_cookie(
    browser: Any, served: Serve, seeded_template: Seeded
) -> None:
    page = browser.new_page()
    page.goto(served.base)
    idle(page)
    sign_in(page, *seeded_template.vendor_login(CLEAN))
    signed_in_as(page, "Portfolio")
    go(page, "Dossier")
    page.get_by_role("button", name="Build the dossier").click()
    page.get_by_role("button", name="Download PDF").wait_for()
    idle(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download PDF").click()
    url = dl.value.url
    assert "/media/" in url, url
    assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")

    status, body = fetch(url)  # someone handed the link, not signed in
    assert status == 403, (status, body[:80])
    assert not body.startswith(b"%PDF")
    cookie = session_cookie(browser)["value"]
    assert fetch(url, "forged." + cookie.split(".", 1)[-1])[0] == 403
    status, body = fetch(url, cookie)
    assert status == 200 and body.startswith(b"%PDF")

    page.get_by_role("button", name="Sign out").click()
    idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    assert fetch(url, cookie)[0] == 403, "a signed-out session's cookie opens nothing"


def test_a_cross_site_request_cannot_plant_a_session(served: Serve) -> None:
    req = urllib.request.Request(
        f"{served.base}/dtac/session?code=anything", headers={"Sec-Fetch-Site": "cross-site"}
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)  # noqa: S310 - loopback
    with err.value:
        assert err.value.code == 403 and b"another site" in err.value.read()
    assert fetch(f"{served.base}/dtac/session?code=not-a-real-code")[0] == 403


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_the_cookie_key_was_made_in_the_data_folder_and_kept_private(served: Serve) -> None:
    key = served.data_dir / "keys" / "session-secret"
    deadline = time.monotonic() + 5
    while not key.exists() and time.monotonic() < deadline:  # made on first use
        fetch(f"{served.base}/media/nothing.png", "x.y")
        time.sleep(0.2)
    assert key.exists() and oct(key.stat().st_mode & 0o777) == "0o600"
