"""Shared helpers for the tests (plain functions and constants; the fixtures are in conftest.py,
store_fixtures.py and ui_fixtures.py). Import by name: ``from support import REPO, passing_v2``.

The builders return plain dicts (what a vendor would write in YAML/JSON) for submissions that
pass every gate; tests change one thing and assess through the same path the CLI uses:
``parse_submission`` (validate + normalise against the criteria) then ``engine.assess``.

Evidence dates are relative to ``on`` (the assessment date the submission is built for), so
the same builder gives a passing submission for any date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import re
import socket
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dtac_app.catalogue import load_catalogue
from dtac_app.criteria import Catalogue
from dtac_app.dates import ONE_DAY
from dtac_app.engine import assess
from dtac_app.provenance import all_received
from dtac_app.results import Assessment
from dtac_app.store.db import Database
from dtac_app.submission_io import parse_submission
from dtac_app.workbench.facade import Workbench

REPO = Path(__file__).resolve().parent.parent
CRITERIA_DIR = REPO / "criteria"
EXAMPLES = REPO / "submissions"

# A fixed "today" for the tests: after v2.0 became mandatory (6 Apr 2026).
TODAY = dt.date(2026, 10, 1)
# A day on which DTAC v1.0 submissions were still accepted.
V1_DAY = dt.date(2026, 3, 1)

DECISIONS = ("not_available", "incomplete", "research_only", "available_with_conditions", "available")

# The 13 technologies NICE assessed for HTE16 (5 use with evidence generation, 5 research only,
# 2 no recommendation, 1 out of scope).
HTE16_TECHNOLOGIES = (
    "getUBetter",
    "Hinge Health",
    "Kaia",
    "Pathway through Pain",
    "SelfBack",
    "Ascenti Reach",
    "Digital Therapist",
    "Flok Health",
    "Phio Engage",
    "Joint Academy",
    "ACT for PAIN",
    "SupportBack",
    "Physitrack",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """Stop a server a test started, if it still runs: terminate, then kill after 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def sqlite_workbench(path: Path) -> Iterator[Workbench]:
    """A Workbench on the SQLite file at ``path`` (a running server's, say), closed afterwards."""
    db = Database(f"sqlite:///{path}")
    try:
        yield Workbench(db)
    finally:
        db.dispose()


