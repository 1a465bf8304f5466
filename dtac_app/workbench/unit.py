"""The one unit of work every workbench use-case runs in.

``with self._unit(actor, write=True) as u:`` opens a session (a write transaction, or a read-only
one), wraps it in the repositories (``u.r``), re-reads the acting user from the database and
checks it may still act (``u.act``), and fixes the time of the change (``u.t``). ``u.audit(...)``
appends an audit entry for that actor at that time. Leaving the block commits a write, or rolls
it back if anything raised, so a use-case either happens completely or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from dtac_app.catalogue import get_catalogue
from dtac_app.criteria import Catalogue
from dtac_app.store.db import Database
from dtac_app.store.errors import InvalidField, WorkflowError, database_failure
from dtac_app.store.limits import MAX_FREE_TEXT, text_problem
from dtac_app.store.models import Assessment as AssessmentRow
from dtac_app.store.models import Clarification, Product, Submission
from dtac_app.store.repo import Repos
from dtac_app.store.views import Actor, AssessmentView, ProductSummary

from . import access

MAX_TEXT = MAX_FREE_TEXT
R = TypeVar("R")  # a record read by id


def clean_text(text: str, what: str, *, required: bool = True) -> str:
    """Typed free text, stripped; refused (naming ``what``) if empty, longer than :data:`MAX_TEXT`,
    or holding a control character other than a line break or tab."""
    t = (text or "").strip()
    if not t and required:
        raise WorkflowError(f"{what} must not be empty")
    if len(t) > MAX_TEXT:
        raise WorkflowError(f"{what} is longer than {MAX_TEXT} characters")
    problem = text_problem(t, single_line=False)
    if problem:
        raise InvalidField(what, problem)
    return t


@dataclass(frozen=True)
class Unit:
    """One use-case's session, repositories, acting user and time."""

    s: Session
    r: Repos
    act: Actor
    t: dt.datetime

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: object,
        *,
        of: Product | None = None,
        organisation_id: int | None = None,
        product_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str = "",
    ) -> None:
        """Append an audit entry by this unit's actor at this unit's time; ``of``: the product the
        entry concerns (its id and organisation are recorded with the entry)."""
        if of is not None:
            organisation_id, product_id = of.organisation_id, of.id
        self.r.audit.append(
            at=self.t,
            actor=access.actor_label(self.act),
            actor_id=self.act.id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            organisation_id=organisation_id,
            product_id=product_id,
            before=before,
            after=after,
            detail=detail,
        )

    # Records asked for by id. One of an organisation the actor may not see is refused exactly as
    # one that does not exist (access.not_found_or_not_yours), so ids tell nothing about others.

    def product(self, product_id: int) -> Product:
        return self._visible(Product, product_id, "product", lambda p: p)[0]

    def submission(self, submission_id: int) -> tuple[Submission, Product]:
        return self._visible(Submission, submission_id, "submission", lambda s: s.product_version.product)

    def assessment(self, assessment_id: int) -> tuple[AssessmentRow, Product]:
        return self._visible(
            AssessmentRow, assessment_id, "assessment", lambda a: a.submission.product_version.product
        )

    def clarification(self, clarification_id: int) -> tuple[Clarification, Product]:
        return self._visible(
            Clarification,
            clarification_id,
            "clarification",
            lambda c: c.assessment.submission.product_version.product,
        )

    def _visible(
        self, model: type[R], record_id: int, what: str, product_of: Callable[[R], Product]
    ) -> tuple[R, Product]:
        """The record and the product it belongs to, if the actor may see that product's organisation."""
        row = self.s.get(model, record_id)
        if row is None:
            raise access.not_found_or_not_yours(what, record_id)
        product = product_of(row)
        access.require_visible(self.act, product.organisation_id, what, record_id)
        return row, product


class WorkbenchBase:
    """The database, catalogue and clock the use-case modules share."""

    def __init__(
        self,
        db: Database,
        *,
        catalogue: Catalogue | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.db = db
        self._catalogue = catalogue
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue or get_catalogue()

    def _now(self, now: dt.datetime | None = None) -> dt.datetime:
        t = now or self.clock()
        if t.tzinfo is None:
            raise ValueError("now must be timezone-aware (UTC)")
        return t.astimezone(dt.UTC)

    @contextmanager
    def _repos(self, *, write: bool = False) -> Iterator[Repos]:
        """A session wrapped in the repositories, for the few calls made before anyone is signed in.

        The last line of defence: an error the database raises (a statement it refused, a lost
        connection) leaves as :class:`DatabaseFailure`, a generic message with a reference; the
        statement and its detail go to the server log under that reference, never to the user."""
        try:
            with self.db.write() if write else self.db.read() as s:
                yield Repos(s)
        except StatementError as e:
            raise database_failure(e) from e

    @contextmanager
    def _unit(self, actor: Actor, *, write: bool = False, now: dt.datetime | None = None) -> Iterator[Unit]:
        """See the module docstring."""
        t = self._now(now)
        with self._repos(write=write) as r:
            yield Unit(r.s, r, access.load_actor(r, actor), t)

    # Use-cases one module calls on another, declared here so each module type-checks alone.

    def list_products(self, actor: Actor) -> list[ProductSummary]:
        """Implemented by :class:`dtac_app.workbench.intake.Intake`."""
        raise NotImplementedError

    def get_assessment(
        self, actor: Actor, assessment_id: int, *, revision: int | None = None
    ) -> AssessmentView:
        """Implemented by :class:`dtac_app.workbench.review.Review`."""
        raise NotImplementedError
