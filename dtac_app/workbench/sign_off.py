"""Sign-off: each section (C1 … D1) of the current revision, then the whole revision.

A signed-off revision never changes; a later save makes a new revision needing its own sign-off.
Signing off the whole revision is guarded: the signer confirms the decision they are signing
(refused if the revision says something else), and a revision with items missing or
clarifications open is refused unless the signer records why. The signer's display name, role
and organisation are recorded as they are at that moment.
"""

from __future__ import annotations

from dtac_app.results import Assessment
from dtac_app.store.errors import ConcurrentChangeError, SignedOffError, WorkflowError
from dtac_app.store.limits import checked
from dtac_app.store.models import WHOLE_ASSESSMENT, AssessmentRevision, Product, SignOff
from dtac_app.store.models import Assessment as AssessmentRow
from dtac_app.store.views import Actor, AssessmentView, UserView
from dtac_app.vocabulary import decision_label

from . import access
from .review import conflict
from .unit import MAX_TEXT, Unit, WorkbenchBase, clean_text
from .views import sections_to_sign


def _lock_current(
    u: Unit, assessment_id: int, expected: int
) -> tuple[AssessmentRow, AssessmentRevision, Product]:
    r = u.r
    a, product = u.assessment(assessment_id)
    if a.current_revision != expected:
        raise conflict(r, a, expected)
    # Touch the head row: serialises with concurrent saves (row lock on PostgreSQL).
    if not r.assessments.advance(a.id, expected, expected, u.t):
        raise conflict(r, a, expected)
    return a, r.assessments.revision(a.id, expected), product


MIN_REASON = 10


def _signer(u: Unit, role: str, organisation: str | None) -> tuple[str, str, str]:
    """(display name, role, organisation) as recorded on a sign-off."""
    act = u.act
    name = act.label if isinstance(act, UserView) else access.actor_label(act)
    own = (act.organisation_name or "") if isinstance(act, UserView) else ""
    org = own if organisation is None else organisation
    return name.strip()[:200], (role.strip() or "Assessor")[:200], org.strip()[:300]


def _check_typed(note: str, role: str, organisation: str | None, reason: str = "") -> None:
    """What the signer typed, refused by name if it cannot be stored (see :mod:`dtac_app.store.limits`)."""
    clean_text(note, "the note", required=False)
    checked(role, SignOff.by_role, "your role")
    if organisation is not None:
        checked(organisation, SignOff.by_organisation, "the organisation")
    clean_text(reason, "why you are signing off now", required=False)


def open_items(result: Assessment, open_clarifications: int) -> list[str]:
    """What is still open in a revision, in words (empty when nothing is)."""
    out: list[str] = []
    missing = [q.id for q in result.questions if q.asked and q.outcome == "missing"]
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        out.append(f"{len(missing)} question{'s' if len(missing) > 1 else ''} missing ({shown})")
    elif result.decision == "incomplete":
        out.append("the decision is Incomplete")
    if open_clarifications:
        out.append(
            f"{open_clarifications} clarification request{'s' if open_clarifications > 1 else ''} open"
        )
    return out


def _add_sign_off(
    u: Unit,
    rev: AssessmentRevision,
    section: str,
    note: str,
    *,
    role: str = "",
    organisation: str | None = None,
    open_items: str = "",
) -> None:
    name, role_, org = _signer(u, role, organisation)
    added = u.r.assessments.add_sign_off(
        SignOff(
            revision_id=rev.id,
            section=section,
            by_id=u.act.id,
            by_label=access.actor_label(u.act),
            at=u.t,
            note=note.strip()[:MAX_TEXT],
            by_name=name,
            by_role=role_,
            by_organisation=org,
            open_items=open_items.strip()[:MAX_TEXT],
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
        self,
        actor: Actor,
        assessment_id: int,
        expected_revision: int,
        section: str,
        *,
        note: str = "",
        role: str = "",
        organisation: str | None = None,
    ) -> AssessmentView:
        """Sign off one section (C1 … D1) of the current revision."""
        _check_typed(note, role, organisation)
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
            _add_sign_off(u, rev, sec, note, role=role, organisation=organisation)
            u.audit(
                "assessment.section_sign_off",
                "assessment",
                a.id,
                of=product,
                after={"revision": rev.number, "section": sec, "note": note.strip()},
                detail=f"section {sec} of revision {rev.number} signed off",
            )
        return self.get_assessment(actor, assessment_id, revision=expected_revision)

    def sign_off(
        self,
        actor: Actor,
        assessment_id: int,
        expected_revision: int,
        *,
        decision: str | None = None,
        note: str = "",
        role: str = "",
        organisation: str | None = None,
        open_items_reason: str = "",
    ) -> AssessmentView:
        """Sign off the whole current revision; every section must be signed off first. A
        signed-off revision never changes; a later save makes a new revision needing its own sign-off.

        ``decision`` is the decision the signer confirms (its code, e.g. ``"available"``): refused
        unless it is the revision's. With items missing or clarifications open, refused unless
        ``open_items_reason`` says why (at least 10 characters). ``role`` and ``organisation``
        (default: the account's) are recorded with the signer's display name.
        """
        _check_typed(note, role, organisation, open_items_reason)
        with self._unit(actor, write=True) as u:
            access.require_role(u.act, "assessor", "admin", doing="sign off")
            a, rev, product = _lock_current(u, assessment_id, expected_revision)
            signs = {so.section: so for so in rev.sign_offs}
            if WHOLE_ASSESSMENT in signs:
                w = signs[WHOLE_ASSESSMENT]
                raise SignedOffError(
                    f"revision {rev.number} is already signed off by {w.by_label} on {w.at:%Y-%m-%d}"
                )
            result = Assessment.model_validate(rev.result)
            missing = [sec for sec in sections_to_sign(result) if sec not in signs]
            if missing:
                raise WorkflowError(
                    f"sign off every section first: {', '.join(missing)} not signed off in revision {rev.number}"
                )
            label = decision_label(rev.decision)
            if decision is None or not decision.strip():
                raise WorkflowError(
                    f"confirm the decision you are signing off: revision {rev.number} says “{label}”"
                )
            if decision.strip() != rev.decision:
                said = decision_label(decision.strip())
                raise WorkflowError(
                    f"you confirmed “{said}”, but revision {rev.number} says “{label}”: nothing was signed; "
                    "look at the revision again"
                )
            still_open = open_items(result, u.r.assessments.open_clarifications(a.id))
            reason = open_items_reason.strip()
            if still_open and len(reason) < MIN_REASON:
                raise WorkflowError(
                    f"revision {rev.number} has {' and '.join(still_open)}: answer or close them first, or record "
                    f"why you are signing off now (at least {MIN_REASON} characters)"
                )
            _add_sign_off(
                u,
                rev,
                WHOLE_ASSESSMENT,
                note,
                role=role,
                organisation=organisation,
                open_items=f"{'; '.join(still_open)}. {reason}" if still_open else "",
            )
            name, role_, org = _signer(u, role, organisation)
            u.audit(
                "assessment.sign_off",
                "assessment",
                a.id,
                of=product,
                after={
                    "revision": rev.number,
                    "decision": rev.decision,
                    "note": note.strip(),
                    "signer": {"name": name, "role": role_, "organisation": org},
                    "open_items": still_open,
                    "open_items_reason": reason if still_open else "",
                },
                detail=f"revision {rev.number} signed off: {label}",
            )
        return self.get_assessment(actor, assessment_id, revision=expected_revision)
