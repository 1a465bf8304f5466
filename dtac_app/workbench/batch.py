"""The batch path: assess a folder of submissions on every core, streaming rows to CSV.

Memory stays flat: workers receive file names (never contents) and return one small row per
file; the parent writes each row straight to a temporary CSV that replaces the target only when
the run completes. At most two windows of files are queued at a time, so neither the work sent out
nor the rows waiting to be written grow with the size of the folder.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import os
import re
import signal
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dtac_app.catalogue import get_catalogue
from dtac_app.csv_safe import ASSESSMENT_COLUMNS, SafeCsvWriter, assessment_cells
from dtac_app.engine import assess
from dtac_app.errors import InputError
from dtac_app.submission_io import max_evidence_bytes, read_path

from .assessing import AssessedFile

BATCH_COLUMNS = [
    "file",
    *ASSESSMENT_COLUMNS,
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
    row.update(assessment_cells(a))
    row.update(
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
    """Everything a worker needs for every file, made once: the criteria (already loaded when the
    worker was forked from the parent), the date, the profile and the evidence size limit."""
    _worker_state["as_of"] = as_of
    _worker_state["profile"] = profile
    _worker_state["catalogue"] = get_catalogue(criteria_dir)
    try:
        _worker_state["max_file_bytes"], _worker_state["setting_error"] = max_evidence_bytes(), None
    except InputError as e:  # a bad setting is every file's error, as it would be file by file
        _worker_state["max_file_bytes"], _worker_state["setting_error"] = 0, e


def _assess_one(path: str) -> dict[str, Any]:
    state = _worker_state
    try:
        if state["setting_error"] is not None:
            raise state["setting_error"]
        cat = state["catalogue"]
        intake = read_path(path, cat, max_file_bytes=state["max_file_bytes"]).require_files()
        a = assess(
            intake.submission, cat, as_of=state["as_of"], profile=state["profile"], documents=intake.states()
        )
        return batch_row(AssessedFile(path, intake.submission, a, None))
    except InputError as e:
        return batch_row(AssessedFile(path, None, None, e))
    except Exception as e:  # noqa: BLE001 - one broken file must not stop the batch
        return batch_row(
            AssessedFile(path, None, None, InputError(path, "", f"unexpected error: {type(e).__name__}: {e}"))
        )


def _start_worker(as_of: dt.date, profile: str | None, criteria_dir: str | None) -> None:
    # The pool ends its workers with SIGTERM. A forked worker inherits the command's SIGTERM
    # handler (which raises SystemExit so the parent can clean up); raised inside a finaliser it
    # is swallowed and the worker lives on, and the pool waits for it forever. Die outright.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _init_worker(as_of, profile, criteria_dir)
    # What the worker inherited (modules, the criteria) lives as long as it does: keep the
    # collector off it, so it neither spends time there nor copies those shared pages. A worker
    # allocates and frees many small objects per file and keeps none: collect the young
    # generation less often (a few per cent of the time per file).
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


def chunk_size(files: int, workers: int) -> int:
    """Files per task sent to a worker: enough to make the hand-over cost negligible (a task is
    tens of milliseconds of work), small enough that the last tasks of a run end close together."""
    return max(1, min(16, files // (workers * 4)))


def iter_rows(
    paths: Sequence[Path],
    *,
    as_of: dt.date,
    profile: str | None = None,
    workers: int = 0,
    criteria_dir: str | None = None,
) -> Iterator[dict[str, Any]]:
    """One row per path, in the order given."""
    names = [str(p) for p in paths]
    n_workers = workers or os.cpu_count() or 1
    if n_workers <= 1 or len(names) < 40:
        _init_worker(as_of, profile, criteria_dir)
        for name in names:
            yield _assess_one(name)
        return
    # Loaded once here: forked workers share it, and a bad criteria folder fails before any start.
    get_catalogue(criteria_dir)
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    chunk = chunk_size(len(names), n_workers)
    window = chunk * n_workers * 16
    with ctx.Pool(n_workers, initializer=_start_worker, initargs=(as_of, profile, criteria_dir)) as pool:
        # Two windows in flight: the workers start on the next while the rows of this one are
        # written, and nothing queues up beyond that.
        pending: deque[Iterator[dict[str, Any]]] = deque()
        for start in range(0, len(names), window):
            pending.append(pool.imap(_assess_one, names[start : start + window], chunksize=chunk))
            if len(pending) == 2:
                yield from pending.popleft()
        while pending:
            yield from pending.popleft()


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
