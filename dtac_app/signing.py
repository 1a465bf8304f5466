"""Signed dossiers: the organisation's Ed25519 key, and signatures over a dossier's JSON.

Hashes in a dossier prove it is internally consistent, not who made it: anyone can edit an answer
and recompute every hash. A signature made with the organisation's private key, checked against a
public key the reader already trusts, proves both origin and integrity.

- ``dtac keys init`` writes the private key (PEM, readable by its owner only) at the key path and
  the public key beside it as ``<key>.pub``: one line ``dtac-ed25519 <base64> <signer name>``.
- The signed payload is the dossier's canonical JSON (sorted keys, no whitespace, ASCII) with
  only ``signature.value`` left out, so the signer's name and public key are signed too.
- Ed25519 signatures are deterministic: the same dossier and key always give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import InputError

ALGORITHM = "ed25519"
PUBLIC_KEY_PREFIX = "dtac-ed25519"
MAX_SIGNER_NAME = 200


def public_key_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".pub")


def fingerprint(raw_public_key: bytes) -> str:
    """``SHA256:<base64>`` of the raw 32-byte public key, the form OpenSSH prints."""
    digest = hashlib.sha256(raw_public_key).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _clean_name(name: str) -> str:
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())
    if not text:
        raise ValueError("the signer's name is empty")
    if len(text) > MAX_SIGNER_NAME:
        raise ValueError(f"the signer's name is longer than {MAX_SIGNER_NAME} characters")
    return text


@dataclass(frozen=True)
class PublicKey:
    """A public key and the name its owner gave it."""

    raw: bytes
    signer: str

    @property
    def b64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    def line(self) -> str:
        return f"{PUBLIC_KEY_PREFIX} {self.b64} {self.signer}"


@dataclass(frozen=True)
class SigningKey:
    """The organisation's private key, with its public half."""

    private: Ed25519PrivateKey
    public: PublicKey

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    @property
    def signer(self) -> str:
        return self.public.signer

    def sign(self, payload: bytes) -> bytes:
        return self.private.sign(payload)


def parse_public_key(line: str, *, file: str = "(public key)", field: str = "line 1") -> PublicKey:
    """Read ``dtac-ed25519 <base64> <signer name>``."""
    parts = line.strip().split(None, 2)
    if len(parts) < 3 or parts[0] != PUBLIC_KEY_PREFIX:
        raise InputError(file, field, f"expected '{PUBLIC_KEY_PREFIX} <base64 key> <signer name>'")
    try:
        raw = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise InputError(file, field, "the key is not valid base64") from None
    if len(raw) != 32:
        raise InputError(file, field, "an Ed25519 public key is 32 bytes")
    try:
        return PublicKey(raw=raw, signer=_clean_name(parts[2]))
    except ValueError as e:
        raise InputError(file, field, str(e)) from None


def read_public_keys(path: Path) -> list[PublicKey]:
    """Every key in a public-key file (one per line; blank lines and ``#`` comments ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "", "no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), "", f"cannot read the key file: {e}") from None
    keys = [
        parse_public_key(line, file=str(path), field=f"line {n}")
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not keys:
        raise InputError(str(path), "", "no public key in this file")
    return keys


def init_key(path: Path, signer: str, *, overwrite: bool = False) -> SigningKey:
    """Make a new key pair at ``path`` (private, mode 0600) and ``path.pub``; refuses to overwrite."""
    name = _clean_name(signer)
    pub_path = public_key_path(path)
    if not overwrite and (path.exists() or pub_path.exists()):
        raise FileExistsError(str(path if path.exists() else pub_path))
    path.parent.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = SigningKey(private, PublicKey(_raw_public(private.public_key()), name))
    _write_atomic(path, pem, 0o600)
    _write_atomic(pub_path, (key.public.line() + "\n").encode("utf-8"), 0o644)
    return key


def load_signing_key(path: Path) -> SigningKey:
    """The key pair written by :func:`init_key`; a missing or damaged file raises InputError."""
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "", "no signing key here; run 'dtac keys init --signer NAME'") from None
    except OSError as e:
        raise InputError(str(path), "", f"cannot read the signing key: {e.strerror or e}") from None
    try:
        private = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise InputError(str(path), "", "not an unencrypted PEM private key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise InputError(str(path), "", "not an Ed25519 key")
    [public] = read_public_keys(public_key_path(path))[:1]
    if public.raw != _raw_public(private.public_key()):
        raise InputError(
            str(public_key_path(path)), "line 1", "this public key does not belong to the private key"
        )
    return SigningKey(private, public)


# ----------------------------------------------------------------------------- signatures


def signed_payload(document: dict[str, Any]) -> bytes:
    """What is signed: the canonical JSON of the document with ``signature.value`` left out."""
    data = dict(document)
    sig = data.get("signature")
    if isinstance(sig, dict):
        data["signature"] = {k: v for k, v in sig.items() if k != "value"}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def signature_block(key: SigningKey) -> dict[str, str]:
    """The signature block before signing (the value is filled in by :func:`sign_document`)."""
    return {
        "algorithm": ALGORITHM,
        "signer": key.signer,
        "public_key": key.public.b64,
        "key_fingerprint": key.fingerprint,
        "value": "",
    }


def sign_document(document: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """A copy of ``document`` with a ``signature`` block over everything else in it."""
    out = {**document, "signature": signature_block(key)}
    value = key.sign(signed_payload(out))
    out["signature"]["value"] = base64.b64encode(value).decode("ascii")
    return out


SignatureStatus = Literal["trusted", "untrusted", "invalid", "unsigned", "malformed"]


@dataclass(frozen=True)
class SignatureCheck:
    status: SignatureStatus
    signer: str  # the name the trusted key file gives, else the name the dossier claims
    fingerprint: str
    detail: str


def check_signature(document: dict[str, Any], trusted: list[PublicKey]) -> SignatureCheck:
    """Does the document carry a valid signature, and was it made with a trusted key?"""
    sig = document.get("signature")
    if sig is None:
        return SignatureCheck(
            "unsigned", "", "", "the dossier is not signed, so who made it cannot be confirmed"
        )
    try:
        if sig.get("algorithm") != ALGORITHM:
            raise ValueError(f"unknown signature algorithm {sig.get('algorithm')!r}")
        raw = base64.b64decode(str(sig["public_key"]), validate=True)
        value = base64.b64decode(str(sig["value"]), validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw)
    except (AttributeError, KeyError, ValueError) as e:
        return SignatureCheck("malformed", "", "", f"the signature block cannot be read: {e}")
    fp = fingerprint(raw)
    claimed = str(sig.get("signer", ""))
    try:
        public.verify(value, signed_payload(document))
    except InvalidSignature:
        return SignatureCheck(
            "invalid",
            claimed,
            fp,
            "the signature does not match: the dossier was changed after it was signed",
        )
    if sig.get("key_fingerprint") != fp:
        return SignatureCheck("malformed", claimed, fp, "the recorded key fingerprint is not the key's")
    match = next((k for k in trusted if k.raw == raw), None)
    if match is None:
        return SignatureCheck(
            "untrusted",
            claimed,
            fp,
            f"signed with key {fp}, which claims to be “{claimed}” but is not a trusted key; "
            "pass the signer's public key with --key",
        )
    return SignatureCheck(
        "trusted", match.signer, fp, f"signed by {match.signer} (key {fp}); nothing changed since"
    )


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".dtac-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
