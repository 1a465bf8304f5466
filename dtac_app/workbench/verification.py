"""``dtac verify``: does a JSON dossier still match its evidence files, its criteria and its own result?

Four checks, each reported item by item:

0. the dossier carries the organisation's signature, made with a key the reader trusts, over
   everything in it (hashes alone prove consistency, not origin: anyone can recompute them);
1. every evidence file in the manifest is found and has the recorded SHA-256;
2. the criteria files the assessment used have the same content hashes today;
3. re-running the assessment from the recorded inputs gives exactly the recorded assessment
   (and the recorded assessment still has the fingerprint written beside it).

Evidence files are looked for only in the dossier's folder or the folder given with
``--evidence``; nothing the dossier says (such as ``inputs.source``) can point the check elsewhere.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from dtac_app.catalogue import format_validation_error, get_catalogue
from dtac_app.criteria import Catalogue
from dtac_app.dossier.json_export import (
    DOSSIER_SCHEMA,
    DossierDocument,
    assessment_data,
    canonical_sha256,
    submission_data,
)
from dtac_app.engine import assess
from dtac_app.errors import InputError
from dtac_app.provenance import documents_of
from dtac_app.safe_yaml import MAX_DOCUMENT_BYTES
from dtac_app.signing import PublicKey, check_signature
from dtac_app.submission_io import parse_submission, read_text, resolve_evidence_path, sha256_file
from dtac_app.vocabulary import outcome_label

from .keys import trusted_keys

CheckStatus = Literal["ok", "differs", "missing", "skipped", "untrusted"]


@dataclass(frozen=True)
class Check:
    area: Literal["signature", "evidence", "criteria", "assessment"]
    subject: str
    status: CheckStatus
    detail: str


@dataclass
class VerifyReport:
    dossier: str
    evidence_dir: str | None
    checks: list[Check] = field(default_factory=list)
    signed_by: str = ""  # the trusted signer's name, "" when the signature was not confirmed
    key_fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return all(c.status in ("ok", "skipped") for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.status not in ("ok", "skipped")]

    def add(self, area: Any, subject: str, status: CheckStatus, detail: str) -> None:
        self.checks.append(Check(area, subject, status, detail))


def load_dossier(path: str | os.PathLike[str]) -> DossierDocument:
    """Read and validate a JSON dossier; bad input raises InputError naming the file and field."""
    return _load(Path(path))[0]


def _load(p: Path) -> tuple[DossierDocument, dict[str, Any]]:
    text = read_text(p, max_bytes=MAX_DOCUMENT_BYTES * 4)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(str(p), f"line {e.lineno}", f"not valid JSON: {e.msg}") from None
    if not isinstance(data, dict):
        raise InputError(
            str(p), "(top level)", "expected a JSON object (a dossier made by 'dtac dossier --format json')"
        )
    if data.get("schema") != DOSSIER_SCHEMA:
        raise InputError(str(p), "schema", f"expected '{DOSSIER_SCHEMA}', found {data.get('schema')!r}")
    try:
        return DossierDocument.model_validate(data), data
    except ValidationError as e:
        raise format_validation_error(str(p), e) from None


def verify_dossier(
    path: str | os.PathLike[str],
    *,
    evidence_dir: str | os.PathLike[str] | None = None,
    catalogue: Catalogue | None = None,
    trusted: list[PublicKey] | None = None,
) -> VerifyReport:
    """Run every check. Raises InputError only for a dossier that cannot be read at all.

    ``trusted`` are the public keys a signature is accepted from (``None``: the organisation's
    own key and ``$DTAC_TRUSTED_KEYS``, see :func:`dtac_app.signing.trusted_keys`).
    """
    p = Path(path)
    doc, raw = _load(p)
    # Only the dossier's own folder, or the folder the user named: never a folder the dossier names.
    base = Path(evidence_dir) if evidence_dir is not None else p.parent
    report = VerifyReport(dossier=str(p), evidence_dir=str(base))
    _check_signature(raw, trusted if trusted is not None else trusted_keys()[0], report)
    _check_evidence(doc, base, report, given=evidence_dir is not None)
    cat = catalogue or get_catalogue()
    _check_criteria(doc, cat, report)
    _check_assessment(doc, raw["assessment"], cat, report)
    return report


def _check_signature(raw: dict[str, Any], trusted: list[PublicKey], report: VerifyReport) -> None:
    sig = check_signature(raw, trusted)
    statuses: dict[str, CheckStatus] = {
        "trusted": "ok",
        "untrusted": "untrusted",
        "invalid": "differs",
        "malformed": "differs",
        "unsigned": "missing",
    }
    status = statuses[sig.status]
    if sig.status == "trusted":
        report.signed_by, report.key_fingerprint = sig.signer, sig.fingerprint
    report.add("signature", "signature", status, sig.detail)


def _check_evidence(doc: DossierDocument, base: Path, report: VerifyReport, *, given: bool) -> None:
    sub_hashes = {i: ev.sha256 for i, ev in enumerate(doc.inputs.submission.evidence)}
    for m in doc.evidence_manifest:
        subject = f"{m.ref} {m.file or m.label}"
        if sub_hashes.get(m.index) != m.sha256:
            report.add(
                "evidence",
                subject,
                "differs",
                "the manifest's hash is not the one in the recorded submission (the dossier was edited)",
            )
            continue
        if not m.file:
            report.add("evidence", subject, "skipped", "a record with no file; nothing to hash")
            continue
        try:
            found = resolve_evidence_path(base, m.file, file=report.dossier, field=f"{m.ref}.file")
        except InputError as e:
            report.add("evidence", subject, "differs", e.reason)
            continue
        if not found.is_file():
            hint = "" if given else "; pass --evidence DIR (the folder holding the submission's evidence)"
            report.add("evidence", subject, "missing", f"file not found in {base}{hint}")
            continue
        digest = sha256_file(found)
        if m.sha256 is None:
            report.add("evidence", subject, "differs", f"no hash was recorded; the file now has {digest}")
        elif digest == m.sha256:
            report.add("evidence", subject, "ok", f"SHA-256 {digest}")
        else:
            report.add(
                "evidence", subject, "differs", f"the file has changed: recorded {m.sha256}, now {digest}"
            )


def _check_criteria(doc: DossierDocument, cat: Catalogue, report: VerifyReport) -> None:
    recorded = doc.inputs.criteria.hashes
    try:
        current = cat.hashes_for(doc.inputs.criteria.set)
    except KeyError:
        current = {}
    if doc.inputs.criteria.set not in cat.dtac:
        report.add(
            "criteria",
            doc.inputs.criteria.set,
            "missing",
            "this criteria set is not in the current criteria folder",
        )
    for key in sorted(set(recorded) | set(current)):
        was, now = recorded.get(key), current.get(key)
        if was == now:
            report.add("criteria", key, "ok", f"SHA-256 {now}")
        elif now is None:
            report.add("criteria", key, "missing", f"recorded {was}, but no such criteria file is loaded now")
        elif was is None:
            report.add("criteria", key, "differs", f"not recorded in the dossier; loaded now with {now}")
        else:
            report.add("criteria", key, "differs", f"criteria file changed: recorded {was}, now {now}")
    if doc.assessment.criteria.hashes != recorded:
        report.add(
            "criteria",
            "assessment.criteria.hashes",
            "differs",
            "the hashes in the assessment and in the inputs disagree (the dossier was edited)",
        )


def _check_assessment(
    doc: DossierDocument, recorded: dict[str, Any], cat: Catalogue, report: VerifyReport
) -> None:
    # The assessment as written in the file (a re-dump through today's model would add keys that
    # were introduced after the dossier was made, and so change its hash).
    fingerprint = canonical_sha256(recorded)
    if fingerprint != doc.assessment_sha256:
        report.add(
            "assessment",
            "fingerprint",
            "differs",
            f"the recorded assessment hashes to {fingerprint}, not the recorded {doc.assessment_sha256} (edited)",
        )
    else:
        report.add("assessment", "fingerprint", "ok", f"SHA-256 {fingerprint}")
    sub_data = submission_data(doc.inputs.submission)
    if canonical_sha256(sub_data) != doc.inputs.submission_sha256:
        report.add(
            "assessment",
            "submission",
            "differs",
            "the recorded submission does not match its recorded hash (edited)",
        )
    try:
        sub = parse_submission(sub_data, cat, file=f"{report.dossier}: inputs.submission")
        rerun = assess(
            sub,
            cat,
            as_of=doc.inputs.as_of,
            profile=doc.inputs.profile,
            overrides=doc.inputs.overrides,
            verifications=doc.inputs.verifications,
            documents=documents_of(doc.assessment.evidence),
        )
    except (InputError, KeyError, ValueError) as e:
        reason = e.message if isinstance(e, InputError) else str(e)
        report.add("assessment", "re-run", "differs", f"the recorded inputs no longer assess: {reason}")
        return
    new = assessment_data(rerun)
    # Criteria hashes are the criteria check's business; here the question is whether the rules,
    # applied to the recorded inputs, still give the recorded result.
    new["criteria"] = {**new["criteria"], "hashes": recorded["criteria"]["hashes"]}
    if new == recorded:
        report.add(
            "assessment",
            "re-run",
            "ok",
            f"re-running on {doc.inputs.as_of.isoformat()} gives the same result: {rerun.decision_label}",
        )
        return
    for what in _differences(recorded, new):
        report.add("assessment", "re-run", "differs", what)


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The differences between two assessments, most important first, in words."""
    out: list[str] = []
    if old.get("decision") != new.get("decision"):
        out.append(
            f"decision: recorded “{old.get('decision_label')}”, re-run gives “{new.get('decision_label')}”"
        )
    if old.get("valid_until") != new.get("valid_until"):
        out.append(f"valid until: recorded {old.get('valid_until')}, re-run gives {new.get('valid_until')}")
    old_q = {q["id"]: q for q in old.get("questions", [])}
    for q in new.get("questions", []):
        was = old_q.get(q["id"])
        if was is None:
            out.append(f"question {q['id']}: not in the recorded assessment")
        elif was.get("outcome") != q.get("outcome"):
            out.append(
                f"question {q['id']}: recorded “{outcome_label(was.get('outcome'))}”, "
                f"re-run gives “{outcome_label(q.get('outcome'))}”"
            )
    for key in sorted(set(old) | set(new)):
        if key in ("decision", "decision_label", "valid_until", "questions"):
            continue
        if old.get(key) != new.get(key):
            out.append(f"{key}: differs from the recorded assessment")
    return out or ["the re-run differs from the recorded assessment"]


def report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "dossier": report.dossier,
        "evidence_dir": report.evidence_dir,
        "ok": report.ok,
        "signed_by": report.signed_by or None,
        "key_fingerprint": report.key_fingerprint or None,
        "checks": [c.__dict__ for c in report.checks],
    }
