#!/usr/bin/env python3
"""Write the fictional evidence files the example submissions name, then fix their SHA-256 values.

Usage (from anywhere):

    python submissions/make_evidence.py          # write files, update sha256 lines
    python submissions/make_evidence.py --check  # change nothing; exit 1 if anything is out of date

For every submission in this folder (``*.yaml``, ``*.yml``, ``*.json``) and every evidence record
with a ``file:``, the script writes a small stand-in document at that path (relative to this
folder, e.g. ``evidence/spinewren/cyber-essentials.pdf``). Its content is built only from the
submission's product block and the evidence record itself (kind, question, reference, issuer,
dates ...), so it is deterministic: no timestamps, no randomness. ``.pdf`` paths get a minimal
one-page PDF, anything else plain UTF-8 text. Every document says FICTIONAL EXAMPLE.

Then the ``sha256:`` value of each such evidence record is set to the hash of its file:

* YAML files are rewritten line by line, so comments and layout stay as written. In a block-style
  item (``- question: ...`` on several lines) the ``sha256:`` line of the same item is replaced,
  or inserted straight after the ``file:`` line if there is none. A one-line flow item
  (``- {question: ..., file: ..., sha256: ...}``) is rewritten in place.
* JSON files are re-serialised with two-space indentation (JSON has no comments to keep).

Running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SUFFIXES = (".yaml", ".yml", ".json")

# Labels for the evidence kinds (the same meaning as criteria/gb-regulatory.yaml evidence_kinds);
# kept here so the script needs nothing outside this folder.
KIND_LABELS = {
    "cyber_essentials": "Cyber Essentials certificate",
    "pen_test": "External penetration test summary report",
    "dspt": "Data Security and Protection Toolkit publication",
    "ico_registration": "ICO registration (data protection fee) certificate",
    "device_certificate": "UKCA / CE conformity certificate",
    "declaration_of_conformity": "Declaration of Conformity",
    "mhra_registration": "MHRA device registration confirmation",
    "paq": "Pre-Acquisition Questionnaire (PAQ)",
    "crm_system": "Clinical risk management system description",
    "cscr": "Clinical Safety Case Report",
    "hazard_log": "Hazard log",
    "dpia": "Data Protection Impact Assessment",
    "privacy_notice": "Privacy notice (transparency information)",
    "terms": "Terms and conditions / end-user licence agreement",
    "charter": "Signed Cyber Security Charter for suppliers to the NHS",
    "user_journeys": "User journeys, pathway fit and data flows",
    "accessibility_statement": "Accessibility statement",
    "wcag_plan": "Plan and timescale to reach WCAG conformance",
    "cqc_report": "CQC inspection report",
    "availability_report": "Service performance and availability report",
    "uat_evidence": "User acceptance testing evidence",
    "third_party_crm": "Third-party clinical risk management documents",
    "ico_self_assessment": "ICO self-assessment outcome",
    "iso11073": "ISO/IEEE 11073 PHD compliance evidence",
    "evidence_generation_agreement": "NICE evidence-generation agreement",
    "other": "Supporting document",
}

# Record fields shown in the document, in this order.
FIELDS = (
    ("title", "Title"),
    ("reference", "Reference"),
    ("issuer", "Issued by"),
    ("issued", "Issued / dated"),
    ("expires", "Expires"),
    ("status", "Status"),
    ("period", "Period"),
    ("ods_code", "ODS code"),
    ("highest_cvss", "Highest CVSS score found"),
    ("owasp_top10", "Covers the OWASP Top 10"),
)

HASH_LINE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)sha256:(?P<ws>\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]*)(?P<tail>\s*(?:#.*)?)$"
)
FILE_LINE = re.compile(r"^(?P<lead>\s*(?:-\s+)?)file:\s*(?P<value>\"[^\"]*\"|'[^']*'|[^\s#]+)\s*(?:#.*)?$")
DASH_LINE = re.compile(r"^(?P<indent>\s*)-(?:\s|$)")
FLOW_FILE = re.compile(r"(?<![\w-])file:\s*(?P<value>\"[^\"]*\"|'[^']*'|[^,}\s]+)")
FLOW_HASH = re.compile(r"(?P<key>(?<![\w-])sha256:\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^,}\s]+)")


# ----------------------------------------------------------------------------- documents


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def document_lines(sub: dict[str, Any], rec: dict[str, Any], sub_name: str) -> list[str]:
    product = sub.get("product") or {}
    kind = str(rec.get("kind", "other"))
    label = KIND_LABELS.get(kind, kind)
    lines = [
        "FICTIONAL EXAMPLE - not a real document, certificate or company",
        "",
        f"{label}",
        f"Company: {_text(product.get('manufacturer', ''))}",
        f"Product: {_text(product.get('name', ''))} {_text(product.get('version', ''))}".rstrip(),
        f"DTAC question: {_text(rec.get('question', ''))} (criteria {_text(sub.get('criteria', 'dtac-v2.0'))})",
        f"Document type: {kind}",
    ]
    for key, caption in FIELDS:
        if rec.get(key) not in (None, ""):
            lines.append(f"{caption}: {_text(rec[key])}")
    lines += [
        "",
        f"Stand-in evidence for the example submission {sub_name} in the DTAC Workbench.",
        "Written by submissions/make_evidence.py; every name, number and date in it is invented.",
        "FICTIONAL EXAMPLE",
    ]
    return lines


def render_text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _pdf_escape(s: str) -> str:
    s = s.encode("latin-1", "replace").decode("latin-1")
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def render_pdf(lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF 1.4 (Helvetica text), with no dates and no document ID."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "56 780 Td"]
    for i, line in enumerate(lines):
        ops.append(f"({_pdf_escape(line)}) Tj" if i == 0 else f"T* ({_pdf_escape(line)}) Tj")
    ops.append("ET")
    stream = ("\n".join(ops) + "\n").encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def render(path: Path, lines: list[str]) -> bytes:
    return render_pdf(lines) if path.suffix.lower() == ".pdf" else render_text(lines)


# ----------------------------------------------------------------------------- planning


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        return v[1:-1]
    return v


def evidence_path(rel: str, where: str) -> Path:
    p = Path(rel)
    target = (HERE / p).resolve()
    if p.is_absolute() or HERE not in target.parents:
        raise SystemExit(f"{where}: evidence path '{rel}' must stay inside {HERE}")
    return target


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)


def submissions() -> list[Path]:
    return sorted(p for p in HERE.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def plan() -> dict[Path, bytes]:
    """Every evidence file the submissions name, with the bytes it should hold."""
    files: dict[Path, bytes] = {}
    for sub_path in submissions():
        data = load(sub_path)
        if not isinstance(data, dict) or "product" not in data:
            continue  # not a submission
        for i, rec in enumerate(data.get("evidence") or []):
            if not isinstance(rec, dict) or not rec.get("file"):
                continue
            where = f"{sub_path.name}: evidence[{i}]"
            target = evidence_path(str(rec["file"]), where)
            content = render(target, document_lines(data, rec, sub_path.name))
            if target in files and files[target] != content:
                raise SystemExit(f"{where}: {rec['file']} is named by another record with different details")
            files[target] = content
    return files


# ----------------------------------------------------------------------------- hash rewriting


def rewrite_yaml(text: str, digest_of: dict[Path, str], where: str) -> str:
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        dash = DASH_LINE.match(line)
        if dash and "{" in line and FLOW_FILE.search(line):
            out.append(_rewrite_flow(line, digest_of, where))
            i += 1
            continue
        if not dash:
            out.append(line)
            i += 1
            continue
        # A block-style list item: the dash line plus every deeper-indented, blank or comment line.
        indent = len(dash.group("indent"))
        j = i + 1
        while j < len(lines):
            nxt = lines[j]
            stripped = nxt.strip()
            if stripped and not stripped.startswith("#") and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            j += 1
        out.extend(_rewrite_item(lines[i:j], digest_of, where))
        i = j
    return "".join(out)


def _rewrite_item(item: list[str], digest_of: dict[Path, str], where: str) -> list[str]:
    file_at = hash_at = None
    rel = ""
    for k, line in enumerate(item):
        fm = FILE_LINE.match(line.rstrip("\r\n"))
        if fm and file_at is None:
            file_at, rel = k, _unquote(fm.group("value"))
        if HASH_LINE.match(line.rstrip("\r\n")) and hash_at is None:
            hash_at = k
    if file_at is None:
        return item
    target = evidence_path(rel, where)
    digest = digest_of.get(target)
    if digest is None:
        return item
    item = list(item)
    if hash_at is not None:
        raw = item[hash_at]
        end = raw[len(raw.rstrip("\r\n")) :]
        hm = HASH_LINE.match(raw.rstrip("\r\n"))
        assert hm is not None
        ws = hm.group("ws") or " "
        item[hash_at] = f"{hm.group('lead')}sha256:{ws}{digest}{hm.group('tail')}{end}"
    else:
        raw = item[file_at]
        end = raw[len(raw.rstrip("\r\n")) :] or "\n"
        fm = FILE_LINE.match(raw.rstrip("\r\n"))
        assert fm is not None
        column = len(fm.group("lead"))
        item.insert(file_at + 1, f"{' ' * column}sha256: {digest}{end}")
    return item


def _rewrite_flow(line: str, digest_of: dict[Path, str], where: str) -> str:
    fm = FLOW_FILE.search(line)
    assert fm is not None
    digest = digest_of.get(evidence_path(_unquote(fm.group("value")), where))
    if digest is None:
        return line
    if FLOW_HASH.search(line):
        return FLOW_HASH.sub(lambda m: m.group("key") + digest, line, count=1)
    return line[: fm.end()] + f", sha256: {digest}" + line[fm.end() :]


def rewrite_json(text: str, digest_of: dict[Path, str], where: str) -> str:
    data = json.loads(text)
    for rec in data.get("evidence") or []:
        if isinstance(rec, dict) and rec.get("file"):
            digest = digest_of.get(evidence_path(str(rec["file"]), where))
            if digest is not None:
                rec["sha256"] = digest
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    args = ap.parse_args(argv)

    files = plan()
    stale: list[str] = []
    for target, content in sorted(files.items()):
        if target.is_file() and target.read_bytes() == content:
            continue
        stale.append(str(target.relative_to(HERE)))
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)

    digest_of = {t: hashlib.sha256(c).hexdigest() for t, c in files.items()}
    for sub_path in submissions():
        data = load(sub_path)
        if not isinstance(data, dict) or "product" not in data:
            continue
        text = sub_path.read_text(encoding="utf-8")
        if sub_path.suffix.lower() == ".json":
            new = rewrite_json(text, digest_of, sub_path.name)
        else:
            new = rewrite_yaml(text, digest_of, sub_path.name)
        if new != text:
            stale.append(sub_path.name)
            if not args.check:
                sub_path.write_text(new, encoding="utf-8")

    verb = "out of date" if args.check else "written"
    if stale:
        print(f"{len(stale)} file(s) {verb}:")
        for name in stale:
            print(f"  {name}")
    else:
        print(f"Nothing to do: {len(files)} evidence files and their hashes are up to date.")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
