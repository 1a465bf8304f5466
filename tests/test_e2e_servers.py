"""Two `dtac serve` processes on one PostgreSQL, in headless Chromium.

The workbench is stateless apart from the database: a vendor sends a ZIP with evidence through
one app server, and an assessor on the other opens the assessment, sees every document as
*received*, opens a PDF in the evidence viewer and downloads it. The same file sent as a bare
YAML (no evidence files) shows its documents as *asserted* and is never "Available" or "Valid".
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from store_fixtures import PgServer
from support import EXAMPLES, REPO, dtac_serve_command, start_server, stop_process, zip_of
from test_e2e import (
    _need_chromium,
    choose,
    chromium_context,
    decision,
    idle,
    segment,
    shot,
    sign_in,
    table_cells,
)

from dtac_app.store.db import Database
from dtac_app.workbench.facade import SYSTEM, Workbench

pytestmark = pytest.mark.e2e

VENDOR = ("harbour", "harbour-password-1")
ASSESSOR = ("alice", "alice-password-1")
EXAMPLE = EXAMPLES / "slotharbour.yaml"  # Harbourline Digital Ltd: available with every file


class DtacServe:
    """``dtac serve`` (this checkout's code) on a free loopback port, on the given database."""

    def __init__(self, url: str, log: Path, data_dir: Path) -> None:
        self.url, self.log, self.data_dir = url, log, data_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        env = {**os.environ, "DTAC_DATABASE_URL": self.url, "PYTHONPATH": str(REPO)}
        env["DTAC_DATA_DIR"] = str(self.data_dir)  # one data folder (session key) for both, not the checkout
        self.proc, self.base = start_server(dtac_serve_command, env, self.log)

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


@pytest.fixture(scope="module")
def cluster(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, ...]]:
    _need_chromium()
    url = pg_server.url(pg_server.new_database())
    db = Database(url)
    try:
        wb = Workbench(db)
        wb.create_user(SYSTEM, ASSESSOR[0], role="assessor", password=ASSESSOR[1])
        wb.create_user(
            SYSTEM, VENDOR[0], role="vendor", password=VENDOR[1], organisation="Harbourline Digital Ltd"
        )
    finally:
        db.dispose()
    logs = tmp_path_factory.mktemp("servers")
    a, b = DtacServe(url, logs / "a.log", logs), DtacServe(url, logs / "b.log", logs)
    try:
        a.start()
        b.start()
        assert a.base != b.base
        yield a, b, url
    finally:
        a.stop()
        b.stop()


@pytest.fixture(scope="module")
def browser(cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_context(tmp_path_factory) as ctx:
        yield ctx


def send(page: Any, server: DtacServe, upload: dict[str, Any], expected: str) -> None:
    """The vendor pre-checks an upload on ``server`` and sends it."""
    page.goto(server.base)
    idle(page)
    if page.get_by_role("heading", name="Sign in").count():
        sign_in(page, *VENDOR)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Pre-check a submission").click()
    idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(upload)
    page.get_by_test_id("decision-label").wait_for()
    idle(page)
    assert decision(page) == expected
    page.get_by_role("button", name="Send for assessment").click()
    idle(page)
    page.get_by_text("Sent.").wait_for()


def latest_assessment(url: str) -> tuple[int, int, int]:
    """(product id, assessment id, submission id) of the newest assessment in the shared database."""
    db = Database(url)
    try:
        wb = Workbench(db)
        (p,) = wb.list_products(SYSTEM)
        subs = [s for v in wb.get_product(SYSTEM, p.id).version_details for s in v.submissions]
        sub = max(subs, key=lambda s: s.id)
        return p.id, max(a.id for a in sub.assessments), sub.id
    finally:
        db.dispose()


def open_evidence(page: Any, server: DtacServe, product: int, assessment: int) -> list[str]:
    # The vendor's session cookie (one browser, both servers on 127.0.0.1) would sign this tab in as
    # the vendor: forget it, so the assessor signs in.
    page.context.clear_cookies(name="dtac_session")
    page.goto(f"{server.base}/review?product={product}&assessment={assessment}")
    idle(page)
    sign_in(page, *ASSESSOR)
    page.get_by_role("heading", name="SlotHarbour 3.2").wait_for()
    segment(page, "Part", "Evidence")
    return table_cells(page, "E1")


def test_vendor_sends_through_one_server_and_the_assessor_opens_the_evidence_on_the_other(
    browser: Any, cluster: tuple[DtacServe, DtacServe, str]
) -> None:
    a, b, url = cluster
    # Sent first without its evidence files: asserted, never available or valid.
    bare = {"name": "slotharbour.yaml", "mimeType": "application/x-yaml", "buffer": EXAMPLE.read_bytes()}
    vendor = browser.new_page()
    send(vendor, a, bare, "Incomplete")
    product, assessment, _ = latest_assessment(url)
    assessor2 = browser.new_page()
    cells = open_evidence(assessor2, b, product, assessment)
    assert cells.count("Asserted (no file)") >= 5 and "Received" not in cells
    assert decision(assessor2) == "Incomplete"
    segment(assessor2, "Part", "Questions")
    text = str(assessor2.get_by_test_id("stMain").inner_text())
    # Each document line reads "<validity> (<provenance>)": asserted, never "valid (…)".
    assert "asserted (asserted)" in text and "valid (" not in text and "Available for NHS use" not in text
    shot(assessor2, "servers-03-asserted")

    # Then with them (a re-submission of the same version): every document received.
    zipped = {"name": "slotharbour.zip", "mimeType": "application/zip", "buffer": zip_of(EXAMPLE)}
    send(vendor, a, zipped, "Available for NHS use")

    product, assessment, submission = latest_assessment(url)
    assessor = browser.new_page()
    cells = open_evidence(assessor, b, product, assessment)
    assert cells.count("Received") >= 5 and "Asserted (no file)" not in cells  # the rows drawn
    shot(assessor, "servers-01-evidence-received")

    db = Database(url)
    try:
        wb = Workbench(db)
        docs = wb.list_evidence(SYSTEM, submission)
        labels = {e.index: e.label for e in wb.get_assessment(SYSTEM, assessment).result.evidence}
    finally:
        db.dispose()
    pdf = next(d for d in docs if d.media_type == "application/pdf")
    choose(assessor, "Open a document", f"E{pdf.index + 1} {labels[pdf.index]} — Received — {pdf.path}")
    assessor.locator("[data-testid='stImage'] img, [data-testid='stImageContainer'] img").first.wait_for()
    shot(assessor, "servers-02-pdf-in-the-viewer")
    name = (pdf.path or "").rsplit("/", 1)[-1]
    with assessor.expect_download() as dl:
        assessor.get_by_role("button", name=f"Download {name}").click()
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == pdf.sha256
