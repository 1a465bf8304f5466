"""Review: reading assessments and their revisions, and saving an assessor's overrides and
verifications as a new revision (the engine re-run with them).

Saves name the revision they started from; if someone saved in between, the save is refused with
:class:`ConcurrentChangeError` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import object_session

from dtac_app.results import Assessment, Override, Verification
from dtac_app.store.errors import ConcurrentChangeError, NotFound, WorkflowError
from dtac_app.store.evidence import EvidenceRepo
from dtac_app.store.models import WHOLE_ASSESSMENT, OverrideRow, ProvenanceMark
from dtac_app.store.models import Assessment as AssessmentRow
from dtac_app.store.repo import Repos
from dtac_app.store.views import Actor, AssessmentView, RevisionSummary

from . import access
from . import views as V
from .evidence import assess_stored
from .intake import new_revision
from .unit import WorkbenchBase, clean_text


def conflict(r: Repos, a: AssessmentRow, expected: int) -> ConcurrentChangeError:
    """The error for a save that started from revision ``expected`` when someone else moved on."""
    current = r.assessments.fresh_current_revision(a.id) or a.current_revision
    who, when = "someone else", ""
    if current != expected:
        try:
            rev = r.assessments.revision(a.id, current)
            who = r.users.label(rev.created_by_id) or who
            when = f" at {rev.created_at:%Y-%m-%d %H:%M} UTC"
        except NotFound:  # pragma: no cover - the counter only moves with a revision
            pass
        msg = (
            f"Assessment {a.id} changed while you were editing it: you started from revision {expected}, "
            f"but {who} saved revision {current}{when}. Your changes were NOT saved. Reload the assessment "
            f"to see theirs, then apply yours again."
        )
    else:
        msg = (
            f"Assessment {a.id} was being changed by someone else at the same moment; your changes were NOT "
            f"saved. Reload the assessment and try again."
        )
    return ConcurrentChangeError(msg, assessment_id=a.id, expected=expected, current=current)


def _check_questions(result: Assessment, items: Mapping[str, object], what: str) -> None:
    for qid in items:
        q = result.question(qid)
        if q is None:
            raise WorkflowError(f"{what} for {qid}: no such question in this assessment")
        if not q.asked:
            raise WorkflowError(f"{what} for {qid}: the question is not asked with these answers")


def _review_state(
    decision: str, revision: int, ov: dict[str, tuple[str, str]], ver: dict[str, str]
) -> dict[str, Any]:
    return {
        "revision": revision,
        "decision": decision,
        "overrides": {q: {"outcome": o, "rationale": why} for q, (o, why) in sorted(ov.items())},
        "verified": dict(sorted(ver.items())),
    }


def _changed(
    before: dict[str, Any],
    after: dict[str, Any],
    added: Callable[[str], str],
    removed: Callable[[str], str],
    changed: Callable[[str], str],
) -> list[str]:
    """One phrase per question whose entry was added, removed or changed, in question order."""
    out = []
    for q in sorted(set(before) | set(after)):
        if q not in before:
            out.append(added(q))
        elif q not in after:
            out.append(removed(q))
        elif before[q] != after[q]:
            out.append(changed(q))
    return out


def _describe_changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    bo, ao = before["overrides"], after["overrides"]
    bv, av = before["verified"], after["verified"]
    parts = _changed(
        bo,
        ao,
        added=lambda q: f"override {q} → {ao[q]['outcome']}",
        removed=lambda q: f"override {q} removed",
        changed=lambda q: f"override {q} {bo[q]['outcome']} → {ao[q]['outcome']}",
    ) + _changed(
        bv,
        av,
        added=lambda q: f"verified {q}",
        removed=lambda q: f"verification of {q} removed",
        changed=lambda q: f"verification of {q} changed",
    )
    if before["decision"] != after["decision"]:
        parts.append(f"decision {before['decision']} → {after['decision']}")
    return f"revision {before['revision']} → {after['revision']}: " + (
        "; ".join(parts) or "no changes to overrides or verifications"
    )


class Review(WorkbenchBase):
    def get_assessment(
        self, actor: Actor, assessment_id: int, *, revision: int | None = None
    ) -> AssessmentView:
        """The current revision (or any earlier one) with its result, overrides and sign-offs."""
        with self._unit(actor) as u:
            a, _ = u.assessment(assessment_id)
            rev = u.r.assessments.revision(a.id, revision or a.current_revision)
            return V.assessment_view(u.r, a, rev)

    def current_results(
        self, actor: Actor, assessment_ids: list[int]
    ) -> dict[int, tuple[int, dict[str, Any]]]:
        """For many assessments at once: ``{id: (current revision, result as JSON data)}``.

        One query for the portfolio and calendar instead of one per product. Assessments the
        actor may not see are left out (a vendor gets only its own organisation's)."""
        if not assessment_ids:
            return {}
        with self._unit(actor) as u:
            return u.r.assessments.current_results(assessment_ids, access.organisation_scope(u.act))

    def list_revisions(self, actor: Actor, assessment_id: int) -> list[RevisionSummary]:
        with self._unit(actor) as u:
            a, _ = u.assessment(assessment_id)
            out = []
            for rev in u.r.assessments.revisions(a.id):
                signs = {so.section: so for so in rev.sign_offs}
                whole = signs.pop(WHOLE_ASSESSMENT, None)
                out.append(
                    RevisionSummary(
                        number=rev.number,
                        created_at=rev.created_at,
                        created_by=u.r.users.label(rev.created_by_id),
                        comment=rev.comment,
                        decision=rev.decision,
                        valid_until=rev.valid_until,
                        criteria_hash=rev.criteria_hash,
                        overrides=len(rev.overrides),
                        verified=sum(1 for m in rev.provenance if m.status == "verified"),
                        sections_signed=tuple(sorted(signs)),
                        signed_off=V.sign_off_view(whole) if whole else None,
                    )
                )
            return out

    def save_review(
        self,
        actor: Actor,
        assessment_id: int,
        expected_revision: int,
        *,
        overrides: Mapping[str, Override],
        verifications: Mapping[str, Verification],
        comment: str = "",
        evidence_checks: Mapping[int, tuple[str, str]] | None = None,
    ) -> AssessmentView:
        """Save an assessor's review as a new revision: the complete set of overrides and
        verifications (questions left out have none). Re-runs the engine with them.

        ``evidence_checks`` records assessors' checks of evidence documents in the same change:
        ``{record index: ("verified" or "problem", what was checked)}`` (see ``check_evidence``).

        ``expected_revision`` is the revision the assessor was looking at; if another save came
        first, :class:`ConcurrentChangeError` is raised and nothing is written. Saving after
        sign-off is allowed and makes a new, unsigned revision (the signed one is kept as it was)."""
        comment = clean_text(comment, "the comment", required=False)
        with self._unit(actor, write=True) as u:
            r, act, t = u.r, u.act, u.t
            access.require_role(act, "assessor", "admin", doing="review assessments")
            a, product = u.assessment(assessment_id)
            if a.current_revision != expected_revision:
                raise conflict(r, a, expected_revision)
            prev = r.assessments.revision(a.id, expected_revision)
            prev_result = Assessment.model_validate(prev.result)
            _check_questions(prev_result, overrides, "override")
            _check_questions(prev_result, verifications, "verification")
            label = access.actor_label(act)
            old_ov = {o.question_id: o for o in prev.overrides}
            old_ver = {m.question_id: m for m in prev.provenance if m.status == "verified"}
            new_ov: dict[str, Override] = {}
            for qid, ov in sorted(overrides.items()):
                ov = Override.model_validate(ov) if not isinstance(ov, Override) else ov
                clean_text(ov.rationale, f"the rationale for {qid}")
                o = old_ov.get(qid)
                if o is not None and o.outcome == ov.outcome and o.rationale == ov.rationale:
                    new_ov[qid] = Override(
                        outcome=ov.outcome, rationale=ov.rationale, by=o.by_label, on=o.on_date
                    )
                else:
                    new_ov[qid] = Override(outcome=ov.outcome, rationale=ov.rationale, by=label, on=t.date())
            new_ver: dict[str, Verification] = {}
            for qid, ver in sorted(verifications.items()):
                ver = Verification.model_validate(ver) if not isinstance(ver, Verification) else ver
                clean_text(ver.checked, f"what was checked for {qid}")
                m = old_ver.get(qid)
                if m is not None and m.checked == ver.checked.strip():
                    new_ver[qid] = Verification(checked=m.checked, by=m.by_label, on=m.on_date)
                else:
                    new_ver[qid] = Verification(checked=ver.checked.strip(), by=label, on=t.date())
            ev_checks = {}
            for index, (state, what) in sorted((evidence_checks or {}).items()):
                if not 0 <= index < len(prev_result.evidence):
                    raise WorkflowError(f"assessment {assessment_id} has no evidence record {index + 1}")
                what = clean_text(what, f"what was checked for evidence {index + 1}")
                EvidenceRepo(u.s).add_check(
                    a.submission_id, index, state, what, by_id=act.id, by_label=label, at=t
                )
                ev_checks[f"E{index + 1}"] = f"{state}: {what}"
            result = self._evaluate(a, new_ov, new_ver)
            number = expected_revision + 1
            if not r.assessments.advance(a.id, expected_revision, number, t):
                raise conflict(r, a, expected_revision)
            rev = new_revision(u, a.id, number, result, comment)
            user_ids = {label: act.id}
            for qid, ov in new_ov.items():
                r.assessments.add_override(
                    OverrideRow(
                        revision_id=rev.id,
                        question_id=qid,
                        outcome=ov.outcome,
                        rationale=ov.rationale,
                        by_id=user_ids.get(ov.by, old_ov[qid].by_id if qid in old_ov else None),
                        by_label=ov.by,
                        on_date=ov.on,
                    )
                )
            for qid, ver in new_ver.items():
                r.assessments.add_provenance(
                    ProvenanceMark(
                        revision_id=rev.id,
                        question_id=qid,
                        status="verified",
                        checked=ver.checked,
                        by_id=user_ids.get(ver.by, old_ver[qid].by_id if qid in old_ver else None),
                        by_label=ver.by,
                        on_date=ver.on,
                    )
                )
            u.s.flush()
            was_signed = expected_revision in r.assessments.signed_revisions(a.id)
            before = _review_state(
                prev.decision,
                expected_revision,
                {q: (o.outcome, o.rationale) for q, o in old_ov.items()},
                {q: m.checked for q, m in old_ver.items()},
            )
            after = _review_state(
                result.decision,
                number,
                {q: (o.outcome, o.rationale) for q, o in new_ov.items()},
                {q: v.checked for q, v in new_ver.items()},
            )
            changes = _describe_changes(before, after)
            if ev_checks:
                after["evidence_checks"] = ev_checks
                changes += "; " + "; ".join(f"evidence {ref} {c}" for ref, c in ev_checks.items())
            if was_signed:
                changes += f"; revision {expected_revision} was signed off and stays as it was: revision {number} needs its own sign-off"
            u.audit(
                "assessment.save",
                "assessment",
                a.id,
                of=product,
                before=before,
                after=after,
                detail=changes,
            )
        return self.get_assessment(actor, assessment_id, revision=number)

    def _evaluate(
        self, a: AssessmentRow, overrides: Mapping[str, Override], verifications: Mapping[str, Verification]
    ) -> Assessment:
        _, result = assess_stored(
            object_session(a),  # type: ignore[arg-type]
            a.submission,
            self.catalogue,
            as_of=a.as_of,
            profile=a.profile,
            overrides=overrides,
            verifications=verifications,
        )
        if result.criteria.set != a.criteria_set:  # pragma: no cover - the stored file names its set
            raise WorkflowError(
                f"the submission now assesses under {result.criteria.set}, not {a.criteria_set}"
            )
        return result
