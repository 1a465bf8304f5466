"""Accessibility: an axe-core scan of every page in each role, and of the HTML outputs, in Chromium.

axe-core comes from the npm registry (``.ci/run`` installs it into ``.axe/``, which git ignores; set
``DTAC_AXE_JS`` to use another copy) and is injected into each page by the test. The target is WCAG
2.2 AA: zero serious or critical violations. Keyboard-only use of sign-in is checked too.

Like the other browser tests: skipped without Chromium or axe-core, unless CI is set, when they fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import test_e2e as e2e
from support import EXAMPLES, REPO
from test_e2e import TIMEOUT_MS, Server, go, idle, segment, shot, sign_in
from ui_fixtures import ADMIN, ASSESSOR, Seeded

pytestmark = pytest.mark.e2e

AXE_JS = Path(os.environ.get("DTAC_AXE_JS") or REPO / ".axe" / "node_modules" / "axe-core" / "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")

ASSESSOR_PAGES = [
    "Portfolio",
    "Pre-check a submission",
    "Assessment",
    "Dossier",
    "Compliance calendar",
    "Criteria",
    "Audit trail",
]
ADMIN_PAGES = [*ASSESSOR_PAGES, "Users"]
VENDOR_PAGES = ASSESSOR_PAGES

BACK_PAIN = "SpineWren Back Coach"

# The browser tests' server, browser and page fixtures (one server for this module).
server = e2e.server
browser = e2e.browser
page = e2e.page


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.is_file():
        problem = f"axe-core not found at {AXE_JS} (npm install --prefix .axe axe-core)"
        if os.environ.get("CI"):
            pytest.fail(f"accessibility tests cannot run and CI is set: {problem}")
        pytest.skip(problem)
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.2 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    found = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                                       why: (n.failureSummary || '').slice(0, 300)}))}));
        }""",
        AXE_TAGS,
    )
    return [v for v in found if v["impact"] in BLOCKING]


def report(where: str, violations: list[dict[str, Any]]) -> str:
    return f"{where}: " + json.dumps(violations, indent=1)[:6000]


def scan_pages(page: Any, axe_source: str, pages: list[str], role: str) -> dict[str, list[dict[str, Any]]]:
    problems: dict[str, list[dict[str, Any]]] = {}
    for title in pages:
        go(page, title)
        page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT_MS)
        idle(page)
        found = axe_violations(page, axe_source)
        if found:
            problems[f"{role}: {title}"] = found
            shot(page, f"axe-{role}-{title.replace(' ', '-').lower()}")
    return problems


def test_sign_in_page_has_no_serious_violations_and_works_by_keyboard(
    page: Any, server: Server, seeded_template: Seeded, axe_source: str
) -> None:
    page.goto(server.base)
    idle(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    found = axe_violations(page, axe_source)
    assert not found, report("sign-in", found)
    # Keyboard only: Tab to each field, type, Enter submits.
    user_field = page.get_by_label("User name", exact=True)
    for _ in range(30):
        page.keyboard.press("Tab")
        if user_field.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the user name field")
    page.keyboard.type(ASSESSOR[0])
    page.keyboard.press("Tab")
    assert page.get_by_label("Password", exact=True).evaluate("el => el === document.activeElement")
    page.keyboard.type(ASSESSOR[1])
    page.keyboard.press("Enter")
    idle(page)
    page.get_by_role("heading", name="Portfolio").wait_for()


@pytest.mark.parametrize("role", ["assessor", "admin", "vendor"])
def test_every_page_in_each_role_has_no_serious_violations(
    page: Any, server: Server, seeded_template: Seeded, axe_source: str, role: str
) -> None:
    login = {"assessor": ASSESSOR, "admin": ADMIN, "vendor": seeded_template.vendor_login(BACK_PAIN)}[role]
    pages = {"assessor": ASSESSOR_PAGES, "admin": ADMIN_PAGES, "vendor": VENDOR_PAGES}[role]
    page.goto(server.base)
    idle(page)
    sign_in(page, *login)
    page.get_by_role("heading", name="Portfolio").wait_for()
    problems = scan_pages(page, axe_source, pages, role)

    # The pages' other states: an assessment open in review (each part), a pre-check result.
    product = seeded_template.product(BACK_PAIN)
    page.goto(f"{server.base}/review?product={product.id}")
    idle(page)
    if page.get_by_role("heading", name="Sign in").count():
        sign_in(page, *login)
    page.get_by_test_id("decision-label").first.wait_for()
    for part in ("Questions", "Sign-off", "History"):
        if role == "vendor" and part == "Sign-off":
            continue
        if page.get_by_role("radiogroup", name="Part").get_by_role("radio", name=part, exact=True).count():
            segment(page, "Part", part)
            found = axe_violations(page, axe_source)
            if found:
                problems[f"{role}: review / {part}"] = found
                shot(page, f"axe-{role}-review-{part.lower()}")
    go(page, "Pre-check a submission")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(EXAMPLES / "spinewren.yaml"))
    page.get_by_test_id("decision-label").wait_for()
    idle(page)
    found = axe_violations(page, axe_source)
    if found:
        problems[f"{role}: pre-check result"] = found
        shot(page, f"axe-{role}-precheck-result")
    assert not problems, "\n".join(report(k, v) for k, v in problems.items())