def zip_of(path: Path) -> bytes:
    """An example with every evidence file it names, as a vendor sends it."""
    text = path.read_text(encoding="utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(path.name, text)
        for rel in re.findall(r"^ +file: (\S+)$", text, re.M):
            zf.write(path.parent / rel, rel)
    return buf.getvalue()


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def dspt_period_for(on: dt.date) -> str:
    """The previous DSPT year relative to ``on``: still acceptable on ``on`` (valid to 30 June of on.year + 1)."""
    start = on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def safety_evidence(crm: str, case: str) -> list[dict[str, Any]]:
    """The clinical-safety records every passing submission cites: the risk management system
    (question ``crm``), and the safety case report and hazard log (question ``case``)."""
    return [
        {"question": crm, "kind": "crm_system"},
        {"question": case, "kind": "cscr"},
        {"question": case, "kind": "hazard_log"},
    ]


def pen_test(question: str, issued: dt.date, highest_cvss: float) -> dict[str, Any]:
    """A penetration test covering the OWASP Top 10."""
    return {
        "question": question,
        "kind": "pen_test",
        "issued": issued.isoformat(),
        "highest_cvss": highest_cvss,
        "owasp_top10": True,
    }


def passing_v2(on: dt.date = TODAY) -> dict[str, Any]:
    """A DTAC v2.0 submission (profile dtac) that is 'available' with no conditions on ``on``.

    Not a medical device; supports direct care (C1.2 Yes); processes personal data in the UK;
    no Cyber Security Charter (so C3.3-C3.6 are asked); no APIs, no identity-dependent exchange.
    """
    return {
        "schema": "dtac-submission/1",
        "criteria": "dtac-v2.0",
        "profile": "dtac",
        "submitted_on": on.isoformat(),
        "product": {"name": "Test App", "version": "1.0", "manufacturer": "Test Ltd"},
        "answers": {
            "A1": "Test Ltd",
            "A2": "Test App",
            "A3": "1.0",
            "C1.1.1": "No",
            "C1.2": "Yes",
            "C1.2.2": "Yes",
            "C1.2.3": "Provided",
            "C1.2.4": "Provided",
            "C1.2.5": "Dr A Person, GMC 1234567",
            "C2.1": "Confirmed",
            "C2.2": "Yes",
            "C2.2.1": "Provided",
            "C2.2.2": "Provided",
            "C2.2.3": "Provided",
            "C2.2.4": "Provided",
            "C2.2.5": "UK only",
            "C3.1": "Provided",
            "C3.2": "No",
            "C3.3": "Provided",
            "C3.4": "Confirmed",
            "C3.5": "Yes",
            "C3.5.1": "Yes",
            "C3.6": "Yes",
            "C4.1": "No",
            "C4.2": "No",
            "D1.1": "Provided",
            "D1.2": "Yes",
            "D1.3": "Confirm",
            "D1.4": "Yes",
            "D1.4.1": "Yes",
            "D1.4.3": "https://example.invalid/accessibility",
            "D1.5": "99.95",
        },
        "evidence": [
            *safety_evidence("C1.2.3", "C1.2.4"),
            {"question": "C2.1", "kind": "dspt", "status": "Standards Met", "period": dspt_period_for(on)},
            {"question": "C2.2.1", "kind": "ico_registration", "expires": (on + days(400)).isoformat()},
            {"question": "C2.2.2", "kind": "dpia"},
            {"question": "C2.2.3", "kind": "privacy_notice"},
            {"question": "C2.2.4", "kind": "terms"},
            {"question": "C3.1", "kind": "cyber_essentials", "issued": (on - days(60)).isoformat()},
            pen_test("C3.3", on - days(30), 5.3),
        ],
    }


def passing_lbp(on: dt.date = TODAY) -> dict[str, Any]:
    """A back-pain app under the nice-lbp profile that passes every gate on ``on``.

    A UKCA-marked, self-declared Class I device registered with the MHRA; exercise-based content;
    adults only; no self-referral; not assessed by NICE (so at best available with conditions).
    """
    data = device_v2(on, uk_responsible_person="Spine Ltd")
    data["profile"] = "nice-lbp"
    data["product"] = {"name": "Back App", "version": "3.1", "manufacturer": "Spine Ltd"}
    data["clinical"] = {
        "delivers_treatment": True,
        "content": ["exercise", "self_management", "stay_active", "education"],
        "minimum_age": 16,
        "pain_duration": ["acute", "chronic"],
        "self_referral": False,
    }
    return data


@functools.cache
def _company_of(name: str) -> str:
    tech = load_catalogue(CRITERIA_DIR).nice.find_technology(name)
    assert tech is not None, name
    return tech.company


def name_technology(data: dict[str, Any], name: str) -> dict[str, Any]:
    """Make ``data`` a submission for HTE16 technology ``name`` from that technology's company."""
    data["clinical"]["nice_technology"] = name
    data["product"]["manufacturer"] = _company_of(name)
    return data


def device_v2(on: dt.date = TODAY, **regulatory: Any) -> dict[str, Any]:
    """A v2.0 (profile dtac) medical device submission; ``regulatory`` overrides the record."""
    data = passing_v2(on)
    data["answers"]["C1.1.1"] = "Yes"
    data["answers"]["C1.1.2"] = "No"
    data["evidence"].append({"question": "C1.1.1", "kind": "paq"})
    data["regulatory"] = {
        "medical_device": True,
        "device_class": "I",
        "marking": "UKCA",
        "mhra_registration": "GB-MF-000012345",
    }
    data["regulatory"].update(regulatory)
    return data


def passing_v1(on: dt.date = V1_DAY) -> dict[str, Any]:
    """A DTAC v1.0 submission made before v1.0's retirement that passes on ``on``."""
    return {
        "schema": "dtac-submission/1",
        "criteria": "dtac-v1.0",
        "profile": "dtac",
        "submitted_on": min(on, dt.date(2026, 4, 5)).isoformat(),
        "product": {"name": "Legacy App", "version": "0.9", "manufacturer": "Old Ltd"},
        "answers": {
            "A1": "Old Ltd",
            "C1.1": "Yes",
            "C1.1.1": "Provided",
            "C1.1.2": "Provided",
            "C1.2": "Dr B Person, NMC 99A1234B",
            "C1.3": "Not applicable",
            "C1.4": "No",
            "C2.1": "Provided",
            "C2.2": "Yes",
            "C2.2.1": "Jane Doe, DPO",
            "C2.3": "Yes",
            "C2.3.1": "Confirmed",
            "C2.3.2": "Provided",
            "C2.4": "Confirm",
            "C2.5": "UK only",
            "C3.1": "Provided",
            "C3.2": "Provided",
            "C3.3": "Yes – external code review",
            "C3.4": "Yes",
            "C3.5": "Yes",
            "C3.6": "Yes",
            "C4.1": "No",
            "C4.1.1": "No APIs: the product is a standalone patient app.",
            "C4.2": "No because product does not identify patient record data",
            "C4.3": "No because the product does not read/write into EHRs",
            "C4.4": "No",
            "D1.1": "Yes",
            "D1.2": "Yes",
            "D1.3": "Yes",
            "D1.4": "Yes",
            "D1.4.1": "https://example.invalid/accessibility",
            "D1.5": "Yes",
            "D1.6": "Yes",
            "D1.7": "Yes",
            "D1.8": "Yes",
            "D1.9": "Yes",
            "D1.10": "Yes",
            "D1.11": "Yes",
        },
        "evidence": [
            *safety_evidence("C1.1.1", "C1.1.2"),
            {"question": "C2.1", "kind": "ico_registration", "expires": (on + days(300)).isoformat()},
            {
                "question": "C2.3.1",
                "kind": "dspt",
                "status": "Standards Exceeded",
                "period": dspt_period_for(on),
            },
            {"question": "C2.3.2", "kind": "dpia"},
            {"question": "C3.1", "kind": "cyber_essentials", "issued": (on - days(30)).isoformat()},
            pen_test("C3.2", on - days(30), 4.0),
        ],
    }


def evidence_of(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """The (first) evidence record of ``kind`` in a submission dict, for in-place edits."""
    for rec in data["evidence"]:
        if rec["kind"] == kind:
            return rec
    raise KeyError(kind)


def drop_answers(data: dict[str, Any], *qids: str) -> dict[str, Any]:
    for q in qids:
        data["answers"].pop(q, None)
    return data


def run(data: dict[str, Any], catalogue: Catalogue, as_of: dt.date = TODAY, **kw: Any) -> Assessment:
    """Parse (validate + normalise) a submission dict and assess it on ``as_of``, with every
    evidence document in hand (``documents=`` to say otherwise)."""
    sub = parse_submission(data, catalogue, file="t.yaml")
    kw.setdefault("documents", all_received(len(sub.evidence)))
    return assess(sub, catalogue, as_of=as_of, **kw)


def rules_of(a: Assessment, severity: str | None = None) -> set[str]:
    return {f.rule for f in a.findings if severity is None or f.severity == severity}


def finding_text(a: Assessment) -> str:
    return "\n".join(f.text for f in a.findings)


def check_valid_until(
    data: dict[str, Any], catalogue: Catalogue, as_of: dt.date = TODAY, **kw: Any
) -> tuple[Assessment, Assessment]:
    """The valid-until contract: the decision holds through ``valid_until`` (its last day) and is
    different on ``changes_on``, the day after. Returns (assessment as of ``as_of``, assessment on
    ``changes_on``)."""
    a = run(data, catalogue, as_of, **kw)
    assert a.valid_until is not None, f"expected a valid-until date; reason: {a.valid_until_reason}"
    assert a.changes_on == a.valid_until + ONE_DAY
    assert a.valid_until >= as_of
    last_day = run(data, catalogue, a.valid_until, **kw)
    assert last_day.decision == a.decision, (
        f"decision changed by valid_until {a.valid_until}: {a.decision} -> {last_day.decision}"
    )
    on_the_day = run(data, catalogue, a.changes_on, **kw)
    assert on_the_day.decision != a.decision, (
        f"decision on changes_on {a.changes_on} is still {a.decision}; reason given: {a.valid_until_reason}"
    )
    return a, on_the_day


def healthy(base: str) -> bool:
    """Whether the Streamlit server at ``base`` answers its health check."""
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:  # noqa: S310 - loopback
            return bool(r.status == 200 and r.read().strip() == b"ok")
    except OSError:
        return False


def dtac_serve_command(port: int) -> list[str]:
    """``dtac serve`` (this checkout's code) on ``port`` of the loopback address, examples not loaded."""
    import sys

    cmd = [sys.executable, "-m", "dtac_app.cli", "serve", "--port", str(port)]
    return [*cmd, "--address", "127.0.0.1", "--no-examples"]


def start_server(
    command: Callable[[int], list[str]], env: dict[str, str], log: Path, *, wait: float = 90
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``command(port)`` on a free port until its health check answers: (process, base URL).
    Tries another port twice if the process dies (port taken between probe and bind) or is too slow."""
    import time

    for _attempt in range(3):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            proc = subprocess.Popen(command(port), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and proc.poll() is None:
            if healthy(base):
                return proc, base
            time.sleep(0.2)
        stop_process(proc)
    raise RuntimeError(f"the server did not start; log:\n{log.read_text(errors='replace')[-4000:]}")
