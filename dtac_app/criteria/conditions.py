"""Routing conditions (``show_if``): their models, the closures they compile into, and their wording.

Three-valued logic, defined here and nowhere else: a compiled condition returns True (asked),
False (routed out) or None (cannot tell yet, because an earlier routing question is unanswered
or its answer names no option). Conditions are compiled once per criteria load, so the engine
never interprets the YAML structure on its hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import ConfigDict, Field

from .base import Frozen as _Frozen

# Three-valued logic for routing: True (asked), False (routed out), None (cannot tell yet,
# because an earlier routing question has not been answered).
Tri = bool | None
# What a condition reads: the normalised answers, and the set of questions that are shown.
AnswerView = Mapping[str, str]


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
        # all: one False decides (False); otherwise any unknown part leaves it unknown.
        return _decided_by([compile_condition(c, options) for c in cond.all], False)
    if isinstance(cond, CondAny):
        # any: one True decides (True); otherwise any unknown part leaves it unknown.
        return _decided_by([compile_condition(c, options) for c in cond.any], True)
    inner = compile_condition(cond.not_, options)

    def negate(answers: AnswerView, shown: Mapping[str, Tri]) -> Tri:
        r = inner(answers, shown)
        return None if r is None else not r

    return negate


def _decided_by(parts: list[CompiledCond], decisive: bool) -> CompiledCond:
    """``all`` (decisive False) or ``any`` (decisive True) in three-valued logic: the first part that
    returns ``decisive`` decides; otherwise None if any part could not tell, else ``not decisive``."""

    def combined(answers: AnswerView, shown: Mapping[str, Tri]) -> Tri:
        unknown = False
        for p in parts:
            r = p(answers, shown)
            if r is decisive:
                return decisive
            if r is None:
                unknown = True
        return None if unknown else not decisive

    return combined


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
