"""The pages' last line of defence against database errors.

The workbench turns a database error inside a use-case into :class:`DatabaseFailure` (a generic
message with a reference; the statement goes to the server log). What can still reach a page raw
(opening the database, a page that does not catch a failure) is caught here, at the edge, and shown
the same way. Other errors are left to Streamlit, which shows no detail
(``client.showErrorDetails = "none"`` in .streamlit/config.toml).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dtac_app.store.errors import DatabaseFailure, database_failure


def show_failure(failure: DatabaseFailure) -> None:
    st.error(failure.message, icon=":material/error:")


@contextmanager
def database_errors_shown() -> Iterator[None]:
    """Run a page (or the opening of the database): a database failure shows the generic message
    with its reference instead of a traceback, and the page stops there."""
    try:
        yield
    except DatabaseFailure as e:
        show_failure(e)
        st.stop()
    except Exception as e:
        # A StatementError can only come from SQLAlchemy once it is loaded: look it up rather than
        # import it, so the sign-in page (which needs no database) does not load SQLAlchemy.
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is None or not isinstance(e, sa_exc.StatementError):
            raise
        show_failure(database_failure(e))
        st.stop()
