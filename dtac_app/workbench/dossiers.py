"""Dossiers for stored assessments: the Workbench checks access, the dossier package renders."""

from __future__ import annotations

from collections.abc import Iterable

from dtac_app.dossier import FORMATS, build_dossier, dossier_basename
from dtac_app.dossier.content import SignOff
from dtac_app.store.views import Actor, AssessmentView

from .facade import Workbench
from .keys import configured_signing_key


def signoffs_for(view: AssessmentView) -> list[SignOff]:
    """The revision's sign-offs as dossier signatures (the whole revision first, then sections)."""
    out: list[SignOff] = []
    whole = view.signed_off
    if whole:
        out.append(
            SignOff(
                assessor=whole.signer,
                role=whole.role or "Assessor",
                organisation=whole.organisation,
                date=whole.at.date(),
                note=whole.note,
                open_items=whole.open_items,
            )
        )
    for sec, so in sorted(view.section_sign_offs.items()):
        out.append(
            SignOff(
                assessor=so.signer,
                role=so.role or "Assessor",
                organisation=so.organisation,
                date=so.at.date(),
                section=sec,
                note=so.note,
            )
        )
    return out


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
