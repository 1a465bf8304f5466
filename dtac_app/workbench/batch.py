"""The batch path: assess a folder of submissions on every core, streaming rows to CSV.

Memory stays flat: workers return one small row per file and the parent writes it straight
to a temporary CSV that replaces the target only when the run completes.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dtac_app.catalogue import get_catalogue
from dtac_app.csv_safe import SafeCsvWriter
from dtac_app.errors import InputError

from .assessing import AssessedFile, assess_file

BATCH_COLUMNS = [
    "file",
    "product",
    "version",
    "manufacturer",
    "criteria",
    "profile",
    "as_of",
    "decision",
    "decision_label",
    "valid_until",
    "C1",
    "C2",
    "C3",
    "C4",
    "d1_percent",
    "device_class",
    "marking",
    "regulatory",
    "nice_technology",
    "nice_status",
    "failures",
    "missing",
    "conditions",
    "top_fix",
    "error",
]


def batch_row(item: AssessedFile) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(BATCH_COLUMNS, "")
    row["file"] = item.path
    if item.error is not None or item.assessment is None:
        row["decision"] = "error"
        row["error"] = item.error.message if item.error else "unknown error"
        return row
    a = item.assessment
    sev = [f.severity for f in a.findings]
    row.update(
        product=a.product.name,
        version=a.product.version,
        manufacturer=a.product.manufacturer,
        criteria=a.criteria.set,
        profile=a.profile,
        as_of=a.as_of.isoformat(),
        decision=a.decision,
        decision_label=a.decision_label,
        valid_until=a.valid_until.isoformat() if a.valid_until else "",
        d1_percent="" if a.d1.percent is None else f"{a.d1.percent:.1f}",
        device_class=a.regulatory.device_class or "",
        marking=a.regulatory.marking or "",
        regulatory=a.regulatory.status,
        nice_technology=a.nice.technology or "",
        nice_status=a.nice.nice_status or ("not assessed" if a.nice.applies else ""),
        failures=sev.count("fail"),
        missing=sev.count("missing"),
        conditions=sev.count("condition"),
        top_fix=a.fixes[0].action if a.fixes else "",
    )
    for s in a.sections:
        if s.id in ("C1", "C2", "C3", "C4"):
            row[s.id] = s.status
    return row


_worker_state: dict[str, Any] = {}

# The CSV is written to ``.dtac-batch-<pid>-<random>.csv.tmp`` beside the target and renamed at the
# end. A run killed outright (SIGKILL, power cut) cannot remove its own file, so every run first
# removes the partial files of runs whose process no longer exists.
PARTIAL_PREFIX = ".dtac-batch-"
_PARTIAL = re.compile(re.escape(PARTIAL_PREFIX) + r"(\d+)-[^/]*\.csv\.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_partials(folder: Path) -> list[Path]:
    """Delete partial CSVs left in ``folder`` by batch runs that were killed; returns what was removed."""
    removed = []
    for p in folder.glob(f"{PARTIAL_PREFIX}*.csv.tmp"):
        m = _PARTIAL.fullmatch(p.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed


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
    n = 0
    # One try from before the partial file exists: a SIGTERM (SystemExit) at any point after
    # mkstemp still removes it.
    try:
        if csv_path is not None:
            target = Path(csv_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_partials(target.parent)
            fd, tmp = tempfile.mkstemp(
                prefix=f"{PARTIAL_PREFIX}{os.getpid()}-", suffix=".csv.tmp", dir=target.parent
            )
            fh = os.fdopen(fd, "w", newline="", encoding="utf-8")
            writer = SafeCsvWriter(fh, BATCH_COLUMNS, lineterminator="\r\n")
            writer.writeheader()
        for row in iter_rows(paths, as_of=as_of, profile=profile, workers=workers):
            n += 1
            if writer is not None:
                writer.writerow(row)
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
