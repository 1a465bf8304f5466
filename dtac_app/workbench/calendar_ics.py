"""The compliance calendar as an iCalendar file (RFC 5545), for Outlook and other calendar programs.

One all-day event per expiry, legal or NICE deadline and decision change, each with a reminder at
the start of the expiry warning window (policy ``expiry_warning_days``), so the renewal window
needs no event of its own. Event ids are derived from the event's content, so importing the same
calendar twice updates events instead of duplicating them. The ``icalendar`` library writes the
format (folding, escaping); nothing here builds ICS text by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event

from dtac_app import __version__

KIND_LABELS: dict[str, str] = {
    "expiry": "Evidence or certificate lapses",
    "deadline": "Legal or NICE deadline",
    "window": "Renewal window opens",
    "decision": "Decision changes",
}
# Kinds exported as events; a renewal window is the reminder of the expiry it belongs to.
ICS_KINDS: tuple[str, ...] = ("expiry", "deadline", "decision")
PRODID = f"-//DTAC Workbench//dtac-workbench {__version__}//EN"
UID_DOMAIN = "dtac-workbench.invalid"


@dataclass(frozen=True)
class CalendarEntry:
    """One dated item of the compliance calendar, with the product it belongs to."""

    on: dt.date
    kind: str
    text: str
    product: str
    organisation: str = ""
    decision: str = ""
    rule: str = ""


def event_uid(entry: CalendarEntry) -> str:
    key = "\x1f".join(
        (entry.product, entry.organisation, entry.kind, entry.rule, entry.on.isoformat(), entry.text)
    )
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def to_ics(entries: Iterable[CalendarEntry], *, warning_days: int, stamp: dt.datetime) -> bytes:
    """The entries of the exported kinds as an iCalendar file.

    ``stamp`` (UTC) is the DTSTAMP of every event: the caller reads the clock, so the same inputs
    give the same file.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "DTAC compliance calendar")
    stamp = stamp.astimezone(dt.UTC) if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    seen: set[str] = set()
    for e in sorted(entries, key=lambda x: (x.on, x.product, x.kind, x.text)):
        if e.kind not in ICS_KINDS:
            continue
        uid = event_uid(e)
        if uid in seen:
            continue
        seen.add(uid)
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e.on)
        ev.add("dtend", e.on + dt.timedelta(days=1))
        ev.add("summary", f"{e.product}: {KIND_LABELS.get(e.kind, e.kind)}")
        lines = [e.text]
        if e.decision:
            lines.append(f"Current decision: {e.decision}")
        if e.organisation:
            lines.append(f"Organisation: {e.organisation}")
        if e.rule:
            lines.append(f"Rule: {e.rule}")
        ev.add("description", "\n".join(lines))
        ev.add("categories", [KIND_LABELS.get(e.kind, e.kind)])
        ev.add("transp", "TRANSPARENT")
        if warning_days > 0:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add(
                "description", f"In {warning_days} days: {e.product}: {KIND_LABELS.get(e.kind, e.kind)}"
            )
            alarm.add("trigger", -dt.timedelta(days=warning_days))
            ev.add_component(alarm)
        cal.add_component(ev)
    return bytes(cal.to_ical())
