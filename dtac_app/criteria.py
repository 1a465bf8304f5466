"""Criteria as data: the pydantic models that a criteria YAML file is validated into.

Pure: no I/O here. ``dtac_app.catalogue`` reads the files; this module only says what a
valid criteria set looks like and compiles routing conditions into fast callables once,
so the engine never interprets YAML structures on the hot path.

One concern, so one module even past 500 lines: the shape of the criteria data (declarative models).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from .vocabulary import Marking as _Marking

# Three-valued logic for routing: True (asked), False (routed out), None (cannot tell yet,
# because an earlier routing question has not been answered).
Tri = bool | None
# What a condition reads: the normalised answers, and the set of questions that are shown.
AnswerView = Mapping[str, str]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- conditions


class CondAnswer(_Frozen):
    """True when question ``q`` is asked and its answer is one of ``in_``."""

    q: str
    in_: tuple[str, ...] = Field(alias="in")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CondAll(_Frozen):
    all: tuple[Condition, ...]


class CondAny(_Frozen):
    any: tuple[Condition, ...]


class CondNot(_Frozen):
    not_: Condition = Field(alias="not")
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Condition = CondAnswer | CondAll | CondAny | CondNot
CondAll.model_rebuild()
CondAny.model_rebuild()
CondNot.model_rebuild()

# A compiled condition takes (answers, shown) and returns Tri.
CompiledCond = Callable[[AnswerView, Mapping[str, Tri]], Tri]


def compile_condition(cond: Condition, options: Mapping[str, tuple[str, ...]] | None = None) -> CompiledCond:
    """Turn a condition tree into a closure (done once per criteria load).

    ``options``: each choice question's options. An answer to such a question that names none of
    them (kept as written, see ``submission.normalise``) cannot route: the condition is undecided.
    """
    if isinstance(cond, CondAnswer):
        qid, allowed = cond.q, frozenset(o.casefold() for o in cond.in_)
        known = frozenset(o.casefold() for o in (options or {}).get(qid, ()))

        def answer_in(answers: AnswerView, shown: Mapping[str, Tri]) -> Tri:
            asked = shown.get(qid)
            if asked is False:
                return False
            if asked is None:
                return None
            value = answers.get(qid)
            if value is None:
                return None
            v = value.casefold()
            if v in allowed:
                return True
            return None if known and v not in known else False

        return answer_in
    if isinstance(cond, CondAll):
        parts = [compile_condition(c, options) for c in cond.all]

        def all_of(answers: AnswerView, shown: Mapping[str, Tri]) -> Tri:
            unknown = False
            for p in parts:
                r = p(answers, shown)
                if r is False:
                    return False
                if r is None:
                    unknown = True
            return None if unknown else True

        return all_of
    if isinstance(cond, CondAny):
        parts = [compile_condition(c, options) for c in cond.any]

        def any_of(answers: AnswerView, shown: Mapping[str, Tri]) -> Tri:
            unknown = False
            for p in parts:
                r = p(answers, shown)
                if r is True:
                    return True
                if r is None:
                    unknown = True
            return None if unknown else False

        return any_of
    inner = compile_condition(cond.not_, options)

    def negate(answers: AnswerView, shown: Mapping[str, Tri]) -> Tri:
        r = inner(answers, shown)
        return None if r is None else not r

    return negate


# Typography that differs between the published form, word processors and what people type:
# every hyphen and minus becomes "-" (en and em dashes " - ", as they separate words), curly and low quotes become straight ones, zero-width
# characters disappear, and NBSP (with every other Unicode space) counts as a plain space.
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2212\ufe63\uff0d"), "-"),
        **dict.fromkeys(map(ord, "\u2013\u2014\u2015\ufe58"), " - "),
        **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\uff07`\u00b4"), "'"),
        **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\uff02\u00ab\u00bb"), '"'),
        **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
        **dict.fromkeys(
            map(
                ord,
                "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
            ),
            " ",
        ),
    }
)
_SPACED_DASH = re.compile(r"\s+-\s*|\s*-\s+")
_SPACED_SLASH = re.compile(r"\s*/\s*")


def canon_label(text: str) -> str:
    """The form of an option label used for matching, so published spellings compare equal.

    Case-insensitive; typography normalised (en/em dashes and minus signs are hyphens, curly
    quotes are straight, NBSP and other Unicode spaces are spaces, zero-width characters go);
    runs of spaces collapse; an en or em dash, or a hyphen with a space on either side, becomes
    `` - ``; spaces around ``/`` go; quotes around the whole label and a trailing full stop go
    ("Yes." and “Yes” are "Yes"). ``CriteriaSet.option_lookup`` maps
    these keys (for official labels and for the published aliases in the criteria file) to the
    official label; ``CriteriaSet.match_option`` does the look-up.
    """
    t = text.translate(_TYPOGRAPHY)
    t = " ".join(t.split())
    if "-" in t:
        t = _SPACED_DASH.sub(" - ", t)
    if "/" in t:
        t = _SPACED_SLASH.sub("/", t)
    return t.strip("'\" ").rstrip(". ").casefold()


def describe_condition(cond: Condition) -> str:
    """Plain-English rendering used by the criteria browser and the dossier."""
    if isinstance(cond, CondAnswer):
        opts = " or ".join(f"“{o}”" for o in cond.in_)
        return f"{cond.q} is {opts}"
    if isinstance(cond, CondAll):
        return " and ".join(_paren(describe_condition(c)) for c in cond.all)
    if isinstance(cond, CondAny):
        return " or ".join(_paren(describe_condition(c)) for c in cond.any)
    return f"not ({describe_condition(cond.not_)})"


def _paren(text: str) -> str:
    return f"({text})" if (" and " in text or " or " in text) else text


def condition_refs(cond: Condition) -> set[str]:
    if isinstance(cond, CondAnswer):
        return {cond.q}
    if isinstance(cond, CondAll):
        return set().union(*(condition_refs(c) for c in cond.all))
    if isinstance(cond, CondAny):
        return set().union(*(condition_refs(c) for c in cond.any))
    return condition_refs(cond.not_)


def condition_answers(cond: Condition) -> list[tuple[str, tuple[str, ...]]]:
    if isinstance(cond, CondAnswer):
        return [(cond.q, cond.in_)]
    if isinstance(cond, CondAll):
        return [x for c in cond.all for x in condition_answers(c)]
    if isinstance(cond, CondAny):
        return [x for c in cond.any for x in condition_answers(c)]
    return condition_answers(cond.not_)


# --------------------------------------------------------------------------- questions

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


# --------------------------------------------------------------------------- GB regulatory rules

Marking = _Marking


class MarkingRule(_Frozen):
    label: str
    gb_acceptance_ends: dt.date | None = None
    class_overrides: dict[str, dt.date] = {}
    note: str = ""
    source_status: str = "CONFIRMED"


class SelfDeclaredRule(_Frozen):
    label: str
    gb_acceptance_ends: dt.date
    note: str = ""


class EvidenceKind(_Frozen):
    label: str
    validity_months: int | None = None
    needs_expiry: bool = False


class DsptRules(_Frozen):
    statuses: tuple[str, ...]
    acceptable: tuple[str, ...]
    deadline_month: int = Field(ge=1, le=12)
    deadline_day: int = Field(ge=1, le=31)
    note: str = ""


class PenTestRules(_Frozen):
    max_age_months: int
    cvss_threshold: float = Field(ge=0, le=10)


class ProfessionalRegister(_Frozen):
    """A UK professional register a clinician can be on, with its number format (a regex)."""

    label: str
    number: str
    example: str

    @model_validator(mode="after")
    def _pattern_compiles(self) -> ProfessionalRegister:
        try:
            rx = re.compile(self.number)
        except re.error as e:
            raise ValueError(f"number pattern does not compile: {e}") from None
        if not rx.fullmatch(self.example):
            raise ValueError(f"example '{self.example}' does not match the number pattern")
        return self


class RegulatoryRules(_Frozen):
    schema_: Literal["dtac-regulatory/1"] = Field(alias="schema")
    set: Literal["gb-regulatory"]
    version: str
    title: str
    legislation: str
    device_classes: tuple[str, ...]
    third_party_assessment: tuple[str, ...]
    markings: dict[Marking, MarkingRule]
    self_declared_class_i_ce: dict[str, SelfDeclaredRule]
    dspt: DsptRules
    pen_test: PenTestRules
    professional_registers: dict[str, ProfessionalRegister] = {}
    evidence_kinds: dict[str, EvidenceKind]
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _classes_consistent(self) -> RegulatoryRules:
        unknown = [c for c in self.third_party_assessment if c not in self.device_classes]
        if unknown:
            raise ValueError(f"third_party_assessment names unknown classes {unknown}")
        for name, rule in self.markings.items():
            bad = [c for c in rule.class_overrides if c not in self.device_classes]
            if bad:
                raise ValueError(f"markings.{name}.class_overrides names unknown classes {bad}")
        bad_acc = [s for s in self.dspt.acceptable if s not in self.dspt.statuses]
        if bad_acc:
            raise ValueError(f"dspt.acceptable names unknown statuses {bad_acc}")
        return self


# --------------------------------------------------------------------------- NICE back-pain profile

NiceStatus = Literal["use_with_evidence_generation", "research_only", "no_recommendation", "out_of_scope"]


class StatusChange(_Frozen):
    status: NiceStatus | Literal["withdrawn"]
    effective: dt.date | None = None
    effective_text: str = ""
    source: str
    confirmed: bool = True
    reason: str = ""


class ContentExemption(_Frozen):
    """A technology-specific HTE16 recommendation that takes precedence over an NG59 content rule.

    E.g. HTE16 recommends Pathway through Pain, which NICE describes as psychological management
    only, so NG59's "CBT only as part of a package with exercise" gives it a condition (exercise is
    delivered elsewhere in the pathway), never a failure.
    """

    item: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    rule: Literal["only_with_exercise"] = "only_with_exercise"
    condition: str = Field(min_length=10)
    source: str


class NiceTechnology(_Frozen):
    name: str
    aliases: tuple[str, ...] = ()
    company: str = ""
    # Other names the same company trades or registers under (a submission's manufacturer must
    # match the company or one of these for the product to inherit the technology's NICE status).
    company_aliases: tuple[str, ...] = ()
    ng59_exemptions: tuple[ContentExemption, ...] = ()
    history: tuple[StatusChange, ...] = Field(min_length=1)
    draft_2023: str | None = None
    pain_duration: tuple[Literal["acute", "chronic"], ...] = ()
    pain_duration_source: str = ""
    regulatory_statement: str = ""
    regulatory_source: str = ""
    content: str = ""


class ContentItem(_Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str
    rule: Literal["do_not_offer", "only_with_exercise", "recommended", "neutral", "discouraged"]
    ng59: str = ""
    note: str = ""


class Feature(_Frozen):
    """A feature NICE highlighted (HTE16 news release); reported per product, not decision-affecting."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str


