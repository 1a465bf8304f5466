#!/usr/bin/env python3
"""How long a full PDF dossier takes to build, and how much of that is the project's own work.

    python bench/bench_dossier.py [SUBMISSION] [--as-of 2026-11-22] [--runs 21]

Prints the median build time of the PDF (``build_dossier(..., "pdf")``: story, page furniture,
"page X of Y" canvas, invariant output) and the same flowables built by bare ReportLab (the same
frames, no header or footer, the default canvas), with their ratio, the machine and the date. The
assessment is computed once, outside the timings. Plain figures, no asserts: compare runs on the
same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common import cpu_name  # noqa: E402

from dtac_app.catalogue import get_catalogue  # noqa: E402
from dtac_app.dossier import DossierInput, build_dossier  # noqa: E402
from dtac_app.dossier.pdf import FRAME_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, build_story  # noqa: E402
from dtac_app.engine import assess  # noqa: E402
from dtac_app.submission_io import load_submission  # noqa: E402

DEFAULT = REPO / "submissions" / "backfell.yaml"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        gc.collect()
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("submission", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--as-of", default="2026-11-22")
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()

    cat = get_catalogue()
    sub = load_submission(args.submission, cat)
    a = assess(sub, cat, as_of=dt.date.fromisoformat(args.as_of))
    d = DossierInput(assessment=a, submission=sub)

    first = time.perf_counter()
    pdf = build_dossier(a, sub, "pdf")["pdf"]  # warm-up: imports, font registration
    first = time.perf_counter() - first
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")

    def bare(story: list[object]) -> None:
        doc = BaseDocTemplate(io.BytesIO(), pagesize=A4, invariant=1)
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            FRAME_W,
            A4[1] - MARGIN_TOP - MARGIN_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        doc.addPageTemplates(
            [PageTemplate(id="cover", frames=[frame]), PageTemplate(id="body", frames=[frame])]
        )
        doc.build(story)

    # Interleaved (ours, bare, story, ours, bare, story, ...) so that load from elsewhere on the
    # machine falls on all three alike. A build consumes its story, so each bare run gets a fresh
    # one, made outside its timing.
    ours: list[float] = []
    bare_times: list[float] = []
    story_times: list[float] = []
    for _ in range(args.runs):
        ours += timed(lambda: build_dossier(a, sub, "pdf"), 1)
        story = build_story(d)
        bare_times += timed(functools.partial(bare, story), 1)
        story_times += timed(lambda: build_story(d), 1)

    m_ours, m_bare, m_story = (statistics.median(x) for x in (ours, bare_times, story_times))
    print(f"dossier PDF benchmark — {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, ReportLab {reportlab.Version}"
    )
    print(
        f"input: {args.submission.relative_to(REPO) if args.submission.is_relative_to(REPO) else args.submission}"
        f" as of {args.as_of}: {a.decision_label}, {len(a.questions)} questions, {len(a.evidence)} evidence records, "
        f"{pages} pages, {len(pdf):,} bytes"
    )
    print(f"first build (imports, fonts): {first * 1000:.0f} ms")
    print(
        f"full dossier PDF, median of {args.runs}: {m_ours * 1000:.1f} ms "
        f"(min {min(ours) * 1000:.1f}, max {max(ours) * 1000:.1f})"
    )
    print(f"  of which building the story (flowables): {m_story * 1000:.1f} ms")
    print(f"bare ReportLab build of the same flowables, median: {m_bare * 1000:.1f} ms")
    print(f"ratio full / bare: {m_ours / m_bare:.2f}")


if __name__ == "__main__":
    main()
