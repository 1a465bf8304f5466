"""What the dossier says, independent of format: labels, colours and wording shared by PDF and HTML.

Both renderers walk the assessment in the same order and use these helpers, so the PDF (the
record) and the HTML (the accessible copy) say the same things in the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from dtac_app.dates import fmt
from dtac_app.finding_text import finding_line  # noqa: F401 - re-exported for the chapters
from dtac_app.provenance import DOCUMENT_STATE_LABELS
from dtac_app.results import (
    DECISION_COLOURS,
    OUTCOME_LABELS,
    Assessment,
    EvidenceResult,
    QuestionResult,
    SectionResult,
)
from dtac_app.submission import Submission
from dtac_app.vocabulary import PROFILE_LABELS, SECTION_STATUS_LABELS  # noqa: F401 - PROFILE_LABELS: for the renderers

if TYPE_CHECKING:
    from dtac_app.signing import SigningKey

TITLE = "DTAC assessment dossier"
SUBTITLE = "Digital Technology Assessment Criteria for health and social care"

# NHS identity colours (service manual palette).
NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_TEXT = "#212B32"
NHS_SECONDARY_TEXT = "#4C6272"
NHS_GREY_4 = "#D8DDE0"
NHS_GREY_5 = "#F0F4F5"
NHS_GREEN = "#007F3B"
NHS_RED = "#D5281B"
NHS_ORANGE = "#ED8B00"

SECTION_STATUS_COLOURS = {
    "met": NHS_GREEN,
    "not_met": NHS_RED,
    "incomplete": NHS_ORANGE,
    "scored": NHS_BLUE,
    "context": NHS_SECONDARY_TEXT,
}
NHS_GREY_PALE = "#E8EDEE"
# Outcomes that are not judgements (context answers, questions routing skipped) stay quiet, so
# the met / not met / missing colours stand out.
OUTCOME_COLOURS = {
    "pass": NHS_GREEN,
    "fail": NHS_RED,
    "missing": NHS_ORANGE,
    "not_applicable": NHS_GREY_PALE,
    "informational": NHS_GREY_PALE,
}
SEVERITY_LABELS = {
    "fail": "Fails",
    "missing": "Missing",
    "research": "Research only",
    "condition": "Condition",
    "info": "For information",
    "pass": "Meets",
}
SEVERITY_COLOURS = {
    "fail": NHS_RED,
    "missing": NHS_ORANGE,
    "research": DECISION_COLOURS["research_only"],
    "condition": NHS_BLUE,
    "info": NHS_SECONDARY_TEXT,
    "pass": NHS_GREEN,
}
VERDICT_LABELS = {
    "pass": "Meets the rules",
    "fail": "Fails",
    "missing": "Information missing",
    "condition": "Meets the rules, with conditions",
    "research": "Research use only",
    "not_applicable": "Does not apply",
}
VERDICT_COLOURS = {
    "pass": NHS_GREEN,
    "fail": NHS_RED,
    "missing": NHS_ORANGE,
    "condition": NHS_BLUE,
    "research": DECISION_COLOURS["research_only"],
    "not_applicable": NHS_SECONDARY_TEXT,
}
EVIDENCE_STATE_LABELS = {
    "valid": "Valid",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "not_yet_valid": "Not yet valid",
    "undated": "Undated",
    "unchecked": "Not checked",
    "problem": "Problem",
    "asserted": "Asserted — no file",
}
EVIDENCE_STATE_COLOURS = {
    "valid": NHS_GREEN,
    "expiring": NHS_ORANGE,
    "expired": NHS_RED,
    "not_yet_valid": NHS_ORANGE,
    "undated": NHS_SECONDARY_TEXT,
    "unchecked": NHS_SECONDARY_TEXT,
    "problem": NHS_RED,
    "asserted": NHS_ORANGE,
}
EFFECT_LABELS = {"fail": "Would fail", "condition": "Condition starts", "review": "Review"}


class SignOff(BaseModel):
    """One recorded sign-off: of the whole assessment (``section`` empty) or of one section.

    The names are copied at signing time (display name, role, organisation), so the record says
    who signed as they were then, whatever happens to the account later.
    """

    assessor: str = Field(default="", max_length=300)
    role: str = Field(default="", max_length=300)
    organisation: str = Field(default="", max_length=300)
    date: dt.date | None = None
    statement: str = Field(default="", max_length=5_000)
    section: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=20_000)
    open_items: str = Field(
        default="",
        max_length=20_000,
        description="Why it was signed off with items missing or questions open",
    )
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @property
    def signed(self) -> bool:
        return bool(self.assessor and self.date)


def default_statement(decision_label: str) -> str:
    return (
        "I have reviewed this assessment, the evidence listed in the evidence register and any overrides "
        f"recorded in it, and I agree with the decision: “{decision_label}”."
    )


DossierKind = Literal["assessment", "precheck"]


@dataclass(frozen=True)
class DossierInput:
    """Everything a dossier is rendered from. Rendering reads nothing else: no clock, no files.

    ``kind`` is "precheck" for a vendor checking its own submission: unsigned, that dossier is
    marked as a vendor's pre-check rather than as an NHS draft.
    """

    assessment: Assessment
    submission: Submission
    signoffs: tuple[SignOff, ...] = ()
    source: str | None = None
    kind: DossierKind = "assessment"
    signing_key: SigningKey | None = None  # signs the JSON; its fingerprint is printed on the PDF and HTML

    @property
    def signature(self) -> SignOff | None:
        """The sign-off of the whole assessment, if there is one: only then is the dossier official."""
        return next((s for s in self.signoffs if s.signed and not s.section), None)

    @property
    def section_signoffs(self) -> tuple[SignOff, ...]:
        return tuple(s for s in self.signoffs if s.section)


# ----------------------------------------------------------------------------- wording


def signing_text(d: DossierInput) -> str:
    """The key that signs the JSON dossier, as printed on the PDF and HTML."""
    k = d.signing_key
    if k is None:
        return "Not signed: no signing key was set up (dtac keys init)."
    return f"Ed25519 key {k.fingerprint} ({k.signer}). “dtac verify” checks the JSON dossier's signature."


def date_text(day: dt.date | None, empty: str = "—") -> str:
    return fmt(day) if day else empty


def evidence_ref(index: int) -> str:
    """How the dossier names an evidence record: E1, E2, ... (index is zero-based)."""
    return f"E{index + 1}"


def section_label(s: SectionResult, d1_percent: float | None) -> str:
    if s.status == "scored":
        return f"Scored {d1_percent:.0f}%" if d1_percent is not None else "Scored (no score)"
    return SECTION_STATUS_LABELS[s.status]


def outcome_label(q: QuestionResult) -> str:
    return OUTCOME_LABELS[q.outcome]


def override_text(q: QuestionResult) -> str:
    """The override in words, or "" when the engine's outcome stands."""
    o = q.override
    if o is None:
        return ""
    who = o.by or "an assessor"
    when = f" on {fmt(o.on)}" if o.on else ""
    engine = OUTCOME_LABELS[q.engine_outcome] if q.engine_outcome else "—"
    return f"Overridden by {who}{when}: engine said “{engine}”, now “{OUTCOME_LABELS[o.outcome]}”. Rationale: {o.rationale}"


