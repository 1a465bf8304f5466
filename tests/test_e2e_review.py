"""End to end, review and sign-off as two assessors would do it: two Chromium contexts (two people,
two sessions) on one workbench server.

Uses the server and helpers of test_e2e.py; its own server, so its writes do not disturb those tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_e2e import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FAILING,
    TIMEOUT_MS,
    VIEWPORT,
    Server,
    decision,
    expect,
    idle,
    open_signed_in,
    pdf_text,
    serving_copy,
    shot,
    table_cells,
)
from ui_fixtures import ASSESSOR, Seeded

from dtac_app.workbench.facade import SYSTEM, Workbench

pytestmark = pytest.mark.e2e

SECOND = ("assessor2", "second-assessor-pass")


@pytest.fixture(scope="module")
def server(seeded_template: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    def second_assessor(wf: Workbench) -> None:
        wf.create_user(SYSTEM, SECOND[0], role="assessor", password=SECOND[1], display_name="Bo Second")

    with serving_copy(seeded_template, tmp_path_factory, "e2e-review-data", second_assessor) as srv:
        yield srv


@pytest.fixture(scope="module")
def chromium(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def person(chromium: Any, server: Server, tmp_path: Path) -> Iterator[Any]:
    """``person()`` opens a new browser context (another person: own cookies, own session) and a tab in it."""
    contexts: list[Any] = []

    def new() -> Any:
        ctx = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        return ctx.new_page()

    try:
        yield new
    finally:
        for ctx in contexts:
            ctx.close()


def choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label``. A rerun that lands just after the click can close
    the list before it shows (seen under load), so open it again until the option appears."""
    for attempt in range(4):
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            return
        except Exception:
            if attempt == 3:
                raise
            idle(page)


RATIONALE_B = "B: Cyber Essentials certificate seen on the NCSC register."


def test_a_save_conflict_keeps_the_second_assessors_edits_beside_the_first(
    person: Any, server: Server, seeded_template: Seeded, store: Workbench
) -> None:
    p = seeded_template.product(FAILING)
    a, b = person(), person()
    open_signed_in(a, server, f"/review?product={p.id}", *ASSESSOR)
    open_signed_in(b, server, f"/review?product={p.id}", *SECOND)
    for page in (a, b):
        page.get_by_text("revision 1 of 1").wait_for()

    # B chooses an override and types the rationale, but has not saved yet.
    choose(b, "Override the outcome of C3.1", "Met")
    idle(b)
    b.get_by_label("Rationale for overriding C3.1 (required for an override)").fill(RATIONALE_B)
    b.get_by_label("Rationale for overriding C3.1 (required for an override)").press("Control+Enter")
    idle(b)
    b.get_by_text("Unsaved changes.").wait_for()

    # Meanwhile A verifies C3.1 and saves: revision 2.
    a.get_by_text("I verified C3.1").click()
    idle(a)
    a.get_by_label("What you checked for C3.1 (register, certificate number, date)").fill(
        "A: NCSC register, certificate 1234"
    )
    a.get_by_label("What you checked for C3.1 (register, certificate number, date)").press("Enter")
    idle(a)
    a.get_by_role("button", name="Save review as a new revision").click()
    idle(a)
    a.get_by_text("revision 2 of 2").wait_for()

    # B saves: nothing is lost. B's edits stay on screen beside what A changed.
    b.get_by_role("button", name="Save review as a new revision").click()
    idle(b)
    b.get_by_text("while you were editing revision 1").wait_for()
    mine = table_cells(b, "Override: Met (by Bo Second)")
    assert RATIONALE_B in mine
    theirs = table_cells(b, "A: NCSC register, certificate 1234")
    assert "Not verified" in theirs
    assert store.get_assessment(SYSTEM, p.assessment_id).revision == 2  # nothing saved behind B's back
    shot(b, "30-review-save-conflict")

    # B re-applies the edits on revision 2 and saves: revision 3 holds A's and B's work.
    b.get_by_role("button", name="Re-apply my edits on revision 2").click()
    idle(b)
    b.get_by_text("revision 2 of 2").wait_for()
    expect(b.get_by_label("Rationale for overriding C3.1 (required for an override)")).to_have_value(
        RATIONALE_B
    )
    b.get_by_role("button", name="Save review as a new revision").click()
    idle(b)
    b.get_by_text("revision 3 of 3").wait_for()
    view = store.get_assessment(SYSTEM, p.assessment_id)
    assert view.revision == 3
    assert view.overrides["C3.1"].rationale == RATIONALE_B
    assert view.verifications["C3.1"].checked == "A: NCSC register, certificate 1234"
    shot(b, "31-review-reapplied")


def test_an_override_to_met_recomputes_the_decision_in_the_page_and_the_dossier(
    person: Any, server: Server, seeded_template: Seeded, store: Workbench
) -> None:
    p = seeded_template.product("Roundmoor Visits")
    view = store.get_assessment(SYSTEM, p.assessment_id)
    conditional = [q.id for q in view.result.questions if q.condition]
    if view.result.decision != "available_with_conditions" or not conditional:
        pytest.skip("the example's conditions depend on today's date")
    assert {f.rule for f in view.result.conditions} == set(conditional)
    page = person()
    open_signed_in(page, server, f"/review?product={p.id}", *ASSESSOR)
    page.get_by_text("revision 1 of 1").wait_for()
    assert decision(page) == "Available with conditions"
    for qid in conditional:
        # Met with a condition: its panel starts closed.
        page.locator("[data-testid='stExpander'] summary").filter(has_text=f"{qid} ").first.click()
        choose(page, f"Override the outcome of {qid}", "Met")
        idle(page)
        why = page.get_by_label(f"Rationale for overriding {qid} (required for an override)")
        why.fill(f"{qid}: renewed evidence seen and checked with the supplier today.")
        why.press("Control+Enter")
        idle(page)
    page.get_by_role("button", name="Save review as a new revision").click()
    idle(page)
    page.get_by_text("revision 2 of 2").wait_for()
    assert decision(page) == "Available for NHS use"  # the conditions went with the overrides
    saved = store.get_assessment(SYSTEM, p.assessment_id)
    assert saved.result.decision == "available" and not saved.result.conditions
    shot(page, "32-override-recomputes-decision")

    # The dossier says the outcome was overridden, by whom and why.
    page.get_by_role("link", name="Build the dossier for this assessment").click()
    idle(page)
    page.get_by_role("button", name="Build the dossier").click()
    page.get_by_role("button", name="Download PDF").wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download PDF").click()
    text = " ".join(pdf_text(Path(dl.value.path()).read_bytes()).split())
    assert "Available for NHS use" in text
    assert f"{len(conditional)} question" in text and "overridden by an assessor" in text
    for qid in conditional:
        assert f"{qid}: renewed evidence seen" in text
