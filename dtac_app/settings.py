"""Every setting the application reads from the environment, in one place (``DTAC_`` prefix).

Call :func:`get_settings` where a setting is needed: it re-reads the environment when a ``DTAC_``
variable changed (a test's monkeypatch, ``dtac serve`` pinning the database for its server) and
otherwise returns the same object (building one takes about a millisecond; checking takes a few
microseconds). An empty variable counts as unset. ``docs/settings.md`` lists them all.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "DTAC_"
DEFAULT_CRITERIA_DIR = Path(__file__).resolve().parent.parent / "criteria"


class Settings(BaseSettings):
    """The environment variables ``DTAC_*``; see ``docs/settings.md``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore")

    criteria_dir: Path | None = Field(
        default=None, description="Folder of criteria files (default: criteria/ in the project)."
    )
    data_dir: Path | None = Field(
        default=None, description="Folder of the SQLite database (default: ./data under the current folder)."
    )
    database_url: str | None = Field(
        default=None, description="Database URL (PostgreSQL); wins over DTAC_DATA_DIR."
    )
    max_evidence_mb: float = Field(
        default=25.0, gt=0, le=1024, description="Largest evidence file accepted, in MB (per file)."
    )
    migration_database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of the schema owner: migrations run as it and grant the app role "
        "(DTAC_DATABASE_URL's user) its least privileges (docs/deployment.md).",
    )
    signing_key: Path | None = Field(
        default=None,
        description="The organisation's Ed25519 dossier signing key (default: DATA_DIR/keys/dossier-signing.pem).",
    )
    trusted_keys: Path | None = Field(
        default=None,
        description="A file of public keys (dtac-ed25519 …) whose dossier signatures `dtac verify` trusts.",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="How long a sign-in lasts, in hours, however the browser is used (then sign in again).",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Key that signs the session cookie, at least 32 characters (default: generated into "
        "DATA_DIR/keys/session-secret on first use); give every app server the same one.",
    )
    web_sessions: bool = Field(
        default=False,
        description="Set by `dtac serve`: its server keeps a sign-in across reloads in a session cookie.",
    )
    demo_hint: str | None = Field(
        default=None, description="Set by `dtac serve`: the example accounts shown on the sign-in page."
    )

    def criteria_root(self) -> Path:
        return self.criteria_dir or DEFAULT_CRITERIA_DIR


def env_name(field: str) -> str:
    """The environment variable of a setting: ``env_name("database_url") == "DTAC_DATABASE_URL"``."""
    return ENV_PREFIX + field.upper()


_cached: tuple[tuple[tuple[str, str], ...], Settings] | None = None
_lock = threading.Lock()


def get_settings() -> Settings:
    """The settings from the current environment (see the module docstring)."""
    global _cached
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX)))
    cached = _cached
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        settings = Settings()
        _cached = (key, settings)
    return settings
