"""End to end: the real workbench (``streamlit run streamlit_app.py``) in headless Chromium.

One server per module on a free loopback port, on a private copy of a SQLite database seeded with
the examples (see ui_fixtures.py); one browser profile in a temporary directory. Every full page load
is a new Streamlit session, so a deep link shows the sign-in form first and then the page.

These run by default (and in CI). Without /usr/bin/chromium they are skipped, unless CI is set, when
they fail. Screenshots go to tests/artifacts/ (git-ignored). Every test also checks the browser made
no request to any other host: the workbench works offline.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pypdf
import pytest
from support import EXAMPLES, REPO, sqlite_workbench, start_server, stop_process, zip_of
from ui_fixtures import ARTIFACTS, ASSESSOR, Seeded, app_env

from dtac_app.store.db import SQLITE_FILENAME
from dtac_app.workbench.facade import SYSTEM, Workbench

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}
TIMEOUT_MS = 30_000

CLEAN = "SlotHarbour"  # available, no conditions
FAILING = "Ledgerbrook Care Notes"  # not available: C3.1 (Cyber Essentials) not met
OTHER = "Backfell Physio"  # another vendor's product


def _need_chromium() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"end-to-end tests cannot run and CI is set: {problem}")
        pytest.skip(problem)


# ---------------------------------------------------------------------------------- server and browser


def _streamlit_run(port: int) -> list[str]:
    """``streamlit run streamlit_app.py`` on ``port`` (the workbench without `dtac serve`'s additions)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "streamlit_app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


class Server:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self) -> None:
        self.proc, self.base = start_server(_streamlit_run, app_env(self.data_dir), self.log_path, wait=60)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serving_copy(
    seeded: Seeded,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    prepare: Callable[[Workbench], object] = lambda wf: None,
) -> Iterator[Server]:
    """The workbench served on a private copy of the seeded database, after ``prepare`` ran on it."""
    _need_chromium()
    data_dir = tmp_path_factory.mktemp(name)
    shutil.copyfile(seeded.path, data_dir / SQLITE_FILENAME)
    with sqlite_workbench(data_dir / SQLITE_FILENAME) as wf:
        prepare(wf)
    with Server(data_dir, data_dir / "server.log") as srv:
        yield srv


