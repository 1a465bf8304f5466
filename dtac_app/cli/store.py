"""The store as the command line opens it: as the local SYSTEM actor.

Whoever can run these commands can already open the database file or URL; everything they change
is still written to the audit log as ``cli:<os user>``.
"""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from dtac_app.store.views import SystemActor
from dtac_app.terminal import SafeConsole

if TYPE_CHECKING:
    from dtac_app.workbench.facade import Workbench

out = SafeConsole(highlight=False, soft_wrap=True)


def _actor() -> SystemActor:
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return SystemActor(label=f"cli:{who}")


def _workflow() -> Workbench:
    from dtac_app.store.db import open_database
    from dtac_app.workbench.facade import Workbench

    return Workbench(open_database())
