"""What reading a form produced: for each question, what was read and what the assessor should
check; and the evidence references the vendor stated. Pure data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Confidence = Literal["high", "medium", "low"]
Status = Literal["answered", "unresolved", "blank", "absent"]


@dataclass(frozen=True)
class QuestionImport:
    """What was read for one question, and what the assessor should check."""

    id: str
    short: str
    type: str
    status: Status
    answer: str | None = None
    confidence: Confidence | None = None
    source: str = ""
    vendor_text: str = ""
    explanation: str = ""
    could_be: tuple[str, ...] = ()
    check: str = ""


@dataclass(frozen=True)
class AssertedEvidence:
    """A reference the vendor plainly stated in an answer: a draft evidence record, marked asserted.

    ``kind`` is None when the question asks for no evidence of that sort; such references are only
    reported, not written into the draft.
    """

    question: str
    kind: str | None
    reference: str
    sentence: str
    source: str
    issued: dt.date | None = None
    expires: dt.date | None = None
    ods_code: str | None = None
    status: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class FormImport:
    file: str
    format: str
    criteria: str
    version_note: str
    questions: tuple[QuestionImport, ...]
    evidence: tuple[AssertedEvidence, ...]
    warnings: tuple[str, ...] = ()

    @property
    def answers(self) -> dict[str, str]:
        return {q.id: q.answer for q in self.questions if q.status == "answered" and q.answer is not None}

    @property
    def unresolved(self) -> tuple[QuestionImport, ...]:
        return tuple(q for q in self.questions if q.status == "unresolved")

    @property
    def to_check(self) -> tuple[QuestionImport, ...]:
        return tuple(q for q in self.questions if q.status == "answered" and q.confidence != "high")
