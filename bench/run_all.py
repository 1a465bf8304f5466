#!/usr/bin/env python3
"""Every benchmark in one run (a few minutes): engine and criteria, batch, dossier, workbench.

    python bench/run_all.py            # print the figures (medians, ratios to their floors,
                                       # targets, the machine, the date and its load)
    python bench/run_all.py --write    # also rewrite the figures block in BENCHMARKS.md

Figures are medians on this machine; targets are from the "Speed and scale" issue. Nothing here
asserts: a missed target is printed as MISSES target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import subprocess
import sys
import time
from contextlib import redirect_stdout

from common import REPO, header, load, machine

BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"


def dossier_figures() -> str:
    r = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_dossier.py")],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=600,
    )
    return r.stdout + (r.stderr[-2000:] if r.returncode else "")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    ap.add_argument("--products", type=int, default=500)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=3, help="batch runs per size (medians)")
    args = ap.parse_args()
    started = time.perf_counter()
    buf = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, s: str) -> int:
            sys.__stdout__.write(s)
            sys.__stdout__.flush()
            buf.write(s)
            return len(s)

    with redirect_stdout(Tee()):
        header("DTAC Workbench benchmarks")
        import bench_batch
        import bench_engine
        import bench_workbench

        figures: list[dict[str, object]] = []
        print("\n## Engine and criteria")
        figures += bench_engine.run()
        print("\n## Batch")
        figures += bench_batch.run(tuple(int(x) for x in args.sizes.split(",")), args.repeat)
        print("\n## Dossier")
        print(dossier_figures().rstrip())
        print("\n## Workbench")
        figures += bench_workbench.run(args.products)
        print("\n## Summary: every figure of this run")
        print(f"machine: {machine()}")
        print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}; load average at the end: {load()}")
        for f in figures:
            mark = "" if f["ok"] is None else (" — meets target" if f["ok"] else " — MISSES target")
            target = f" (target {f['target']})" if f["target"] else ""
            print(f"  {f['name']}: {f['value']}{target}{mark}" + (f"; {f['floor']}" if f["floor"] else ""))
        print(f"\ntotal benchmark time: {time.perf_counter() - started:.0f} s")
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "latest.json").write_text(
        json.dumps(
            {"machine": machine(), "date": dt.datetime.now(dt.UTC).isoformat(), "figures": figures},
            indent=2,
            default=str,
        )
    )
    (out_dir / "latest.txt").write_text(buf.getvalue())
    if args.write:
        path = REPO / "BENCHMARKS.md"
        text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
        block = f"{BEGIN}\n```text\n{buf.getvalue().rstrip()}\n```\n{END}"
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
        path.write_text(text, encoding="utf-8")
        print(f"BENCHMARKS.md updated ({path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
