"""The evidence store end to end on both backends: what "Send" keeps, de-duplication by SHA-256,
provenance (received / asserted / verified / problem), re-submission by hash, the per-file limit,
and who may read a file."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from store_fixtures import AS_OF, World, example_files, example_text, example_zip, make_db

from dtac_app.errors import InputError
from dtac_app.store.errors import AccessDenied, ImportConflict, NotFound
from dtac_app.store.models import EvidenceFile, Submission, SubmissionEvidence
from dtac_app.workbench.dossiers import stored_dossier
from dtac_app.workbench.facade import SYSTEM, Workbench

REPO = Path(__file__).resolve().parent.parent

DPIA = 5  # evidence record index of the DPIA in the example


def stored_files(world: World) -> int:
    with world.wf.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(EvidenceFile)) or 0)


def test_a_zip_with_evidence_can_be_sent(world: World) -> None:
    """The reported defect: a ZIP passed the pre-check, then "Send" failed with
    "file is not UTF-8 text" because the send path decoded the upload itself."""
    view = world.wf.submit(world.acme, example_zip("Gamma", "Acme Health"), "gamma.zip", as_of=AS_OF)
    assert view.result.decision == "available"
    assert {e.provenance for e in view.result.evidence} == {"received"}
    sub = world.wf.get_submission(world.assessor, view.submission_id)
    assert sub.filename == "submission.yaml" and sub.content.startswith(b"schema: dtac-submission/1")


def test_every_file_is_kept_with_hash_size_type_and_sender(world: World) -> None:
    docs = world.wf.list_evidence(world.assessor, world.a.submission_id)
    files = example_files("Acme Health")
    assert len(docs) == 10 and all(d.state == "received" for d in docs)
    dpia = docs[DPIA]
    content = files["evidence/dpia.txt"]
    assert (dpia.path, dpia.sha256, dpia.size) == (
        "evidence/dpia.txt",
        hashlib.sha256(content).hexdigest(),
        len(content),
    )
    assert dpia.media_type == "text/plain" and dpia.sent_by == "acme" and dpia.received_at is not None
    doc, got = world.wf.evidence_file(world.assessor, world.a.submission_id, DPIA)
    assert got == content and doc == dpia


def test_the_same_bytes_are_stored_once(world: World) -> None:
    before = stored_files(world)
    world.wf.submit(world.acme, example_zip("Acme Back", "Acme Health", "1.1"), "v11.zip", as_of=AS_OF)
    assert stored_files(world) == before  # every file already stored by acme's first submission
    with world.wf.db.read() as s:
        cites = s.scalar(
            select(func.count())
            .select_from(SubmissionEvidence)
            .where(SubmissionEvidence.record_index == DPIA)
        )
    assert cites == 3  # acme v1.0, beta, acme v1.1: three citations...
    assert stored_files(world) == 20  # ...of 10 acme files and 10 beta files


def test_a_bare_yaml_is_asserted_and_never_valid(world: World) -> None:
    """A YAML sent without its files: every document asserted, its questions incomplete."""
    view = world.wf.submit(world.acme, example_text("Delta", "Acme Health"), "delta.yaml", as_of=AS_OF)
    a = view.result
    assert a.decision == "incomplete"
    assert {e.provenance for e in a.evidence} == {"asserted"}
    assert "valid" not in {e.state for e in a.evidence}
    assert a.question("C2.2.2").outcome == "missing"  # type: ignore[union-attr]
    docs = world.wf.list_evidence(world.acme, view.submission_id)
    assert {d.state for d in docs} == {"asserted"} and all(d.sha256 is None for d in docs)
    with pytest.raises(NotFound, match="no file was received"):
        world.wf.evidence_file(world.acme, view.submission_id, DPIA)


def test_a_claimed_hash_without_the_file_stays_asserted(world: World) -> None:
    """A SHA-256 in the YAML is only a claim: without the bytes (and never sent before) it is asserted."""
    claim = hashlib.sha256(b"a DPIA nobody has seen").hexdigest()
    doc = example_text("Eps", "Acme Health").replace(
        "kind: dpia}", f"kind: dpia, file: evidence/dpia.txt, sha256: {claim}}}"
    )
    view = world.wf.submit(world.acme, doc, "eps.yaml", as_of=AS_OF)
    e = view.result.evidence[DPIA]
    assert (e.provenance, e.state, e.sha256) == ("asserted", "asserted", claim)


def test_a_resubmission_sends_only_the_changed_evidence(world: World) -> None:
    """Version 1.1 sends a new DPIA only; the other nine files are named by their SHA-256 and reused."""
    files = example_files("Acme Health")
    new_dpia = b"FICTIONAL EXAMPLE dpia, second edition\n"
    doc = example_text("Acme Back", "Acme Health", "1.1")
    for path, content in files.items():
        kind = path.removeprefix("evidence/").removesuffix(".txt")
        if kind != "dpia":
            doc = doc.replace(
                f"kind: {kind}", f"kind: {kind}, sha256: {hashlib.sha256(content).hexdigest()}", 1
            )
    before = stored_files(world)
    blob = example_zip(text=doc, files={"evidence/dpia.txt": new_dpia})
    view = world.wf.submit(world.acme, blob, "v11.zip", as_of=AS_OF)
    assert view.result.decision == "available"
    assert {e.provenance for e in view.result.evidence} == {"received"}
    assert stored_files(world) == before + 1
    docs = world.wf.list_evidence(world.acme, view.submission_id)
    assert [d.reused for d in docs].count(True) == 9 and not docs[DPIA].reused
    assert docs[0].sent_by == "acme"
    _, got = world.wf.evidence_file(world.acme, view.submission_id, 0)
    assert got == files["evidence/crm_system.txt"]


def test_another_organisations_files_are_never_reused_by_hash(world: World) -> None:
    """Beta cannot claim Acme's stored DPIA by quoting its hash: for Beta it stays asserted."""
    acme_dpia = hashlib.sha256(example_files("Acme Health")["evidence/dpia.txt"]).hexdigest()
    doc = example_text("Beta Two", "Beta Care").replace("kind: dpia}", f"kind: dpia, sha256: {acme_dpia}}}")
    view = world.wf.submit(world.beta, doc, "b2.yaml", as_of=AS_OF)
    assert view.result.evidence[DPIA].provenance == "asserted"


