#!/usr/bin/env python3
"""Engine cost against its floor: assessing one full DTAC v2.0 submission (already loaded) versus
pydantic validating the same submission (reading the input once). Also criteria loading.

    python bench/bench_engine.py
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import statistics
import time

from common import figure, header, median_time

from dtac_app import catalogue as catalogue_mod
from dtac_app.catalogue import get_catalogue, load_catalogue
from dtac_app.engine import assess
from dtac_app.submission import Submission
from dtac_app.submission_io import parse_submission

AS_OF = dt.date(2026, 11, 22)


def full_submissions(n: int = 50) -> list[dict[str, object]]:
    """Generated v2.0 submissions that walk the longest routes (every C section asked, evidence,
    long text): the ``n`` with the most answers out of 400. Different submissions, so nothing is
    timed on a single repeated input."""
    import gen

    rng = random.Random(7)
    docs = [gen.submission(i, rng) for i in range(400)]
    docs.sort(key=lambda d: -len(d["answers"]))  # type: ignore[arg-type]
    return docs[:n]


def run() -> list[dict[str, object]]:
    out = []
    # Criteria: every set loaded and validated from disk, then the cached call.
    catalogue_mod.clear_cache()
    load_ms = median_time(load_catalogue, number=1, repeat=9) * 1e3
    catalogue_mod.clear_cache()
    t = time.perf_counter()
    get_catalogue()
    first = (time.perf_counter() - t) * 1e3
    cached_us = median_time(get_catalogue, number=10_000, repeat=5) * 1e6
    out.append(
        figure("criteria load, all sets validated (median)", f"{load_ms:.1f} ms", "< 100 ms", load_ms < 100)
    )
    out.append(
        figure(
            "criteria load, first call / cached call", f"{first:.1f} ms / {cached_us:.2f} µs", "cached", None
        )
    )

    cat = get_catalogue()
    docs = full_submissions()
    subs = [parse_submission(d, cat, file="bench") for d in docs]
    it_docs = itertools.cycle(docs)
    it_subs = itertools.cycle(subs)
    # Interleave the floor and the engine batch by batch, so both see the same machine state (this
    # shared VM's speed drifts by tens of per cent); the ratio is the median of the paired ratios.
    pairs = []
    for _ in range(15):
        v = median_time(
            lambda: Submission.model_validate(next(it_docs)), number=len(docs) * 2, repeat=1, warmup=0
        )
        e = median_time(
            lambda: assess(next(it_subs), cat, as_of=AS_OF), number=len(subs) * 2, repeat=1, warmup=0
        )
        pairs.append((v, e))
    validate = statistics.median(v for v, _ in pairs)
    engine = statistics.median(e for _, e in pairs)
    ratio = statistics.median(e / v for v, e in pairs)
    fastest = min(e for _, e in pairs)
    first = assess(subs[0], cat, as_of=AS_OF)
    asked = sum(q.asked for q in first.questions)
    sub = subs[0]
    out.append(
        figure(
            "pydantic validation of a submission (floor)",
            f"{validate * 1e6:.0f} µs",
            "floor",
            None,
            f"{len(docs)} different full submissions, e.g. {len(sub.answers)} answers, "
            f"{len(sub.evidence)} evidence records, {asked} questions asked",
        )
    )
    out.append(
        figure(
            "engine: assess one full v2.0 submission",
            f"{engine * 1e6:.0f} µs",
            "< 500 µs",
            engine < 500e-6,
            f"fastest batch {fastest * 1e6:.0f} µs",
        )
    )
    out.append(figure("engine / validation ratio", f"{ratio:.1f}×", "≤ 5×", ratio <= 5))
    return out


if __name__ == "__main__":
    header("Engine and criteria")
    run()
