"""Carry a DTAC v1.0 submission over to v2.0: the answers that mean the same thing move to their
new question ids (with renamed options mapped), evidence follows its question, and the v2.0
questions with no v1.0 counterpart are listed for the vendor to answer. Pure: data in, data out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .criteria import Catalogue, MigrationMap
from .engine import route
from .submission import Submission


@dataclass
class CarryOverResult:
    data: dict[str, Any]
    carried: list[tuple[str, str, str]] = field(default_factory=list)  # (v1 id, v2 id, answer)
    dropped: list[str] = field(default_factory=list)  # v1 answers with no v2 counterpart
    to_answer: list[str] = field(default_factory=list)  # v2 questions now asked but unanswered
    evidence_moved: int = 0
    evidence_dropped: list[str] = field(default_factory=list)


def find_map(catalogue: Catalogue, source: str, target: str) -> MigrationMap:
    for mm in catalogue.migrations:
        if mm.from_ == source and mm.to == target:
            return mm
    raise KeyError(f"no carry-over map from {source} to {target}")


def carry_over(sub: Submission, catalogue: Catalogue, target: str = "dtac-v2.0") -> CarryOverResult:
    mm = find_map(catalogue, sub.criteria, target)
    dst = catalogue.dtac_set(target)
    by_v1 = {c.v1: c for c in mm.carry_over}
    answers: dict[str, str] = {}
    result = CarryOverResult(data={})
    for qid, value in sub.answers.items():
        c = by_v1.get(qid)
        if c is None:
            result.dropped.append(qid)
            continue
        new_value = c.options.get(value, value)
        q = dst.questions[c.v2]
        if q.type == "choice" and new_value not in q.options:
            result.dropped.append(qid)
            continue
        answers[c.v2] = new_value
        result.carried.append((qid, c.v2, new_value))
    evidence = []
    for ev in sub.evidence:
        c = by_v1.get(ev.question)
        if c is None:
            result.evidence_dropped.append(f"{ev.kind} ({ev.question})")
            continue
        evidence.append(
            ev.model_copy(update={"question": c.v2}).model_dump(
                mode="json", exclude_none=True, exclude_defaults=True
            )
        )
        result.evidence_moved += 1
    shown = route(dst, answers)
    # Questions the carried answers already lead to; more appear as the vendor answers these.
    result.to_answer = [qid for qid, asked in shown.items() if asked is True and qid not in answers]
    data: dict[str, Any] = {
        "schema": "dtac-submission/1",
        "criteria": target,
        "profile": sub.profile,
        "product": sub.product.model_dump(mode="json", exclude_defaults=True),
        "answers": answers,
        "evidence": evidence,
    }
    if sub.regulatory is not None:
        data["regulatory"] = sub.regulatory.model_dump(mode="json", exclude_none=True)
    if sub.clinical is not None:
        data["clinical"] = sub.clinical.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    result.data = data
    return result
