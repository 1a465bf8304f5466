"""The submission a vendor writes (YAML or JSON): models, normalisation against criteria, schema.

Pure: reading files and hashing evidence live in ``dtac_app.submission_io``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .criteria import Catalogue, CriteriaSet, Question, canon_label, normalise_set_key
from .errors import InputError, InputErrors
from .vocabulary import DeviceClass as DeviceClass
from .vocabulary import Marking as MarkingName
from .vocabulary import Profile

SUBMISSION_SCHEMA: Literal["dtac-submission/1"] = "dtac-submission/1"
MAX_ANSWER_CHARS = 100_000
MAX_TEXT_CHARS = 2_000
QUESTION_ID = r"^[A-D]\d+(\.\d+)*$"

ShortText = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Product(_Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    version: Annotated[str, Field(min_length=1, max_length=100)]
    manufacturer: Annotated[str, Field(min_length=1, max_length=300)]
    description: ShortText = ""
    website: ShortText = ""


class EvidenceRecord(_Model):
    """One piece of evidence: a certificate, report or document, tied to a question."""

    question: Annotated[str, Field(pattern=QUESTION_ID)]
    kind: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    title: ShortText = ""
    reference: ShortText = ""
    issuer: ShortText = ""
    issued: dt.date | None = None
    expires: dt.date | None = None
    file: ShortText | None = None
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    highest_cvss: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] | None = None
    owasp_top10: bool | None = None
    status: ShortText | None = None
    period: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")] | None = None
    ods_code: ShortText | None = None

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _dates_in_order(self) -> EvidenceRecord:
        if self.issued and self.expires and self.expires < self.issued:
            raise ValueError(f"expires ({self.expires}) is before issued ({self.issued})")
        if self.period:
            start, end = int(self.period[:4]), int(self.period[5:])
            if (start + 1) % 100 != end:
                raise ValueError(f"period '{self.period}' must name consecutive years, e.g. 2025-26")
        return self


class Regulatory(_Model):
    """GB medical-device status as the manufacturer states it."""

    medical_device: bool
    device_class: DeviceClass | None = None
    marking: MarkingName | None = None
    class_i_ce_basis: Literal["mdr", "mdd_upclassified", "mdd_only"] | None = None
    certificate_number: ShortText | None = None
    certificate_issuer: ShortText | None = None
    certificate_expiry: dt.date | None = None
    mhra_registration: ShortText | None = None
    uk_responsible_person: ShortText | None = None


class EvidenceGeneration(_Model):
    agreement_in_place: bool | None = None
    last_nice_contact: dt.date | None = None
    outcomes: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ...] = ()


class Clinical(_Model):
    """Back-pain clinical profile (used by the nice-lbp profile)."""

    nice_technology: ShortText | None = None
    delivers_treatment: bool = True
    content: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ...] = ()
    minimum_age: Annotated[int, Field(ge=0, le=120)] | None = None
    pain_duration: tuple[Literal["acute", "chronic"], ...] = ()
    features: tuple[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], ...] = ()
    self_referral: bool | None = None
    red_flag_escalation: bool | None = None
    evidence_generation: EvidenceGeneration | None = None


AnswerValue = str


class Submission(_Model):
    """A vendor's DTAC submission for one product version."""

    schema_: Literal["dtac-submission/1"] = Field(default=SUBMISSION_SCHEMA, alias="schema")
    criteria: str = "dtac-v2.0"
    profile: Profile = "dtac"
    submitted_on: dt.date | None = None
    product: Product
    answers: dict[Annotated[str, Field(pattern=QUESTION_ID)], AnswerValue] = {}
    evidence: tuple[EvidenceRecord, ...] = ()
    regulatory: Regulatory | None = None
    clinical: Clinical | None = None
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, populate_by_name=True)

    @field_validator("answers", mode="before")
    @classmethod
    def _coerce_answers(cls, v: Any) -> Any:
        """Accept what people type: booleans become Yes/No, numbers and dates become text."""
        if not isinstance(v, dict):
            return v
        out: dict[Any, Any] = {}
        for k, val in v.items():
            if val is None:
                continue
            if isinstance(val, bool):
                val = "Yes" if val else "No"
            elif isinstance(val, int | float):
                val = repr(val) if isinstance(val, float) else str(val)
            elif isinstance(val, dt.date):
                val = val.isoformat()
            elif isinstance(val, str):
                if len(val) > MAX_ANSWER_CHARS:
                    raise ValueError(
                        f"answer {k} is {len(val):,} characters; the limit is {MAX_ANSWER_CHARS:,}"
                    )
            else:
                raise ValueError(
                    f"answer {k} must be text, a number, a date or yes/no, not a {type(val).__name__}"
                )
            out[str(k)] = val
        return out

    @field_validator("criteria")
    @classmethod
    def _criteria_key(cls, v: str) -> str:
        return normalise_set_key(v)


# ----------------------------------------------------------------------------- normalising


_canon = canon_label


