"""Organisations: vendor companies and NHS bodies that products and users belong to."""

from __future__ import annotations

from dtac_app.store.errors import WorkflowError
from dtac_app.store.limits import checked
from dtac_app.store.models import Organisation
from dtac_app.store.views import Actor, OrganisationView

from . import access
from .unit import Unit, WorkbenchBase


def audit_new_organisation(u: Unit, org: Organisation) -> None:
    u.audit(
        "organisation.create",
        "organisation",
        org.id,
        organisation_id=org.id,
        after={"name": org.name, "slug": org.slug, "kind": org.kind},
    )


class Organisations(WorkbenchBase):
    def list_organisations(self, actor: Actor) -> list[OrganisationView]:
        with self._unit(actor) as u:
            return [
                OrganisationView(o.id, o.name, o.slug, o.kind)
                for o in u.r.orgs.list(access.organisation_scope(u.act))
            ]

    def create_organisation(self, actor: Actor, name: str, *, kind: str = "vendor") -> OrganisationView:
        name = checked(name, Organisation.name, "organisation name", required=True)
        if kind not in ("vendor", "nhs"):
            raise WorkflowError("kind must be vendor or nhs")
        with self._unit(actor, write=True) as u:
            access.require_role(u.act, "assessor", "admin", doing="create organisations")
            o, created = u.r.orgs.get_or_add(name, kind=kind, now=u.t)
            if not created:
                raise WorkflowError(f"an organisation called {o.name} already exists")
            audit_new_organisation(u, o)
            return OrganisationView(o.id, o.name, o.slug, o.kind)
