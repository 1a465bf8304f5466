"""`dtac serve`: prepare the database (with the examples on first run) and start the workbench."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

REPO_ROOT = Path(__file__).resolve().parent.parent
APP = REPO_ROOT / "streamlit_app.py"
EXAMPLES = REPO_ROOT / "submissions"


def serve(*, port: int = 8501, address: str = "localhost", examples: bool = True, console: Console | None = None) -> int:
    from .store.db import database_url, describe_url
    from .store.seed import DEFAULT_ACCOUNTS, VENDOR_PASSWORD
    from .store.views import SYSTEM
    from .workflow import open_workflow

    out = console or Console(highlight=False)
    url = database_url()
    out.print(f"Database: {describe_url(url)}")
    wf = open_workflow(url)  # creates the schema or upgrades it
    accounts = ", ".join(f"{u} / {p}" for u, _r, p in DEFAULT_ACCOUNTS)
    hint = None
    if examples and EXAMPLES.is_dir():
        report = wf.seed_examples(SYSTEM, EXAMPLES)
        out.print(f"Examples: {report.submissions_loaded} loaded, {report.already_present} already present"
                  + (f", {len(report.errors)} skipped" if report.errors else ""))
        vendors = sorted(u.username for u in wf.list_users(SYSTEM) if u.role == "vendor")
        hint = (f"Local example accounts: {accounts}; each example vendor signs in with its organisation's "
                f"short name and the password {VENDOR_PASSWORD}" + (f" (e.g. {vendors[0]})" if vendors else "") + ".")
    wf.db.dispose()
    out.print()
    out.print(f"[bold]DTAC Workbench[/] is starting at [bold]http://{address}:{port}[/]")
    if hint:
        out.print(f"Sign in as: {accounts} (vendors: organisation short name / {VENDOR_PASSWORD}).")
        out.print("[dim]These local accounts are for trying the workbench; change or disable them before others can reach it.[/]")
    out.print("Press Ctrl+C to stop.")
    env = dict(os.environ)
    if hint:
        env["DTAC_DEMO_HINT"] = hint
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), "--server.address", address,
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    try:
        return subprocess.call(cmd, cwd=str(REPO_ROOT), env=env)
    except KeyboardInterrupt:
        return 0
