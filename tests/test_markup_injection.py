"""Text a person typed is data, never markup (issue 10.1), checked in headless Chromium.

A product, its evidence, an override rationale, a verification note and a clarification are filled
with hostile text: a fixed-position banner claiming "AVAILABLE FOR NHS USE", a Markdown link and a
Markdown image pointing at a remote host. Every page is opened in Chromium (as an assessor and as an
admin); none of them may contain the banner element, the link or the image, and the browser may not
request anything from another host (the ``page`` fixture of test_e2e.py checks that after each test).
A static check keeps ``unsafe_allow_html`` out of dtac_app/ui altogether.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from support import EXAMPLES, REPO
from test_e2e import (  # noqa: F401 - fixtures used by name
    Server,
    _need_chromium,
    browser,
    idle,
    main_text,
    open_signed_in,
    page,
    shot,
)
from ui_fixtures import ADMIN, ASSESSOR, Seeded

from dtac_app.results import Override, Verification
from dtac_app.store.db import SQLITE_FILENAME, Database
from dtac_app.workbench.facade import SYSTEM, Workbench

pytestmark = pytest.mark.e2e

BANNER = (
    '<div id="pwned" style="position:fixed;top:0;left:0;right:0;z-index:999999;background:#007f3b;'
    'color:white;font-size:48px">AVAILABLE FOR NHS USE</div>'
)
LINK = "[click here](http://attacker.invalid/link)"
IMAGE = "![](http://attacker.invalid/pixel.png)"
HOSTILE = f"{BANNER} {LINK} {IMAGE} :red[recoloured] <img src=http://attacker.invalid/raw.png>"
# Product fields are limited to 200 characters.
SHORT = '<div id="pwned" style="position:fixed;top:0;z-index:99999">AVAILABLE FOR NHS USE</div> ' + IMAGE


@pytest.fixture(scope="module")
def hostile(seeded_template: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A copy of the seeded database with hostile text in every field a person can type."""
    _need_chromium()
    data_dir = tmp_path_factory.mktemp("hostile-data")
    shutil.copyfile(seeded_template.path, data_dir / SQLITE_FILENAME)
    db = Database(f"sqlite:///{data_dir / SQLITE_FILENAME}")
    try:
        wb = Workbench(db)
        text = (EXAMPLES / "slotharbour.yaml").read_text(encoding="utf-8")
        quoted = "'" + SHORT.replace("'", "''") + "'"
        text = text.replace("name: SlotHarbour", f"name: {quoted}", 1)
        text = text.replace("manufacturer: Harbourline Digital Ltd", f"manufacturer: '{LINK} {IMAGE}'", 1)
        text = text.replace("ZZ-FICT-100101", f"'{IMAGE}'", 1)
        view = wb.submit(SYSTEM, text, "hostile.yaml")
        assessor = wb.get_user(SYSTEM, ASSESSOR[0])
        reviewed = wb.save_review(
            assessor,
            view.id,
            1,
            overrides={"C1.2": Override(outcome="fail", rationale=HOSTILE)},
            verifications={"C3.1": Verification(checked=HOSTILE)},
            comment=HOSTILE,
        )
        c = wb.request_clarification(assessor, view.id, HOSTILE)
        wb.reply_clarification(assessor, c.id, HOSTILE)
        yield {"dir": data_dir, "product": view.product_id, "assessment": reviewed.id}
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def server(hostile: dict[str, Any]) -> Iterator[Server]:
    srv = Server(hostile["dir"], hostile["dir"] / "server.log")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def assert_inert(pg: Any, where: str) -> None:
    """Nothing the hostile text asked for exists on the page."""
    assert pg.locator("#pwned").count() == 0, f"{where}: the injected banner is an element"
    links = pg.locator("a[href*='attacker.invalid']")
    assert links.count() == 0, f"{where}: the injected link is live: " + " ".join(
        links.nth(i).evaluate("e => e.parentElement.parentElement.outerHTML.slice(0, 400)")
        for i in range(min(3, links.count()))
    )
    assert pg.locator("img[src*='attacker.invalid']").count() == 0, f"{where}: the injected image is live"
    assert (
        pg.locator("[data-testid='stMarkdownContainer'] span[style*='color']")
        .filter(has_text="recoloured")
        .count()
        == 0
    ), f"{where}: the injected colour directive ran"


def visit(pg: Any, server: Server, path: str, who: tuple[str, str], name: str) -> str:
    open_signed_in(pg, server, path, *who)
    # Open every expander so what is folded away is rendered too.
    for summary in pg.locator("[data-testid='stExpander'] summary").all():
        if summary.get_attribute("aria-expanded") == "false":
            summary.click()
    idle(pg)
    shot(pg, f"markup-{name}")
    assert_inert(pg, path)
    return main_text(pg)


PAGES = [
    ("/", ASSESSOR, "portfolio"),
    ("/review?product={product}", ASSESSOR, "review"),
    ("/dossier?assessment={assessment}", ASSESSOR, "dossier"),
    ("/calendar", ASSESSOR, "calendar"),
    ("/audit", ADMIN, "audit"),
    ("/users", ADMIN, "users"),
]


@pytest.mark.parametrize("path, who, name", PAGES, ids=[p[2] for p in PAGES])
def test_hostile_text_is_shown_as_text_on_every_page(
    page: Any,  # noqa: F811 - test_e2e's fixture
    server: Server,
    hostile: dict[str, Any],
    path: str,
    who: tuple[str, str],
    name: str,
) -> None:
    text = visit(page, server, path.format(**hostile), who, name)
    if name in ("review", "dossier"):
        # Shown, as the characters that were typed.
        assert "AVAILABLE FOR NHS USE" in text and "attacker.invalid" in text


def test_no_unsafe_html_in_the_ui() -> None:
    """The pages never switch off Streamlit's HTML escaping, and st.html takes only the app's own markup."""
    offenders = []
    for path in sorted([*(REPO / "dtac_app" / "ui").rglob("*.py"), REPO / "streamlit_app.py"]):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"unsafe_allow_html\s*=\s*True", line):
                offenders.append(f"{path.relative_to(REPO)}:{n}")
    assert offenders == []


def test_md_escapes_everything_markdown_would_act_on() -> None:
    from dtac_app.ui.safe import md

    out = md(HOSTILE)
    for raw in ("<div", "[x]", "![]", ":red[", "http://"):
        assert raw not in out.replace("\\<", "").replace("\\[", "").replace("\\]", ""), raw
    assert "\\<div" in out and "\\](" in out and "!\\[" in out and "http:\u2060//" in out
    assert (
        md("# Heading") == "\\# Heading"
        and md("1. item") == "1\\. item"
        and md("&lt;b&gt;") == "\\&lt;b\\&gt;"
    )
    assert md("Backfell Physio 2.3 (UK): 2026-10-01") == "Backfell Physio 2.3 (UK): 2026-10-01"
