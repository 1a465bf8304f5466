"""Reading submission files: parse, validate, normalise, and check evidence files' SHA-256.

Every problem is reported as ``file: field: reason``; nothing is written.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .catalogue import format_validation_error
from .criteria import Catalogue
from .errors import InputError, InputErrors
from .safe_yaml import MAX_DOCUMENT_BYTES, parse_document
from .submission import Submission, normalise

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_submission(data: Any, catalogue: Catalogue, *, file: str) -> Submission:
    """Validate already-parsed data into a normalised Submission (no file access)."""
    if not isinstance(data, dict):
        raise InputError(file, "(top level)", "expected a mapping with product, answers and evidence")
    try:
        sub = Submission.model_validate(data)
    except ValidationError as e:
        raise format_validation_error(file, e) from None
    return normalise(sub, catalogue, file=file)


def read_text(path: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    name = str(path)
    if "\x00" in name:
        raise InputError(name.replace("\x00", "\\0"), "path", "the file name contains a NUL character")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(name, "", f"cannot read file: {e.strerror or e}") from None
    if not path.is_file():
        raise InputError(name, "", "not a file")
    if size > max_bytes:
        raise InputError(
            name, "", f"file is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB"
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(name, f"byte {e.start}", "file is not UTF-8 text") from None


def load_submission(
    path: str | os.PathLike[str],
    catalogue: Catalogue,
    *,
    check_files: bool = True,
    evidence_dir: str | os.PathLike[str] | None = None,
) -> Submission:
    """Load a submission file, validate it and verify every evidence file it names."""
    p = Path(path)
    text = read_text(p)
    data = parse_document(text, file=str(p))
    sub = parse_submission(data, catalogue, file=str(p))
    if check_files:
        sub = verify_evidence_files(sub, Path(evidence_dir) if evidence_dir else p.parent, file=str(p))
    return sub


def resolve_evidence_path(base: Path, rel: str, *, file: str, field: str) -> Path:
    """Evidence paths are relative to the submission and may not escape its folder."""
    candidate = Path(rel)
    if candidate.is_absolute():
        raise InputError(file, field, f"evidence path '{rel}' must be relative to the submission's folder")
    resolved = (base / candidate).resolve()
    root = base.resolve()
    if root != resolved and root not in resolved.parents:
        raise InputError(file, field, f"evidence path '{rel}' points outside the submission's folder")
    return resolved


def verify_evidence_files(sub: Submission, base: Path, *, file: str) -> Submission:
    errors: list[InputError] = []
    updated = list(sub.evidence)
    for i, ev in enumerate(sub.evidence):
        if not ev.file:
            continue
        field = f"evidence[{i}].file"
        try:
            target = resolve_evidence_path(base, ev.file, file=file, field=field)
        except InputError as e:
            errors.append(e)
            continue
        if not target.is_file():
            errors.append(InputError(file, field, f"evidence file not found: {ev.file}"))
            continue
        if target.stat().st_size > MAX_EVIDENCE_BYTES:
            errors.append(
                InputError(
                    file,
                    field,
                    f"evidence file {ev.file} is larger than {MAX_EVIDENCE_BYTES // 1_048_576} MB",
                )
            )
            continue
        digest = sha256_file(target)
        if ev.sha256 is None:
            updated[i] = ev.model_copy(update={"sha256": digest})
        elif ev.sha256 != digest:
            errors.append(
                InputError(
                    file,
                    f"evidence[{i}].sha256",
                    f"hash of {ev.file} does not match: the file has {digest[:12]}…, the submission says {ev.sha256[:12]}…",
                )
            )
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return sub.model_copy(update={"evidence": tuple(updated)})


MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024


def load_upload(name: str, data: bytes, catalogue: Catalogue) -> Submission:
    """Load an uploaded submission: a YAML/JSON file, or a ZIP holding one plus its evidence files.

    ZIP members are extracted into a private temporary folder (no absolute paths, no ``..``,
    bounded count and size) so evidence hashes can be checked; the folder is removed afterwards.
    """
    import tempfile
    import zipfile

    lower = name.lower()
    if lower.endswith(".zip"):
        try:
            zf = zipfile.ZipFile(__import__("io").BytesIO(data))
        except zipfile.BadZipFile:
            raise InputError(name, "", "not a valid ZIP file") from None
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise InputError(name, "", f"ZIP holds {len(members)} files; the limit is {MAX_ZIP_MEMBERS}")
        if sum(m.file_size for m in members) > MAX_ZIP_TOTAL_BYTES:
            raise InputError(name, "", f"ZIP expands to more than {MAX_ZIP_TOTAL_BYTES // 1_048_576} MB")
        subs = [
            m
            for m in members
            if "/" not in m.filename.strip("/") and m.filename.lower().endswith((".yaml", ".yml", ".json"))
        ]
        if len(subs) != 1:
            raise InputError(
                name,
                "",
                "the ZIP must hold exactly one submission file (.yaml, .yml or .json) at its top level",
            )
        with tempfile.TemporaryDirectory(prefix="dtac-upload-") as tmp:
            root = Path(tmp).resolve()
            for m in members:
                target = (root / m.filename).resolve()
                if root not in target.parents:
                    raise InputError(name, m.filename, "ZIP entry points outside the archive folder")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(m) as src, target.open("wb") as dst:
                    dst.write(src.read(MAX_EVIDENCE_BYTES + 1))
            sub = load_submission(root / subs[0].filename, catalogue)
            return sub
    if not lower.endswith((".yaml", ".yml", ".json")):
        raise InputError(
            name,
            "",
            "upload a .yaml, .yml or .json submission, or a .zip with the submission and its evidence",
        )
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InputError(
            name,
            "",
            f"file is {len(data) / 1_048_576:.1f} MB; the limit is {MAX_DOCUMENT_BYTES / 1_048_576:.0f} MB",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(name, f"byte {e.start}", "file is not UTF-8 text") from None
    return parse_submission(parse_document(text, file=name), catalogue, file=name)