def normalise(sub: Submission, catalogue: Catalogue, *, file: str = "<submission>") -> Submission:
    """Check a submission against its criteria set and return it with official option labels.

    Raises InputErrors listing every unknown question id, unusable number, unknown evidence kind or
    content item, and unknown NICE technology name. A choice answer that names no option is kept
    as written (the engine reports it on its question; ``unreadable_answers`` lists them).
    """
    errors: list[InputError] = []
    try:
        cs: CriteriaSet = catalogue.dtac_set(sub.criteria)
    except KeyError as e:
        raise InputError(file, "criteria", str(e.args[0])) from None
    answers: dict[str, str] = {}
    questions = cs.questions  # private-attribute access is slow on pydantic models: read it once
    option_lookup = cs.option_lookup
    for qid, value in sub.answers.items():
        q = questions.get(qid)
        if q is None:
            errors.append(InputError(file, f"answers.{qid}", f"no question {qid} in {cs.title}"))
            continue
        if q.type == "choice":
            # An answer that names no option is kept as written: the engine reports it on its
            # question (missing until resolved) instead of refusing the whole file.
            answers[qid] = option_lookup[qid].get(canon_label(value), value)
        elif q.type == "number" and value.strip():
            problem = number_problem(q, value)
            if problem:
                errors.append(InputError(file, f"answers.{qid}", problem))
                continue
            answers[qid] = value
        else:
            answers[qid] = value
    kinds = catalogue.regulatory.evidence_kinds
    for i, ev in enumerate(sub.evidence):
        if ev.question not in questions:
            errors.append(
                InputError(file, f"evidence[{i}].question", f"no question {ev.question} in {cs.title}")
            )
        if ev.kind not in kinds:
            errors.append(
                InputError(
                    file,
                    f"evidence[{i}].kind",
                    f"unknown evidence kind '{ev.kind}'; known: {', '.join(sorted(kinds))}",
                )
            )
        if (
            ev.status is not None
            and ev.kind == "dspt"
            and ev.status not in catalogue.regulatory.dspt.statuses
        ):
            lookup = {_canon(s): s for s in catalogue.regulatory.dspt.statuses}
            if _canon(ev.status) not in lookup:
                errors.append(
                    InputError(
                        file,
                        f"evidence[{i}].status",
                        f"'{_clip(ev.status)}' is not a DSPT status; use one of: {'; '.join(catalogue.regulatory.dspt.statuses)}",
                    )
                )
    evidence = tuple(
        ev.model_copy(update={"status": _dspt_label(ev.status, catalogue)})
        if ev.kind == "dspt" and ev.status
        else ev
        for ev in sub.evidence
    )
    clinical = sub.clinical
    if clinical is not None:
        nice = catalogue.nice
        # Each list of NICE ids: its field, what one is called, the ids given, the ids known, how one is shown.
        id_lists = (
            ("content", "content item", clinical.content, {c.id for c in nice.content_items}, str),
            ("features", "feature", clinical.features, {f.id for f in nice.features}, _clip),
        )
        for name, noun, given, known, shown in id_lists:
            for j, item in enumerate(given):
                if item not in known:
                    errors.append(
                        InputError(
                            file,
                            f"clinical.{name}[{j}]",
                            f"unknown {noun} '{shown(item)}'; known: {', '.join(sorted(known))}",
                        )
                    )
        if clinical.nice_technology:
            tech = nice.find_technology(clinical.nice_technology)
            if tech is None:
                names = ", ".join(t.name for t in nice.technologies)
                errors.append(
                    InputError(
                        file,
                        "clinical.nice_technology",
                        f"'{_clip(clinical.nice_technology)}' is not a technology NICE assessed in {nice.guidance}; "
                        f"leave it empty if NICE has not assessed the product. Known: {names}",
                    )
                )
            else:
                clinical = clinical.model_copy(update={"nice_technology": tech.name})
        if clinical.evidence_generation:
            known_outcomes = {o.id for o in nice.evidence_outcomes}
            for j, o in enumerate(clinical.evidence_generation.outcomes):
                if o not in known_outcomes:
                    errors.append(
                        InputError(
                            file,
                            f"clinical.evidence_generation.outcomes[{j}]",
                            f"unknown outcome '{o}'; known: {', '.join(sorted(known_outcomes))}",
                        )
                    )
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return sub.model_copy(update={"answers": answers, "evidence": evidence, "clinical": clinical})


def number_problem(q: Question, value: str) -> str:
    """Why ``value`` is not a usable number for question ``q`` ("" when it is)."""
    text = value.strip().removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        return f"'{_clip(value)}' is not a number; {_number_hint(q)}"
    if not math.isfinite(number) or len(text) > 40:
        return f"'{_clip(value)}' is not a finite number of sensible size; {_number_hint(q)}"
    if (q.minimum is not None and number < q.minimum) or (q.maximum is not None and number > q.maximum):
        return f"{_clip(value)} is out of range; {_number_hint(q)}"
    return ""


def _number_hint(q: Question) -> str:
    if q.minimum is not None and q.maximum is not None:
        return f"give a number from {q.minimum:g} to {q.maximum:g}" + (f" ({q.unit})" if q.unit else "")
    return "give a number" + (f" ({q.unit})" if q.unit else "")


def unreadable_answers(sub: Submission, catalogue: Catalogue) -> list[tuple[str, str, tuple[str, ...]]]:
    """Choice answers (normalised submission) that name no option: (question id, answer, options)."""
    cs = catalogue.dtac_set(sub.criteria)
    out = []
    for qid, value in sub.answers.items():
        q = cs.questions.get(qid)
        if q is not None and q.type == "choice" and value not in q.options:
            out.append((qid, value, q.options))
    return out


def _dspt_label(status: str | None, catalogue: Catalogue) -> str | None:
    if status is None:
        return None
    lookup = {_canon(s): s for s in catalogue.regulatory.dspt.statuses}
    return lookup.get(_canon(status), status)


def _clip(text: str, n: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def submission_json_schema() -> dict[str, Any]:
    schema = Submission.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://dtac-workbench.invalid/schemas/dtac-submission-1.json"
    schema["title"] = "DTAC Workbench submission (dtac-submission/1)"
    schema["description"] = (
        "A vendor's DTAC submission for one product version. Answers are keyed by official DTAC "
        "question id (e.g. C1.2.4) and use the official option labels (case-insensitive)."
    )
    return schema