@contextlib.contextmanager
def chromium_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with a fresh profile that keeps downloads."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
            accept_downloads=True,
            downloads_path=str(tmp_path_factory.mktemp("downloads")),
        )
        ctx.set_default_timeout(TIMEOUT_MS)
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="module")
def server(seeded_template: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving_copy(seeded_template, tmp_path_factory, "e2e-data") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_context(tmp_path_factory) as ctx:
        yield ctx


@pytest.fixture
def page(browser: Any, server: Server, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh tab; afterwards: a screenshot if the test failed, and no request may have left the server."""
    pg = browser.new_page()
    failed_before = request.session.testsfailed
    outside: list[str] = []
    pg.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if r.url.startswith(("http:", "https:", "ws:", "wss:")) and not r.url.startswith(server.base)
            else None
        ),
    )
    pg.on("websocket", lambda ws: outside.append(ws.url) if "127.0.0.1" not in ws.url else None)
    try:
        yield pg
        assert not outside, f"the browser fetched from other hosts: {sorted(set(outside))}"
    finally:
        if request.session.testsfailed > failed_before:  # the call failed (reported before teardown)
            with contextlib.suppress(Exception):
                shot(pg, f"FAILED-{request.node.name}")
        pg.close()


# ---------------------------------------------------------------------------------- helpers


def idle(page: Any) -> None:
    """Wait until the script has finished its run and the page has settled."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT_MS)


def shot(page: Any, name: str) -> Path:
    """A screenshot of the whole page (Streamlit scrolls inside its main block, so grow the viewport)."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 1000")
    page.set_viewport_size(
        {"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(int(height) + 40, 8000))}
    )
    page.wait_for_timeout(400)
    path = ARTIFACTS / f"e2e-{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)
    return path


def main_text(page: Any) -> str:
    return str(page.locator("[data-testid='stMain']").inner_text())


def sign_in(page: Any, username: str, password: str) -> None:
    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_label("User name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    idle(page)


def open_signed_in(page: Any, server: Server, path: str, username: str, password: str) -> None:
    """Open a URL; being a new session, it asks for sign-in first, then shows the page."""
    page.goto(server.base + path)
    idle(page)
    sign_in(page, username, password)


def go(page: Any, link: str) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=link, exact=True).click()
    idle(page)


def expect(locator: Any) -> Any:
    """Playwright's retrying assertions (imported late: without playwright the module still collects)."""
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def decision(page: Any) -> str:
    return str(page.get_by_test_id("decision-label").first.inner_text()).strip()


def choose(page: Any, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_label(label, exact=True)
    for attempt in range(3):
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except PlaywrightTimeout:  # the list did not open (the page re-rendered under the click): again
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    idle(page)


def segment(page: Any, label: str, option: str) -> None:
    """Pick an option of a segmented control (a radio group)."""
    page.get_by_role("radiogroup", name=label).get_by_role("radio", name=option, exact=True).click()
    idle(page)


def table_cells(page: Any, containing: str) -> list[str]:
    """The text of the visible cells of the first table holding a cell ``containing`` (the grid is drawn
    on a canvas; its cells are also in the DOM for assistive technology)."""
    grids = page.get_by_test_id("stDataFrame")
    grids.first.locator("[role='gridcell']").first.wait_for(state="attached")
    seen = []
    for i in range(grids.count()):
        grids.nth(i).locator("[role='gridcell']").first.wait_for(state="attached")  # drawn lazily
        cells = [t.strip() for t in grids.nth(i).locator("[role='gridcell']").all_text_contents()]
        if containing in cells:
            return cells
        seen.append(cells[:6])
    raise AssertionError(f"no table with a cell {containing!r}; tables start with {seen}")


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


# ---------------------------------------------------------------------------------- flows


def test_vendor_prechecks_an_upload_and_downloads_the_dossier_pdf(
    page: Any, server: Server, seeded_template: Seeded
) -> None:
    own = seeded_template.product(CLEAN)
    page.goto(server.base)
    idle(page)
    shot(page, "01-sign-in")
    sign_in(page, own.vendor, "wrong password")
    page.get_by_text("The user name or password is not right").wait_for()
    sign_in(page, *seeded_template.vendor_login(CLEAN))
    page.get_by_role("heading", name="Portfolio").wait_for()
    page.get_by_test_id("stMetric").first.wait_for()
    assert own.organisation in page.get_by_test_id("stSidebar").inner_text()
    cells = table_cells(page, own.name)
    assert OTHER not in cells
    shot(page, "02-vendor-portfolio")

    go(page, "Pre-check a submission")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        {
            "name": "slotharbour.zip",
            "mimeType": "application/zip",
            "buffer": zip_of(EXAMPLES / "slotharbour.yaml"),
        }
    )
    page.get_by_test_id("decision-label").wait_for()
    idle(page)
    assert decision(page) == "Available for NHS use"
    assert f"{own.name} {own.version}" in main_text(page)
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download this assessment (JSON)").click()
    assert b'"decision": "available"' in Path(dl.value.path()).read_bytes()
    shot(page, "03-vendor-precheck")

    go(page, "Dossier")
    page.get_by_role("button", name="Build the dossier").click()
    page.get_by_role("button", name="Download PDF").wait_for()
    idle(page)
    shot(page, "04-vendor-dossier-built")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download PDF").click()
    download = dl.value
    assert download.suggested_filename.endswith("-r1.pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Available for NHS use" in text
    assert own.name in text
    # Not signed off: every page of the downloaded PDF says it is a draft, not a decision.
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert all("DRAFT — not signed off" in t for t in pages), "every page carries the marking"
    assert "Result so far (draft)" in pages[0]


def test_vendor_imports_a_word_form_checks_it_and_sends_it(
    page: Any, server: Server, seeded_template: Seeded, store: Workbench, tmp_path: Path
) -> None:
    from form_fixtures import v2_messy_docx

    form = tmp_path / "spinewise-dtac.docx"
    _, unresolved = v2_messy_docx(form)
    page.goto(server.base)
    idle(page)
    sign_in(page, *seeded_template.vendor_login(CLEAN))
    go(page, "Pre-check a submission")
    segment(page, "How do you want to provide the submission?", "Import a completed DTAC form")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(form))
    page.get_by_role("heading", name="Imported from a completed DTAC form").wait_for()
    idle(page)
    # The on-screen form is pre-filled with what was read with confidence ...
    expect(page.get_by_label("Product name", exact=True)).to_have_value("Spinewise")
    expect(page.get_by_label("Manufacturer", exact=True)).to_have_value("Lumbar Labs Ltd")
    # ... and the questions that could not be read are listed and highlighted, with the vendor's words.
    cells = table_cells(page, "C3.6")
    assert unresolved <= set(cells)
    for qid in sorted(unresolved):
        page.get_by_text(f"{qid} could not be read from the imported form").wait_for()
    page.get_by_text("The form says: We log everything centrally").first.wait_for()
    assert decision(page)  # the pre-filled form already gets a verdict
    shot(page, "05-vendor-form-imported")
    page.get_by_role("button", name="Send for assessment").click()
    page.get_by_text("Sent. Spinewise 3.2.0").wait_for()
    idle(page)
    shot(page, "06-vendor-imported-form-sent")
    vendor = store.get_user(SYSTEM, seeded_template.product(CLEAN).vendor)
    assert "Spinewise" in {p.name for p in store.list_products(vendor)}


def test_assessor_overrides_saves_and_signs_off(
    page: Any, server: Server, seeded_template: Seeded, store: Workbench
) -> None:
    p = seeded_template.product(FAILING)
    open_signed_in(page, server, f"/review?product={p.id}", *ASSESSOR)
    page.get_by_role("heading", name=f"{p.name} {p.version}").wait_for()
    assert decision(page) == "Not available"
    shot(page, "10-assessor-review-before")

    # Override C3.1 with a rationale and save: a new revision with a new decision.
    # Every question's controls name the question (two "Override the outcome" fields would be ambiguous).
    choose(page, "Override the outcome of C3.1", "Met")
    page.get_by_text("Write a rationale of at least 10 characters").wait_for()
    expect(page.get_by_role("button", name="Save review as a new revision")).to_be_disabled()
    page.get_by_label("Rationale for overriding C3.1 (required for an override)").fill(
        "Certificate seen on the NCSC register today."
    )
    page.get_by_label("Rationale for overriding C3.1 (required for an override)").press("Control+Enter")
    idle(page)
    page.get_by_label("Note for this revision (optional)").fill("C3.1 checked by phone")
    page.get_by_label("Note for this revision (optional)").press("Enter")
    idle(page)
    page.get_by_role("button", name="Save review as a new revision").click()
    idle(page)
    page.get_by_text("revision 2 of 2").wait_for()
    idle(page)
    after = decision(page)
    assert after != "Not available"
    view = store.get_assessment(SYSTEM, p.assessment_id)
    assert view.revision == 2 and view.result.decision_label == after
    # Nothing left to save, and the pickers show the new state.
    expect(page.get_by_role("button", name="Save review as a new revision")).to_be_disabled()
    expect(page.get_by_text("Unsaved changes.")).to_have_count(0)
    expect(page.get_by_role("combobox", name="Assessment", exact=True)).to_have_value(
        re.compile(f"{re.escape(after)}$")
    )
    expect(page.get_by_role("combobox", name="Revision", exact=True)).to_have_value("Revision 2 (current)")
    shot(page, "11-assessor-review-saved")

    # Sign off every section, then the whole assessment.
    segment(page, "Part", "Sign-off")
    for section in view.sections_to_sign:
        page.get_by_role("button", name=f"Sign off {section}", exact=True).click()
        idle(page)
    # Guarded: the confirmation names the decision, and the button waits for it (and for a reason
    # when items are open).
    page.get_by_text(f"The decision you are signing off: {after} (revision 2).").wait_for()
    expect(page.get_by_role("button", name="Sign off the whole assessment")).to_be_disabled()
    why = page.get_by_label("Why sign off with these open (required, at least 10 characters)")
    if why.count():
        why.fill("Remaining items agreed with the supplier by phone.")
        why.press("Control+Enter")
        idle(page)
    page.get_by_text(f"I confirm the decision “{after}”").click()
    idle(page)
    page.get_by_role("button", name="Sign off the whole assessment").click()
    idle(page)
    page.get_by_text(f"Revision 2 is signed off: {after}.").wait_for()
    page.get_by_text("Signed off by Example assessor, Assessor").wait_for()
    assert "Signed off" in main_text(page)
    shot(page, "12-assessor-signed-off")
    assert store.get_assessment(SYSTEM, p.assessment_id).status == "signed_off"

    # The history shows the revisions and the audit trail, newest first.
    segment(page, "Part", "History")
    audit = table_cells(page, "assessment.sign_off")
    assert {"assessment.sign_off", "assessment.section_sign_off", "assessment.save"} <= set(audit)
    assert audit.index("assessment.sign_off") < audit.index("assessment.save")
    shot(page, "13-assessor-history")


def test_a_vendor_cannot_reach_another_vendors_product_by_url(
    page: Any, server: Server, seeded_template: Seeded
) -> None:
    own, other = seeded_template.product(CLEAN), seeded_template.product(OTHER)
    login = seeded_template.vendor_login(CLEAN)
    open_signed_in(page, server, f"/review?product={other.id}", *login)
    page.get_by_text("You do not have access to this").wait_for()
    text = page.locator("[data-testid='stApp']").inner_text()
    assert other.name not in text and other.organisation not in text
    shot(page, "20-vendor-denied-review")

    open_signed_in(page, server, f"/dossier?assessment={other.assessment_id}", *login)
    page.get_by_text("You do not have access to this").wait_for()
    text = page.locator("[data-testid='stApp']").inner_text()
    assert other.name not in text and other.organisation not in text
    assert page.get_by_role("button", name="Build the dossier").count() == 0

    # An assessment id of another product, with the vendor's own product: the vendor's own is shown.
    open_signed_in(page, server, f"/review?product={own.id}&assessment={other.assessment_id}", *login)
    page.get_by_role("heading", name=f"{own.name} {own.version}").wait_for()
    text = page.locator("[data-testid='stApp']").inner_text()
    assert other.name not in text

    # The admin-only page is not there for a vendor.
    open_signed_in(page, server, "/users", *login)
    assert page.get_by_role("heading", name="Users").count() == 0
    assert "admin" not in [c.strip() for c in page.locator("[role='gridcell']").all_text_contents()]
    shot(page, "21-vendor-users-url")
