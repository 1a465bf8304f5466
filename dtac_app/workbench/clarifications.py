"""Clarifications: an assessor asks the vendor something, the vendor replies, the assessor closes it."""

from __future__ import annotations

from typing import Any

from dtac_app.results import Assessment
from dtac_app.store.errors import WorkflowError
from dtac_app.store.models import Clarification, ClarificationReply, Product
from dtac_app.store.views import Actor, ClarificationView

from . import access
from .unit import Unit, WorkbenchBase, clean_text
from .views import clarification_view


class Clarifications(WorkbenchBase):
    def request_clarification(
        self, actor: Actor, assessment_id: int, text: str, *, question_id: str | None = None
    ) -> ClarificationView:
        """Assessor asks the vendor something (about one question, or in general)."""
        body = clean_text(text, "a clarification request")
        with self._unit(actor, write=True) as u:
            r = u.r
            access.require_role(u.act, "assessor", "admin", doing="request clarifications")
            a = r.assessments.get(assessment_id)
            product = a.submission.product_version.product
            qid = question_id.strip() if question_id else None
            if qid:
                result = Assessment.model_validate(r.assessments.revision(a.id, a.current_revision).result)
                if result.question(qid) is None:
                    raise WorkflowError(f"{qid}: no such question in this assessment")
            c = r.clarifications.add(
                Clarification(
                    assessment_id=a.id,
                    revision_number=a.current_revision,
                    question_id=qid,
                    text=body,
                    status="open",
                    asked_by_id=u.act.id,
                    asked_by_label=access.actor_label(u.act),
                    asked_at=u.t,
                )
            )
            _audit(
                u,
                "request",
                c,
                product,
                None,
                {"assessment_id": a.id, "question_id": qid, "text": body, "status": "open"},
            )
            c_id = c.id
        return self._clarification(actor, c_id)

    def reply_clarification(self, actor: Actor, clarification_id: int, text: str) -> ClarificationView:
        """The vendor (or an assessor, following up) replies. A vendor's reply marks it answered."""
        body = clean_text(text, "a reply")
        with self._unit(actor, write=True) as u:
            c, product = u.clarification(clarification_id)
            if c.status == "closed":
                raise WorkflowError(f"clarification {clarification_id} is closed")
            before = c.status
            reply = u.r.clarifications.add_reply(
                ClarificationReply(
                    clarification_id=c.id,
                    text=body,
                    by_id=u.act.id,
                    by_label=access.actor_label(u.act),
                    at=u.t,
                )
            )
            c.status = "answered" if u.act.role == "vendor" else "open"
            _audit(u, "reply", c, product, before, {"status": c.status, "reply_id": reply.id, "text": body})
        return self._clarification(actor, clarification_id)

    def close_clarification(self, actor: Actor, clarification_id: int) -> ClarificationView:
        with self._unit(actor, write=True) as u:
            access.require_role(u.act, "assessor", "admin", doing="close clarifications")
            c = u.r.clarifications.get(clarification_id)
            product = c.assessment.submission.product_version.product
            if c.status == "closed":
                raise WorkflowError(f"clarification {clarification_id} is already closed")
            before = c.status
            c.status, c.closed_at, c.closed_by_id = "closed", u.t, u.act.id
            _audit(u, "close", c, product, before, {"status": "closed"})
        return self._clarification(actor, clarification_id)

    def list_clarifications(self, actor: Actor, assessment_id: int) -> list[ClarificationView]:
        with self._unit(actor) as u:
            a, _ = u.assessment(assessment_id)
            return [clarification_view(c) for c in u.r.clarifications.for_assessment(a.id)]

    def _clarification(self, actor: Actor, clarification_id: int) -> ClarificationView:
        with self._unit(actor) as u:
            c, _ = u.clarification(clarification_id)
            return clarification_view(c)


def _audit(
    u: Unit, action: str, c: Clarification, product: Product, before: str | None, after: dict[str, Any]
) -> None:
    """Audit a change to a clarification, with its status before (None when it is new)."""
    u.audit(
        f"clarification.{action}",
        "clarification",
        c.id,
        of=product,
        before=None if before is None else {"status": before},
        after=after,
    )
