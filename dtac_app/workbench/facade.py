"""The service API the workbench pages and the CLI call: one method per use-case.

:class:`Workbench` is a thin facade: it only combines the use-case modules of this package
(accounts, organisations, intake, review, sign_off, clarifications, audit, portability), so the
pages and the CLI hold one object. Every method takes the acting user first (a :class:`UserView`
from :meth:`Workbench.login` / :meth:`Workbench.find_user_for_identity`, or :data:`SYSTEM` for the
local command line), re-reads that user from the database, and checks access itself
(:class:`AccessDenied`). The UI is not the only guard. Results are frozen values from
:mod:`dtac_app.store.views`, never ORM objects.

The engine stays pure: a review re-runs :func:`dtac_app.engine.assess` on the stored submission
with the overrides and verifications of the new revision, and stores the result.

Revisions, not overwrites: every save adds a revision and earlier ones stay readable. Saves name
the revision they started from (``expected_revision``); if someone saved in between, the save is
refused with :class:`ConcurrentChangeError` and nothing is written. A signed-off revision never
changes; saving after sign-off adds a revision that needs its own sign-off.

Usage::

    from dtac_app.workbench.facade import open_workbench
    wb = open_workbench()                      # DTAC_DATABASE_URL or ./data/dtac.sqlite3, migrated
    me = wb.login("assessor", "…")
    for p in wb.list_products(me): ...
    view = wb.get_assessment(me, assessment_id)
    view = wb.save_review(me, view.id, view.revision, overrides={...}, verifications={...})
"""

from __future__ import annotations

from dtac_app.criteria import Catalogue
from dtac_app.store.db import open_database
from dtac_app.store.views import SYSTEM

from .accounts import Accounts
from .audit import AuditTrail
from .clarifications import Clarifications
from .evidence import Evidence
from .intake import Intake
from .organisations import Organisations
from .portability import Portability
from .review import Review
from .sessions import Sessions
from .sign_off import SignOffs

__all__ = ["SYSTEM", "Workbench", "open_workbench"]


class Workbench(
    Accounts,
    Sessions,
    Organisations,
    Intake,
    Review,
    Evidence,
    SignOffs,
    Clarifications,
    AuditTrail,
    Portability,
):
    """Use-cases over one :class:`Database`. Thread-safe: each call uses its own session."""


def open_workbench(
    url: str | None = None, *, upgrade: bool = True, catalogue: Catalogue | None = None
) -> Workbench:
    """Open the configured database (creating/upgrading its schema) and return the service API.
    In Streamlit, hold the result in ``st.cache_resource``."""
    return Workbench(open_database(url, upgrade=upgrade), catalogue=catalogue)
