"""The README's run command: `dtac serve` prepares a fresh database with the examples, prints the
address and the default sign-in, and serves the workbench that a browser can sign in to."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from support import REPO, free_port
from test_e2e import CHROMIUM, CHROMIUM_ARGS, _need_chromium


@pytest.mark.e2e
def test_dtac_serve_on_a_fresh_machine(tmp_path: Path) -> None:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k not in ("DTAC_DATABASE_URL",)}
    # PYTHONPATH: the server runs this checkout's dtac_app, not whichever copy is installed.
    env.update(
        DTAC_DATA_DIR=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(REPO),
    )
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dtac_app.cli", "serve", "--port", str(port), "--address", "127.0.0.1"],
            cwd=tmp_path,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("dtac serve did not answer within 90 s:\n" + log.read_text())
        printed = log.read_text()
        assert f"http://127.0.0.1:{port}" in printed
        assert "assessor / dtac-assessor-local" in printed
        assert "Examples: 12 loaded" in printed
        assert (tmp_path / "data" / "dtac.sqlite3").exists()  # the database is where it was started
        with sync_playwright() as p:
            profile = tempfile.mkdtemp(prefix="dtac-serve-chromium-")
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                page = ctx.new_page()
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_label("User name").fill("assessor")
                page.get_by_label("Password", exact=True).fill("dtac-assessor-local")
                page.get_by_role("button", name="Sign in").click()
                page.get_by_role("heading", name="Portfolio").wait_for(timeout=60_000)
                # The portfolio table is drawn on a canvas; its cells are in the DOM for assistive technology.
                page.get_by_text("SlotHarbour").first.wait_for(state="attached", timeout=30_000)
                shots = REPO / "tests" / "artifacts"
                shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(shots / "serve-portfolio.png"), full_page=True)
            finally:
                ctx.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_server_and_the_sign_in_page_start_without_the_database_layer() -> None:
    """Cold start: what `dtac serve` imports before it listens (web.py) and what the signed-out
    first page imports (ui.session, ui.failures) must not load SQLAlchemy or the workbench; they
    are imported while the first browser fetches. (Loading them first cost about 0.6 s a start.)"""
    code = (
        "import sys, dtac_app.web, dtac_app.ui.session, dtac_app.ui.failures\n"
        "dtac_app.ui.session._session_cookie()  # what the signed-out page asks first\n"
        "heavy = sorted(m for m in sys.modules if m == 'sqlalchemy' or m.startswith('dtac_app.workbench'))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO, timeout=120
    )
    assert out.stdout.strip() == "", out.stdout


def test_a_download_link_without_a_cookie_is_refused_without_opening_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tab icon is a /media/ file the browser asks for before anyone signs in: the guard must
    refuse it at once, not open the database on the server's event loop (that delayed the first
    page of every cold start by about 0.8 s)."""
    import asyncio

    from dtac_app import web

    def no_store() -> None:
        raise AssertionError("the store was opened for a request without a session cookie")

    monkeypatch.setattr(web, "_workbench", no_store)
    sent: list[dict[str, object]] = []

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("a /media/ request without a session reached Streamlit")

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    guard = web.MediaGuard(app)  # type: ignore[arg-type]
    scope = {
        "type": "http",
        "method": "GET",
        "path": guard.prefix + "icon.png",
        "headers": [],
        "query_string": b"",
    }
    asyncio.run(guard(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 403
