"""Shared helpers for the benchmarks: machine description, medians, a figure table."""

from __future__ import annotations

import datetime as dt
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    mem = ""
    try:
        kb = int(
            next(
                ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
            ).split()[1]
        )
        mem = f", {kb / 1_048_576:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu_name()}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def load() -> str:
    """The load average (1, 5, 15 minutes) with the core count: a shared machine's timings mean
    little without it."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def header(title: str) -> None:
    print(f"# {title}")
    print(f"machine: {machine()}")
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"load average: {load()}")


def median_time(fn: Callable[[], object], *, number: int, repeat: int = 9, warmup: int = 1) -> float:
    """Median seconds per call over ``repeat`` batches of ``number`` calls (GC off while timing)."""
    for _ in range(warmup):
        for _ in range(number):
            fn()
    samples = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            t = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - t) / number)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(samples)


def figure(name: str, value: str, target: str, ok: bool | None, floor: str = "") -> dict[str, object]:
    mark = "" if ok is None else ("meets target" if ok else "MISSES target")
    print(f"  {name:<44} {value:<22} target {target:<14} {mark}" + (f"  ({floor})" if floor else ""))
    return {"name": name, "value": value, "target": target, "ok": ok, "floor": floor}
