"""Write the files an import or export produces: all or nothing, never over an existing file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dtac_app.errors import InputError


def write_new_files(files: dict[Path, bytes]) -> None:
    """Refuse before writing anything if a target exists or its folder is missing; then write each
    to a temporary file beside it and move them into place, removing every temporary file on failure."""
    for path in files:
        if path.exists():
            raise InputError(str(path), "", "already exists; choose another name")
        if not path.parent.resolve().is_dir():
            raise InputError(str(path), "", f"folder {path.parent} does not exist")
    temps: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=".dtac-", suffix=".tmp", dir=path.parent.resolve())
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as e:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        target = temps[-1][1] if temps else next(iter(files))
        raise InputError(str(target), "", f"cannot write the file: {e.strerror or e}") from None
