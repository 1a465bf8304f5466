"""The catalogue as the engine receives it: every validated set together, the files they came from,
and the map between DTAC form versions. (Reading the files is ``dtac_app.catalogue``.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import ConfigDict, Field

from .base import Frozen as _Frozen
from .nice import NiceProfile
from .policy import Policy
from .questions import CriteriaSet
from .regulatory import RegulatoryRules


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
