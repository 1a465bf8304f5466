"""What an assessment returns. Pure data; ``model_dump(mode="json")`` is the stable JSON form."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .provenance import DocumentState
from .vocabulary import (  # noqa: F401 - re-exported: the results speak the shared vocabulary
    DECISION_COLOURS,
    DECISION_LABELS,
    DECISION_ORDER,
    OUTCOME_LABELS,
    Decision,
    Outcome,
    Profile,
    SectionStatus,
)

ASSESSMENT_SCHEMA: Literal["dtac-assessment/2"] = "dtac-assessment/2"

Severity = Literal["fail", "missing", "research", "condition", "info", "pass"]
EvidenceState = Literal[
    "valid", "expiring", "expired", "not_yet_valid", "undated", "unchecked", "problem", "asserted"
]


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Override(_Result):
    """An assessor's judgement replacing the engine's outcome for one question."""

    outcome: Outcome
    rationale: str = Field(min_length=1, max_length=20_000)
    by: str = ""
    on: dt.date | None = None

    @field_validator("rationale")
    @classmethod
    def _real_rationale(cls, v: str) -> str:
        if len(v.strip()) < 10:
            raise ValueError("an override needs a written rationale of at least 10 characters")
        return v.strip()


class Verification(_Result):
    """An assessor's record that a supplier's fact was checked, and against what."""

    checked: str = Field(min_length=3, max_length=5_000)
    by: str = ""
    on: dt.date | None = None


FindingKind = Literal[
    "missing_answer",
    "not_an_option",
    "criterion_not_met",
    "placeholder",
    "too_short",
    "no_registration",
    "device_contradiction",
    "conditional_answer",
    "missing_evidence",
    "evidence_expired",
    "evidence_expiring",
    "evidence_not_yet_valid",
    "evidence_undated",
    "evidence_problem",
    "evidence_asserted",
    "commitment",
    "form_retired",
    "d1_minimum",
    "regulatory",
    "nice",
    "override",
    "all_met",
]
"""What a finding is about, for code (the sentence in ``text`` is for people):