def test_the_per_file_limit_is_a_setting(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DTAC_MAX_EVIDENCE_MB", "0.001")  # about 1 KB
    big = {**example_files("Acme Health"), "evidence/dpia.txt": b"x" * 4096}
    before = len(world.wf.audit_trail(world.admin, limit=10_000))
    with pytest.raises(InputError) as exc:
        world.wf.submit(world.acme, example_zip("Big", "Acme Health", files=big), "big.zip", as_of=AS_OF)
    assert exc.value.field == "evidence/dpia.txt" and "the limit is" in exc.value.reason
    assert len(world.wf.audit_trail(world.admin, limit=10_000)) == before


def test_vendors_read_only_their_own_evidence(world: World) -> None:
    assert world.wf.evidence_file(world.acme, world.a.submission_id, 0)[1]
    with pytest.raises(AccessDenied):
        world.wf.evidence_file(world.acme, world.b.submission_id, 0)
    with pytest.raises(AccessDenied):
        world.wf.list_evidence(world.beta, world.a.submission_id)


def test_an_assessor_verifies_an_asserted_document(world: World) -> None:
    view = world.wf.submit(world.acme, example_text("Zeta", "Acme Health"), "zeta.yaml", as_of=AS_OF)
    assert view.result.question("C2.2.2").outcome == "missing"  # type: ignore[union-attr]
    v2 = world.wf.check_evidence(
        world.assessor, view.id, 1, DPIA, state="verified", checked="DPIA v3 read on the vendor's portal"
    )
    assert v2.revision == 2
    e = v2.result.evidence[DPIA]
    assert (e.provenance, e.checked, e.checked_by) == (
        "verified",
        "DPIA v3 read on the vendor's portal",
        "alice",
    )
    assert v2.result.question("C2.2.2").outcome == "pass"  # type: ignore[union-attr]
    docs = world.wf.list_evidence(world.acme, view.submission_id)
    assert docs[DPIA].state == "verified" and docs[DPIA].checked_by == "alice"
    save = next(e for e in world.wf.audit_trail(world.admin, limit=50) if e.action == "assessment.save")
    assert "evidence E6 verified" in save.detail
    with pytest.raises(AccessDenied):
        world.wf.check_evidence(world.acme, view.id, 2, DPIA, state="verified", checked="I promise")


def test_an_assessor_marks_a_problem(world: World) -> None:
    v2 = world.wf.check_evidence(
        world.assessor, world.a.id, 1, DPIA, state="problem", checked="the file is another product's DPIA"
    )
    assert v2.result.evidence[DPIA].provenance == "problem"
    assert v2.result.decision == "incomplete"


def test_damaged_stored_bytes_are_not_handed_out(world: World) -> None:
    """If the stored bytes no longer match their address, the viewer refuses them."""
    sha = world.wf.list_evidence(world.assessor, world.a.submission_id)[DPIA].sha256
    db = world.wf.db
    if db.is_sqlite:
        with db.engine.begin() as c:
            c.exec_driver_sql("DROP TRIGGER evidence_files_no_update")
            c.execute(
                text("UPDATE evidence_files SET content = :b WHERE sha256 = :h"),
                {"b": b"tampered", "h": sha},
            )
    else:
        # The app role cannot touch the trigger (docs/deployment.md): tamper as the server's superuser.
        from store_fixtures import _pg_singleton

        server = _pg_singleton()
        assert server is not None
        server.admin_sql(
            "ALTER TABLE evidence_files DISABLE TRIGGER evidence_files_append_only; "
            f"UPDATE evidence_files SET content = 'tampered'::bytea WHERE sha256 = '{sha}'",
            dbname=str(db.engine.url.database),
        )
    with pytest.raises(Exception, match="no longer matches its SHA-256"):
        world.wf.evidence_file(world.assessor, world.a.submission_id, DPIA)


def test_stored_dossier_register_carries_the_state(world: World) -> None:
    import csv
    import io
    import json

    view = world.wf.submit(world.acme, example_text("Eta", "Acme Health"), "eta.yaml", as_of=AS_OF)
    _, files = stored_dossier(world.wf, world.assessor, view.id, formats=("json", "csv"))
    doc = json.loads(files["json"])
    assert {m["provenance"] for m in doc["evidence_manifest"]} == {"asserted"}
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    c222 = next(r for r in rows if r["question_id"] == "C2.2.2")
    assert "state=asserted" in c222["evidence"] and c222["outcome"] == "missing"
    _, files = stored_dossier(world.wf, world.assessor, world.a.id, formats=("json",))
    doc = json.loads(files["json"])
    assert {m["provenance"] for m in doc["evidence_manifest"]} == {"received"}
    assert all(m["sha256"] for m in doc["evidence_manifest"])  # filled from the files received


def test_submission_rows_hold_the_document_not_the_zip(world: World) -> None:
    with world.wf.db.read() as s:
        row = s.get(Submission, world.a.submission_id)
        assert row is not None and row.content.startswith(b"schema:")


@pytest.mark.parametrize("target", ["sqlite", "postgres"])
def test_export_and_import_carry_the_files_and_checks(
    world: World, target: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    wf = world.wf
    wf.check_evidence(world.assessor, world.a.id, 1, DPIA, state="verified", checked="DPIA signed by the DPO")
    package = json.loads(json.dumps(wf.export_product(world.assessor, world.a.product_id)))
    assert len(package["evidence_files"]) == 10
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = make_db(target, request, other_dir)
    try:
        wf2 = Workbench(other)
        summary = wf2.import_product(SYSTEM, package)
        sub_id = wf2.get_product(SYSTEM, summary.id).version_details[0].submissions[0].id
        docs = wf2.list_evidence(SYSTEM, sub_id)
        assert [d.state for d in docs].count("received") == 9 and docs[DPIA].state == "verified"
        assert docs[DPIA].checked == "DPIA signed by the DPO" and docs[DPIA].checked_by == "alice"
        _, got = wf2.evidence_file(SYSTEM, sub_id, 0)
        assert got == example_files("Acme Health")["evidence/crm_system.txt"]
        # A file altered in the package is refused, and nothing is written.
        package["organisation"] = {"name": "Fresh Org", "slug": "fresh-org", "kind": "vendor"}
        package["evidence_files"][0]["content_base64"] = base64.b64encode(b"tampered").decode()
        with pytest.raises(ImportConflict, match="does not match its SHA-256"):
            wf2.import_product(SYSTEM, package)
        assert len(wf2.list_products(SYSTEM)) == 1
    finally:
        other.dispose()


def test_seeded_examples_have_their_evidence_in_the_store(world: World) -> None:
    report = world.wf.seed_examples(SYSTEM, REPO / "submissions", as_of=AS_OF)
    assert report.errors == () and report.submissions_loaded == 12
    for p in world.wf.list_products(world.admin):
        if p.name in ("Acme Back", "Beta Spine"):
            continue
        detail = world.wf.get_product(world.admin, p.id)
        sub = detail.version_details[0].submissions[0]
        docs = world.wf.list_evidence(world.admin, sub.id)
        assert docs and {d.state for d in docs} == {"received"}, p.name
    pdfs = [
        d
        for p in world.wf.list_products(world.admin)
        for v in world.wf.get_product(world.admin, p.id).version_details
        for s in v.submissions
        for d in world.wf.list_evidence(world.admin, s.id)
        if d.media_type == "application/pdf"
    ]
    assert pdfs, "the examples include PDFs, detected from their bytes"
