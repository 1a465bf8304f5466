"""GB medical-device and assurance rules (``gb-regulatory.yaml``): markings, CE acceptance,
evidence kinds, DSPT, pen tests and professional registers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from dtac_app.vocabulary import Marking as _Marking

from .base import Frozen as _Frozen

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