an assessed question left unanswered (``missing_answer``), a choice answer naming no option, an
answer that does not meet the criterion, placeholder text, an answer too short to assess, a
clinician named without a professional registration, an answer a medical device cannot give, an
answer that meets the criterion with a condition; evidence not supplied, expired, inside its
renewal window, dated after the assessment, undated, with a problem (CVSS, OWASP, DSPT status,
unreadable file) or only asserted (no file received, not verified); an answer contradicting a
commitment; a retired form version; a D1 score under the policy minimum; a GB device rule; a NICE
rule; an assessor override; every assessed section met."""


class Finding(_Result):
    """One rule applied: which rule, what it concluded, what it used, and how to fix it.

    ``kind`` and ``question`` say what it is about for code; ``text``, ``used`` and ``fix`` say it
    for people. Results stored before ``kind`` existed read with ``kind`` None."""

    rule: str
    severity: Severity
    text: str
    used: str = ""
    fix: str = ""
    section: str = ""
    standing: bool = False  # a condition of use that no change to the submission can clear
    kind: FindingKind | None = None
    question: str | None = None  # the DTAC question it is about (None for device and NICE rules)
    # The last valid day of the evidence, certificate or marking it concerns, where one is known.
    valid_until: dt.date | None = None


EventKind = Literal[
    "evidence_expiry",
    "renewal_window",
    "evidence_current",
    "device_deadline",
    "status_change",
    "form_retired",
]


class TimeEvent(_Result):
    """A future date on which a rule's result changes.

    ``kind`` says what happens, so consumers (calendar, portfolio) need not read ``rule`` or
    ``text``: an evidence record's validity ends, its renewal window opens, evidence dated in the
    future becomes current, a GB device deadline (CE acceptance, certificate) passes, a NICE
    status change takes effect, or a form version stops being accepted.
    """

    on: dt.date
    effect: Literal["fail", "condition", "review"]
    text: str
    rule: str
    kind: EventKind
    question: str | None = None  # the question whose evidence it concerns (None for device and NICE dates)


class EvidenceResult(_Result):
    index: int
    question: str
    kind: str
    label: str
    title: str = ""
    reference: str = ""
    issuer: str = ""
    issued: dt.date | None = None
    expires: dt.date | None = None
    file: str | None = None
    sha256: str | None = None
    state: EvidenceState
    detail: str
    # Where the document stands (received / asserted / verified / problem; see provenance.py), and
    # for verified or problem documents what was checked, by whom and when.
    provenance: DocumentState = "asserted"
    checked: str = ""
    checked_by: str = ""
    checked_on: dt.date | None = None


class QuestionResult(_Result):
    id: str
    section: str
    short: str
    asked: bool
    answer: str | None
    outcome: Outcome
    reason: str
    condition: str = ""
    evidence: tuple[int, ...] = ()
    engine_outcome: Outcome | None = None
    engine_reason: str = ""  # the engine's own reason when an assessor override replaced it
    override: Override | None = None
    provenance: Literal["asserted", "verified"] = "asserted"
    verification: Verification | None = None


class SectionResult(_Result):
    id: str
    title: str
    role: Literal["context", "assessed", "scored"]
    status: SectionStatus
    passed: int = 0
    failed: int = 0
    missing: int = 0
    asked: int = 0


class D1Item(_Result):
    id: str
    weight: float
    points: float | None
    note: str = ""


class D1Score(_Result):
    method: Literal["weighted", "comparative"]
    earned: float
    possible: float
    percent: float | None
    items: tuple[D1Item, ...]


class RegulatoryVerdict(_Result):
    applies: bool
    status: Literal["pass", "fail", "missing", "condition", "not_applicable"]
    summary: str
    device_class: str | None = None
    marking: str | None = None
    accepted_until: dt.date | None = None
    mhra_registration: str | None = None
    findings: tuple[Finding, ...] = ()


class NiceVerdict(_Result):
    applies: bool
    status: Literal["pass", "fail", "missing", "condition", "research", "not_applicable"]
    summary: str
    technology: str | None = None
    nice_status: str | None = None
    nice_status_label: str = ""
    obligations: tuple[str, ...] = ()
    content: tuple[Finding, ...] = ()
    findings: tuple[Finding, ...] = ()
    # Reported as submitted (for comparing products); they do not affect the decision.
    pain_duration: tuple[Literal["acute", "chronic"], ...] = ()
    features: tuple[str, ...] = ()


class Fix(_Result):
    """One thing that would change the decision, taken from the finding its rule raised.

    ``action`` and ``impact`` are the sentences; the structured fields say the same for code: the
    finding's ``kind``, ``question`` and ``section``; the decision this item ``holds`` in place,
    how many items (``holding``) hold it there, and the decision it ``moves_to`` when it is the
    last of them (None while others remain). A ``standing`` condition of use cannot be cleared;
    ``valid_until`` is the last valid day of the evidence or marking concerned, where known."""

    rank: int
    rule: str
    severity: Severity
    action: str
    impact: str
    kind: FindingKind | None = None
    question: str | None = None
    section: str = ""
    holds: Decision | None = None
    holding: int = 0
    moves_to: Decision | None = None
    standing: bool = False
    valid_until: dt.date | None = None  # the finding's: renew or replace by this day


class CriteriaRef(_Result):
    set: str
    title: str
    version: str
    hashes: dict[str, str]


class ProductRef(_Result):
    name: str
    version: str
    manufacturer: str


class Assessment(_Result):
    """The full, explainable result of ``assess``."""

    # dtac-assessment/2: ``valid_until`` is the LAST day the decision holds and ``changes_on`` the
    # first day it differs (in /1, ``valid_until`` was that first day; /1 data is upgraded on load).
    schema_: Literal["dtac-assessment/1", "dtac-assessment/2"] = Field(
        default=ASSESSMENT_SCHEMA, alias="schema"
    )
    engine_version: str
    as_of: dt.date
    profile: Profile
    criteria: CriteriaRef
    product: ProductRef
    decision: Decision
    decision_label: str
    summary: str
    reasons: tuple[Finding, ...]
    conditions: tuple[Finding, ...]
    valid_until: dt.date | None
    changes_on: dt.date | None = None
    valid_until_reason: str
    change_events: tuple[TimeEvent, ...] = ()  # the events on ``changes_on`` that change the decision
    events: tuple[TimeEvent, ...]
    sections: tuple[SectionResult, ...]
    questions: tuple[QuestionResult, ...]
    d1: D1Score
    evidence: tuple[EvidenceResult, ...]
    regulatory: RegulatoryVerdict
    nice: NiceVerdict
    findings: tuple[Finding, ...]
    fixes: tuple[Fix, ...]
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _upgrade_v1(cls, data: Any) -> Any:
        """Read a stored dtac-assessment/1 result with today's meaning of ``valid_until``."""
        if isinstance(data, dict) and data.get("schema", data.get("schema_")) == "dtac-assessment/1":
            data = dict(data)
            first = data.get("valid_until")
            if isinstance(first, str):
                first = dt.date.fromisoformat(first)
            data["changes_on"] = first
            data["valid_until"] = first - dt.timedelta(days=1) if first else None
            data.pop("schema_", None)
            data["schema"] = ASSESSMENT_SCHEMA
            events = [_legacy_event(e) for e in data.get("events") or ()]
            data["events"] = events
            data["change_events"] = [
                e for e in events if first is not None and str(e.get("on")) == str(first)
            ]
        return data

    def question(self, qid: str) -> QuestionResult | None:
        for q in self.questions:
            if q.id == qid:
                return q
        return None

    def section(self, sid: str) -> SectionResult | None:
        for s in self.sections:
            if s.id == sid:
                return s
        return None


def _legacy_event(e: Any) -> Any:
    """A /1 time event with the ``kind`` that /1 left to be guessed from its rule (only for stored data)."""
    if not isinstance(e, dict) or "kind" in e:
        return e
    rule, effect = str(e.get("rule", "")), e.get("effect")
    if effect == "condition":
        kind = "renewal_window"
    elif effect == "review":
        kind = "status_change" if rule.startswith("NICE") else "evidence_current"
    elif rule.startswith("GB-REG"):
        kind = "device_deadline"
    elif rule.endswith(".retired"):
        kind = "form_retired"
    else:
        kind = "evidence_expiry"
    return {**e, "kind": kind}
