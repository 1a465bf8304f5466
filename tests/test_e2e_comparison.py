"""End to end in Chromium: the back-pain comparison and the calendar's iCalendar download.

Uses the browser tests' server, browser and page fixtures (tests/test_e2e.py), one server per module.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import icalendar
import pypdf
import pytest
import test_e2e as e2e
from test_e2e import ASSESSOR, Server, go, idle, shot, sign_in, table_cells
from ui_fixtures import Seeded

pytestmark = pytest.mark.e2e

server = e2e.server
browser = e2e.browser
page = e2e.page

BACK_PAIN = "SpineWren Back Coach"
DTAC_ONLY = "SlotHarbour"
NARROW = {"width": 1366, "height": 900}


def row_of(cells: list[str], first: str, names: list[str]) -> list[str]:
    """The cells of the row that starts with ``first``, up to the next product (rows have no end marker
    in the DOM mirror, so stop at the next cell that names a product version)."""
    i = cells.index(first)
    row = [first]
    for c in cells[i + 1 :]:
        if any(c.startswith(name) for name in names) and c != first:
            break
        row.append(c)
    return row


def test_the_comparison_matrix_shows_a_back_pain_and_a_dtac_only_product(
    page: Any, server: Server, seeded_template: Seeded
) -> None:
    spine, slot = seeded_template.product(BACK_PAIN), seeded_template.product(DTAC_ONLY)
    names = [p.name for p in seeded_template.products]
    page.set_viewport_size(NARROW)
    page.goto(server.base)
    idle(page)
    sign_in(page, *ASSESSOR)
    page.get_by_role("heading", name="Portfolio").wait_for()
    idle(page)

    # At 1366 px the decision, valid-until and next-expiry columns are in view without scrolling sideways
    # (the grid draws on a canvas and mirrors only the columns in view into the DOM for assistive tech).
    grid = page.get_by_test_id("stDataFrame").first
    grid.locator("[role='columnheader']").first.wait_for(state="attached")
    in_view = [t.strip() for t in grid.locator("[role='columnheader']").all_text_contents()]
    assert {"Product", "Decision", "Valid until", "Next expiry"} <= set(in_view), in_view
    assert "Manufacturer" not in in_view  # the detail columns come after, behind the scroll

    page.get_by_role("heading", name="Compare products").wait_for()
    spine_label, slot_label = f"{spine.name} {spine.version}", f"{slot.name} {slot.version}"
    cells = table_cells(page, spine_label)
    assert slot_label in cells  # a DTAC-only product stays in view beside the back-pain apps
    before = {spine_label: row_of(cells, spine_label, names), slot_label: row_of(cells, slot_label, names)}
    assert "Acute, 3 months+" in before[spine_label] and "Available with conditions" in before[spine_label]
    assert before[spine_label].count("Pass") >= 4  # C1–C4
    # The product column is pinned; scroll the matrix sideways to read the back-pain gates.
    matrix = page.get_by_test_id("stDataFrame").nth(1)
    matrix.hover()
    page.mouse.wheel(3000, 0)
    page.wait_for_timeout(500)
    cells = [t.strip() for t in matrix.locator("[role='gridcell']").all_text_contents()]
    after = {spine_label: row_of(cells, spine_label, names), slot_label: row_of(cells, slot_label, names)}
    assert "Condition" in after[spine_label]  # NICE has not assessed it: local commissioning decision
    assert not {"Fail", "Missing"} & set(after[spine_label])
    assert after[slot_label].count("Not applicable") >= 4  # the four back-pain gates
    shot(page, "30-portfolio-comparison-1366")

    # The same comparison as a PDF report, parsed back.
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download the comparison (PDF)").click()
    data = Path(dl.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "Gate matrix" in text and spine.name in text and slot.name in text


def test_the_calendar_downloads_an_icalendar_file_that_parses_back(
    page: Any, server: Server, seeded_template: Seeded
) -> None:
    page.goto(server.base)
    idle(page)
    sign_in(page, *ASSESSOR)
    go(page, "Compliance calendar")
    page.get_by_role("heading", name="Compliance calendar").wait_for()
    idle(page)
    shot(page, "31-calendar")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download for Outlook (iCalendar .ics)").click()
    assert dl.value.suggested_filename.endswith(".ics")
    cal = icalendar.Calendar.from_ical(Path(dl.value.path()).read_bytes())
    events = list(cal.walk("VEVENT"))
    assert events
    today = dt.date.today()
    products = {p.name for p in seeded_template.products}
    for ev in events:
        assert ev.decoded("dtstart") >= today
        assert any(str(ev["summary"]).startswith(name) for name in products)
        alarms = list(ev.walk("VALARM"))
        assert len(alarms) == 1 and alarms[0].decoded("trigger") < dt.timedelta(0)
    kinds = {str(ev["categories"].cats[0]) for ev in events}
    assert "Decision changes" in kinds and "Evidence or certificate lapses" in kinds
