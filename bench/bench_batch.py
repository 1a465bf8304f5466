#!/usr/bin/env python3
"""Batch throughput: `dtac batch` over 1 000 and 10 000 generated submissions to CSV, wall time,
peak memory of the whole process tree, and the slope between the two sizes.

    python bench/bench_batch.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import REPO, figure, header

import gen


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    stack = [root]
    seen: set[int] = set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{pid}/task").iterdir():
                kids = (task / "children").read_text().split()
                stack.extend(int(k) for k in kids)
        except (OSError, ValueError):
            continue
    return total


def run_batch(directory: Path, out_csv: Path) -> tuple[float, float, int]:
    """(wall seconds, peak tree RSS MiB, exit code)."""
    cmd = [
        sys.executable,
        "-m",
        "dtac_app.cli",
        "batch",
        str(directory),
        "--as-of",
        "2026-11-22",
        "--csv",
        str(out_csv),
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    peak = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(REPO))
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    code = proc.wait()
    wall = time.perf_counter() - t
    stop.set()
    th.join()
    return wall, peak / 1024, code


def run(sizes: tuple[int, ...] = (1000, 10_000)) -> list[dict[str, object]]:
    out = []
    results: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="dtac-bench-") as tmp:
        biggest = max(sizes)
        corpus = Path(tmp) / "corpus"
        t = time.perf_counter()
        paths = gen.write_corpus(corpus, biggest)
        gen_s = time.perf_counter() - t
        print(
            f"  generated {biggest} YAML submissions in {gen_s:.1f} s (avg {sum(p.stat().st_size for p in paths) / len(paths) / 1024:.1f} KiB)"
        )
        for n in sorted(sizes):
            d = corpus if n == biggest else Path(tmp) / f"subset-{n}"
            if d != corpus:
                d.mkdir()
                for p in paths[:n]:
                    os.link(p, d / p.name)
            wall, peak, code = run_batch(d, Path(tmp) / f"out-{n}.csv")
            csv_path = Path(tmp) / f"out-{n}.csv"
            rows = csv_path.read_text(encoding="utf-8").count("\n") - 1 if csv_path.exists() else -1
            results[n] = wall
            target_ok = (wall < 15 and peak < 400) if n == 10_000 else None
            out.append(
                figure(
                    f"batch {n:,} submissions → CSV",
                    f"{wall:.2f} s, {peak:.0f} MiB",
                    "< 15 s, < 400 MiB" if n == 10_000 else "",
                    target_ok,
                    f"{rows:,} rows, {n / wall:,.0f}/s, exit {code}",
                )
            )
    if len(results) >= 2:
        lo, hi = min(results), max(results)
        slope_ms = (results[hi] - results[lo]) / (hi - lo) * 1e3
        fixed = results[lo] - slope_ms / 1e3 * lo
        linear = results[hi] / results[lo] / (hi / lo)
        out.append(
            figure(
                "batch slope (marginal cost per submission)",
                f"{slope_ms:.2f} ms",
                "linear",
                None,
                f"fixed start-up ≈ {fixed:.2f} s; time ratio / size ratio = {linear:.2f}",
            )
        )
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    args = ap.parse_args()
    header("Batch")
    run(tuple(int(x) for x in args.sizes.split(",")))
