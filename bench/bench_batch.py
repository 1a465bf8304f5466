#!/usr/bin/env python3
"""Batch throughput: `dtac batch` over 1 000 and 10 000 generated submissions to CSV, wall time,
peak memory of the whole process tree (at both sizes, to show it stays flat), the slope between
the two sizes, and the ratio to the parse-bound floor (the same files only parsed by PyYAML's
libyaml loader on the same number of processes), measured in turn with the batch.

    python bench/bench_batch.py [--sizes 1000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import REPO, figure, header

import gen


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """Resident memory (RSS) and proportional set size (PSS) of a process and all its descendants,
    from /proc. Forked workers share the parent's pages: RSS counts a shared page in every process
    that has touched it, PSS divides it between them, so the tree's PSS is what it really uses."""
    rss = pss = 0
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
                    rss += int(line.split()[1])
                    break
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                    break
            for task in Path(f"/proc/{pid}/task").iterdir():
                kids = (task / "children").read_text().split()
                stack.extend(int(k) for k in kids)
        except (OSError, ValueError):
            continue
    return rss, pss


def _measure(cmd: list[str]) -> tuple[float, float, float, int]:
    """(wall seconds, peak tree RSS MiB, peak tree PSS MiB, exit code) of one command."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    peak_rss = peak_pss = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(REPO))
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            rss, pss = _tree_memory_kb(proc.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    code = proc.wait()
    wall = time.perf_counter() - t
    stop.set()
    th.join()
    return wall, peak_rss / 1024, peak_pss / 1024, code


def run_batch(directory: Path, out_csv: Path) -> tuple[float, float, float, int]:
    """`dtac batch DIR --csv OUT`: (wall seconds, peak tree RSS MiB, peak tree PSS MiB, exit code)."""
    cmd = [sys.executable, "-m", "dtac_app.cli", "batch", str(directory), "--as-of", "2026-11-22"]
    return _measure([*cmd, "--csv", str(out_csv)])


def run_floor(directory: Path) -> tuple[float, float, float, int]:
    """The parse-bound floor: the same files read and parsed by PyYAML's stock libyaml loader
    (``yaml.load(..., CSafeLoader)``) on the same number of worker processes, nothing else."""
    return _measure([sys.executable, str(Path(__file__).resolve()), "--parse-floor", str(directory)])


def _parse_one(path: str) -> int:
    import yaml

    return len(yaml.load(Path(path).read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))  # noqa: S506


def parse_floor(directory: Path) -> None:
    import multiprocessing as mp

    from dtac_app.workbench.batch import chunk_size

    names = sorted(str(p) for p in directory.iterdir() if p.suffix == ".yaml")
    workers = os.cpu_count() or 1
    with mp.get_context("fork").Pool(workers) as pool:
        for _ in pool.imap(_parse_one, names, chunksize=chunk_size(len(names), workers)):
            pass


def run(sizes: tuple[int, ...] = (1000, 10_000), repeat: int = 3) -> list[dict[str, object]]:
    """Each size ``repeat`` times, the floor and the batch in turn (so load from elsewhere falls on
    both alike); medians, and the median of the paired batch/floor ratios."""
    out = []
    results: dict[int, float] = {}
    peaks: dict[int, float] = {}
    psss: dict[int, float] = {}
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
            csv_path = Path(tmp) / f"out-{n}.csv"
            runs = []
            for _ in range(repeat):
                floor_s = run_floor(d)[0]
                wall, peak, pss, code = run_batch(d, csv_path)
                runs.append((floor_s, wall, peak, code, pss))
            floor_s = statistics.median(r[0] for r in runs)
            wall = statistics.median(r[1] for r in runs)
            ratio = statistics.median(r[1] / r[0] for r in runs)
            peak = max(r[2] for r in runs)
            code = max(r[3] for r in runs)
            pss = max(r[4] for r in runs)
            rows = csv_path.read_text(encoding="utf-8").count("\n") - 1 if csv_path.exists() else -1
            results[n], peaks[n], psss[n] = wall, peak, pss
            out.append(
                figure(
                    f"batch {n:,} submissions → CSV (median of {repeat})",
                    f"{wall:.2f} s, {peak:.0f} MiB",
                    "< 10 s" if n == 10_000 else "",
                    wall < 10 if n == 10_000 else None,
                    f"{rows:,} rows, {n / wall:,.0f}/s, exit {code}; peak PSS {pss:.0f} MiB; "
                    f"parse floor {floor_s:.2f} s, ratio {ratio:.2f}",
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
        growth = peaks[hi] / peaks[lo]
        out.append(
            figure(
                f"batch peak memory {lo:,} → {hi:,} (process tree)",
                f"{peaks[lo]:.0f} → {peaks[hi]:.0f} MiB",
                "flat (≤ 1.2×)",
                growth <= 1.2,
                f"×{growth:.2f} for ×{hi // lo} the files; PSS {psss[lo]:.0f} → {psss[hi]:.0f} MiB",
            )
        )
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--parse-floor", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.parse_floor:
        parse_floor(args.parse_floor)
        raise SystemExit(0)
    header("Batch")
    run(tuple(int(x) for x in args.sizes.split(",")), args.repeat)
