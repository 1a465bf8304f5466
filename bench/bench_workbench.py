#!/usr/bin/env python3
"""Workbench: the portfolio page with 500 products, re-run server time (AppTest), and the app's
cold start to the first page in headless Chromium.

    python bench/bench_workbench.py [--products 500]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml
from common import REPO, figure, header

import gen

CHROMIUM = "/usr/bin/chromium"
# Playwright already starts Chromium headless, without a sandbox, first-run screens, background
# networking, component updates or sync; a virtual machine has no GPU either.
CHROMIUM_ARGS = ["--disable-gpu"]


def seed(data_dir: Path, n: int) -> float:
    from dtac_app.workbench.facade import SYSTEM, Workbench, open_workbench

    os.environ["DTAC_DATA_DIR"] = str(data_dir)
    os.environ.pop("DTAC_DATABASE_URL", None)
    wf: Workbench = open_workbench()
    rng = random.Random(11)
    t = time.perf_counter()
    for i in range(n):
        doc = gen.submission(i, rng, long_answers=False)
        doc["product"]["manufacturer"] = f"Bench Vendor {i % 40}"  # 40 organisations, ~12 products each
        wf.submit(SYSTEM, yaml.safe_dump(doc, sort_keys=False), f"bench-{i}.yaml")
    wf.db.dispose()
    return time.perf_counter() - t


def portfolio_rerun(data_dir: Path, reruns: int = 7) -> tuple[float, float, int]:
    """(first run s, median re-run s, rows shown) for an assessor on the portfolio page."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dtac_app.workbench.facade import open_workbench

    os.environ["DTAC_DATA_DIR"] = str(data_dir)
    wf = open_workbench()
    user = next(
        u
        for u in wf.list_users(__import__("dtac_app.workbench.facade", fromlist=["SYSTEM"]).SYSTEM)
        if u.role in ("assessor", "admin")
    )
    st.cache_resource.clear()
    st.cache_data.clear()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120)
        at.session_state["dtac_user"] = user
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        assert not at.exception, at.exception
        times = []
        for _ in range(reruns):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
        rows = len(at.dataframe[0].value) if at.dataframe else 0
        return first, statistics.median(times), rows
    finally:
        os.chdir(cwd)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FLOOR_APP = 'import streamlit as st\nst.title("DTAC Workbench")\nst.button("Sign in")\n'


def cold_start(data_dir: Path, runs: int = 3, *, floor: bool = False) -> float | None:
    """Median seconds from `dtac serve` to the sign-in page visible in headless Chromium."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as p:
        for _ in range(runs):
            profile = tempfile.mkdtemp(prefix="dtac-chromium-")
            ctx = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page = ctx.new_page()
            port = _free_port()
            env = dict(os.environ, DTAC_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO))
            t = time.perf_counter()
            if floor:
                # The floor: a bare Streamlit app with the same sign-in button, started with `streamlit run`.
                script = Path(profile) / "floor_app.py"
                script.write_text(FLOOR_APP, encoding="utf-8")
                cmd = [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(script),
                    "--server.port",
                    str(port),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                ]
            else:
                # The documented way to start it: `dtac serve` (here on the already-seeded database).
                cmd = [
                    sys.executable,
                    "-m",
                    "dtac_app.cli",
                    "serve",
                    "--no-examples",
                    "--port",
                    str(port),
                    "--address",
                    "127.0.0.1",
                ]
            proc = subprocess.Popen(
                cmd, cwd=str(REPO), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                deadline = time.time() + 60
                while time.time() < deadline:
                    try:
                        with urllib.request.urlopen(
                            f"http://127.0.0.1:{port}/_stcore/health", timeout=1
                        ) as r:
                            if r.read() == b"ok":
                                break
                    except OSError:
                        time.sleep(0.05)
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
                samples.append(time.perf_counter() - t)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
                ctx.close()
                shutil.rmtree(profile, ignore_errors=True)
    return statistics.median(samples)


def run(products: int = 500) -> list[dict[str, object]]:
    out = []
    with tempfile.TemporaryDirectory(prefix="dtac-bench-wb-") as tmp:
        data_dir = Path(tmp)
        seconds = seed(data_dir, products)
        # Default accounts for the AppTest user.
        from dtac_app.workbench.seeding import DEFAULT_ACCOUNTS
        from dtac_app.workbench.facade import SYSTEM, open_workbench

        wf = open_workbench()
        for username, role, password in DEFAULT_ACCOUNTS:
            if username not in {u.username for u in wf.list_users(SYSTEM)}:
                wf.create_user(SYSTEM, username, role=role, password=password)  # type: ignore[arg-type]
        wf.db.dispose()
        print(f"  seeded {products} products through Workbench.submit in {seconds:.1f} s")
        first, rerun, rows = portfolio_rerun(data_dir)
        out.append(
            figure(
                f"portfolio page, {products} products, first run",
                f"{first * 1e3:.0f} ms",
                "",
                None,
                "fills the per-revision summary cache",
            )
        )
        out.append(
            figure(
                f"portfolio page, {products} products, re-run (median)",
                f"{rerun * 1e3:.0f} ms",
                "< 150 ms",
                rerun < 0.15,
                f"{rows} rows",
            )
        )
        cold = cold_start(data_dir, runs=5)
        if cold is None:
            out.append(figure("cold start to first page", "n/a (no chromium)", "< 3 s", None))
        else:
            floor = cold_start(data_dir, runs=5, floor=True) or 0.0
            out.append(
                figure(
                    "cold start to first page (Chromium, fresh profile)",
                    f"{cold:.2f} s",
                    "< 3 s",
                    cold < 3,
                    f"floor: bare Streamlit app {floor:.2f} s, ratio {cold / floor:.2f}" if floor else "",
                )
            )
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=500)
    args = ap.parse_args()
    header("Workbench")
    run(args.products)
