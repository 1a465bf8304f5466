"""Sign-off: each section (C1 … D1) of the current revision, then the whole revision.

A signed-off revision never changes; a later save makes a new revision needing its own sign-off.
"""

from __future__ import annotations

from dtac_app.results import Assessment
from dtac_app.store.errors import ConcurrentChangeError, SignedOffError, WorkflowError
from dtac_app.store.models import WHOLE_ASSESSMENT, AssessmentRevision, Product, SignOff
from dtac_app.store.models import Assessment as AssessmentRow
from dtac_app.store.views import Actor, AssessmentView
from dtac_app.vocabulary import decision_label

from . import access
from .review import conflict
from .unit import MAX_TEXT, Unit, WorkbenchBase
from .views import sections_to_sign


def _lock_current(
    u: Unit, assessment_id: int, expected: int
) -> tuple[AssessmentRow, AssessmentRevision, Product]:
    r = u.r
    a, product = u.assessment(assessment_id, doing=f"sign off assessment {assessment_id}")
    if a.current_revision != expected:
        raise conflict(r, a, expected)
    # Touch the head row: serialises with concurrent saves (row lock on PostgreSQL).
    if not r.assessments.advance(a.id, expected, expected, u.t):
        raise conflict(r, a, expected)
    return a, r.assessments.revision(a.id, expected), product


def _add_sign_off(u: Unit, rev: AssessmentRevision, section: str, note: str) -> None:
    added = u.r.assessments.add_sign_off(
        SignOff(
            revision_id=rev.id,
            section=section,
            by_id=u.act.id,
            by_label=access.actor_label(u.act),
            at=u.t,
            note=note.strip()[:MAX_TEXT],
        )
    )
    if not added:
        raise ConcurrentChangeError(
            f"someone else signed off {'revision' if section == WHOLE_ASSESSMENT else 'section ' + section} "
            f"of assessment {rev.assessment_id} revision {rev.number} at the same moment; reload to see it",
            assessment_id=rev.assessment_id,
            expected=rev.number,
            current=rev.number,
        )


class SignOffs(WorkbenchBase):
    def sign_off_section(
        self, actor: Actor, assessment_id: int, expected_revision: int, section: str, *, note: str = ""
    ) -> AssessmentView:
        """Sign off one section (C1 … D1) of the current revision."""
        with self._unit(actor, write=True) as u:
            access.require_role(u.act, "assessor", "admin", doing="sign off")
            a, rev, product = _lock_current(u, assessment_id, expected_revision)
            sections = sections_to_sign(Assessment.model_validate(rev.result))
            sec = section.strip().upper()
            if sec not in sections:
                raise WorkflowError(
                    f"{section}: not a section of this assessment (sections: {', '.join(sections)})"
                )
            signs = {so.section: so for so in rev.sign_offs}
            if WHOLE_ASSESSMENT in signs:
                w = signs[WHOLE_ASSESSMENT]
                raise SignedOffError(
                    f"revision {rev.number} was signed off by {w.by_label} on {w.at:%Y-%m-%d} and cannot change"
                )
            if sec in signs:
                raise WorkflowError(
                    f"section {sec} of revision {rev.number} is already signed off by {signs[sec].by_label}"
                )
            _add_sign_off(u, rev, sec, note)
            u.audit(
                "assessment.section_sign_off",
                "assessment",
                a.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                after={"revision": rev.number, "section": sec, "note": note.strip()},
                detail=f"section {sec} of revision {rev.number} signed off",
            )
        return self.get_assessment(actor, assessment_id, revision=expected_revision)

    def sign_off(
        self, actor: Actor, assessment_id: int, expected_revision: int, *, note: str = ""
    ) -> AssessmentView:
        """Sign off the whole current revision; every section must be signed off first. A
        signed-off revision never changes; a later save makes a new revision needing its own sign-off."""
        with self._unit(actor, write=True) as u:
            access.require_role(u.act, "assessor", "admin", doing="sign off")
            a, rev, product = _lock_current(u, assessment_id, expected_revision)
            signs = {so.section: so for so in rev.sign_offs}
            if WHOLE_ASSESSMENT in signs:
                w = signs[WHOLE_ASSESSMENT]
                raise SignedOffError(
                    f"revision {rev.number} is already signed off by {w.by_label} on {w.at:%Y-%m-%d}"
                )
            missing = [
                sec for sec in sections_to_sign(Assessment.model_validate(rev.result)) if sec not in signs
            ]
            if missing:
                raise WorkflowError(
                    f"sign off every section first: {', '.join(missing)} not signed off in revision {rev.number}"
                )
            _add_sign_off(u, rev, WHOLE_ASSESSMENT, note)
            u.audit(
                "assessment.sign_off",
                "assessment",
                a.id,
                organisation_id=product.organisation_id,
                product_id=product.id,
                after={"revision": rev.number, "decision": rev.decision, "note": note.strip()},
                detail=f"revision {rev.number} signed off: {decision_label(rev.decision)}",
            )
        return self.get_assessment(actor, assessment_id, revision=expected_revision)
