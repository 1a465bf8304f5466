"""The store as the command line opens it: as the local SYSTEM actor, for one command.

Whoever can run these commands can already open the database file or URL; everything they change
is still written to the audit log as ``cli:<os user>``.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from dtac_app.errors import InputError
from dtac_app.store.errors import StoreError
from dtac_app.store.views import SystemActor
from dtac_app.terminal import SafeConsole

from .output import fail

if TYPE_CHECKING:
    from dtac_app.workbench.facade import Workbench

# The store's commands print long lines whole (they do not re-wrap them at the terminal's width).
out = SafeConsole(highlight=False, soft_wrap=True)


def actor() -> SystemActor:
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return SystemActor(label=f"cli:{who}")


@contextlib.contextmanager
def opened_workbench(*, option: str | None = None) -> Iterator[Workbench]:
    """The workbench on the configured database, closed again however the block ends.

    A :class:`StoreError` is the store refusing with a message fit for the user (no such product,
    a taken user name, a conflicting import): it ends the command with that message and exit 1.
    A command that reads the database because of an option (``--db``) passes ``option``: the
    refusal is then bad input naming that option, for the command to report (exit 2).
    """
    from dtac_app.workbench.facade import open_workbench

    try:
        wf = open_workbench()
        try:
            yield wf
        finally:
            wf.db.dispose()
    except StoreError as e:
        if option is not None:
            raise InputError(option, "", e.message) from None
        raise fail(e.message) from None