def provenance_text(q: QuestionResult) -> str:
    if q.provenance == "verified" and q.verification is not None:
        v = q.verification
        who = f" by {v.by}" if v.by else ""
        when = f" on {fmt(v.on)}" if v.on else ""
        return f"Verified by assessor{who}{when}: {v.checked}"
    if not q.asked:
        return "—"
    return "Asserted by supplier"


def reason_text(q: QuestionResult) -> str:
    """The reason, without the override preamble the engine adds (the override is shown on its own)."""
    if q.override is not None and q.engine_reason:
        return f"Engine’s reason: {q.engine_reason}"
    return q.reason


def evidence_refs(q: QuestionResult) -> str:
    return ", ".join(evidence_ref(i) for i in q.evidence)


def evidence_name(e: EvidenceResult) -> str:
    return e.file or e.title or "(no file)"


def evidence_provenance(e: EvidenceResult) -> str:
    """Where the document stands, in words: received, asserted (the hash is a claim), verified, problem."""
    if e.provenance == "received":
        return "Received: file stored, its SHA-256 checked"
    if e.provenance == "asserted":
        if e.sha256:
            return "Asserted: no file received; the SHA-256 is the supplier's claim"
        return "Asserted: no file received"
    who = f" by {e.checked_by}" if e.checked_by else ""
    when = f" on {fmt(e.checked_on)}" if e.checked_on else ""
    what = f": {e.checked}" if e.checked else ""
    return f"{DOCUMENT_STATE_LABELS[e.provenance]}{who}{when}{what}"


def evidence_reference(e: EvidenceResult) -> str:
    parts = [p for p in (e.reference, e.issuer) if p]
    return " · ".join(parts)


def questions_by_section(a: Assessment) -> list[tuple[SectionResult, list[QuestionResult]]]:
    by: dict[str, list[QuestionResult]] = {}
    for q in a.questions:
        by.setdefault(q.section, []).append(q)
    return [(s, by.get(s.id, [])) for s in a.sections]


def section_counts(s: SectionResult) -> str:
    return f"{s.passed} met, {s.failed} not met, {s.missing} missing, {s.asked} asked"


def d1_text(a: Assessment) -> str:
    d = a.d1
    if d.percent is None:
        return "No D1 score (no scored questions were answered)"
    method = "weighted" if d.method == "weighted" else "comparative, reported only"
    return f"{d.percent:.1f}% ({d.earned:g} of {d.possible:g} points; {method})"


def valid_until_text(a: Assessment) -> str:
    return date_text(a.valid_until, "No date")


def valid_until_sentence(a: Assessment) -> str:
    """The last day the decision holds and why it changes the day after (the reason names that day)."""
    if a.valid_until is None:
        return a.valid_until_reason
    return f"{fmt(a.valid_until)} (the last day it holds). {a.valid_until_reason}"


def criteria_rows(a: Assessment) -> list[tuple[str, str]]:
    return [(k, v) for k, v in a.criteria.hashes.items()]


# ----------------------------------------------------------------------------- colour contrast


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(maxsize=64)
def text_on(background: str) -> str:
    """White or NHS black text, whichever contrasts more with ``background`` (WCAG 2.2)."""
    return "#FFFFFF" if contrast("#FFFFFF", background) >= contrast(NHS_TEXT, background) else NHS_TEXT


@lru_cache(maxsize=64)
def ink(colour: str) -> str:
    """``colour`` as text on white, darkened until it reaches 4.5:1 (NHS orange is too light for text)."""
    h = colour.lstrip("#")
    rgb = [int(h[i : i + 2], 16) for i in (0, 2, 4)]
    out = colour
    while contrast(out, "#FFFFFF") < 4.5:
        rgb = [int(c * 0.9) for c in rgb]
        out = "#{:02X}{:02X}{:02X}".format(*rgb)
    return out
