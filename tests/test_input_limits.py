"""Database errors never reach users raw (issue 10, item 6), on SQLite and on a real PostgreSQL server.

* Text a person typed is checked at the service boundary against the column it goes into (length
  from the model, no NUL or other control characters): a clear message naming the field and the
  limit, nothing written, and the same on both databases (SQLite would otherwise store anything).
* The first submissions of a new product or organisation, sent at the same moment, all succeed and
  make exactly one row each.
* A database error that still happens becomes a generic message with a short reference; the SQL
  goes to the server log only.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from store_fixtures import AS_OF, World, example_files, example_text, example_zip
from support import REPO, free_port

from dtac_app.errors import InputError
from dtac_app.results import Override
from dtac_app.store.db import Database
from dtac_app.store.errors import (
    DatabaseFailure,
    InvalidField,
    LoginFailed,
    NotFound,
    StoreError,
    WorkflowError,
)
from dtac_app.store.limits import column_length
from dtac_app.store.models import AuditEntry, EvidenceFile, Organisation, Product, ProductVersion, User
from dtac_app.workbench.facade import SYSTEM, Workbench

LONG_EMAIL = "a" * 310 + "@example.org"  # 322 characters: one column allows 320


def count(db: Database, model: type, *where: object) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- the limits


def test_limits_come_from_the_model_columns() -> None:
    assert column_length(User.display_name) == 200
    assert column_length(User.email) == 320
    assert column_length(Organisation.name) == 300
    assert column_length(Product.name) == 200
    assert column_length(AuditEntry.detail) is None  # Text: no length limit of its own


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"display_name": "Alice\x00Smith"}, "display name", "control character"),
        ({"display_name": "A" * 201}, "display name", "200"),
        ({"email": "alice\x00@example.org"}, "e-mail", "control character"),
        ({"email": LONG_EMAIL}, "e-mail", "320"),
        ({"organisation": "Acme\x00 Health"}, "organisation", "control character"),
        ({"organisation": "O" * 301}, "organisation", "300"),
        ({"display_name": "Alice\nSmith"}, "display name", "one line"),
    ],
    ids=["name-nul", "name-long", "email-nul", "email-long", "org-nul", "org-long", "name-newline"],
)
def test_user_fields_are_checked_with_a_clear_message(
    wf: Workbench, fields: dict[str, str], field: str, says: str
) -> None:
    with pytest.raises(InvalidField) as e:
        wf.create_user(SYSTEM, "carol", role="vendor", password="carol-password-1", **fields)  # type: ignore[arg-type]
    assert e.value.field == field and says in e.value.message
    assert "INSERT" not in e.value.message and "SQL" not in e.value.message
    assert count(wf.db, User) == 0 and count(wf.db, Organisation) == 0  # nothing half-written


def test_a_user_at_the_limits_is_stored(wf: Workbench) -> None:
    email = "a" * 308 + "@example.org"
    u = wf.create_user(
        SYSTEM, "c" * 100, role="vendor", display_name="D" * 200, email=email, organisation="O" * 300
    )
    assert (len(u.username), len(u.display_name), u.email, len(u.organisation_name or "")) == (
        100,
        200,
        email,
        300,
    )


@pytest.mark.parametrize("name", ["x" * 101, "ad\x00min", "admin\x1b[2J"], ids=["long", "nul", "escape"])
def test_sign_in_with_a_name_no_account_can_have_is_an_ordinary_failure(wf: Workbench, name: str) -> None:
    wf.create_user(SYSTEM, "admin", role="admin", password="admin-password-1")
    with pytest.raises(LoginFailed):
        wf.login(name, "admin-password-1")
    failures = wf.audit_trail(SYSTEM, action="login.failure")
    assert len(failures) == 1
    assert "\x00" not in failures[0].actor and "\x1b" not in failures[0].actor
    wf.login("admin", "admin-password-1")  # and the real account is untouched


@pytest.mark.parametrize("name", ["Acme\x00Health", "N" * 301, "Tab\tName"], ids=["nul", "long", "tab"])
def test_organisation_names_are_checked(wf: Workbench, name: str) -> None:
    with pytest.raises(InvalidField) as e:
        wf.create_organisation(SYSTEM, name)
    assert e.value.field == "organisation name"
    assert count(wf.db, Organisation) == 0


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("name: Test App", 'name: "Bad\\0App"', "product.name"),
        ("manufacturer: Test Ltd", 'manufacturer: "Maker\\0 Ltd"', "product.manufacturer"),
        ('version: "1.0"', 'version: "1.0\\0"', "product.version"),
        ("kind: crm_system}", 'kind: crm_system, file: "evidence/a\\0b.pdf"}', "evidence[0].file"),
    ],
    ids=["name", "manufacturer", "version", "evidence-path"],
)
def test_submission_fields_that_cannot_be_stored_are_refused_naming_the_field(
    world: World, old: str, new: str, field: str
) -> None:
    doc = example_text().replace(old, new)
    assert doc != example_text()
    products = count(world.wf.db, Product)
    with pytest.raises(InputError) as e:
        world.wf.submit(world.assessor, doc, "bad.yaml", as_of=AS_OF)
    assert e.value.file == "bad.yaml" and e.value.field == field
    assert "control character" in e.value.reason
    assert count(world.wf.db, Product) == products


def test_an_upload_whose_file_name_has_control_characters_is_refused(world: World) -> None:
    with pytest.raises(InputError) as e:
        world.wf.submit(world.acme, example_text("Gamma", "Acme Health"), "gam\x00ma.yaml", as_of=AS_OF)
    assert "file name" in e.value.field


def test_free_text_with_nul_is_refused_before_the_database(world: World) -> None:
    wf, a = world.wf, world.a
    with pytest.raises(WorkflowError, match="control character"):
        wf.request_clarification(world.assessor, a.id, "Please send the \x00 DCB0129 log")
    with pytest.raises(WorkflowError, match="control character"):
        wf.submit(world.acme, example_text("Gamma", "Acme Health"), "g.yaml", comment="new\x00", as_of=AS_OF)
    with pytest.raises(StoreError, match="control character"):
        wf.save_review(
            world.assessor,
            a.id,
            1,
            overrides={"C1.2": Override(outcome="fail", rationale="the hazard log\x00 is missing")},
            verifications={},
        )
    with pytest.raises(InvalidField, match="the rationale for C1.2"):
        wf.save_review(
            world.assessor,
            a.id,
            1,
            overrides={"C1.2": Override(outcome="fail", rationale="the hazard log\x00 is missing")},
            verifications={},
        )
    with pytest.raises(InvalidField, match="your role"):
        wf.sign_off_section(world.assessor, a.id, 1, "C1", role="Clinical\x00 safety officer")
    with pytest.raises(InvalidField, match="your role.*at most 200"):
        wf.sign_off_section(world.assessor, a.id, 1, "C1", role="R" * 201)
    # Lines and tabs are fine in free text.
    c = wf.request_clarification(world.assessor, a.id, "Please send:\n\t- the DCB0129 log")
    assert "\n\t" in c.text
    assert wf.get_assessment(world.assessor, a.id).revision == 1


# ---------------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("who", ["assessor", "vendor"])
def test_simultaneous_first_submissions_make_one_product_and_organisation(world: World, who: str) -> None:
    """Eight first submissions of the same new product at once (an assessor's also create the
    vendor organisation from the manufacturer's name): every one is stored, one row each."""
    wf = world.wf
    maker = "Gamma Health" if who == "assessor" else "Acme Health"
    actor = world.assessor if who == "assessor" else world.acme
    n = 8
    files_before = count(wf.db, EvidenceFile)
    barrier = threading.Barrier(n)
    results: list[object] = []

    def send(i: int) -> None:
        data = example_zip("Gamma Knee", maker, document=f"gamma-{i}.yaml")
        barrier.wait()
        try:
            results.append(wf.submit(actor, data, f"gamma-{i}.zip", as_of=AS_OF))
        except BaseException as e:  # noqa: BLE001 - reported below
            results.append(e)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(results) == n and not errors, errors
    db = wf.db
    assert count(db, Organisation, Organisation.name == maker) == 1
    assert count(db, Product, Product.name == "Gamma Knee") == 1
    assert count(db, ProductVersion) == 3  # Acme Back 1.0, Beta Spine 1.0, Gamma Knee 1.0
    assert {v.product_name for v in results} == {"Gamma Knee"}  # type: ignore[attr-defined]
    assert len({v.submission_id for v in results}) == n  # type: ignore[attr-defined]
    # Same evidence bytes, stored once; each creation audited once.
    assert count(db, EvidenceFile) == files_before + (len(example_files(maker)) if who == "assessor" else 0)
    creates = wf.audit_trail(SYSTEM, action="product.create", limit=100)
    assert [e.after["name"] for e in creates].count("Gamma Knee") == 1  # type: ignore[index]
    orgs = wf.audit_trail(SYSTEM, action="organisation.create", limit=100)
    assert [e.after["name"] for e in orgs].count(maker) == 1  # type: ignore[index]


def test_creating_an_organisation_that_exists_is_still_refused(wf: Workbench) -> None:
    wf.create_organisation(SYSTEM, "Acme Health")
    with pytest.raises(WorkflowError, match="already exists"):
        wf.create_organisation(SYSTEM, "acme health")


# ---------------------------------------------------------------------------------- last line


def break_product_inserts(db: Database, request: pytest.FixtureRequest) -> None:
    """Make the database itself refuse new products (a fault the workbench cannot check for)."""
    if db.is_sqlite:
        with db.engine.begin() as c:
            c.execute(
                text(
                    "CREATE TRIGGER no_products BEFORE INSERT ON products "
                    "BEGIN SELECT RAISE(ABORT, 'products are closed'); END"
                )
            )
        return
    server = request.getfixturevalue("pg_server")
    name = db.engine.url.database
    server.admin_sql(
        "CREATE FUNCTION no_products() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'products are closed'; END $$",
        name,
    )
    server.admin_sql(
        "CREATE TRIGGER no_products BEFORE INSERT ON products FOR EACH ROW EXECUTE FUNCTION no_products()",
        name,
    )


def test_a_database_error_becomes_a_message_with_a_reference_and_the_detail_is_logged(
    world: World, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    wf = world.wf
    break_product_inserts(wf.db, request)
    caplog.set_level(logging.ERROR, logger="dtac_app.database")
    with pytest.raises(DatabaseFailure) as e:
        wf.submit(world.acme, example_text("Gamma", "Acme Health"), "gamma.yaml", as_of=AS_OF)
    failure = e.value
    assert isinstance(failure, StoreError)
    assert len(failure.reference) == 8 and failure.reference in failure.message
    for leak in ("INSERT", "SQL", "products", "closed", "Traceback"):
        assert leak not in failure.message
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert failure.reference in logged and "INSERT INTO products" in caplog.text
    assert count(wf.db, Product, Product.name == "Gamma") == 0


def test_a_look_up_of_a_name_no_row_can_have_finds_nothing(world: World) -> None:
    """PostgreSQL refuses even to compare with a NUL; the look-up says "no such user" instead."""
    with pytest.raises(NotFound):
        world.wf.get_user(SYSTEM, "ad\x00min")
    with pytest.raises(NotFound):
        world.wf.get_user(SYSTEM, "u" * 500)


def test_the_command_line_shows_a_reference_and_logs_the_detail_to_a_file(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DTAC_DATABASE_URL": f"postgresql://dtac:s3cret@127.0.0.1:{free_port()}/nowhere",
        "DTAC_DATA_DIR": str(tmp_path),
    }
    res = subprocess.run(
        [sys.executable, "-m", "dtac_app.cli", "user", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1, res.stderr
    ref = re.search(r"reference ([0-9A-F]{8})", res.stderr)
    assert ref, res.stderr
    for leak in ("127.0.0.1", "nowhere", "s3cret", "OperationalError", "Traceback"):
        assert leak not in res.stderr + res.stdout
    log = (tmp_path / "dtac-errors.log").read_text()
    assert ref.group(1) in log and "OperationalError" in log
