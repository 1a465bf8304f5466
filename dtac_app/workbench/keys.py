"""Where the organisation's signing key and the trusted public keys are (settings, not cryptography).

The cryptography is in :mod:`dtac_app.signing`; this module only finds the files.
"""

from __future__ import annotations

from pathlib import Path

from dtac_app.settings import env_name, get_settings
from dtac_app.signing import PublicKey, SigningKey, load_signing_key, public_key_path, read_public_keys
from dtac_app.store.location import data_dir

SIGNING_KEY_ENV = env_name("signing_key")
TRUSTED_KEYS_ENV = env_name("trusted_keys")


def signing_key_path() -> Path:
    """The organisation's private key: ``$DTAC_SIGNING_KEY``, else ``<data dir>/keys/dossier-signing.pem``."""
    return get_settings().signing_key or data_dir() / "keys" / "dossier-signing.pem"


def configured_signing_key() -> SigningKey | None:
    """The organisation's key if one has been made (``dtac keys init``), else None."""
    path = signing_key_path()
    return load_signing_key(path) if path.exists() else None


def trusted_keys(extra: list[Path] | None = None) -> tuple[list[PublicKey], list[str]]:
    """Keys to check signatures against, and where they came from.

    Keys given on the command line are the only ones used when there are any; otherwise the
    organisation's own public key and every key in ``$DTAC_TRUSTED_KEYS``.
    """
    if extra:
        return [k for p in extra for k in read_public_keys(p)], [str(p) for p in extra]
    keys: list[PublicKey] = []
    sources: list[str] = []
    own = public_key_path(signing_key_path())
    if own.exists():
        keys += read_public_keys(own)
        sources.append(str(own))
    extra_file = get_settings().trusted_keys
    if extra_file is not None:
        keys += read_public_keys(extra_file)
        sources.append(str(extra_file))
    return keys, sources
