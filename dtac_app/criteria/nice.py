"""The NICE back-pain profile (``nice-lbp.yaml``): HTE16 technologies and their status history,
NG59 content items, evidence outcomes and the draft guidance record."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from .base import Frozen as _Frozen

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
