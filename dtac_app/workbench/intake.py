"""Intake: products, submissions as received, and their first assessment.

A submission file is stored byte for byte with its SHA-256, assessed, and the result stored as
revision 1 of a new assessment. Products and versions are created on first sight (audited).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from dtac_app.engine import assess
from dtac_app.errors import InputError
from dtac_app.provenance import DocumentState
from dtac_app.results import Assessment
from dtac_app.store.errors import AccessDenied
from dtac_app.store.evidence import EvidenceRepo
from dtac_app.store.limits import column_length, text_problem
from dtac_app.store.models import Assessment as AssessmentRow
from dtac_app.store.models import AssessmentRevision, Product, ProductVersion, Submission, SubmissionEvidence
from dtac_app.store.views import (
    Actor,
    AssessmentView,
    ProductDetail,
    ProductSummary,
    SubmissionView,
    UserView,
    VersionView,
)
from dtac_app.submission_io import Intake as Upload
from dtac_app.submission_io import read_upload
from dtac_app.vocabulary import PROFILES

from . import access
from . import views as V
from .evidence import assess_stored
from .organisations import audit_new_organisation
from .unit import MAX_TEXT, Unit, WorkbenchBase, clean_text


def _check_storable(name: str, intake: Upload) -> None:
    """Refuse, naming the field, any text from the file that its column could not hold (the
    submission's own checks allow what any YAML string can carry, NUL included)."""
    sub = intake.submission
    fields: list[tuple[str, str | None, object]] = [
        ("product.name", sub.product.name, Product.name),
        ("product.manufacturer", sub.product.manufacturer, Product.manufacturer),
        ("product.version", sub.product.version, ProductVersion.version),
    ]
    fields += [(f"evidence[{i}].file", ev.file, SubmissionEvidence.path) for i, ev in enumerate(sub.evidence)]
    if intake.document_name != name:
        fields.append(("document in the ZIP", intake.document_name, Submission.filename))
    for field, value, column in fields:
        if value and (problem := text_problem(value, limit=column_length(column))):
            raise InputError(name, field, problem)


def criteria_digest(hashes: Mapping[str, str]) -> str:
    """One SHA-256 over the content hashes of every criteria file an assessment used."""
    return hashlib.sha256(json.dumps(dict(hashes), sort_keys=True).encode()).hexdigest()


def new_revision(
    u: Unit, assessment_id: int, number: int, result: Assessment, comment: str
) -> AssessmentRevision:
    """Store ``result`` as revision ``number`` of an assessment."""
    return u.r.assessments.add_revision(
        AssessmentRevision(
            assessment_id=assessment_id,
            number=number,
            created_at=u.t,
            created_by_id=u.act.id,
            comment=comment.strip()[:MAX_TEXT],
            decision=result.decision,
            valid_until=result.valid_until,
            engine_version=result.engine_version,
            criteria_hash=criteria_digest(result.criteria.hashes),
            result=result.model_dump(mode="json", by_alias=True),
        )
    )


class Intake(WorkbenchBase):
    def list_products(self, actor: Actor) -> list[ProductSummary]:
        """Products the user may see (a vendor: its own organisation's), each with its latest result."""
        with self._unit(actor) as u:
            products = u.r.products.list(access.organisation_scope(u.act))
            heads = [
                a for p in products for v in p.versions for sub in v.submissions for a in sub.assessments
            ]
            summaries = V.summaries(u.r, heads)
            return [V.product_summary(p, summaries) for p in products]

    def get_product(self, actor: Actor, product_id: int) -> ProductDetail:
        with self._unit(actor) as u:
            p = u.product(product_id)
            heads = [a for v in p.versions for sub in v.submissions for a in sub.assessments]
            summaries = V.summaries(u.r, heads)
            base = V.product_summary(p, summaries)
            versions = tuple(
                VersionView(
                    v.id, v.version, tuple(V.submission_summary(sub, summaries) for sub in v.submissions)
                )
                for v in p.versions
            )
            return ProductDetail(
                **{f: getattr(base, f) for f in base.__dataclass_fields__}, version_details=versions
            )

    def get_submission(self, actor: Actor, submission_id: int) -> SubmissionView:
        """The vendor's file exactly as received, with its SHA-256."""
        with self._unit(actor) as u:
            sub, p = u.submission(submission_id)
            return SubmissionView(
                id=sub.id,
                product_id=p.id,
                product_name=p.name,
                version=sub.product_version.version,
                organisation_id=p.organisation_id,
                filename=sub.filename,
                sha256=sub.sha256,
                size=sub.size,
                content=sub.content,
                criteria_set=sub.criteria_set,
                profile=sub.profile,
                submitted_on=sub.submitted_on,
                received_at=sub.received_at,
                received_by=V.label(sub.received_by) if sub.received_by_id else "",
            )

    def submit(
        self,
        actor: Actor,
        file: str | bytes,
        filename: str,
        *,
        organisation_id: int | None = None,
        as_of: dt.date | None = None,
        profile: str | None = None,
        comment: str = "",
        evidence_dir: Path | None = None,
    ) -> AssessmentView:
        """Store a submission file as received, assess it, and store the assessment (revision 1).

        ``file`` is a YAML/JSON submission or a ZIP holding one plus its evidence files; every
        evidence file that arrives is kept in the evidence store (once per SHA-256). ``evidence_dir``
        (the command line and the examples only) looks the files up in a folder on disk instead.

        A vendor submits for its own organisation (``organisation_id`` None or its own). An
        assessor or admin names the vendor organisation, or leaves it None to file the product under
        an organisation named after the submission's manufacturer (created if needed).
        Bad files raise :class:`dtac_app.errors.InputError` and nothing is stored."""
        raw = file.encode("utf-8") if isinstance(file, str) else bytes(file)
        name = Path(filename or "submission.yaml").name[:500]
        if problem := text_problem(name):
            shown = name.encode("unicode_escape").decode("ascii")
            raise InputError(shown, "file name", f"{problem} (rename the file)")
        if profile is not None and profile not in PROFILES:
            raise InputError(name, "profile", f"'{profile}' is not a profile; use dtac or nice-lbp")
        comment = clean_text(comment, "the note for the assessors", required=False)
        # The one intake path: a YAML/JSON file, or a ZIP with the submission and its evidence.
        intake = read_upload(name, raw, self.catalogue, folder=evidence_dir)
        sub = intake.submission
        _check_storable(name, intake)
        t = self._now()
        day = as_of or t.date()
        with self._unit(actor, write=True, now=t) as u:
            r, act = u.r, u.act
            # Which organisation?
            if isinstance(act, UserView) and act.role == "vendor":
                if organisation_id is not None and organisation_id != act.organisation_id:
                    raise AccessDenied(f"{act.username} may only submit for their own organisation")
                org = r.orgs.get(act.organisation_id or 0)
            elif organisation_id is not None:
                org = r.orgs.get(organisation_id)
            else:
                # Get or create: several first submissions at once all end up with the same row.
                org, org_created = r.orgs.get_or_add(sub.product.manufacturer, kind="vendor", now=t)
                if org_created:
                    audit_new_organisation(u, org)
            product, created = r.products.get_or_add(
                org.id, sub.product.name, sub.product.manufacturer, now=t, by=act.id
            )
            if created:
                u.audit(
                    "product.create",
                    "product",
                    product.id,
                    of=product,
                    after={"name": product.name, "manufacturer": product.manufacturer},
                )
            version, created = r.products.version(product, sub.product.version, now=t)
            if created:
                u.audit(
                    "version.create",
                    "product_version",
                    version.id,
                    of=product,
                    after={"version": version.version},
                )
            # Evidence files that did not arrive but that this organisation sent before are reused
            # by hash (a re-submission sends only what changed); the rest stay asserted.
            ev = EvidenceRepo(u.s)
            reusable = ev.reusable(org.id, sub, intake)
            documents: dict[int, DocumentState] = {
                i: ("received" if s == "received" or i in reusable else "asserted")
                for i, s in intake.states().items()
            }
            result = assess(sub, self.catalogue, as_of=day, profile=profile, documents=documents)
            doc = intake.document
            row = r.submissions.add(
                Submission(
                    product_version_id=version.id,
                    filename=intake.document_name[:500],
                    content=doc,
                    sha256=hashlib.sha256(doc).hexdigest(),
                    size=len(doc),
                    criteria_set=sub.criteria,
                    profile=sub.profile,
                    submitted_on=sub.submitted_on,
                    received_at=t,
                    received_by_id=act.id,
                )
            )
            stored = ev.store_intake(row, intake, reusable=reusable, now=t, by=act.id)
            u.audit(
                "submission.create",
                "submission",
                row.id,
                of=product,
                after={
                    "filename": row.filename,
                    "upload": name,
                    "sha256": row.sha256,
                    "size": row.size,
                    "version": version.version,
                    "evidence_received": len(stored.received),
                    "evidence_reused": len(stored.reused),
                    "evidence_asserted": len(sub.evidence) - len(stored.received) - len(stored.reused),
                    "evidence_files_new": stored.new_files,
                },
            )
            a_id = self._create_assessment(u, row, result, day, comment=comment, product=product).id
        return self.get_assessment(actor, a_id, revision=1)

    def assess_submission(
        self,
        actor: Actor,
        submission_id: int,
        *,
        as_of: dt.date | None = None,
        profile: str | None = None,
        comment: str = "",
    ) -> AssessmentView:
        """A new assessment of a stored submission (e.g. on a later date or under another profile)."""
        with self._unit(actor, write=True) as u:
            day = as_of or u.t.date()
            row, product = u.submission(submission_id)
            _, result = assess_stored(u.s, row, self.catalogue, as_of=day, profile=profile or row.profile)
            a_id = self._create_assessment(u, row, result, day, comment=comment, product=product).id
        return self.get_assessment(actor, a_id, revision=1)

    def _create_assessment(
        self,
        u: Unit,
        row: Submission,
        result: Assessment,
        day: dt.date,
        *,
        comment: str,
        product: Product,
    ) -> AssessmentRow:
        digest = criteria_digest(result.criteria.hashes)
        a = u.r.assessments.add(
            AssessmentRow(
                submission_id=row.id,
                criteria_set=result.criteria.set,
                criteria_hash=digest,
                criteria_hashes=dict(result.criteria.hashes),
                profile=result.profile,
                as_of=day,
                current_revision=1,
                created_at=u.t,
                created_by_id=u.act.id,
                updated_at=u.t,
            )
        )
        new_revision(u, a.id, 1, result, comment)
        u.audit(
            "assessment.create",
            "assessment",
            a.id,
            of=product,
            after={
                "revision": 1,
                "submission_id": row.id,
                "criteria_set": a.criteria_set,
                "criteria_hash": digest,
                "profile": a.profile,
                "as_of": day.isoformat(),
                "decision": result.decision,
            },
        )
        return a
