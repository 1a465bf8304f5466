"""Reading submissions: the one intake path (:func:`read_upload`) for every way a submission
arrives, with its evidence files hashed and checked.

Every problem is reported as ``file: field: reason``; nothing is written.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .catalogue import format_validation_error
from .criteria import Catalogue
from .errors import InputError, InputErrors
from .provenance import DocumentState
from .safe_yaml import MAX_DOCUMENT_BYTES, decode_text, parse_document, read_capped, too_big
from .submission import Submission, normalise

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024
"""Default per-file limit for an evidence file (a setting: ``max_evidence_mb``)."""


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
    """A UTF-8 text file of at most ``max_bytes``; every problem is an InputError naming the file."""
    return decode_text(read_capped(path, max_bytes), file=str(path), max_bytes=max_bytes)


MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024
SUBMISSION_SUFFIXES = (".yaml", ".yml", ".json")
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
_S_IFMT, _S_IFLNK = 0o170000, 0o120000
_DRIVE = re.compile(r"^[A-Za-z]:")


def max_evidence_bytes() -> int:
    """The per-file evidence limit in force: the ``max_evidence_mb`` setting (default 25 MB)."""
    from .settings import get_settings

    try:
        return int(get_settings().max_evidence_mb * 1_048_576)
    except ValueError as e:  # pydantic's ValidationError: a bad DTAC_MAX_EVIDENCE_MB
        raise InputError("DTAC_MAX_EVIDENCE_MB", "", "must be a number of megabytes above 0") from e


@dataclass(frozen=True)
class ReceivedFile:
    """An evidence file that arrived with the submission, for the evidence record at ``index``."""

    index: int
    path: str
    content: bytes
    sha256: str
    media_type: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Intake:
    """What one upload delivered: the validated submission, the submission file as received and
    the evidence files that came with it.

    A record whose file did not arrive is *asserted*: its SHA-256, if any, is the supplier's claim.
    ``missing`` holds an "evidence file not found" error for each named file that did not arrive;
    entry points that need every file (the CLI, the examples) raise them with :meth:`require_files`.
    """

    submission: Submission
    name: str
    document_name: str
    document: bytes
    files: tuple[ReceivedFile, ...] = ()
    missing: tuple[InputError, ...] = ()

    def file_for(self, index: int) -> ReceivedFile | None:
        return next((f for f in self.files if f.index == index), None)

    def states(self) -> dict[int, DocumentState]:
        """Each evidence record's state as the intake sees it: received or asserted."""
        got = {f.index for f in self.files}
        return {i: ("received" if i in got else "asserted") for i in range(len(self.submission.evidence))}

    def require_files(self) -> Intake:
        if self.missing:
            raise self.missing[0] if len(self.missing) == 1 else InputErrors(list(self.missing))
        return self


