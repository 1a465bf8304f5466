"""Criteria as data: the pydantic models that the criteria YAML files are validated into.

Pure: no I/O here (``dtac_app.catalogue`` reads the files). One module per kind of file or
concern, all importable from here:

- ``conditions``: routing conditions, compiled once into closures (three-valued logic).
- ``labels``: how option labels compare (``canon_label``).
- ``questions``: a DTAC form version: questions, pass rules, evidence, scoring, sections.
- ``regulatory``: GB device and assurance rules. ``nice``: the NICE back-pain profile.
- ``policy``: an organisation's settings and placeholder patterns.
- ``catalogue_model``: every set together, as the engine receives it; form-version maps.
"""

from __future__ import annotations

from .catalogue_model import (
    DEFAULT_DTAC,
    CarryOver,
    Catalogue,
    FormChange,
    LoadedFile,
    MigrationMap,
    normalise_set_key,
)
from .conditions import (
    AnswerView,
    CompiledCond,
    CondAll,
    CondAnswer,
    CondAny,
    Condition,
    CondNot,
    Tri,
    compile_condition,
    condition_answers,
    condition_refs,
    describe_condition,
)
from .labels import canon_label
from .nice import (
    ContentExemption,
    ContentItem,
    DraftGuidance,
    EvidenceOutcome,
    Feature,
    NiceProfile,
    NiceStatus,
    NiceTechnology,
    StatusChange,
)
from .policy import DEFAULT_PLACEHOLDERS, Policy
from .questions import (
    AnswerType,
    Commitment,
    CriteriaSet,
    DeviceContradiction,
    EvidenceCheckKind,
    EvidenceRequirement,
    PassRule,
    Question,
    ScorePoints,
    ScoreRule,
    ScoringSpec,
    Section,
    SectionRole,
)
from .regulatory import (
    DsptRules,
    EvidenceKind,
    Marking,
    MarkingRule,
    PenTestRules,
    ProfessionalRegister,
    RegulatoryRules,
    SelfDeclaredRule,
)

__all__ = [
    "DEFAULT_DTAC",
    "DEFAULT_PLACEHOLDERS",
    "AnswerType",
    "AnswerView",
    "CarryOver",
    "Catalogue",
    "Commitment",
    "CompiledCond",
    "CondAll",
    "CondAnswer",
    "CondAny",
    "CondNot",
    "Condition",
    "ContentExemption",
    "ContentItem",
    "CriteriaSet",
    "DeviceContradiction",
    "DraftGuidance",
    "DsptRules",
    "EvidenceCheckKind",
    "EvidenceKind",
    "EvidenceOutcome",
    "EvidenceRequirement",
    "Feature",
    "FormChange",
    "LoadedFile",
    "Marking",
    "MarkingRule",
    "MigrationMap",
    "NiceProfile",
    "NiceStatus",
    "NiceTechnology",
    "PassRule",
    "PenTestRules",
    "Policy",
    "ProfessionalRegister",
    "Question",
    "RegulatoryRules",
    "ScorePoints",
    "ScoreRule",
    "ScoringSpec",
    "Section",
    "SectionRole",
    "SelfDeclaredRule",
    "StatusChange",
    "Tri",
    "canon_label",
    "compile_condition",
    "condition_answers",
    "condition_refs",
    "describe_condition",
    "normalise_set_key",
]
