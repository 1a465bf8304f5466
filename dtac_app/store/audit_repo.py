"""The audit log's repository: it can only append and read. There is deliberately no method that
changes or removes an audit row (and the database refuses both)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from .models import (
    AuditEntry,
)
from .repository import Repository


class Audit(Repository):
    """Append and read. There is no update or delete, by design."""

    def append(
        self,
        *,
        at: dt.datetime,
        actor: str,
        actor_id: int | None,
        action: str,
        entity_type: str,
        entity_id: object = None,
        organisation_id: int | None = None,
        product_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        detail: str = "",
        origin: str | None = None,
    ) -> AuditEntry:
        return self._added(
            AuditEntry(
                at=at,
                actor=actor,
                actor_id=actor_id,
                action=action,
                entity_type=entity_type,
                entity_id=None if entity_id is None else str(entity_id),
                organisation_id=organisation_id,
                product_id=product_id,
                before=before,
                after=after,
                detail=detail,
                origin=origin,
            )
        )

    def query(
        self,
        *,
        organisation_id: int | None = None,
        product_id: int | None = None,
        entity_type: str | None = None,
        entity_id: object = None,
        action: str | None = None,
        actor: str | None = None,
        since: dt.datetime | None = None,
        limit: int | None = 1000,
        ascending: bool = False,
    ) -> Sequence[AuditEntry]:
        q = select(AuditEntry)
        if organisation_id is not None:
            q = q.where(AuditEntry.organisation_id == organisation_id)
        if product_id is not None:
            q = q.where(AuditEntry.product_id == product_id)
        if entity_type is not None:
            q = q.where(AuditEntry.entity_type == entity_type)
        if entity_id is not None:
            q = q.where(AuditEntry.entity_id == str(entity_id))
        if action is not None:
            q = q.where(AuditEntry.action == action)
        if actor is not None:
            q = q.where(AuditEntry.actor == actor)
        if since is not None:
            q = q.where(AuditEntry.at >= since)
        q = q.order_by(AuditEntry.id if ascending else AuditEntry.id.desc())
        if limit is not None:
            q = q.limit(limit)
        return self.s.scalars(q).all()
