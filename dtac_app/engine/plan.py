"""The engine's compiled plan of one criteria set, and the results it reuses across assessments.

Built once per criteria set (a catalogue holds one per DTAC form version) and kept here, so the
frozen criteria model holds only criteria and the engine's hot loop reads plain attributes:
every question in form order with its compiled routing and the facts the loop branches on, the
commitments, the scored questions, and bounded caches of results that depend on the criteria
alone (a choice answer with nothing else attached, a question not asked, a D1 item, a section
result by its counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dtac_app.criteria import Commitment, CompiledCond, CriteriaSet, Question, Section, SectionRole
from dtac_app.results import D1Item, Finding, QuestionResult, SectionResult


@dataclass(frozen=True, slots=True)
class ChoiceJudgement:
    """The reusable outcome of a choice answer: its result and the findings it raises."""

    result: QuestionResult
    findings: tuple[Finding, ...]
    count_slot: int  # which of its section's counts it adds to besides asked (0: none)


@dataclass(frozen=True, slots=True)
class Step:
    """One question in form order, with what the engine needs to know about it before any answer."""

    section: Section
    q: Question
    qid: str
    section_id: str
    role: SectionRole
    cond: CompiledCond | None  # compiled ``show_if`` (None: always asked)
    cond_text: str  # ``show_if`` in words
    options: frozenset[str]  # a choice question's options (empty for other types)
    # A choice answer here is judged the same in every submission when no evidence record,
    # override or verification is attached (no device contradiction depends on the product).
    reusable_choice: bool
    # A context question (sections A and B) that is recorded, never judged: no pass rule, no evidence.
    recorded_only: bool
    # Results of this question that depend on the criteria alone, reused across assessments (bounded
    # by its options): a reusable choice answer by answer; not asked, by (routing state, answer).
    choice: dict[str, ChoiceJudgement] = field(default_factory=dict)
    not_asked: dict[tuple[bool | None, str | None], QuestionResult] = field(default_factory=dict)


@dataclass(eq=False)
class EnginePlan:
    """Everything the engine derives from one criteria set, plus results reused across assessments.

    The caches (here and on each step) are bounded by the criteria: questions × options,
    questions × routing states × options, D1 items × points, and section counts (capped at
    ``MAX_SECTION_RESULTS``)."""

    criteria: CriteriaSet
    steps: tuple[Step, ...]
    questions: dict[str, Question]
    commitments: tuple[tuple[str, Question, Commitment], ...]
    # Every question with a D1 score in a scored section, in form order.
    scored: tuple[Question, ...]
    d1_items: dict[tuple[str, float | None, str], D1Item] = field(default_factory=dict)
    sections: dict[tuple[str, int, int, int, int], SectionResult] = field(default_factory=dict)


MAX_SECTION_RESULTS = 4096


def compile_plan(cs: CriteriaSet) -> EnginePlan:
    steps = []
    for section, q, cond, cond_text in cs.plan:
        steps.append(
            Step(
                section=section,
                q=q,
                qid=q.id,
                section_id=section.id,
                role=section.role,
                cond=cond,
                cond_text=cond_text,
                options=frozenset(q.options),
                reusable_choice=q.type == "choice" and q.device_contradiction is None,
                recorded_only=section.role == "context" and q.pass_rule is None and not q.evidence,
            )
        )
    return EnginePlan(
        criteria=cs,
        steps=tuple(steps),
        questions=dict(cs.questions),
        commitments=cs.commitments,
        scored=tuple(s.q for s in steps if s.section.role == "scored" and s.q.score is not None),
    )


# id(criteria set) -> its plan. The plan holds the set, so its id is not reused while cached.
_PLANS: dict[int, EnginePlan] = {}
_MAX_PLANS = 16


def plan_for(cs: CriteriaSet) -> EnginePlan:
    """The plan of ``cs``, compiled on first use (a catalogue's sets are compiled once each)."""
    plan = _PLANS.get(id(cs))
    if plan is None or plan.criteria is not cs:
        if len(_PLANS) >= _MAX_PLANS:
            # Oldest first. Tolerant of another thread evicting the same entry (pages run in threads);
            # a plan compiled twice by two threads is harmless, both are equal.
            for oldest in list(_PLANS)[:1]:
                _PLANS.pop(oldest, None)
        plan = _PLANS[id(cs)] = compile_plan(cs)
    return plan
