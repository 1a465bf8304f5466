"""Example data for local use (``dtac db init --with-examples``). Idempotent: running it again
adds only what is missing (accounts by user name, submissions by product version and SHA-256).

Accounts it creates (LOCAL USE ONLY — change or disable them before anyone else can reach the app):

* ``admin`` / ``dtac-admin-local`` (admin)
* ``assessor`` / ``dtac-assessor-local`` (assessor)
* one vendor per example organisation: user name = the organisation's slug (e.g. ``acme-health``),
  password ``dtac-vendor-local``.

Each example file is filed under a vendor organisation named after its manufacturer, submitted
by that organisation's vendor user and assessed on ``as_of`` (default: today).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from dtac_app.catalogue import get_catalogue
from dtac_app.errors import InputError
from dtac_app.store.repo import Repos
from dtac_app.store.views import SYSTEM, SeedReport, UserView
from dtac_app.submission_io import read_path
from dtac_app.vocabulary import Role

from . import access
from .assessing import find_submissions

if TYPE_CHECKING:
    from .facade import Workbench

DEFAULT_ACCOUNTS: tuple[tuple[str, Role, str], ...] = (
    ("admin", "admin", "dtac-admin-local"),
    ("assessor", "assessor", "dtac-assessor-local"),
)
VENDOR_PASSWORD = "dtac-vendor-local"


def seed_examples(wf: Workbench, directory: Path, *, as_of: dt.date | None = None) -> SeedReport:
    created_users: list[tuple[str, str, str]] = []
    orgs_created = loaded = present = 0
    errors: list[str] = []

    existing = {u.username for u in wf.list_users(SYSTEM)}
    for username, role, password in DEFAULT_ACCOUNTS:
        if username not in existing:
            wf.create_user(
                SYSTEM,
                username,
                role=role,
                password=password,
                display_name=f"Example {role}",
            )
            created_users.append((username, role, password))

    paths = find_submissions(directory) if directory.is_dir() else []
    cat = wf.catalogue
    for path in paths:
        try:
            # The same intake path as every upload; the examples must carry every file they name.
            sub = read_path(path, cat or get_catalogue()).require_files().submission
        except InputError as e:
            errors.append(e.message)
            continue
        raw = path.read_bytes()
        try:
            vendor, org_new, user_new = _vendor_for(wf, sub.product.manufacturer)
        except InputError as e:
            errors.append(e.message)
            continue
        orgs_created += org_new
        if user_new:
            created_users.append((vendor.username, "vendor", VENDOR_PASSWORD))
        if _already_loaded(wf, vendor.organisation_id or 0, sub.product.name, sub.product.version, raw):
            present += 1
            continue
        try:
            wf.submit(
                SYSTEM if vendor.disabled else vendor,
                raw,
                path.name,
                organisation_id=vendor.organisation_id,
                as_of=as_of,
                evidence_dir=path.parent,
            )
        except InputError as e:
            errors.append(e.message)
            continue
        loaded += 1
    return SeedReport(
        organisations_created=orgs_created,
        users_created=len(created_users),
        submissions_loaded=loaded,
        already_present=present,
        errors=tuple(errors),
        accounts=tuple(created_users),
    )


def _vendor_for(wf: Workbench, manufacturer: str) -> tuple[UserView, int, int]:
    """The example vendor user of ``manufacturer``'s organisation, creating both if needed."""
    org_new = user_new = 0
    with wf.db.read() as s:
        r = Repos(s)
        org = r.orgs.by_name(manufacturer)
        org_id = org.id if org else None
        slug = org.slug if org else None
    if org_id is None:
        o = wf.create_organisation(SYSTEM, manufacturer, kind="vendor")
        org_id, slug, org_new = o.id, o.slug, 1
    assert slug is not None
    with wf.db.read() as s:
        r = Repos(s)
        u = r.users.by_username(slug)
        view = access.user_view(u) if u is not None else None
    if view is None:
        view = wf.create_user(
            SYSTEM,
            slug,
            role="vendor",
            password=VENDOR_PASSWORD,
            organisation=org_id,
            display_name=f"{manufacturer} (example vendor)",
        )
        user_new = 1
    elif view.organisation_id != org_id:
        raise InputError(manufacturer, "", f"user {slug} exists but belongs to another organisation")
    return view, org_new, user_new


def _already_loaded(wf: Workbench, org_id: int, name: str, version: str, raw: bytes) -> bool:
    import hashlib

    digest = hashlib.sha256(raw).hexdigest()
    with wf.db.read() as s:
        r = Repos(s)
        p = r.products.find(org_id, name)
        if p is None:
            return False
        for v in p.versions:
            if v.version == version:
                return r.submissions.find_by_hash(v.id, digest) is not None
        return False
