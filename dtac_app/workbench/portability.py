"""Moving data in and out: one product's history as a portable package, and the example data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dtac_app.store import portable
from dtac_app.store.views import SYSTEM, Actor, ProductSummary, SeedReport

from . import access
from .unit import WorkbenchBase


class Portability(WorkbenchBase):
    def export_product(self, actor: Actor, product_id: int) -> dict[str, Any]:
        """One product's whole history as a portable JSON-ready package (see ``store.portable``)."""
        with self._unit(actor, write=True) as u:
            p = u.product(product_id)
            package = portable.export_product(u.r, p, exported_at=u.t, exported_by=access.actor_label(u.act))
            u.audit(
                "product.export",
                "product",
                p.id,
                of=p,
                detail=f"exported {portable.package_digest(package)[:16]}",
            )
            return package

    def import_product(self, actor: Actor, package: Mapping[str, Any]) -> ProductSummary:
        """Admin only. Recreates a product's history from an export package; refuses if the
        organisation already has a product of that name (:class:`ImportConflict`)."""
        with self._unit(actor, write=True) as u:
            access.require_role(u.act, "admin", doing="import products")
            p = portable.import_product(
                u.r, package, actor_label=access.actor_label(u.act), actor_id=u.act.id, now=u.t
            )
            p_id = p.id
        products = [x for x in self.list_products(actor) if x.id == p_id]
        return products[0]

    def seed_examples(
        self,
        actor: Actor | str | Path = SYSTEM,
        directory: str | Path | None = None,
        *,
        as_of: dt.date | None = None,
    ) -> SeedReport:
        """Admin only. Load example submissions and default accounts for local use (idempotent):
        see :mod:`dtac_app.workbench.seeding`. ``seed_examples(SYSTEM, dir)``; ``seed_examples(dir)``
        is the same call from the local command line (the SYSTEM actor)."""
        from .facade import Workbench
        from .seeding import seed_examples

        who: Actor
        if isinstance(actor, str | Path):
            who, directory = SYSTEM, actor
        else:
            who = actor
        if directory is None:
            raise TypeError("seed_examples needs the examples directory")
        with self._unit(who) as u:
            access.require_role(u.act, "admin", doing="load example data")
        assert isinstance(self, Workbench)
        return seed_examples(self, Path(directory), as_of=as_of)
