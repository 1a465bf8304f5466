"""The core stays pure: no UI/database/PDF imports, no clock, no file access in the engine and rules;
``assess`` never raises on valid input and is deterministic (property tests with hypothesis)."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import CRITERIA_DIR, DECISIONS, HTE16_TECHNOLOGIES, ONE_DAY, REPO

from dtac_app.catalogue import load_catalogue
from dtac_app.criteria import Policy
from dtac_app.engine import assess
from dtac_app.submission_io import parse_submission

PKG = REPO / "dtac_app"

CORE = [
    "criteria",
    "catalogue",
    "submission",
    "engine",
    "rules_evidence",
    "rules_regulatory",
    "rules_nice",
    "rules_answers",
    "dates",
    "results",
    "finding_text",
    "provenance",
    "gates",
    "safe_yaml",
    "errors",
    "vocabulary",
]
# Modules that must not read the clock or touch files: the engine, the rules and the pure models.
NO_CLOCK_NO_IO = [
    "engine",
    "rules_evidence",
    "rules_regulatory",
    "rules_nice",
    "rules_answers",
    "dates",
    "results",
    "finding_text",
    "provenance",
    "gates",
    "criteria",
    "submission",
    "vocabulary",
]
FORBIDDEN = {"streamlit", "sqlalchemy", "reportlab", "pandas", "alembic", "psycopg", "typer", "rich"}
# What the pure core may import from inside the package.
PURE_SIBLINGS = {
    "vocabulary",
    "criteria",
    "submission",
    "engine",
    "rules_evidence",
    "rules_regulatory",
    "rules_nice",
    "rules_answers",
    "dates",
    "results",
    "provenance",
    "safe_yaml",
    "errors",
}


def _files(module: str) -> list[Path]:
    """The module's file, or every file of the package of that name (``engine/``, ``criteria/``)."""
    path = PKG / f"{module}.py"
    if path.exists():
        return [path]
    files = sorted((PKG / module).glob("*.py"))
    assert files, f"dtac_app/{module} is neither a module nor a package"
    return files


def _tree(module: str) -> ast.Module:
    """Every file of the module (or package) in one tree. Inside a package, a relative import of a
    sibling file (``from .plan import ...``) is recorded with level 0 as ``<package>.plan``."""
    body: list[ast.stmt] = []
    for path in _files(module):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if path.parent != PKG:
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 1:
                    node.level, node.module = 0, f"dtac_app.{module}"
        body.extend(tree.body)
    return ast.Module(body=body, type_ignores=[])


