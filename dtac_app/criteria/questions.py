"""A DTAC criteria set: questions, pass rules, evidence requirements, scoring and sections.

The models a ``dtac-v*.yaml`` file is validated into, with the cross-checks between questions
(routing refers only to earlier questions, options named by rules exist). The set also keeps the
indexes derived from it once at load (questions by id, routing compiled, option look-up), which
every consumer of the criteria shares.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from .base import Frozen as _Frozen
from .conditions import CompiledCond, Condition, compile_condition, condition_answers, describe_condition
from .labels import canon_label

AnswerType = Literal["choice", "text", "date", "number", "url"]
SectionRole = Literal["context", "assessed", "scored"]
EvidenceCheckKind = Literal["document", "expiry", "cyber_essentials", "pen_test", "dspt"]


class EvidenceRequirement(_Frozen):
    """Evidence a question expects. ``when`` lists the answers that call for it."""

    kind: str
    label: str
    when: tuple[str, ...] | None = None
    required: bool = True
    check: EvidenceCheckKind = "document"


class PassRule(_Frozen):
    """How an asked question is judged.

    ``accept``: answers that meet the criterion; any other option fails.
    ``conditional``: answers that meet it only with a condition attached (e.g. a WCAG plan).
    ``nonempty``: free text that must say something (at least ``min_chars`` characters).
    """

    accept: tuple[str, ...] = ()
    conditional: tuple[str, ...] = ()
    nonempty: bool = False
    min_chars: int = 1
    # Free text that must name a person and a professional registration in one of the registers
    # of gb-regulatory.yaml (``professional_registers``), e.g. the Clinical Safety Officer.
    professional_registration: bool = False
    fail_reason: str = ""
    condition_text: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> PassRule:
        if not self.accept and not self.nonempty:
            raise ValueError("a pass rule needs 'accept' options or 'nonempty: true'")
        return self


class Commitment(_Frozen):
    """What an answer commits the supplier to, checked even where the form skips the questions.

    E.g. C3.2 = Yes (the Cyber Security Charter is signed) skips C3.3-C3.6, but the Charter
    commits to MFA, logging and secure development: answers given to those questions that say
    otherwise are reported, and evidence records still attached to them (a pen test) are checked.
    """

    when: tuple[str, ...]
    label: str
    answers: dict[str, tuple[str, ...]] = {}
    check_evidence_of: tuple[str, ...] = ()


class DeviceContradiction(_Frozen):
    """Answers to this question that a regulated medical device (or a back-pain treatment app) cannot give."""

    answers: tuple[str, ...]
    reason: str = Field(min_length=10)
    fix: str = Field(min_length=10)


ScorePoints = float | Literal["exclude", "policy:working_towards_credit", "policy:not_applicable"]


class ScoreRule(_Frozen):
    """D1 scoring for one question: weight and points per answer (``*`` = any text)."""

    weight: float = Field(gt=0)
    points: dict[str, ScorePoints]


class Question(_Frozen):
    id: Annotated[str, Field(pattern=r"^[A-D]\d+(\.\d+)*$")]
    short: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1)
    type: AnswerType
    options: tuple[str, ...] = ()
    # Other published spellings of an option (e.g. the longer label printed on one copy of the form):
    # alias -> official option. Matched after ``canon_label``, like the official labels.
    aliases: dict[str, str] = {}
    show_if: Condition | None = None
    pass_rule: PassRule | None = Field(default=None, alias="pass")
    evidence: tuple[EvidenceRequirement, ...] = ()
    score: ScoreRule | None = None
    guidance: str = ""
    routing_note: str = ""
    commits: Commitment | None = None
    device_contradiction: DeviceContradiction | None = None
    # Number questions: the accepted range (checked when a submission is loaded) and its unit.
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _options_match_type(self) -> Question:
        if self.type != "number" and (self.minimum is not None or self.maximum is not None or self.unit):
            raise ValueError("minimum, maximum and unit are only allowed on number questions")
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if self.type != "choice" and self.options:
            raise ValueError(f"options are only allowed on choice questions, not '{self.type}'")
        bad_alias = {a: o for a, o in self.aliases.items() if o not in self.options}
        if bad_alias:
            raise ValueError(f"aliases point at answers that are not options: {bad_alias}")
        keys: dict[str, str] = {}
        for label in (*self.options, *self.aliases):
            k = canon_label(label)
            target = self.aliases.get(label, label)
            if keys.setdefault(k, target) != target:
                raise ValueError(f"'{label}' reads the same as another option once typography is normalised")
        if self.pass_rule and self.type == "choice":
            unknown = [
                a for a in (*self.pass_rule.accept, *self.pass_rule.conditional) if a not in self.options
            ]
            if unknown:
                raise ValueError(f"pass rule names answers that are not options: {unknown}")
        for ev in self.evidence:
            for a in ev.when or ():
                if a not in self.options:
                    raise ValueError(
                        f"evidence '{ev.kind}' is asked for answer '{a}', which is not an option"
                    )
        for extra in (self.commits, self.device_contradiction):
            names = (extra.when if isinstance(extra, Commitment) else extra.answers) if extra else ()
            bad = [a for a in names if a not in self.options]
            if bad:
                raise ValueError(f"{type(extra).__name__} names answers that are not options: {bad}")
        if self.score and self.type == "choice":
            unknown = [a for a in self.score.points if a != "*" and a not in self.options]
            if unknown:
                raise ValueError(f"score names answers that are not options: {unknown}")
        return self

    def option_lookup(self) -> dict[str, str]:
        """``canon_label`` key of every official label and published alias → the official label."""
        out = {canon_label(o): o for o in self.options}
        for alias, official in self.aliases.items():
            out.setdefault(canon_label(alias), official)
        return out

    def match_option(self, text: str) -> str | None:
        """The official option that ``text`` names (typography, case and published aliases allowed)."""
        return self.option_lookup().get(canon_label(text))


class Section(_Frozen):
    id: str
    title: str
    role: SectionRole
    note: str = ""
    questions: tuple[Question, ...]


class ScoringSpec(_Frozen):
    method: Literal["weighted", "comparative"]
    note: str = ""


class CriteriaSet(_Frozen):
    """One DTAC form version (v1.0 or v2.0)."""

    schema_: Literal["dtac-criteria/1"] = Field(alias="schema")
    set: Literal["dtac"]
    version: str
    title: str
    published: dt.date
    mandatory_from: dt.date | None = None
    accept_submissions_until: dt.date | None = None
    source: str = ""
    scoring: ScoringSpec
    sections: tuple[Section, ...]
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _index: dict[str, Question] = PrivateAttr(default_factory=dict)
    _section_of: dict[str, str] = PrivateAttr(default_factory=dict)
    _compiled: dict[str, CompiledCond] = PrivateAttr(default_factory=dict)
    _plan: tuple[tuple[Section, Question, CompiledCond | None, str], ...] = PrivateAttr(default=())
    _option_lookup: dict[str, dict[str, str]] = PrivateAttr(default_factory=dict)
    _commitments: tuple[tuple[str, Question, Commitment], ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _check_ids_and_routing(self) -> CriteriaSet:
        seen: dict[str, int] = {}
        order: list[str] = []
        for s in self.sections:
            for q in s.questions:
                if q.id in seen:
                    raise ValueError(f"question id {q.id} appears twice")
                seen[q.id] = len(order)
                order.append(q.id)
        for s in self.sections:
            for q in s.questions:
                if q.show_if is None:
                    continue
                for ref, answers in condition_answers(q.show_if):
                    if ref not in seen:
                        raise ValueError(f"{q.id}: show_if refers to unknown question {ref}")
                    if seen[ref] >= seen[q.id]:
                        raise ValueError(f"{q.id}: show_if refers to {ref}, which is not asked before it")
                    target = self.question_by_id(ref, _order=order)
                    if target is not None and target.type == "choice":
                        bad = [a for a in answers if a not in target.options]
                        if bad:
                            raise ValueError(f"{q.id}: show_if uses {bad} which are not options of {ref}")
        return self

    @model_validator(mode="after")
    def _commitments_refer_to_questions(self) -> CriteriaSet:
        index = {q.id: q for s in self.sections for q in s.questions}
        for s in self.sections:
            for q in s.questions:
                if q.commits is None:
                    continue
                for ref, allowed in q.commits.answers.items():
                    target = index.get(ref)
                    if target is None:
                        raise ValueError(f"{q.id}: commits refers to unknown question {ref}")
                    bad = [a for a in allowed if a not in target.options]
                    if bad:
                        raise ValueError(f"{q.id}: commits uses {bad} which are not options of {ref}")
                for ref in q.commits.check_evidence_of:
                    if ref not in index:
                        raise ValueError(f"{q.id}: commits.check_evidence_of names unknown question {ref}")
        return self

    def question_by_id(self, qid: str, _order: list[str] | None = None) -> Question | None:
        for s in self.sections:
            for q in s.questions:
                if q.id == qid:
                    return q
        return None

    def model_post_init(self, __context: Any) -> None:
        options = {q.id: q.options for s in self.sections for q in s.questions if q.options}
        for s in self.sections:
            for q in s.questions:
                self._index[q.id] = q
                self._section_of[q.id] = s.id
                if q.show_if is not None:
                    self._compiled[q.id] = compile_condition(q.show_if, options)
        self._commitments = tuple(
            (s.id, q, q.commits) for s in self.sections for q in s.questions if q.commits is not None
        )
        self._option_lookup = {
            q.id: q.option_lookup() for s in self.sections for q in s.questions if q.options
        }
        self._plan = tuple(
            (s, q, self._compiled.get(q.id), describe_condition(q.show_if) if q.show_if else "")
            for s in self.sections
            for q in s.questions
        )

    @property
    def key(self) -> str:
        return f"{self.set}-v{self.version}"

    @property
    def questions(self) -> dict[str, Question]:
        return self._index

    def section_of(self, qid: str) -> str:
        return self._section_of[qid]

    @property
    def plan(self) -> tuple[tuple[Section, Question, CompiledCond | None, str], ...]:
        """Every question in form order: section, question, compiled routing condition, its wording."""
        return self._plan

    @property
    def commitments(self) -> tuple[tuple[str, Question, Commitment], ...]:
        """(section id, question, commitment) for every question whose answer carries commitments."""
        return self._commitments

    @property
    def option_lookup(self) -> dict[str, dict[str, str]]:
        """For each choice question: canonical label (see ``canon_label``) → official label.

        Keys cover the official labels and the published aliases in the criteria file; look a
        typed answer up with ``option_lookup[qid].get(canon_label(text))`` or ``match_option``.
        """
        return self._option_lookup

    def match_option(self, qid: str, text: str) -> str | None:
        """The official option of question ``qid`` that ``text`` names, or None (also for non-choice ids)."""
        lookup = self._option_lookup.get(qid)
        return None if lookup is None else lookup.get(canon_label(text))

    def assessed_sections(self) -> list[Section]:
        return [s for s in self.sections if s.role == "assessed"]