def media_type(content: bytes) -> str:
    """The media type read from the bytes themselves, never from the file name."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    sample = content[:65536]
    if b"\x00" in sample:
        return "application/octet-stream"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as e:
        # A character cut by the sample's end is still text; anything else is binary.
        if len(content) <= len(sample) or e.start < len(sample) - 3:
            return "application/octet-stream"
    return "text/plain"


def read_upload(
    name: str,
    data: bytes,
    catalogue: Catalogue,
    *,
    folder: str | os.PathLike[str] | None = None,
    max_file_bytes: int | None = None,
) -> Intake:
    """The one way in: the pre-check, "Send", the CLI, the example seeding and the stored-dossier
    rebuild all read a submission here, so every upload meets the same checks and the same errors.

    ``name`` ends in .yaml, .yml or .json (the submission file) or .zip (one submission file at the
    ZIP's top level plus its evidence files). Evidence files are looked up in the ZIP, or in
    ``folder`` on disk (the CLI and the examples); a file sent on its own carries none, so its
    records stay *asserted*. Each file that arrives is hashed and checked against the SHA-256 the
    submission states (a mismatch is an error) and its media type is read from its bytes.
    """
    limit = max_evidence_bytes() if max_file_bytes is None else max_file_bytes
    if name.lower().endswith(".zip"):
        doc_name, document, members = _read_zip(name, data, limit)
        label = f"{name}: {doc_name}"
        sub = _parse(label, document, catalogue)
        sub, files, missing = _collect(sub, label, lambda rel: members.get(rel))
        return Intake(sub, Path(name).name, doc_name, document, files, missing)
    if not name.lower().endswith(SUBMISSION_SUFFIXES):
        raise InputError(
            name,
            "",
            "upload a .yaml, .yml or .json submission, or a .zip with the submission and its evidence",
        )
    sub = _parse(name, data, catalogue)
    if folder is None:
        sub, files, missing = _collect(sub, name, lambda rel: None)
    else:
        base = Path(folder)
        sub, files, missing = _collect(sub, name, lambda rel: _disk_file(base, rel, name, limit))
    return Intake(sub, Path(name).name, Path(name).name, data, files, missing)


def read_path(
    path: str | os.PathLike[str],
    catalogue: Catalogue,
    *,
    evidence_dir: str | os.PathLike[str] | None = None,
    check_files: bool = True,
    max_file_bytes: int | None = None,
) -> Intake:
    """:func:`read_upload` for a file on disk, with its evidence looked up beside it.

    ``max_file_bytes`` as in :func:`read_upload` (a batch reads the setting once, not per file)."""
    p = Path(path)
    if p.suffix.lower() == ".zip":
        raw = read_capped(p, MAX_ZIP_TOTAL_BYTES)
        return read_upload(str(p), raw, catalogue, max_file_bytes=max_file_bytes)
    raw = read_capped(p, MAX_DOCUMENT_BYTES)
    folder = (Path(evidence_dir) if evidence_dir else p.parent) if check_files else None
    return read_upload(str(p), raw, catalogue, folder=folder, max_file_bytes=max_file_bytes)


def load_submission(
    path: str | os.PathLike[str],
    catalogue: Catalogue,
    *,
    check_files: bool = True,
    evidence_dir: str | os.PathLike[str] | None = None,
) -> Submission:
    """Load a submission file, validate it and verify every evidence file it names (all must exist)."""
    intake = read_path(path, catalogue, evidence_dir=evidence_dir, check_files=check_files)
    return intake.require_files().submission if check_files else intake.submission


def load_upload(name: str, data: bytes, catalogue: Catalogue) -> Submission:
    """The submission of an upload (see :func:`read_upload`); files that did not arrive stay asserted."""
    return read_upload(name, data, catalogue).submission


# ----------------------------------------------------------------------------- internals


def _parse(file: str, raw: bytes, catalogue: Catalogue) -> Submission:
    return parse_submission(parse_document(decode_text(raw, file=file), file=file), catalogue, file=file)


def _normalise(rel: str) -> str | None:
    """A relative POSIX path inside the package, or None when it is absolute or leaves it."""
    p = rel.replace("\\", "/")
    if p.startswith("/") or _DRIVE.match(p):
        return None
    p = posixpath.normpath(p)
    if p in (".", "..") or p.startswith("../"):
        return None
    return p


def _collect(
    sub: Submission, file: str, lookup: Callable[[str], bytes | None]
) -> tuple[Submission, tuple[ReceivedFile, ...], tuple[InputError, ...]]:
    """Hash every evidence file that arrived; errors for bad paths and hash mismatches."""
    errors: list[InputError] = []
    missing: list[InputError] = []
    files: list[ReceivedFile] = []
    updated = list(sub.evidence)
    for i, ev in enumerate(sub.evidence):
        if not ev.file:
            continue
        field = f"evidence[{i}].file"
        if ev.file.replace("\\", "/").startswith("/") or _DRIVE.match(ev.file):
            errors.append(
                InputError(
                    file, field, f"evidence path '{ev.file}' must be relative to the submission's folder"
                )
            )
            continue
        rel = _normalise(ev.file)
        if rel is None:
            errors.append(
                InputError(file, field, f"evidence path '{ev.file}' points outside the submission's folder")
            )
            continue
        try:
            content = lookup(rel)
        except InputError as e:
            errors.append(InputError(file, field, e.reason))
            continue
        if content is None:
            missing.append(InputError(file, field, f"evidence file not found: {ev.file}"))
            continue
        digest = hashlib.sha256(content).hexdigest()
        if ev.sha256 is None:
            updated[i] = ev.model_copy(update={"sha256": digest})
        elif ev.sha256 != digest:
            errors.append(
                InputError(
                    file,
                    f"evidence[{i}].sha256",
                    f"hash of {ev.file} does not match: the file has {digest[:12]}…, "
                    f"the submission says {ev.sha256[:12]}…",
                )
            )
            continue
        files.append(ReceivedFile(i, ev.file, content, digest, media_type(content)))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return sub.model_copy(update={"evidence": tuple(updated)}), tuple(files), tuple(missing)


def _disk_file(base: Path, rel: str, file: str, limit: int) -> bytes | None:
    target = resolve_evidence_path(base, rel, file=file, field="")
    if not target.is_file():
        return None
    size = target.stat().st_size
    if size > limit:
        raise InputError(file, "", f"evidence file {rel} is {too_big(size, limit)}")
    return target.read_bytes()


def resolve_evidence_path(base: Path, rel: str, *, file: str, field: str) -> Path:
    """Evidence paths are relative to the submission and may not escape its folder (nor follow a
    symbolic link out of it)."""
    candidate = Path(rel)
    if candidate.is_absolute():
        raise InputError(file, field, f"evidence path '{rel}' must be relative to the submission's folder")
    resolved = (base / candidate).resolve()
    root = base.resolve()
    if root != resolved and root not in resolved.parents:
        raise InputError(file, field, f"evidence path '{rel}' points outside the submission's folder")
    return resolved


def _read_zip(name: str, data: bytes, limit: int) -> tuple[str, bytes, dict[str, bytes]]:
    """Read a ZIP upload in memory: (submission file name, its bytes, {normalised path: bytes}).

    Refused, each with a clear error naming the entry: more than MAX_ZIP_MEMBERS files, more than
    MAX_ZIP_TOTAL_BYTES in all, absolute paths, ``..``, symbolic links, encrypted entries, unknown
    compression methods, a damaged entry (CRC), an entry larger than its header says, a file over
    the per-file limit, and two entries that name the same file once normalised (for example one
    that would replace the submission file itself).
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InputError(name, "", "not a valid ZIP file") from None
    entries = [m for m in infos if not m.is_dir()]
    if len(entries) > MAX_ZIP_MEMBERS:
        raise InputError(name, "", f"ZIP holds {len(entries)} files; the limit is {MAX_ZIP_MEMBERS}")
    if sum(m.file_size for m in entries) > MAX_ZIP_TOTAL_BYTES:
        raise InputError(name, "", f"ZIP expands to more than {MAX_ZIP_TOTAL_BYTES // 1_048_576} MB")
    paths: dict[str, zipfile.ZipInfo] = {}
    folded: dict[str, str] = {}
    for m in entries:
        if m.filename.replace("\\", "/").startswith("/") or _DRIVE.match(m.filename):
            raise InputError(name, m.filename, "ZIP entry has an absolute path")
        rel = _normalise(m.filename)
        if rel is None:
            raise InputError(name, m.filename, "ZIP entry points outside the archive folder")
        if (m.external_attr >> 16) & _S_IFMT == _S_IFLNK:
            raise InputError(name, m.filename, "ZIP entry is a symbolic link; put the file itself in the ZIP")
        if m.flag_bits & 0x1:
            raise InputError(name, m.filename, "ZIP entry is encrypted; send the files without a password")
        if m.compress_type not in _ZIP_METHODS:
            raise InputError(
                name,
                m.filename,
                f"ZIP entry uses compression method {m.compress_type}; use a standard ZIP (deflate)",
            )
        key = rel.casefold()
        if key in folded:
            raise InputError(
                name,
                m.filename,
                f"ZIP entry names the same file as '{folded[key]}'; each file may appear once",
            )
        folded[key] = m.filename
        paths[rel] = m
    subs = [rel for rel in paths if "/" not in rel and rel.lower().endswith(SUBMISSION_SUFFIXES)]
    if len(subs) != 1:
        raise InputError(
            name,
            "",
            "the ZIP must hold exactly one submission file (.yaml, .yml or .json) at its top level",
        )
    doc_name = subs[0]
    members: dict[str, bytes] = {}
    total = 0
    for rel, m in paths.items():
        cap = MAX_DOCUMENT_BYTES if rel == doc_name else limit
        if m.file_size > cap:
            what = "the submission file" if rel == doc_name else "evidence file"
            raise InputError(name, m.filename, f"{what} is {too_big(m.file_size, cap)}")
        content = _read_member(zf, m, name, cap)
        total += len(content)
        if total > MAX_ZIP_TOTAL_BYTES:
            raise InputError(name, "", f"ZIP expands to more than {MAX_ZIP_TOTAL_BYTES // 1_048_576} MB")
        members[rel] = content
    return doc_name, members.pop(doc_name), members


def _read_member(zf: zipfile.ZipFile, m: zipfile.ZipInfo, name: str, cap: int) -> bytes:
    """An entry's bytes, never more than its header states (the header is checked, not trusted)."""
    chunks: list[bytes] = []
    got = 0
    try:
        with zf.open(m) as src:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                got += len(chunk)
                if got > m.file_size or got > cap:
                    raise InputError(name, m.filename, "ZIP entry is larger than its header says")
                chunks.append(chunk)
    except InputError:
        raise
    except zipfile.BadZipFile as e:
        reason = "damaged (CRC check failed)" if "CRC" in str(e) else f"damaged ({e})"
        raise InputError(name, m.filename, f"ZIP entry is {reason}") from None
    except NotImplementedError:
        raise InputError(
            name, m.filename, "ZIP entry uses a compression method this tool cannot read; use deflate"
        ) from None
    except (RuntimeError, OSError, EOFError, ValueError) as e:
        raise InputError(name, m.filename, f"ZIP entry cannot be read ({e})") from None
    if got != m.file_size:
        raise InputError(name, m.filename, "ZIP entry is smaller than its header says (damaged)")
    return b"".join(chunks)
