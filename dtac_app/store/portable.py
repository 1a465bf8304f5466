"""Portable JSON package of one product's whole history (``dtac db export`` / ``dtac db import``).

Format ``dtac-product-export/1``: the organisation and product; every version, submission (the
file's text exactly as received plus its SHA-256, checked on import), assessment, revision (the
stored result JSON, overrides, provenance marks, sign-offs) and clarification with replies; the
users those records name (by user name and role, no password hashes); and the product's audit
entries. Database ids are not carried over, except inside imported audit entries' ``entity_id``
(which then refer to the source database; such rows have ``origin = "import:<package digest>"``).

On import, users that do not exist are created *disabled and without a password*, so history
keeps its names but nobody can sign in as them until an admin enables the account and sets a
password. Imported records are written as they were; a new audit entry records the import.

One concern, one module (about 500 lines): the package format, read and written from one field
description per record so export and import cannot drift apart.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from .errors import ImportConflict
from .evidence import EvidenceRepo
from .models import Assessment as AssessmentRow
from .models import (
    AssessmentRevision,
    Clarification,
    ClarificationReply,
    OverrideRow,
    ProvenanceMark,
    SignOff,
    Submission,
    SubmissionEvidence,
    User,
)
from .repo import Repos

FORMAT = "dtac-product-export/1"


def _iso(v: dt.datetime | dt.date | None) -> str | None:
    return None if v is None else v.isoformat()


def _dt(v: str | None) -> dt.datetime | None:
    if v is None:
        return None
    t = dt.datetime.fromisoformat(v)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _date(v: str | None) -> dt.date | None:
    return None if v is None else dt.date.fromisoformat(v)


# ----------------------------------------------------------------------------- fields
# Most records cross in both directions column by column, so each is described once, as the
# package carries it, and both export and import read the same description.

Who = Callable[[int | None], str | None]  # a user id -> the user name the package carries
Uid = Callable[[str | None], int | None]  # and back, in the importing database
Kind = Literal["plain", "date", "time", "user"]


@dataclass(frozen=True)
class _Field:
    """One column of a record in the package."""

    key: str  # the package's name for it
    column: str = ""  # the row's attribute, when it is named otherwise
    kind: Kind = "plain"  # date/time: ISO text; user: a user name
    optional: bool = False  # import reads a missing key as ``default`` (users are always optional)
    default: Any = ""

    def export(self, row: Any, who: Who) -> Any:
        v = getattr(row, self.column or self.key)
        if self.kind == "user":
            return who(v)
        return v if self.kind == "plain" else _iso(v)

    def read(self, d: Mapping[str, Any], uid: Uid) -> Any:
        if self.kind == "user":
            return uid(d.get(self.key))
        if self.kind == "plain":
            return d.get(self.key, self.default) if self.optional else d[self.key]
        v = d.get(self.key) if self.optional else d[self.key]
        return _date(v) if self.kind == "date" else _dt(v)


def _fields(*spec: str) -> tuple[_Field, ...]:
    """``"key[:column][ kind][?]"``: ``?`` marks a key import may find missing."""
    out = []
    for s in spec:
        optional = s.endswith("?")
        names, _, kind = s.rstrip("?").partition(" ")
        key, _, column = names.partition(":")
        if kind not in ("", "date", "time", "user"):
            raise ValueError(f"field {s!r}: unknown kind {kind!r}")
        out.append(_Field(key, column, cast(Kind, kind or "plain"), optional))
    return tuple(out)


def _out(row: Any, fields: Iterable[_Field], who: Who) -> dict[str, Any]:
    return {f.key: f.export(row, who) for f in fields}


def _in(d: Mapping[str, Any], fields: Iterable[_Field], uid: Uid) -> dict[str, Any]:
    """The row's constructor arguments, read in the package's order (a missing key raises KeyError)."""
    return {f.column or f.key: f.read(d, uid) for f in fields}


_OVERRIDE = _fields("question_id", "outcome", "rationale", "by:by_id user", "by_label?", "on:on_date date?")
_PROVENANCE = _fields("question_id", "status", "checked?", "by:by_id user", "by_label?", "on:on_date date?")
_SIGN_OFF = _fields(
    "section",
    "by:by_id user",
    "by_label?",
    "at time",
    "note?",
    "by_name?",
    "by_role?",
    "by_organisation?",
    "open_items?",
)
_REVISION = _fields(
    "number",
    "created_at time",
    "created_by:created_by_id user",
    "comment?",
    "decision",
    "valid_until date?",
    "engine_version",
    "criteria_hash",
    "result",
)
_CLARIFICATION = (
    *_fields("revision_number"),
    _Field("question_id", optional=True, default=None),
    *_fields(
        "text",
        "status",
        "asked_by:asked_by_id user",
        "asked_by_label?",
        "asked_at time",
        "closed_at time?",
        "closed_by:closed_by_id user",
    ),
)
_REPLY = _fields("text", "by:by_id user", "by_label?", "at time")
_ASSESSMENT = _fields(
    "criteria_set",
    "criteria_hash",
    "criteria_hashes",
    "profile",
    "as_of date",
    "current_revision",
    "created_at time",
    "created_by:created_by_id user",
    "updated_at time",
)
_CHECK = _fields("record_index", "state", "checked", "by:by_id user", "by_label", "at time")
_AUDIT = _fields(
    "at time", "actor", "action", "entity_type", "entity_id", "before", "after", "detail", "origin"
)


def package_digest(package: Mapping[str, Any]) -> str:
    """SHA-256 of the package's canonical JSON (sorted keys, no whitespace)."""
    body = {k: v for k, v in package.items() if k not in ("exported_at", "exported_by")}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


