"""An organisation's policy (``policy.yaml``): the settings for rules the sources leave open, and the
placeholder patterns that mark text standing in for an answer."""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from .base import Frozen as _Frozen

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
