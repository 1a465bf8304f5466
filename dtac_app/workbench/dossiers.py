"""Dossiers for stored assessments: the Workbench checks access, the dossier package renders."""

from __future__ import annotations

from collections.abc import Iterable

from dtac_app.dossier import FORMATS, build_dossier, dossier_basename
from dtac_app.dossier.content import SignOff
from dtac_app.store.views import Actor, AssessmentView

from .facade import Workbench
from .keys import configured_signing_key


def signoffs_for(view: AssessmentView) -> list[SignOff]:
    """The revision's sign-offs as dossier signatures (the whole revision first, then sections).
    Only the whole revision's sign-off says which items were still open when it was signed."""
    whole = view.signed_off
    signed = [("", whole, whole.open_items)] if whole else []
    signed += [(sec, so, "") for sec, so in sorted(view.section_sign_offs.items())]
    return [
        SignOff(
            assessor=so.signer,
            role=so.role or "Assessor",
            organisation=so.organisation,
            date=so.at.date(),
            section=section,
            note=so.note,
            open_items=open_items,
        )
        for section, so, open_items in signed
    ]


def stored_dossier(
    wf: Workbench,
    actor: Actor,
    assessment_id: int,
    *,
    revision: int | None = None,
    formats: str | Iterable[str] = FORMATS,
) -> tuple[str, dict[str, bytes]]:
    """Build the dossier of one stored assessment revision; returns (file stem, {format: bytes})."""
    view = wf.get_assessment(actor, assessment_id, revision=revision)
    stored = wf.get_submission(actor, view.submission_id)
    submission = wf.stored_submission(actor, view.submission_id)
    files = build_dossier(
        view.result,
        submission,
        formats,
        signoff=signoffs_for(view) or None,
        source=stored.filename,
        signing_key=configured_signing_key(),
    )
    return f"{dossier_basename(view.result)}-r{view.revision}", files
