"""`dtac serve`: prepare the database (with the examples on first run) and start the workbench."""

from __future__ import annotations

import importlib
import os
import threading
import time
import urllib.request
from pathlib import Path

from rich.console import Console

from .settings import env_name

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "streamlit_app.py"
EXAMPLES = REPO_ROOT / "submissions"


def serve(
    *, port: int = 8501, address: str = "localhost", examples: bool = True, console: Console | None = None
) -> int:
    """Prepare the database (and the examples) and run the workbench until interrupted.

    With ``examples=False`` nothing touches the database before the server starts: the app opens
    (and if needed upgrades) it on first use, so the first page comes up sooner.
    """
    from .store.location import data_dir, database_url, mask_password

    out = console or Console(highlight=False)
    url = database_url()
    # The server runs from the repository folder; pin the database chosen here (./data is relative
    # to where `dtac serve` was started) so the app opens the same one.
    os.environ[env_name("database_url")] = url
    # Likewise the data folder: the session cookie's key (and the dossier signing key) live there.
    os.environ[env_name("data_dir")] = str(data_dir().resolve())
    out.print(f"Database: {mask_password(url)}", soft_wrap=True)
    hint = None
    if examples and EXAMPLES.is_dir():
        from .store.views import SYSTEM
        from .workbench.facade import open_workbench
        from .workbench.seeding import DEFAULT_ACCOUNTS, VENDOR_PASSWORD

        wf = open_workbench(url)  # creates the schema or upgrades it
        report = wf.seed_examples(SYSTEM, EXAMPLES)
        out.print(
            f"Examples: {report.submissions_loaded} loaded, {report.already_present} already present"
            + (f", {len(report.errors)} skipped" if report.errors else ""),
            soft_wrap=True,
        )
        vendors = sorted(u.username for u in wf.list_users(SYSTEM) if u.role == "vendor")
        wf.db.dispose()
        accounts = ", ".join(f"{u} / {p}" for u, _r, p in DEFAULT_ACCOUNTS)
        hint = (
            f"Local example accounts: {accounts}; each example vendor signs in with its organisation's "
            f"short name and the password {VENDOR_PASSWORD}"
            + (f" (e.g. {vendors[0]})" if vendors else "")
            + "."
        )
    out.print()
    out.print(f"[bold]DTAC Workbench[/] is starting at [bold]http://{address}:{port}[/]")
    if hint:
        out.print(hint, soft_wrap=True)
        out.print(
            "[dim]These local accounts are for trying the workbench; change or disable them before others can reach it.[/]"
        )
        os.environ[env_name("demo_hint")] = hint
    out.print("Press Ctrl+C to stop.")
    return run_streamlit(port=port, address=address)


def _warm_imports_when_ready(port: int, address: str) -> None:
    """Import the workbench's heavier modules in the background once the server is up.

    Importing before the server starts would delay it; importing while the first browser fetches
    Streamlit's front end would slow that (one interpreter lock). So: after the server answers and
    a short pause, while the user is signing in.
    """
    host = "127.0.0.1" if address in ("", "0.0.0.0", "localhost") else address
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=0.5):
                break
        except OSError:
            time.sleep(0.05)
    # The sign-in page needs none of this; give a browser that connects straight away a moment to
    # fetch the front end undisturbed, then load what the pages after sign-in need.
    time.sleep(3)
    for name in (
        "dtac_app.ui.session",
        "dtac_app.ui.sign_in_form",
        "dtac_app.ui.common",
        "dtac_app.store.models",
    ):
        importlib.import_module(name)
    from sqlalchemy.orm import configure_mappers

    configure_mappers()  # the ORM's one-off set-up, otherwise paid by the first query
    for name in ("pandas", "altair", "dtac_app.workbench.portfolio"):
        importlib.import_module(name)


def run_streamlit(*, port: int, address: str) -> int:
    """Run the web server in this process: Streamlit's, plus the session cookie endpoints and the guard
    on download links (:mod:`dtac_app.web`), as `streamlit run` runs an ``st.App``."""
    from streamlit.web import bootstrap

    threading.Thread(
        target=_warm_imports_when_ready, args=(port, address), name="dtac-warm-imports", daemon=True
    ).start()
    flags = {
        "server_port": port,
        "server_address": address,
        "server_headless": True,
        "browser_gatherUsageStats": False,
    }
    os.environ[env_name("web_sessions")] = "1"
    os.chdir(REPO_ROOT)
    bootstrap.load_config_options(flag_options=flags)
    try:
        bootstrap.run_asgi_app(str(APP), "dtac_app.web:app", [], flags)
    except KeyboardInterrupt:
        return 0
    return 0