def test_the_html_dossier_and_portfolio_report_have_no_serious_violations(
    page: Any, axe_source: str, tmp_path: Path
) -> None:
    from dtac_app.catalogue import get_catalogue
    from dtac_app.dossier import parse_formats, write_dossier
    from dtac_app.workbench.assessing import assess_file
    from dtac_app.workbench.portfolio_report import render_html, rows_from_directory

    day = dt.date.today()
    sub, a = assess_file(EXAMPLES / "spinewren.yaml", as_of=day)
    paths = write_dossier(a, sub, tmp_path, parse_formats("html"), source="spinewren.yaml")
    page.goto(paths["html"].as_uri())
    found = axe_violations(page, axe_source)
    assert not found, report("HTML dossier", found)

    rows, _ = rows_from_directory(EXAMPLES, as_of=day)
    report_file = tmp_path / "report.html"
    report_file.write_text(render_html(rows, get_catalogue(), as_of=day), encoding="utf-8")
    page.goto(report_file.as_uri())
    found = axe_violations(page, axe_source)
    assert not found, report("portfolio report", found)


# ---------------------------------------------------------------------------------- keyboard only


def focused(locator: Any) -> bool:
    return bool(
        locator.evaluate("el => el === document.activeElement || el.contains(document.activeElement)")
    )


def tab_to(page: Any, locator: Any, limit: int = 400) -> None:
    """Press Tab (or Shift+Tab, when the target comes before the focus) until ``locator`` has the focus."""
    target = locator.first
    target.wait_for()
    backwards = bool(
        target.evaluate(
            "el => !!document.activeElement && document.activeElement !== document.body && "
            "!!(el.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)"
        )
    )
    for _ in range(limit):
        if focused(target):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{'Shift+Tab' if backwards else 'Tab'} never reached {locator}")


def test_review_and_sign_off_work_with_the_keyboard_alone(
    page: Any, server: Server, seeded_template: Seeded
) -> None:
    from test_e2e import FAILING, decision

    p = seeded_template.product(FAILING)
    page.goto(f"{server.base}/review?product={p.id}")
    idle(page)
    tab_to(page, page.get_by_label("User name", exact=True))
    page.keyboard.type(ASSESSOR[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ASSESSOR[1])
    page.keyboard.press("Enter")
    idle(page)
    page.get_by_role("heading", name=f"{p.name} {p.version}").wait_for()
    assert decision(page) == "Not available"

    # Override C3.1 to Met: focus the picker, type to filter, Enter to choose.
    tab_to(page, page.get_by_role("combobox", name="Override the outcome of C3.1"))
    page.keyboard.type("Met")
    page.keyboard.press("Enter")
    idle(page)
    rationale = page.get_by_label("Rationale for overriding C3.1 (required for an override)")
    tab_to(page, rationale)
    page.keyboard.type("Certificate seen on the NCSC register today.")
    page.keyboard.press("Control+Enter")
    idle(page)
    save = page.get_by_role("button", name="Save review as a new revision")
    tab_to(page, save)
    page.keyboard.press("Enter")
    idle(page)
    page.get_by_text("revision 2 of 2").wait_for()
    assert decision(page) != "Not available"

    # Sign-off: Tab into the "Part" choice (only its selected option is a Tab stop), arrow keys to
    # "Sign-off", Space to choose it; then Enter on each sign-off button.
    parts = page.get_by_role("radiogroup", name="Part")
    tab_to(page, parts.get_by_role("radio", name="Questions", exact=True))
    part = parts.get_by_role("radio", name="Sign-off", exact=True)
    for _ in range(4):
        if focused(part):
            break
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    idle(page)
    assert part.get_attribute("aria-checked") == "true"
    for _ in range(10):
        buttons = page.get_by_role("button", name=re.compile(r"^Sign off [A-D]\d$"))
        enabled = [buttons.nth(i) for i in range(buttons.count()) if buttons.nth(i).is_enabled()]
        if not enabled:
            break
        tab_to(page, enabled[0])
        page.keyboard.press("Enter")
        idle(page)
    # Guarded sign-off: a reason when items are open, the confirmation ticked with Space, then Enter.
    why = page.get_by_label("Why sign off with these open (required, at least 10 characters)")
    if why.count():
        tab_to(page, why)
        page.keyboard.type("Remaining items agreed with the supplier by phone.")
        page.keyboard.press("Control+Enter")
        idle(page)
    confirm = page.get_by_role("checkbox", name=re.compile("^I confirm the decision"))
    tab_to(page, confirm)
    page.keyboard.press("Space")
    idle(page)
    whole = page.get_by_role("button", name="Sign off the whole assessment")
    tab_to(page, whole)
    page.keyboard.press("Enter")
    idle(page)
    page.get_by_text(re.compile(r"Revision 2 is signed off")).wait_for()
    shot(page, "axe-keyboard-signed-off")
