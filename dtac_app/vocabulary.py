"""The words the whole application shares: profiles, roles, decisions, outcomes, section statuses,
device classes and markings — each value set once, with its label for people.

The ``Literal`` types are the data contract (pydantic fields, JSON, the database); the
``*Option`` enums are the same values for command-line options (typer shows them as choices).
``tests/test_vocabulary.py`` checks that each enum and label table covers its ``Literal`` exactly.
Pure data: no imports from the rest of the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Literal, get_args

# ------------------------------------------------------------------------------------------ profiles

Profile = Literal["dtac", "nice-lbp"]
PROFILES: tuple[Profile, ...] = get_args(Profile)
PROFILE_LABELS: dict[Profile, str] = {
    "dtac": "dtac — DTAC C1–C4, evidence validity, GB device rules, D1 reported",
    "nice-lbp": "nice-lbp — DTAC plus NICE HTE16 and NG59 back-pain rules",
}
PROFILE_SHORT_LABELS: dict[Profile, str] = {
    "dtac": "DTAC only",
    "nice-lbp": "DTAC + NICE back-pain profile",
}


class ProfileOption(StrEnum):
    dtac = "dtac"
    nice_lbp = "nice-lbp"


# ------------------------------------------------------------------------------------------ roles

Role = Literal["vendor", "assessor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_LABELS: dict[Role, str] = {"vendor": "Vendor", "assessor": "Assessor", "admin": "Administrator"}


class RoleOption(StrEnum):
    vendor = "vendor"
    assessor = "assessor"
    admin = "admin"


def as_role(text: str) -> Role:
    """A stored role name as a :data:`Role` (the database only holds these; anything else is a bug)."""
    for role in ROLES:
        if role == text:
            return role
    raise ValueError(f"unknown role {text!r}")


OrganisationKind = Literal["vendor", "nhs"]
ORGANISATION_KINDS: tuple[OrganisationKind, ...] = get_args(OrganisationKind)

# ------------------------------------------------------------------------------------------ decisions

Decision = Literal["not_available", "incomplete", "research_only", "available_with_conditions", "available"]
DECISION_ORDER: tuple[Decision, ...] = get_args(Decision)  # worst first
DECISION_LABELS: dict[Decision, str] = {
    "not_available": "Not available",
    "incomplete": "Incomplete",
    "research_only": "Research use only",
    "available_with_conditions": "Available with conditions",
    "available": "Available for NHS use",
}
DECISION_COLOURS: dict[Decision, str] = {
    "not_available": "#D5281B",
    "incomplete": "#ED8B00",
    "research_only": "#7C2855",
    "available_with_conditions": "#005EB8",
    "available": "#007F3B",
}


# ------------------------------------------------------------------------------------------ outcomes

Outcome = Literal["pass", "fail", "missing", "not_applicable", "informational"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
OUTCOME_LABELS: dict[Outcome, str] = {
    "pass": "Met",
    "fail": "Not met",
    "missing": "Missing",
    "not_applicable": "Not asked",
    "informational": "For information",
}


def _label_of(labels: Mapping[Any, str], value: object) -> str:
    """``value``'s label in ``labels`` (keyed by the literal's text); anything else is shown as it is."""
    text = str(value)
    return labels.get(text, text)


def decision_label(decision: str) -> str:
    """The label of a decision; anything else (e.g. "error" in a batch) is shown as it is."""
    return _label_of(DECISION_LABELS, decision)


def outcome_label(outcome: object) -> str:
    """The label of an outcome; anything else is shown as it is."""
    return _label_of(OUTCOME_LABELS, outcome)


# ------------------------------------------------------------------------------------------ sections

SectionStatus = Literal["met", "not_met", "incomplete", "scored", "context"]
SECTION_STATUSES: tuple[SectionStatus, ...] = get_args(SectionStatus)
SECTION_STATUS_LABELS: dict[SectionStatus, str] = {
    "met": "Met",
    "not_met": "Not met",
    "incomplete": "Incomplete",
    "scored": "Scored",
    "context": "Context (not assessed)",
}

# ------------------------------------------------------------------------------------------ devices

DeviceClass = Literal["I", "Is", "Im", "IIa", "IIb", "III"]
DEVICE_CLASSES: tuple[DeviceClass, ...] = get_args(DeviceClass)
Marking = Literal["UKCA", "CE-MDR", "CE-MDD", "CE-IVDD", "none"]
MARKINGS: tuple[Marking, ...] = get_args(Marking)

# The browser cookie that holds a web session under `dtac serve` (dtac_app/workbench/sessions.py).
# Here, not there, so the server and the sign-in page can name it without loading the store.
SESSION_COOKIE_NAME = "dtac_session"
