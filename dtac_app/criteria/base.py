"""The base of every criteria model: frozen, and unknown keys are errors (a typo in a criteria file
must stop the load, not be ignored)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
