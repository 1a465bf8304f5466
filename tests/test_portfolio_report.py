"""The portfolio report (gate matrix as PDF/HTML) and the compliance calendar as iCalendar.

Both are read back: the .ics with the icalendar parser, the PDF with pypdf, the HTML as text.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import icalendar
import pypdf
import pytest
import yaml
from support import REPO, TODAY, passing_lbp, passing_v2
from typer.testing import CliRunner

from dtac_app.catalogue import get_catalogue
from dtac_app.cli import app
from dtac_app.gates import GATE_LABELS
from dtac_app.store.db import DATA_DIR_ENV, DATABASE_URL_ENV
from dtac_app.workbench.calendar_ics import ICS_KINDS, CalendarEntry, event_uid, to_ics
from dtac_app.workbench.portfolio import calendar_entries
from dtac_app.workbench.portfolio_report import (
    Filters,
    filter_rows,
    render_html,
    render_pdf,
    rows_from_directory,
)

ENV = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
STAMP = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def events(data: bytes) -> list[Any]:
    cal = icalendar.Calendar.from_ical(data)
    return list(cal.walk("VEVENT"))


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """A back-pain app and a DTAC-only product, plus a vendor name written as markup."""
    d = tmp_path / "subs"
    d.mkdir()
    lbp = passing_lbp()
    lbp["product"]["name"] = "Spine <script>alert(1)</script> & Co"
    lbp["clinical"]["pain_duration"] = ["acute"]
    lbp["clinical"]["features"] = ["guided_exercise_video", "nudges"]
    (d / "lbp.yaml").write_text(yaml.safe_dump(lbp, sort_keys=False), encoding="utf-8")
    (d / "dtac.yaml").write_text(yaml.safe_dump(passing_v2(), sort_keys=False), encoding="utf-8")
    return d


# ------------------------------------------------------------------------------------------ ICS


def test_ics_has_one_event_per_expiry_deadline_and_decision_change_with_a_reminder() -> None:
    entries = [
        CalendarEntry(dt.date(2027, 1, 5), "expiry", "Pen test older than 12 months", "App; One, 1.0", "Org"),
        CalendarEntry(dt.date(2027, 1, 5), "decision", "No longer 'Available'", "App; One, 1.0", "Org"),
        CalendarEntry(dt.date(2028, 6, 30), "deadline", "CE mark no longer accepted", "Two 2.0", "Org 2"),
        CalendarEntry(dt.date(2026, 10, 7), "window", "Renewal window opens", "Two 2.0", "Org 2"),
    ]
    data = to_ics(entries, warning_days=90, stamp=STAMP)
    got = events(data)
    assert len(got) == 3  # the renewal window is each event's reminder, not an event
    assert sorted(str(e["categories"].cats[0]) for e in got) == sorted(
        ["Evidence or certificate lapses", "Decision changes", "Legal or NICE deadline"]
    )
    first = got[0]
    assert first.decoded("dtstart") == dt.date(2027, 1, 5)
    assert first.decoded("dtend") == dt.date(2027, 1, 6)
    assert str(first["summary"]).startswith("App; One, 1.0: ")  # special characters survive the round trip
    alarms = [a for e in got for a in e.walk("VALARM")]
    assert len(alarms) == 3
    assert {a.decoded("trigger") for a in alarms} == {-dt.timedelta(days=90)}
    assert len({str(e["uid"]) for e in got}) == 3
    assert set(ICS_KINDS) == {"expiry", "deadline", "decision"}


def test_ics_is_reproducible_and_ids_are_stable() -> None:
    e = CalendarEntry(dt.date(2027, 1, 5), "expiry", "x", "App 1.0")
    assert to_ics([e], warning_days=30, stamp=STAMP) == to_ics([e, e], warning_days=30, stamp=STAMP)
    assert event_uid(e) == event_uid(CalendarEntry(dt.date(2027, 1, 5), "expiry", "x", "App 1.0"))
    assert event_uid(e) != event_uid(CalendarEntry(dt.date(2027, 1, 6), "expiry", "x", "App 1.0"))


def test_no_reminder_when_the_warning_window_is_zero() -> None:
    e = CalendarEntry(dt.date(2027, 1, 5), "expiry", "x", "App 1.0")
    assert not list(events(to_ics([e], warning_days=0, stamp=STAMP))[0].walk("VALARM"))


def test_calendar_command_writes_an_ics_from_a_folder(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.ics"
    r = CliRunner().invoke(
        app, ["calendar", str(folder), "--ics", str(out), "--as-of", TODAY.isoformat()], env=ENV
    )
    assert r.exit_code == 0, r.output
    rows, _ = rows_from_directory(folder, as_of=TODAY)
    expected = [e for e in calendar_entries(rows, since=TODAY) if e.kind in ICS_KINDS]
    got = events(out.read_bytes())
    assert len(got) == len({event_uid(e) for e in expected}) > 0
    assert f"{len(got)} events" in r.output
    assert all(e.decoded("dtstart") >= TODAY for e in got)


def test_calendar_command_from_the_database(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(seeded_dir))
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    out = tmp_path / "db.ics"
    r = CliRunner().invoke(app, ["calendar", "--db", "--ics", str(out)], env=ENV)
    assert r.exit_code == 0, r.output
    got = events(out.read_bytes())
    assert got and any(str(e["categories"].cats[0]) == "Decision changes" for e in got)


def test_calendar_command_needs_a_folder_or_db(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["calendar", "--ics", str(tmp_path / "x.ics")], env=ENV)
    assert r.exit_code == 2
    assert "give a folder of submissions or --db" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "x.ics").exists()


# ------------------------------------------------------------------------------------------ report


def test_report_shows_every_gate_for_a_back_pain_and_a_dtac_only_product(folder: Path) -> None:
    rows, errors = rows_from_directory(folder, as_of=TODAY)
    assert not errors and len(rows) == 2
    cat = get_catalogue()
    html_text = render_html(rows, cat, as_of=TODAY)
    assert "<script>alert(1)</script>" not in html_text
    assert "Spine &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html_text
    for label in GATE_LABELS.values():
        assert label in html_text
    assert "Not applicable" in html_text  # the DTAC-only product's back-pain gates
    assert "Acute (new) pain" in html_text
    assert "Guided exercise with video demonstrations" in html_text
    assert html_text.count('<th scope="row">') == 2 + 1  # both in the gate matrix; features: back-pain only
    # Decision and valid-until come before the gates.
    assert html_text.index(">Valid until<") < html_text.index(">C1<")

    pdf = render_pdf(rows, cat, as_of=TODAY)
    assert pdf == render_pdf(rows, cat, as_of=TODAY)  # byte-identical
    text = pdf_text(pdf)
    assert "Spine <script>alert(1)</script> & Co" in text.replace("\n", " ")
    for word in ("Pass", "Condition", "Not applicable", "Gate matrix", "HTE16 features", "Page 1 of"):
        assert word in text


def test_filters_by_decision_fit_and_profile(folder: Path) -> None:
    rows, _ = rows_from_directory(folder, as_of=TODAY)
    assert [r.profile for r in filter_rows(rows, Filters(profiles=frozenset({"nice-lbp"})))] == ["nice-lbp"]
    assert [r.profile for r in filter_rows(rows, Filters(fits=frozenset({"acute"})))] == ["nice-lbp"]
    assert filter_rows(rows, Filters(fits=frozenset({"chronic"}))) == []
    assert [r.profile for r in filter_rows(rows, Filters(fits=frozenset({"not_stated"})))] == ["dtac"]
    assert len(filter_rows(rows, Filters(decisions=frozenset({r.decision for r in rows})))) == 2
    assert filter_rows(rows, Filters(decisions=frozenset({"not_available"}))) == []


def test_portfolio_report_command(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    r = CliRunner().invoke(
        app,
        ["portfolio-report", str(folder), "--out", str(out), "--as-of", TODAY.isoformat(), "--fit", "acute"],
        env=ENV,
    )
    assert r.exit_code == 0, r.output
    assert "1 of 2 products" in r.output
    pdf = (out / f"portfolio-report-{TODAY.isoformat()}.pdf").read_bytes()
    assert "fit: Acute (new) pain" in pdf_text(pdf)
    html_text = (out / f"portfolio-report-{TODAY.isoformat()}.html").read_text(encoding="utf-8")
    assert html_text.count('<th scope="row">') == 2 * 1  # one product, in both tables


def test_portfolio_report_rejects_an_unknown_filter(folder: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["portfolio-report", str(folder), "--fit", "sometimes"], env=ENV)
    assert r.exit_code == 2
    assert "--fit" in r.output and "sometimes" in r.output


def test_portfolio_report_from_the_database(
    seeded_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(seeded_dir))
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    r = CliRunner().invoke(
        app, ["portfolio-report", "--db", "--out", str(tmp_path), "--format", "html"], env=ENV
    )
    assert r.exit_code == 0, r.output
    html_text = next(tmp_path.glob("portfolio-report-*.html")).read_text(encoding="utf-8")
    assert "SpineWren Back Coach" in html_text and "SlotHarbour" in html_text


def test_examples_folder_gives_a_report(tmp_path: Path) -> None:
    d = tmp_path / "examples"
    shutil.copytree(REPO / "submissions", d)
    rows, errors = rows_from_directory(d, as_of=TODAY)
    assert not errors
    assert {r.profile for r in rows} == {"dtac", "nice-lbp"}
