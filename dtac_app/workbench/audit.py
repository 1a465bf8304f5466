"""History and audit: what happened to a product, and the audit trail an admin or assessor reads."""

from __future__ import annotations

from dtac_app.store.errors import AccessDenied
from dtac_app.store.views import Actor, AuditView

from . import access
from .unit import WorkbenchBase
from .views import audit_view


class AuditTrail(WorkbenchBase):
    def change_stamp(self, actor: Actor) -> tuple[int, ...]:
        """Counters that differ after any saved change (see ``Assessments.change_stamp``): a page may
        keep what it read while the stamp is the same. Reveals no data, only that something changed."""
        with self._unit(actor) as u:
            return u.r.assessments.change_stamp()

    def history(self, actor: Actor, product_id: int) -> list[AuditView]:
        """Everything that happened to one product, oldest first."""
        with self._unit(actor) as u:
            p = u.product(product_id)
            return [audit_view(e) for e in u.r.audit.query(product_id=p.id, limit=None, ascending=True)]

    def audit_trail(
        self,
        actor: Actor,
        *,
        organisation_id: int | None = None,
        product_id: int | None = None,
        entity_type: str | None = None,
        entity_id: object = None,
        action: str | None = None,
        limit: int = 500,
    ) -> list[AuditView]:
        """Audit entries, newest first. Vendors see only entries about their own organisation."""
        with self._unit(actor) as u:
            act = u.act
            scope = access.organisation_scope(act)
            if scope is not None:
                if organisation_id is not None and organisation_id != scope:
                    raise AccessDenied(f"{act.username} may only read their own organisation's audit trail")
                organisation_id = scope
            if product_id is not None:
                u.product(product_id)
            rows = u.r.audit.query(
                organisation_id=organisation_id,
                product_id=product_id,
                entity_type=entity_type,
                entity_id=entity_id,
                action=action,
                limit=limit,
            )
            return [audit_view(e) for e in rows]
