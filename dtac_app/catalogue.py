"""Load and validate the criteria files in ``criteria/`` (the I/O edge of the criteria layer).

Every file's SHA-256 is kept so each assessment can record exactly which criteria it used.
A broken file fails at load time with the file name, the key path and the reason.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import settings
from .criteria import (
    Catalogue,
    CriteriaSet,
    LoadedFile,
    MigrationMap,
    NiceProfile,
    Policy,
    RegulatoryRules,
)
from .errors import MAX_REPORTED_ERRORS, InputError, InputErrors
from .safe_yaml import parse_document

DEFAULT_CRITERIA_DIR = settings.DEFAULT_CRITERIA_DIR

M = TypeVar("M", bound=BaseModel)


def format_validation_error(file: str, err: ValidationError) -> InputError:
    problems = []
    # Without the offending inputs: a file with 300 000 bad keys would otherwise copy each one.
    for e in err.errors(include_url=False, include_input=False)[:MAX_REPORTED_ERRORS]:
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-after"))
        msg = e["msg"].removeprefix("Value error, ")
        problems.append(InputError(file, loc or "(top level)", msg))
    total = err.error_count()
    return problems[0] if total == 1 else InputErrors(problems, total=total)


def _validate(model: type[M], data: Any, file: str) -> M:
    if not isinstance(data, dict):
        raise InputError(file, "(top level)", "expected a mapping of keys to values")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise format_validation_error(file, e) from None


def _read(path: Path) -> tuple[Any, str]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(str(path), "", f"cannot read file: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(str(path), f"byte {e.start}", "file is not UTF-8 text") from None
    return parse_document(text, file=str(path)), hashlib.sha256(raw).hexdigest()


def load_catalogue(directory: str | os.PathLike[str] | None = None) -> Catalogue:
    """Read every criteria file in ``directory`` and validate it (no caching)."""
    root = Path(directory or settings.get_settings().criteria_root())
    if not root.is_dir():
        raise InputError(str(root), "", "criteria directory not found")
    dtac: dict[str, CriteriaSet] = {}
    files: dict[str, LoadedFile] = {}
    regulatory: RegulatoryRules | None = None
    nice: NiceProfile | None = None
    policy = Policy()
    migrations: list[MigrationMap] = []
    for path in sorted(root.glob("*.y*ml")):
        data, digest = _read(path)
        schema = data.get("schema") if isinstance(data, dict) else None
        name = str(path)
        if schema == "dtac-criteria/1":
            cs = _validate(CriteriaSet, data, name)
            dtac[cs.key] = cs
            files[cs.key] = LoadedFile(name, digest)
        elif schema == "dtac-regulatory/1":
            regulatory = _validate(RegulatoryRules, data, name)
            files[f"gb-regulatory-v{regulatory.version}"] = LoadedFile(name, digest)
        elif schema == "dtac-nice-profile/1":
            nice = _validate(NiceProfile, data, name)
            files[f"nice-lbp-v{nice.version}"] = LoadedFile(name, digest)
        elif schema == "dtac-migration/1":
            mm = _validate(MigrationMap, data, name)
            migrations.append(mm)
            files[f"migration-{mm.from_}-{mm.to}"] = LoadedFile(name, digest)
        elif schema == "dtac-policy/1":
            policy = _validate(Policy, data, name)
            files["policy"] = LoadedFile(name, digest)
        else:
            raise InputError(
                name,
                "schema",
                f"unknown or missing schema '{schema}'; expected one of dtac-criteria/1, "
                "dtac-regulatory/1, dtac-nice-profile/1, dtac-policy/1, dtac-migration/1",
            )
    if not dtac:
        raise InputError(str(root), "", "no DTAC criteria set found")
    if regulatory is None:
        raise InputError(str(root), "", "no GB regulatory rules file (schema dtac-regulatory/1) found")
    if nice is None:
        raise InputError(str(root), "", "no NICE back-pain profile (schema dtac-nice-profile/1) found")
    for mm in migrations:
        for end in (mm.from_, mm.to):
            if end not in dtac:
                raise InputError(
                    files[f"migration-{mm.from_}-{mm.to}"].path, "from/to", f"unknown criteria set '{end}'"
                )
        src, dst = dtac[mm.from_], dtac[mm.to]
        for i, co in enumerate(mm.carry_over):
            for side, cs, qid in (("v1", src, co.v1), ("v2", dst, co.v2)):
                if qid not in cs.questions:
                    raise InputError(
                        files[f"migration-{mm.from_}-{mm.to}"].path,
                        f"carry_over.{i}.{side}",
                        f"no question {qid} in {cs.title}",
                    )
    return Catalogue(
        dtac=dtac, regulatory=regulatory, nice=nice, policy=policy, files=files, migrations=tuple(migrations)
    )


_cache: dict[str, Catalogue] = {}
_lock = threading.Lock()


def get_catalogue(directory: str | os.PathLike[str] | None = None) -> Catalogue:
    """Load once per process and directory; later calls are free."""
    key = str(Path(directory or settings.get_settings().criteria_root()).resolve())
    cat = _cache.get(key)
    if cat is None:
        with _lock:
            cat = _cache.get(key)
            if cat is None:
                cat = load_catalogue(key)
                _cache[key] = cat
    return cat


def clear_cache() -> None:
    _cache.clear()