def _imports(tree: ast.Module) -> list[tuple[int, str, int]]:
    """(level, module name, line) for every import, including ones inside functions."""
    out: list[tuple[int, str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((0, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and not node.module:
                out.extend((node.level, alias.name, node.lineno) for alias in node.names)
            else:
                out.append((node.level, node.module or "", node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "__import__"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            out.append((0, str(node.args[0].value), node.lineno))
    return out


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_ui_database_or_pdf_library(module: str) -> None:
    bad = [
        (name, line)
        for level, name, line in _imports(_tree(module))
        if level == 0 and name.split(".")[0] in FORBIDDEN
    ]
    assert bad == [], f"dtac_app/{module}.py imports {bad}"


@pytest.mark.parametrize("module", [m for m in CORE if m != "catalogue"])
def test_core_module_imports_only_the_pure_core_from_the_package(module: str) -> None:
    for level, name, line in _imports(_tree(module)):
        if level == 0 and name.split(".")[0] == "dtac_app":
            sibling = name.split(".")[1] if "." in name else ""
        elif level == 1:
            sibling = name.split(".")[0]
        else:
            continue
        assert sibling in PURE_SIBLINGS, (
            f"dtac_app/{module}.py:{line} imports .{sibling} (not part of the pure core)"
        )


def _calls(tree: ast.Module) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                out.append((f.id, node.lineno))
            elif isinstance(f, ast.Attribute):
                base = (
                    f.value.id
                    if isinstance(f.value, ast.Name)
                    else (f.value.attr if isinstance(f.value, ast.Attribute) else "")
                )
                out.append((f"{base}.{f.attr}", node.lineno))
    return out


CLOCK_AND_IO = {
    "today",
    "now",
    "utcnow",
    "time",
    "monotonic",
    "perf_counter",
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "getenv",
    "urlopen",
    "system",
    "run",
    "Popen",
    "random",
    "uuid4",
}


@pytest.mark.parametrize("module", NO_CLOCK_NO_IO)
def test_engine_and_rules_do_not_read_the_clock_or_files(module: str) -> None:
    bad = [(name, line) for name, line in _calls(_tree(module)) if name.rsplit(".", 1)[-1] in CLOCK_AND_IO]
    assert bad == [], f"dtac_app/{module}.py calls {bad}"
    names = {n.id for n in ast.walk(_tree(module)) if isinstance(n, ast.Name)}
    assert not names & {"open", "os", "random", "time", "Path"}, (
        f"dtac_app/{module}.py uses {names & {'open', 'os', 'random', 'time', 'Path'}}"
    )


def test_the_ast_checks_can_fail() -> None:
    """The checks above are not vacuous: they catch a clock read, a file read and a streamlit import."""
    tree = ast.parse(
        "import datetime as dt\nimport streamlit as st\nfrom .cli import app\n"
        "def f():\n    return dt.date.today(), open('x').read()\n"
    )
    assert ("date.today", 5) in _calls(tree)
    assert ("open", 5) in _calls(tree)
    assert (0, "streamlit", 2) in _imports(tree)
    assert (1, "cli", 3) in _imports(tree)


def test_importing_the_core_loads_no_ui_database_or_pdf_library() -> None:
    code = (
        "import sys\n"
        "import dtac_app.engine, dtac_app.catalogue, dtac_app.submission, dtac_app.safe_yaml, dtac_app.dates\n"
        "import dtac_app.rules_evidence, dtac_app.rules_regulatory, dtac_app.rules_nice, dtac_app.results\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == ""


# =========================================================================== property tests

CAT = load_catalogue(CRITERIA_DIR)
KINDS = sorted(CAT.regulatory.evidence_kinds)
DSPT_STATUSES = list(CAT.regulatory.dspt.statuses)
CONTENT_ITEMS = [c.id for c in CAT.nice.content_items]
OUTCOME_IDS = [o.id for o in CAT.nice.evidence_outcomes]

dates = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2032, 12, 31))
small_text = st.text(min_size=0, max_size=40)
periods = st.integers(min_value=2019, max_value=2031).map(lambda y: f"{y}-{(y + 1) % 100:02d}")


@st.composite
def answers_for(draw: st.DrawFn, key: str) -> dict[str, str]:
    cs = CAT.dtac_set(key)
    out: dict[str, str] = {}
    for q in cs.questions.values():
        if not draw(st.booleans()) and draw(st.booleans()):  # about a quarter left unanswered
            continue
        if q.type == "choice":
            label = draw(st.sampled_from(q.options))
            out[q.id] = draw(
                st.sampled_from([label, label.lower(), label.upper(), f"  {label} ", f"\u201c{label}\u201d."])
                | small_text  # free text in a choice question: kept, reported on the question
            )
        elif q.type == "number":
            out[q.id] = draw(number_answers)
        else:
            out[q.id] = draw(st.one_of(small_text, st.just("A perfectly reasonable written answer to this.")))
    return out


# Number answers a loader accepts: finite, within 0-100 (the range of every number question), maybe with "%".
number_answers = st.one_of(
    st.just(""),
    st.floats(0, 100, allow_nan=False).map(lambda x: f"{x:.2f}"),
    st.integers(0, 100).map(lambda x: f"{x}%"),
)


@st.composite
def evidence_records(draw: st.DrawFn, key: str) -> list[dict[str, Any]]:
    qids = sorted(CAT.dtac_set(key).questions)
    records = []
    for _ in range(draw(st.integers(min_value=0, max_value=14))):
        rec: dict[str, Any] = {"question": draw(st.sampled_from(qids)), "kind": draw(st.sampled_from(KINDS))}
        issued = draw(st.none() | dates)
        expires = draw(st.none() | dates)
        if issued and expires and expires < issued:
            issued, expires = expires, issued
        if issued:
            rec["issued"] = issued.isoformat()
        if expires:
            rec["expires"] = expires.isoformat()
        if draw(st.booleans()):
            rec["highest_cvss"] = draw(st.floats(min_value=0.0, max_value=10.0, allow_nan=False))
        if draw(st.booleans()):
            rec["owasp_top10"] = draw(st.booleans())
        if rec["kind"] == "dspt" or draw(st.booleans()):
            if draw(st.booleans()):
                rec["status"] = (
                    draw(st.sampled_from(DSPT_STATUSES)) if rec["kind"] == "dspt" else draw(small_text)
                )
            if draw(st.booleans()):
                rec["period"] = draw(periods)
        records.append(rec)
    return records


@st.composite
def regulatory_records(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.booleans()):
        return None
    rec: dict[str, Any] = {"medical_device": draw(st.booleans())}
    for field, strat in (
        ("device_class", st.sampled_from(["I", "Is", "Im", "IIa", "IIb", "III"])),
        ("marking", st.sampled_from(["UKCA", "CE-MDR", "CE-MDD", "CE-IVDD", "none"])),
        ("class_i_ce_basis", st.sampled_from(["mdr", "mdd_upclassified", "mdd_only"])),
        ("certificate_expiry", dates.map(dt.date.isoformat)),
        ("mhra_registration", st.text(min_size=1, max_size=12)),
    ):
        if draw(st.booleans()):
            rec[field] = draw(strat)
    return rec


@st.composite
def clinical_records(draw: st.DrawFn) -> dict[str, Any] | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    rec: dict[str, Any] = {
        "delivers_treatment": draw(st.booleans()),
        "content": draw(st.lists(st.sampled_from(CONTENT_ITEMS), max_size=6, unique=True)),
        "pain_duration": draw(st.lists(st.sampled_from(["acute", "chronic"]), max_size=2, unique=True)),
    }
    if draw(st.booleans()):
        rec["nice_technology"] = draw(st.sampled_from(HTE16_TECHNOLOGIES))
    for field, strat in (
        ("minimum_age", st.integers(0, 120)),
        ("self_referral", st.booleans()),
        ("red_flag_escalation", st.booleans()),
    ):
        if draw(st.booleans()):
            rec[field] = draw(strat)
    if draw(st.booleans()):
        eg: dict[str, Any] = {
            "outcomes": draw(st.lists(st.sampled_from(OUTCOME_IDS), max_size=4, unique=True))
        }
        if draw(st.booleans()):
            eg["agreement_in_place"] = draw(st.booleans())
        if draw(st.booleans()):
            eg["last_nice_contact"] = draw(dates).isoformat()
        rec["evidence_generation"] = eg
    return rec


@st.composite
def random_submissions(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date]:
    """Anything the schema allows: random official options, random text, random evidence."""
    key = draw(st.sampled_from(["dtac-v2.0", "dtac-v1.0"]))
    data: dict[str, Any] = {
        "criteria": key,
        "profile": draw(st.sampled_from(["dtac", "nice-lbp"])),
        "product": {"name": "P", "version": "1", "manufacturer": "M"},
        "answers": draw(answers_for(key)),
        "evidence": draw(evidence_records(key)),
    }
    if draw(st.booleans()):
        data["submitted_on"] = draw(dates).isoformat()
    reg = draw(regulatory_records())
    if reg is not None:
        data["regulatory"] = reg
    clin = draw(clinical_records())
    if clin is not None:
        data["clinical"] = clin
    return data, draw(dates)


@st.composite
def mutated_submissions(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date]:
    """A passing submission with a few answers, dates and details changed at random (reaches every decision)."""
    from support import device_v2, passing_lbp, passing_v1, passing_v2

    base = draw(st.sampled_from([passing_v2, passing_lbp, device_v2, passing_v1]))
    on = draw(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2029, 12, 31)))
    data = base(on)
    cs = CAT.dtac_set(data["criteria"])
    for qid in draw(st.lists(st.sampled_from(sorted(cs.questions)), max_size=3, unique=True)):
        q = cs.questions[qid]
        if draw(st.integers(0, 4)) == 0:
            data["answers"].pop(qid, None)
        elif q.type == "choice":
            data["answers"][qid] = draw(st.sampled_from(q.options) | small_text)
        elif q.type == "number":
            data["answers"][qid] = draw(number_answers)
        else:
            data["answers"][qid] = draw(small_text)
    for rec in data["evidence"]:
        if "issued" in rec and draw(st.booleans()):
            rec["issued"] = draw(dates).isoformat()
        if "expires" in rec and draw(st.booleans()):
            rec["expires"] = draw(dates).isoformat()
    if draw(st.booleans()):
        reg = draw(regulatory_records())
        data.pop("regulatory", None)
        if reg is not None:
            data["regulatory"] = reg
    if draw(st.booleans()):
        data["profile"] = draw(st.sampled_from(["dtac", "nice-lbp"]))
        clin = draw(clinical_records())
        if clin is not None:
            data["clinical"] = clin
    return data, on + dt.timedelta(days=draw(st.integers(-30, 400)))


submissions = st.one_of(random_submissions(), mutated_submissions())


policies = st.builds(
    Policy,
    expiry_warning_days=st.integers(0, 730),
    v1_working_towards_credit=st.sampled_from([0.0, 0.5, 1.0]),
    v1_not_applicable_d1=st.sampled_from(["exclude", "award"]),
    v1_apply_cvss_threshold=st.booleans(),
    d1_minimum_percent=st.none() | st.floats(0, 100),
    unassessed_lbp_product=st.sampled_from(["available_with_conditions", "research_only", "not_available"]),
    apply_unconfirmed_nice_changes=st.booleans(),
)

SEVERITY_FOR = {
    "not_available": "fail",
    "incomplete": "missing",
    "research_only": "research",
    "available_with_conditions": "condition",
}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(case=submissions, policy=policies)
def test_assess_never_raises_and_is_deterministic(
    case: tuple[dict[str, Any], dt.date], policy: Policy
) -> None:
    data, as_of = case
    sub = parse_submission(
        copy.deepcopy(data), CAT, file="h.yaml"
    )  # any choice text parses (kept as written)
    a = assess(sub, CAT, as_of=as_of, policy=policy)
    event(a.decision)
    again = assess(parse_submission(copy.deepcopy(data), CAT, file="h.yaml"), CAT, as_of=as_of, policy=policy)
    first = a.model_dump(mode="json")
    assert again.model_dump(mode="json") == first
    assert assess(sub, CAT, as_of=as_of, policy=policy).model_dump(mode="json") == first

    # The result is internally consistent.
    assert a.decision in DECISIONS
    severities = {f.severity for f in a.findings}
    expected = next((d for d, s in SEVERITY_FOR.items() if s in severities), "available")
    assert a.decision == expected
    assert a.reasons
    if a.decision != "available":
        assert all(f.severity == SEVERITY_FOR[a.decision] for f in a.reasons)
    assert a.valid_until is None or (a.valid_until >= as_of and a.changes_on == a.valid_until + ONE_DAY)
    if a.decision == "not_available":
        assert a.valid_until is None
    assert all(e.on > as_of for e in a.events)
    assert len(a.questions) == len(CAT.dtac_set(data["criteria"]).questions)
    for q in a.questions:
        if not q.asked:
            assert q.outcome == "not_applicable"
    for s in a.sections:
        if s.role == "assessed" and s.status == "met":
            assert s.failed == s.missing == 0


@st.composite
def dated_submissions(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date]:
    """A passing submission with random (already issued) evidence dates and device/NICE details."""
    from support import device_v2, passing_lbp, passing_v2

    as_of = draw(st.dates(min_value=dt.date(2026, 4, 6), max_value=dt.date(2030, 12, 31)))
    builder = draw(st.sampled_from([passing_v2, passing_lbp, device_v2]))
    data = builder(as_of)
    for rec in data["evidence"]:
        if "issued" in rec:
            rec["issued"] = (as_of - dt.timedelta(days=draw(st.integers(0, 420)))).isoformat()
        if "expires" in rec:
            rec["expires"] = (as_of + dt.timedelta(days=draw(st.integers(-30, 420)))).isoformat()
        if rec["kind"] == "dspt":
            rec["period"] = draw(
                st.sampled_from([f"{y}-{(y + 1) % 100:02d}" for y in range(as_of.year - 2, as_of.year + 1)])
            )
    if "regulatory" in data and draw(st.booleans()):
        data["regulatory"].update(
            marking=draw(st.sampled_from(["UKCA", "CE-MDR", "CE-MDD"])),
            device_class=draw(st.sampled_from(["I", "IIa", "IIb", "III"])),
            class_i_ce_basis=draw(st.sampled_from(["mdr", "mdd_upclassified"])),
            certificate_expiry=(as_of + dt.timedelta(days=draw(st.integers(-30, 1500)))).isoformat(),
        )
    if "clinical" in data and draw(st.booleans()):
        data["clinical"]["nice_technology"] = draw(
            st.sampled_from([t for t in HTE16_TECHNOLOGIES if t != "Kaia"])
        )
        data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    return data, as_of


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=dated_submissions())
def test_decision_holds_through_valid_until_and_changes_on_changes_on(
    case: tuple[dict[str, Any], dt.date],
) -> None:
    data, as_of = case
    sub = parse_submission(data, CAT, file="h.yaml")
    a = assess(sub, CAT, as_of=as_of)
    event(f"{a.decision}, valid_until {'set' if a.valid_until else 'none'}")
    if a.valid_until is None:
        return
    assert a.changes_on == a.valid_until + ONE_DAY
    assert assess(sub, CAT, as_of=a.valid_until).decision == a.decision
    assert assess(sub, CAT, as_of=a.changes_on).decision != a.decision


def test_same_inputs_give_identical_json(catalogue: Any) -> None:
    from support import passing_lbp, run

    data = passing_lbp()
    data["clinical"]["nice_technology"] = "getUBetter"
    data["clinical"]["evidence_generation"] = {"agreement_in_place": True}
    dumps = {str(run(copy.deepcopy(data), catalogue).model_dump(mode="json")) for _ in range(3)}
    assert len(dumps) == 1