# ----------------------------------------------------------------------------- export


def export_product(r: Repos, p: Any, *, exported_at: dt.datetime, exported_by: str) -> dict[str, Any]:
    users: dict[int, User] = {}

    def who(user_id: int | None) -> str | None:
        if user_id is None:
            return None
        u = users.get(user_id) or r.s.get(User, user_id)
        if u is None:  # pragma: no cover - foreign keys prevent this
            return None
        users[user_id] = u
        return u.username

    ev = EvidenceRepo(r.s)
    files: dict[str, dict[str, Any]] = {}

    def cites(submission_id: int) -> list[dict[str, Any]]:
        out = []
        for rec in ev.records(submission_id):
            if rec.sha256 and rec.sha256 not in files:
                f = ev.file(rec.sha256, with_content=True)
                files[f.sha256] = {
                    "sha256": f.sha256,
                    "size": f.size,
                    "media_type": f.media_type,
                    "stored_at": _iso(f.stored_at),
                    "content_base64": base64.b64encode(f.content).decode("ascii"),
                }
            out.append(
                {
                    "record_index": rec.record_index,
                    "path": rec.path,
                    "claimed_sha256": rec.claimed_sha256,
                    "sha256": rec.sha256,
                    "reused": rec.reused,
                }
            )
        return out

    def assessment(a: Any) -> dict[str, Any]:
        revisions = [
            {
                **_out(rev, _REVISION, who),
                "overrides": [_out(o, _OVERRIDE, who) for o in rev.overrides],
                "provenance": [_out(m, _PROVENANCE, who) for m in rev.provenance],
                "sign_offs": [_out(so, _SIGN_OFF, who) for so in rev.sign_offs],
            }
            for rev in r.assessments.revisions(a.id)
        ]
        clarifications = [
            {**_out(c, _CLARIFICATION, who), "replies": [_out(x, _REPLY, who) for x in c.replies]}
            for c in r.clarifications.for_assessment(a.id)
        ]
        return {**_out(a, _ASSESSMENT, who), "revisions": revisions, "clarifications": clarifications}

    versions = []
    for v in p.versions:
        subs = []
        for sub in v.submissions:
            evidence = cites(sub.id)
            checks = [_out(c, _CHECK, who) for c in ev.all_checks(sub.id)]
            assessments = [assessment(a) for a in sub.assessments]
            subs.append(
                {
                    "filename": sub.filename,
                    "sha256": sub.sha256,
                    "size": sub.size,
                    "content": sub.content.decode("utf-8"),
                    "criteria_set": sub.criteria_set,
                    "profile": sub.profile,
                    "submitted_on": _iso(sub.submitted_on),
                    "received_at": _iso(sub.received_at),
                    "received_by": who(sub.received_by_id),
                    "evidence": evidence,
                    "evidence_checks": checks,
                    "assessments": assessments,
                }
            )
        versions.append({"version": v.version, "created_at": _iso(v.created_at), "submissions": subs})
    audit = [_out(e, _AUDIT, who) for e in r.audit.query(product_id=p.id, limit=None, ascending=True)]
    org = p.organisation
    created_by = who(p.created_by_id)
    return {
        "format": FORMAT,
        "exported_at": _iso(exported_at),
        "exported_by": exported_by,
        "organisation": {"name": org.name, "slug": org.slug, "kind": org.kind},
        "product": {
            "name": p.name,
            "manufacturer": p.manufacturer,
            "created_at": _iso(p.created_at),
            "created_by": created_by,
        },
        "users": sorted(
            (
                {
                    "username": u.username,
                    "role": u.role,
                    "display_name": u.display_name,
                    "same_organisation": u.organisation_id == p.organisation_id,
                }
                for u in users.values()
            ),
            key=lambda x: str(x["username"]),
        ),
        "versions": versions,
        "evidence_files": sorted(files.values(), key=lambda f: str(f["sha256"])),
        "audit": audit,
    }


