"""Generate realistic DTAC v2.0 submissions for the benchmarks: every routing path, evidence with
dates, long free-text answers, regulatory and back-pain profiles. Deterministic for a given seed."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import yaml

AS_OF = dt.date(2026, 11, 22)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
LOREM = (
    "The product supports self-management of musculoskeletal conditions with guided exercise, education and "
    "clinician review. Data flows are documented in the DPIA and the hazard log is reviewed at every release. "
)


def _date(rng: random.Random, lo: int, hi: int) -> dt.date:
    return AS_OF - dt.timedelta(days=rng.randint(lo, hi))


def _record(question: str, kind: str, **details: Any) -> dict[str, Any]:
    """One evidence record: the question it answers, its kind, then any details."""
    return {"question": question, "kind": kind, **details}


def submission(i: int, rng: random.Random, *, long_answers: bool = True) -> dict[str, Any]:
    a: dict[str, str] = {
        "A1": f"Benchmark Health {i} Ltd",
        "A2": f"Bench App {i}",
        "A3": f"{rng.randint(1, 9)}.{rng.randint(0, 20)}",
        "A4": "Standalone software application or mobile app",
        "A5": "Alex Example, Head of Quality",
        "A6": "alex@example.invalid",
        "A7": "0100 000 0000",
        "A8": "1 Example Street, Leeds",
        "A9": "England",
        "A10": f"{10_000_000 + i}",
        "A12": "Not applicable",
        "B1": "Patient care or support",
        "B2": LOREM * (6 if long_answers else 1),
        "B3": LOREM * (4 if long_answers else 1),
        "B4": "Provided",
    }
    ev: list[dict[str, Any]] = []
    device = rng.random() < 0.5
    a["C1.1.1"] = "Yes" if device else "No"
    if device:
        ev.append(_record("C1.1.1", "paq", reference=f"PAQ-{i}"))
        a["C1.1.2"] = rng.choice(["Yes", "No"])
    if not device or a.get("C1.1.2") == "No":
        in_scope = rng.random() < 0.8
        a["C1.2"] = "Yes" if in_scope else "No"
        if in_scope:
            a["C1.2.2"] = "Yes"
            a.update(dict.fromkeys(("C1.2.3", "C1.2.4"), "Provided"))
            a["C1.2.5"] = "Dr Sam Example, physiotherapist, HCPC PH000000"
            ev += [
                _record("C1.2.3", "crm_system"),
                _record("C1.2.4", "cscr"),
                _record("C1.2.4", "hazard_log"),
            ]
        else:
            a["C1.2.1"] = LOREM * (3 if long_answers else 1)
    access = rng.random() < 0.85
    a["C2.1"] = "Confirmed" if access else "No access to patient data or national NHS system"
    if access:
        status = rng.choice(["Standards Met", "Standards Exceeded", "Standards Met"])
        period = rng.choice(["2025-26", "2025-26", "2024-25"])
        ev.append(_record("C2.1", "dspt", status=status, period=period, ods_code=f"8X{i % 1000:03d}"))
    personal = rng.random() < 0.9
    a["C2.2"] = "Yes" if personal else "No"
    if personal:
        a.update(dict.fromkeys(("C2.2.1", "C2.2.2", "C2.2.3"), "Provided"))
        a["C2.2.4"] = rng.choice(["Provided", "Not applicable"])
        expires = (AS_OF + dt.timedelta(days=rng.randint(-30, 400))).isoformat()
        ev += [
            _record("C2.2.1", "ico_registration", reference=f"ZA{i:06d}", expires=expires),
            _record("C2.2.2", "dpia"),
            _record("C2.2.3", "privacy_notice"),
        ]
        if a["C2.2.4"] == "Provided":
            ev.append(_record("C2.2.4", "terms"))
        a["C2.2.5"] = rng.choice(["UK only", "UK only", "Outside of UK"])
        if a["C2.2.5"] == "Outside of UK":
            a["C2.2.6"] = "Ireland under UK adequacy regulations; IDTA with the US processor. " + LOREM
    a["C3.1"] = "Provided"
    issued = _date(rng, 10, 420).isoformat()
    ev.append(_record("C3.1", "cyber_essentials", issuer="IASME", reference=f"CE-{i:06d}", issued=issued))
    charter = rng.random() < 0.3
    a["C3.2"] = "Yes" if charter else "No"
    if charter:
        ev.append(_record("C3.2", "charter"))
    else:
        a.update(
            {
                "C3.3": "Provided",
                "C3.4": "Confirmed",
                "C3.5": "Yes",
                "C3.5.1": rng.choice(["Yes", "Not applicable (supplier has no access)"]),
                "C3.6": "Yes",
            }
        )
        issued = _date(rng, 10, 400).isoformat()
        cvss = round(rng.choice([3.1, 5.3, 6.5, 6.9, 7.5, 4.2]), 1)
        ev.append(
            _record(
                "C3.3",
                "pen_test",
                issuer="Example Testing Ltd",
                issued=issued,
                highest_cvss=cvss,
                owasp_top10=True,
            )
        )
    a["C4.1"] = rng.choice(["Yes", "No"])
    if a["C4.1"] == "Yes":
        a["C4.1.1"] = "HL7 FHIR R4 (UK Core profiles) because the receiving EHRs support it. " + LOREM
        a["C4.1.2"] = rng.choice(["Confirm", "Cannot confirm"])
        if a["C4.1.2"] == "Cannot confirm":
            a["C4.1.3"] = "Documentation is shared with partners under an integration agreement. " + LOREM
    a["C4.2"] = rng.choice(["Yes", "No"])
    if a["C4.2"] == "Yes":
        a["C4.2.1"] = rng.choice(["Yes", "No"])
        if a["C4.2.1"] == "Yes":
            a["C4.2.2"] = rng.choice(["Yes", "No"])
        if a.get("C4.2.1") == "No" or a.get("C4.2.2") == "No":
            a["C4.2.3"] = (
                "Records are matched on NHS number plus date of birth and checked by a clinician. " + LOREM
            )
        a["C4.2.4"] = rng.choice(["Yes", "No", "Not applicable (not used directly by patients)"])
        if a["C4.2.4"] != "Yes":
            a["C4.2.5"] = rng.choice(["Yes", "Not applicable"])
            if a["C4.2.5"] != "Yes":
                a["C4.2.6"] = (
                    "Users sign in with e-mail and a one-time code; sessions expire after 15 minutes. "
                    + LOREM
                )
    a.update(
        {
            "D1.1": "Provided",
            "D1.2": "Yes",
            "D1.3": "Confirm",
            "D1.4": "Yes",
            "D1.4.1": rng.choice(["Yes", "No, but a plan and timeline exists"]),
            "D1.4.3": "https://example.invalid/a11y",
            "D1.5": f"{rng.uniform(99.0, 99.99):.2f}",
        }
    )
    if a["D1.4.1"].startswith("No, but"):
        a["D1.4.2"] = "By 31 March 2027"
    lbp = rng.random() < 0.4
    doc: dict[str, Any] = {
        "schema": "dtac-submission/1",
        "criteria": "dtac-v2.0",
        "profile": "nice-lbp" if lbp else "dtac",
        "submitted_on": (AS_OF - dt.timedelta(days=rng.randint(1, 60))).isoformat(),
        "product": {"name": f"Bench App {i}", "version": a["A3"], "manufacturer": a["A1"]},
        "answers": a,
        "evidence": ev,
    }
    if device or lbp:
        marking = rng.choice(["UKCA", "CE-MDR", "CE-MDD"])
        cls = rng.choice(["I", "IIa"])
        reg: dict[str, Any] = {
            "medical_device": True,
            "device_class": cls,
            "marking": marking,
            "mhra_registration": f"GB-MF-{i:09d}",
        }
        if cls == "I" and marking == "CE-MDD":
            reg["class_i_ce_basis"] = "mdd_upclassified"
        if cls == "IIa":
            reg.update(
                {
                    "certificate_number": f"CERT-{i}",
                    "certificate_expiry": (AS_OF + dt.timedelta(days=rng.randint(30, 1500))).isoformat(),
                }
            )
        doc["regulatory"] = reg
        if not device:
            a["C1.1.1"] = "Yes"
            a["C1.1.2"] = "No"
            ev.append(_record("C1.1.1", "paq"))
    else:
        doc["regulatory"] = {"medical_device": False}
    if lbp:
        doc["clinical"] = {
            "delivers_treatment": True,
            "content": rng.sample(
                [
                    "exercise",
                    "self_management",
                    "stay_active",
                    "education",
                    "cbt",
                    "mindfulness",
                    "return_to_work",
                ],
                4,
            ),
            "minimum_age": rng.choice([16, 18]),
            "pain_duration": ["acute", "chronic"],
            "self_referral": rng.random() < 0.5,
            "red_flag_escalation": True,
        }
    return doc


def write_corpus(directory: Path, n: int, *, seed: int = 2026, fmt: str = "yaml") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        doc = submission(i, rng)
        p = directory / f"bench-{i:05d}.{fmt}"
        if fmt == "yaml":
            p.write_text(
                yaml.dump(doc, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=120),
                encoding="utf-8",
            )
        else:
            import json

            p.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(p)
    return paths
