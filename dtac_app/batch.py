"""The batch path: assess a folder of submissions on every core, streaming rows to CSV.

Memory stays flat: workers return one small row per file and the parent writes it straight
to a temporary CSV that replaces the target only when the run completes.
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing as mp
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .catalogue import get_catalogue
from .errors import InputError
from .services import BATCH_COLUMNS, AssessedFile, assess_file, batch_row, neutralise_cell

_worker_state: dict[str, Any] = {}


def _init_worker(as_of: dt.date, profile: str | None, criteria_dir: str | None) -> None:
    _worker_state["as_of"] = as_of
    _worker_state["profile"] = profile
    _worker_state["catalogue"] = get_catalogue(criteria_dir)


def _assess_one(path: str) -> dict[str, Any]:
    try:
        sub, a = assess_file(
            path,
            as_of=_worker_state["as_of"],
            profile=_worker_state["profile"],
            catalogue=_worker_state["catalogue"],
        )
        return batch_row(AssessedFile(path, sub, a, None))
    except InputError as e:
        return batch_row(AssessedFile(path, None, None, e))
    except Exception as e:  # noqa: BLE001 - one broken file must not stop the batch
        return batch_row(
            AssessedFile(path, None, None, InputError(path, "", f"unexpected error: {type(e).__name__}: {e}"))
        )


def iter_rows(
    paths: Sequence[Path],
    *,
    as_of: dt.date,
    profile: str | None = None,
    workers: int = 0,
    criteria_dir: str | None = None,
) -> Iterator[dict[str, Any]]:
    names = [str(p) for p in paths]
    n_workers = workers or os.cpu_count() or 1
    if n_workers <= 1 or len(names) < 40:
        _init_worker(as_of, profile, criteria_dir)
        for name in names:
            yield _assess_one(name)
        return
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    chunk = max(1, min(64, len(names) // (n_workers * 8)))
    with ctx.Pool(n_workers, initializer=_init_worker, initargs=(as_of, profile, criteria_dir)) as pool:
        yield from pool.imap(_assess_one, names, chunksize=chunk)


def run_batch(
    paths: Sequence[Path],
    *,
    as_of: dt.date,
    profile: str | None = None,
    csv_path: str | os.PathLike[str] | None = None,
    workers: int = 0,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    quiet_rows: bool = True,
    printer: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Assess ``paths``; stream rows to ``csv_path`` (written atomically). Returns the row count."""
    fh = writer = None
    tmp = None
    if csv_path is not None:
        target = Path(csv_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dtac-batch-", suffix=".csv.tmp", dir=target.parent)
        fh = os.fdopen(fd, "w", newline="", encoding="utf-8")
        writer = csv.DictWriter(fh, fieldnames=BATCH_COLUMNS, extrasaction="ignore")
        writer.writeheader()
    n = 0
    try:
        for row in iter_rows(paths, as_of=as_of, profile=profile, workers=workers):
            n += 1
            if writer is not None:
                writer.writerow({k: neutralise_cell(v) for k, v in row.items()})
            if printer is not None and not quiet_rows:
                printer(row)
            if on_row is not None:
                on_row(row)
        if fh is not None and tmp is not None and csv_path is not None:
            fh.close()
            os.replace(tmp, csv_path)
            tmp = None
    finally:
        if fh is not None and not fh.closed:
            fh.close()
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return n