# ----------------------------------------------------------------------------- import


def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise ImportConflict(f"not a valid {FORMAT} package: {msg}")


def import_product(
    r: Repos, package: Mapping[str, Any], *, actor_label: str, actor_id: int | None, now: dt.datetime
) -> Any:
    _require(isinstance(package, Mapping), "expected a JSON object")
    _require(package.get("format") == FORMAT, f"format is {package.get('format')!r}, expected {FORMAT!r}")
    for key in ("organisation", "product", "versions", "users"):
        _require(key in package, f"missing '{key}'")
    digest = package_digest(package)
    origin = f"import:{digest[:16]}"
    org_d, prod_d = package["organisation"], package["product"]

    def audit(action: str, entity_type: str, entity_id: int, organisation_id: int | None, **kw: Any) -> None:
        """The import's own audit entries: by whoever imports, now."""
        r.audit.append(
            at=now,
            actor=actor_label,
            actor_id=actor_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            organisation_id=organisation_id,
            origin=origin,
            **kw,
        )

    org = r.orgs.by_slug(org_d["slug"]) or r.orgs.by_name(org_d["name"])
    if org is None:
        org = r.orgs.add(org_d["name"], kind=org_d.get("kind", "vendor"), now=now)
        audit(
            "organisation.create",
            "organisation",
            org.id,
            org.id,
            after={"name": org.name, "slug": org.slug, "kind": org.kind},
            detail="created by import",
        )
    if r.products.find(org.id, prod_d["name"]) is not None:
        raise ImportConflict(
            f"{org.name} already has a product called {prod_d['name']}; nothing was imported"
        )

    user_ids: dict[str, int] = {}
    for u_d in package["users"]:
        u = r.users.by_username(u_d["username"])
        if u is None:
            role = u_d.get("role", "assessor")
            u = r.users.add(
                User(
                    username=u_d["username"],
                    display_name=u_d.get("display_name", ""),
                    email=None,
                    role=role,
                    organisation_id=org.id if (role == "vendor" or u_d.get("same_organisation")) else None,
                    password_hash=None,
                    disabled=True,
                    created_at=now,
                )
            )
            audit(
                "user.create",
                "user",
                u.id,
                u.organisation_id,
                after={"username": u.username, "role": u.role, "disabled": True, "has_password": False},
                detail="placeholder for a user named in an imported package",
            )
        user_ids[u.username] = u.id

    def uid(name: str | None) -> int | None:
        return user_ids.get(name) if name else None

    p = r.products.add(
        org.id,
        prod_d["name"],
        prod_d["manufacturer"],
        now=_dt(prod_d.get("created_at")) or now,
        by=uid(prod_d.get("created_by")),
    )
    counts = {"versions": 0, "submissions": 0, "assessments": 0, "revisions": 0}
    # Evidence files travel base64-encoded, once each; every one is checked against its SHA-256.
    files: dict[str, dict[str, Any]] = {}
    for f_d in package.get("evidence_files", []):
        try:
            content = base64.b64decode(f_d["content_base64"], validate=True)
        except (KeyError, ValueError, TypeError):
            raise ImportConflict(f"evidence file {f_d.get('sha256')}: content is not valid base64") from None
        digest = hashlib.sha256(content).hexdigest()
        if digest != f_d.get("sha256"):
            raise ImportConflict(
                f"evidence file {str(f_d.get('sha256'))[:12]}…: content does not match its SHA-256 "
                f"({digest[:12]}…); the package was altered"
            )
        files[digest] = {**f_d, "content": content}
    for v_d in package["versions"]:
        v, _ = r.products.version(p, v_d["version"], now=_dt(v_d.get("created_at")) or now)
        counts["versions"] += 1
        for s_d in v_d["submissions"]:
            raw = s_d["content"].encode("utf-8")
            sha = hashlib.sha256(raw).hexdigest()
            if sha != s_d["sha256"]:
                raise ImportConflict(
                    f"submission {s_d['filename']}: content does not match its SHA-256 "
                    f"({sha[:12]}… ≠ {s_d['sha256'][:12]}…); the package was altered"
                )
            sub = r.submissions.add(
                Submission(
                    product_version_id=v.id,
                    filename=s_d["filename"],
                    content=raw,
                    sha256=sha,
                    size=len(raw),
                    criteria_set=s_d["criteria_set"],
                    profile=s_d["profile"],
                    submitted_on=_date(s_d.get("submitted_on")),
                    received_at=_dt(s_d["received_at"]),
                    received_by_id=uid(s_d.get("received_by")),
                )
            )
            counts["submissions"] += 1
            ev = EvidenceRepo(r.s)
            for c_d in s_d.get("evidence", []):
                sha_ = c_d.get("sha256")
                if sha_:
                    f_d = files.get(sha_)
                    if f_d is None:
                        raise ImportConflict(
                            f"not a valid {FORMAT} package: evidence file {sha_} is cited but not in it"
                        )
                    ev.put(
                        f_d["content"], sha_, f_d["media_type"], now=_dt(f_d.get("stored_at")) or now, by=None
                    )
                r.s.add(
                    SubmissionEvidence(
                        submission_id=sub.id,
                        record_index=int(c_d["record_index"]),
                        path=c_d.get("path"),
                        claimed_sha256=c_d.get("claimed_sha256"),
                        sha256=sha_,
                        reused=bool(c_d.get("reused")),
                    )
                )
            for k_d in s_d.get("evidence_checks", []):
                ev.add_check(
                    sub.id,
                    int(k_d["record_index"]),
                    k_d["state"],
                    k_d["checked"],
                    by_id=uid(k_d.get("by")),
                    by_label=k_d.get("by_label", ""),
                    at=_dt(k_d["at"]) or now,
                )
            for a_d in s_d["assessments"]:
                revs = a_d["revisions"]
                _require(bool(revs), "an assessment without revisions")
                a = r.assessments.add(AssessmentRow(submission_id=sub.id, **_in(a_d, _ASSESSMENT, uid)))
                _require(
                    a_d["current_revision"] == max(x["number"] for x in revs),
                    "current_revision is not the last",
                )
                counts["assessments"] += 1
                for rv in revs:
                    rev = r.assessments.add_revision(
                        AssessmentRevision(assessment_id=a.id, **_in(rv, _REVISION, uid))
                    )
                    counts["revisions"] += 1
                    for o in rv.get("overrides", []):
                        r.s.add(OverrideRow(revision_id=rev.id, **_in(o, _OVERRIDE, uid)))
                    for m in rv.get("provenance", []):
                        r.s.add(ProvenanceMark(revision_id=rev.id, **_in(m, _PROVENANCE, uid)))
                    for so in rv.get("sign_offs", []):
                        r.s.add(SignOff(revision_id=rev.id, **_in(so, _SIGN_OFF, uid)))
                for c_d in a_d.get("clarifications", []):
                    c = r.clarifications.add(
                        Clarification(assessment_id=a.id, **_in(c_d, _CLARIFICATION, uid))
                    )
                    for x in c_d.get("replies", []):
                        r.s.add(ClarificationReply(clarification_id=c.id, **_in(x, _REPLY, uid)))
    r.s.flush()
    for e in package.get("audit", []):
        r.audit.append(
            at=_dt(e["at"]) or now,
            actor=e["actor"],
            actor_id=uid(e["actor"]),
            action=e["action"],
            entity_type=e["entity_type"],
            entity_id=e.get("entity_id"),
            organisation_id=org.id,
            product_id=p.id,
            before=e.get("before"),
            after=e.get("after"),
            detail=e.get("detail", ""),
            origin=e.get("origin") or origin,
        )
    audit(
        "product.import",
        "product",
        p.id,
        org.id,
        product_id=p.id,
        after={"name": p.name, "package_sha256": digest, **counts},
        detail=f"imported from a package exported {package.get('exported_at')} by {package.get('exported_by')}",
    )
    return p
