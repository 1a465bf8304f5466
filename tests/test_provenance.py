"""Evidence provenance as engine input: received, asserted, verified, problem.

A document nobody has seen (asserted) never counts as valid evidence: the question it supports is
incomplete (policy ``asserted_evidence: missing``, the default) or not met (``fail``).
"""

from __future__ import annotations

import datetime as dt

from support import TODAY, days, evidence_of, passing_v2, run

from dtac_app.criteria import Catalogue
from dtac_app.engine import assess
from dtac_app.provenance import DocumentProvenance, all_received, documents_of
from dtac_app.submission_io import parse_submission

DPIA = 5  # index of the DPIA record in passing_v2


def q(a, qid):  # type: ignore[no-untyped-def]
    return next(r for r in a.questions if r.id == qid)


def test_every_document_received_passes(catalogue: Catalogue) -> None:
    a = run(passing_v2(), catalogue)
    assert a.decision == "available"
    assert {e.provenance for e in a.evidence} == {"received"}


def test_nothing_said_means_asserted_and_never_valid(catalogue: Catalogue) -> None:
    sub = parse_submission(passing_v2(), catalogue, file="t.yaml")
    a = assess(sub, catalogue, as_of=TODAY)
    assert a.decision == "incomplete"
    assert {e.provenance for e in a.evidence} == {"asserted"}
    assert "valid" not in {e.state for e in a.evidence}
    dpia = q(a, "C2.2.2")
    assert dpia.outcome == "missing" and "no file received" in dpia.reason
    fix = next(f for f in a.fixes if f.rule == "C2.2.2")
    assert "Send the Data Protection Impact Assessment file, or have an assessor verify it" in fix.action


def test_one_asserted_document_makes_its_question_incomplete(catalogue: Catalogue) -> None:
    docs = all_received(10)
    docs[DPIA] = DocumentProvenance(state="asserted")
    a = run(passing_v2(), catalogue, documents=docs)
    assert a.decision == "incomplete"
    assert q(a, "C2.2.2").outcome == "missing"
    e = a.evidence[DPIA]
    assert (e.state, e.provenance) == ("asserted", "asserted")
    assert "the SHA-256 is the supplier's claim" in e.detail
    assert all(r.outcome != "missing" for r in a.questions if r.id != "C2.2.2")


def test_policy_can_make_asserted_documents_fail(catalogue: Catalogue) -> None:
    docs = all_received(10)
    docs[DPIA] = DocumentProvenance(state="asserted")
    policy = catalogue.policy.model_copy(update={"asserted_evidence": "fail"})
    a = run(passing_v2(), catalogue, documents=docs, policy=policy)
    assert a.decision == "not_available" and q(a, "C2.2.2").outcome == "fail"
    assert a.evidence[DPIA].state == "asserted"


def test_a_verified_document_counts_and_says_who_checked_what(catalogue: Catalogue) -> None:
    docs = {
        i: DocumentProvenance(
            state="verified", checked="DSPT register entry 8ZZ07", by="alice", on=dt.date(2026, 9, 1)
        )
        for i in range(10)
    }
    a = run(passing_v2(), catalogue, documents=docs)
    assert a.decision == "available"
    e = a.evidence[3]
    assert (e.provenance, e.checked, e.checked_by, e.checked_on) == (
        "verified",
        "DSPT register entry 8ZZ07",
        "alice",
        dt.date(2026, 9, 1),
    )


def test_a_problem_document_counts_as_not_supplied(catalogue: Catalogue) -> None:
    docs = all_received(10)
    docs[DPIA] = DocumentProvenance(state="problem", checked="the PDF is another product's DPIA", by="bob")
    a = run(passing_v2(), catalogue, documents=docs)
    assert a.decision == "incomplete"
    assert a.evidence[DPIA].state == "problem"
    assert "another product's DPIA" in q(a, "C2.2.2").reason


def test_an_asserted_document_that_expires_still_fails_on_its_expiry(catalogue: Catalogue) -> None:
    """Incomplete today; the day after the asserted registration's last valid day the decision
    becomes not available, so that is when it changes."""
    data = passing_v2()
    evidence_of(data, "ico_registration")["expires"] = (TODAY + days(10)).isoformat()
    docs = all_received(10)
    docs[4] = DocumentProvenance(state="asserted")
    a = run(data, catalogue, documents=docs)
    assert a.decision == "incomplete"
    assert a.valid_until == TODAY + days(10) and a.changes_on == TODAY + days(11)
    later = run(data, catalogue, as_of=TODAY + days(11), documents=docs)
    assert later.decision == "not_available"


def test_documents_read_back_from_the_register_re_run_the_same(catalogue: Catalogue) -> None:
    docs = all_received(10)
    docs[DPIA] = DocumentProvenance(state="verified", checked="read the DPIA", by="alice", on=TODAY)
    docs[2] = DocumentProvenance(state="asserted")
    a = run(passing_v2(), catalogue, documents=docs)
    again = run(passing_v2(), catalogue, documents=documents_of(a.evidence))
    assert again == a


def test_asserted_device_documents_do_not_show_as_valid(catalogue: Catalogue) -> None:
    from support import device_v2

    data = device_v2()
    data["evidence"].append(
        {"question": "C1.1.1", "kind": "device_certificate", "expires": (TODAY + days(900)).isoformat()}
    )
    sub = parse_submission(data, catalogue, file="t.yaml")
    kinds = {"declaration_of_conformity", "mhra_registration", "device_certificate"}
    device = [i for i, e in enumerate(sub.evidence) if e.kind in kinds]
    assert device, "the fixture cites device documents"
    docs = all_received(len(sub.evidence))
    for i in device:
        docs[i] = DocumentProvenance(state="asserted")
    a = assess(sub, catalogue, as_of=TODAY, documents=docs)
    for i in device:
        assert a.evidence[i].state == "asserted" and a.evidence[i].provenance == "asserted"
    received = assess(sub, catalogue, as_of=TODAY, documents=all_received(len(sub.evidence)))
    assert {received.evidence[i].state for i in device} == {"valid"}