class EvidenceOutcome(_Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str
    essential: bool = True
    source_status: str = "CONFIRMED"


class DraftGuidance(_Frozen):
    consultation: str
    reported: dt.date
    reported_source: str
    consultation_closed: dt.date | None = None
    assessed: tuple[str, ...]
    named_for_use: tuple[str, ...]


class NiceProfile(_Frozen):
    schema_: Literal["dtac-nice-profile/1"] = Field(alias="schema")
    set: Literal["nice-lbp"]
    version: str
    title: str
    guidance: str
    population_min_age: int
    evidence_generation_years: int
    conditions_of_use: tuple[str, ...]
    evidence_outcomes: tuple[EvidenceOutcome, ...]
    content_items: tuple[ContentItem, ...]
    exercise_item: str = "exercise"
    features: tuple[Feature, ...] = ()
    technologies: tuple[NiceTechnology, ...]
    draft: DraftGuidance
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _unique(self) -> NiceProfile:
        ids = [c.id for c in self.content_items]
        if len(ids) != len(set(ids)):
            raise ValueError("content item ids must be unique")
        if len({f.id for f in self.features}) != len(self.features):
            raise ValueError("feature ids must be unique")
        if self.exercise_item not in ids:
            raise ValueError(f"exercise_item '{self.exercise_item}' is not a content item")
        names: set[str] = set()
        for t in self.technologies:
            for ex in t.ng59_exemptions:
                item = next((c for c in self.content_items if c.id == ex.item), None)
                if item is None:
                    raise ValueError(f"{t.name}: ng59_exemptions names unknown content item '{ex.item}'")
                if item.rule != ex.rule:
                    raise ValueError(
                        f"{t.name}: content item '{ex.item}' has rule {item.rule}, not {ex.rule}"
                    )
            for n in (t.name, *t.aliases):
                k = n.casefold()
                if k in names:
                    raise ValueError(f"technology name or alias '{n}' is used twice")
                names.add(k)
        return self

    def find_technology(self, name: str) -> NiceTechnology | None:
        key = name.strip().casefold()
        for t in self.technologies:
            if key == t.name.casefold() or key in (a.casefold() for a in t.aliases):
                return t
        return None

    def content_item(self, item_id: str) -> ContentItem | None:
        for c in self.content_items:
            if c.id == item_id:
                return c
        return None


# --------------------------------------------------------------------------- v1.0 -> v2.0


class FormChange(_Frozen):
    area: str
    v1: str
    v2: str
    change: str


class CarryOver(_Frozen):
    v1: str
    v2: str
    options: dict[str, str] = {}


class MigrationMap(_Frozen):
    """What changed between two DTAC form versions and which answers carry over."""

    schema_: Literal["dtac-migration/1"] = Field(alias="schema")
    from_: str = Field(alias="from")
    to: str
    changes: tuple[FormChange, ...]
    carry_over: tuple[CarryOver, ...]
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- policy


# Text that stands in for an answer nobody gave: whole-answer markers (TBC, N/A, ...) and template
# markers left anywhere in the text. Overridable in policy.yaml (``placeholders``). Patterns are
# matched against the answer with ASCII letters lower-cased, so they are written in lower case
# (and a literal start such as "_here" keeps the search fast on long answers); the text reported
# is the whole word(s) around the match, from the original answer.
DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    r"^\W*(?:tbc|tbd|tba|todo|to ?do|n/?a|none|nil|null|unknown|pending|xxx+|\?+|-+|\.+)\W*$",
    r"^\W*(?:to be (?:confirmed|decided|determined|agreed|added|advised|provided)|not yet (?:known|decided|appointed))\W*$",
    r"_here\b",
    r"\{\{.*?\}\}",
    r"\[\s*(?:insert|add|enter|your|name|tbc|todo)\b[^\]]*\]",
    r"<\s*(?:insert|add|enter|your|name|link|tbc|todo)\b[^>]*>",
    r"lorem ipsum",
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@functools.lru_cache(maxsize=8)
def _placeholder_regexes(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    # One regex per pattern, not one alternation: each keeps its literal-prefix fast search.
    return tuple(re.compile(p) for p in patterns)


def _whole_words(text: str, start: int, end: int) -> str:
    """``text[start:end]`` widened to the word characters on either side (INSERT_NAME_HERE, not _HERE)."""
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end]


class Policy(_Frozen):
    """Settings for the rules the sources leave open (marked UNCONFIRMED in the domain notes)."""

    schema_: Literal["dtac-policy/1"] = Field(default="dtac-policy/1", alias="schema")
    expiry_warning_days: int = Field(default=90, ge=0, le=730)
    v1_working_towards_credit: float = Field(default=0.0, ge=0.0, le=1.0)
    v1_not_applicable_d1: Literal["exclude", "award"] = "exclude"
    v1_apply_cvss_threshold: bool = True
    d1_minimum_percent: float | None = Field(default=None, ge=0, le=100)
    unassessed_lbp_product: Literal["available_with_conditions", "research_only", "not_available"] = (
        "available_with_conditions"
    )
    apply_unconfirmed_nice_changes: bool = False
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    asserted_evidence: Literal["missing", "fail"] = "missing"
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("placeholders")
    @classmethod
    def _patterns_compile(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            try:
                re.compile(p)
            except re.error as e:
                raise ValueError(f"placeholder pattern {p!r} does not compile: {e}") from None
        return v

    def placeholder_in(self, text: str) -> str:
        """The placeholder text found in ``text`` ("" when there is none)."""
        low = text.lower()
        if len(low) != len(text):  # a few non-ASCII letters change length when lower-cased
            low = text.translate(_ASCII_LOWER)
        for rx in _placeholder_regexes(self.placeholders):
            m = rx.search(low)
            if m:
                return _whole_words(text, m.start(), m.end()).strip()
        return ""


# --------------------------------------------------------------------------- the catalogue

DEFAULT_DTAC = "dtac-v2.0"


@dataclass(frozen=True)
class LoadedFile:
    path: str
    sha256: str


@dataclass(frozen=True)
class Catalogue:
    """Everything the engine needs, validated: DTAC sets, GB rules, NICE profile, policy."""

    dtac: dict[str, CriteriaSet]
    regulatory: RegulatoryRules
    nice: NiceProfile
    policy: Policy
    files: dict[str, LoadedFile] = field(default_factory=dict)
    migrations: tuple[MigrationMap, ...] = ()

    def dtac_set(self, key: str | None) -> CriteriaSet:
        k = normalise_set_key(key or DEFAULT_DTAC)
        try:
            return self.dtac[k]
        except KeyError:
            known = ", ".join(sorted(self.dtac))
            raise KeyError(f"unknown criteria set '{key}'; known sets: {known}") from None

    def hashes_for(self, dtac_key: str) -> dict[str, str]:
        """Content hashes of the files an assessment under ``dtac_key`` depends on."""
        keys = [dtac_key, self.regulatory_key, self.nice_key, "policy"]
        return {k: self.files[k].sha256 for k in keys if k in self.files}

    @property
    def regulatory_key(self) -> str:
        return f"gb-regulatory-v{self.regulatory.version}"

    @property
    def nice_key(self) -> str:
        return f"nice-lbp-v{self.nice.version}"


def normalise_set_key(key: str) -> str:
    k = key.strip().lower().replace("@", "-v").replace(" ", "")
    if k in {"v2", "v2.0", "2.0", "2"}:
        return "dtac-v2.0"
    if k in {"v1", "v1.0", "1.0", "1"}:
        return "dtac-v1.0"
    if k.startswith("dtac-") and not k.startswith("dtac-v"):
        k = "dtac-v" + k[5:]
    if k.startswith("dtac-v") and "." not in k:
        k += ".0"
    return k
