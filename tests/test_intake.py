"""The one intake path (submission_io.read_upload): ZIP hardening, evidence files, media types.

Every way a submission arrives (pre-check, "Send", the CLI, the example seeding, the stored-dossier
rebuild) goes through ``read_upload``; these tests drive it directly with real ZIP files.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import evidence_of, passing_v2

from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError, InputErrors
from dtac_app.submission_io import (
    MAX_ZIP_MEMBERS,
    Intake,
    media_type,
    read_path,
    read_upload,
)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DPIA = b"Data protection impact assessment (fictional)\n"


def submission(**files: bytes) -> dict[str, Any]:
    """passing_v2 with the DPIA and the pen test pointing at files under evidence/."""
    data = passing_v2()
    evidence_of(data, "dpia")["file"] = "evidence/dpia.txt"
    evidence_of(data, "pen_test")["file"] = "evidence/pen-test.pdf"
    for kind, content in files.items():
        evidence_of(data, kind)["sha256"] = hashlib.sha256(content).hexdigest()
    return data


def make_zip(entries: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def good_zip(data: dict[str, Any] | None = None, **extra: bytes) -> bytes:
    doc = yaml.safe_dump(data or submission(dpia=DPIA), sort_keys=False).encode()
    return make_zip(
        {"submission.yaml": doc, "evidence/dpia.txt": DPIA, "evidence/pen-test.pdf": PDF, **extra}
    )


def refused(catalogue: Catalogue, blob: bytes, name: str = "upload.zip") -> InputError:
    with pytest.raises(InputError) as exc:
        read_upload(name, blob, catalogue)
    return exc.value


def patch_entry(blob: bytes, member: str, **fields: int) -> bytes:
    """Rewrite fields of one entry in both the local header and the central directory."""
    raw = bytearray(blob)
    name = member.encode()
    # local file header: sig(4) ver(2) flag(2) method(2) time(2) date(2) crc(4) csize(4) usize(4) ...
    # central directory: sig(4) vmade(2) vneed(2) flag(2) method(2) time(2) date(2) crc(4) csize usize ...
    for sig, base in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = 0
        while (pos := raw.find(sig, pos)) != -1:
            name_len_at = pos + (26 if sig == b"PK\x03\x04" else 28)
            (nlen,) = struct.unpack_from("<H", raw, name_len_at)
            start = pos + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(raw[start : start + nlen]) == name:
                offsets = {"flag": base, "method": base + 2, "crc": base + 8, "usize": base + 16}
                for key, value in fields.items():
                    fmt = "<H" if key in ("flag", "method") else "<I"
                    struct.pack_into(fmt, raw, pos + offsets[key], value)
            pos += 4
    return bytes(raw)


# --------------------------------------------------------------------------- what arrives


def test_a_zip_delivers_the_submission_and_its_files(catalogue: Catalogue) -> None:
    intake = read_upload("acme.zip", good_zip(), catalogue)
    assert isinstance(intake, Intake)
    assert intake.name == "acme.zip" and intake.document_name == "submission.yaml"
    assert intake.document.startswith(b"schema:")
    by_path = {f.path: f for f in intake.files}
    assert set(by_path) == {"evidence/dpia.txt", "evidence/pen-test.pdf"}
    pdf = by_path["evidence/pen-test.pdf"]
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest() and pdf.size == len(PDF)
    assert pdf.media_type == "application/pdf" and by_path["evidence/dpia.txt"].media_type == "text/plain"
    # The hash the submission left out is filled in from the bytes.
    assert intake.submission.evidence[pdf.index].sha256 == pdf.sha256
    states = intake.states()
    assert states[pdf.index] == "received" and states[0] == "asserted"  # CRM record names no file
    assert intake.missing == ()


def test_a_bare_yaml_carries_no_files_so_its_documents_stay_asserted(catalogue: Catalogue) -> None:
    doc = yaml.safe_dump(submission(dpia=DPIA)).encode()
    intake = read_upload("acme.yaml", doc, catalogue)
    assert intake.files == () and set(intake.states().values()) == {"asserted"}
    assert [e.field for e in intake.missing] == ["evidence[5].file", "evidence[9].file"]
    assert "evidence file not found: evidence/dpia.txt" in intake.missing[0].reason
    with pytest.raises(InputErrors):
        intake.require_files()


def test_a_zip_without_a_cited_file_leaves_that_document_asserted(catalogue: Catalogue) -> None:
    doc = yaml.safe_dump(submission(dpia=DPIA)).encode()
    intake = read_upload("u.zip", make_zip({"submission.yaml": doc, "evidence/pen-test.pdf": PDF}), catalogue)
    assert intake.states()[5] == "asserted" and intake.states()[9] == "received"
    assert [e.field for e in intake.missing] == ["evidence[5].file"]


def test_the_folder_on_disk_is_read_the_same_way(tmp_path: Path, catalogue: Catalogue) -> None:
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "dpia.txt").write_bytes(DPIA)
    (tmp_path / "evidence" / "pen-test.pdf").write_bytes(PDF)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(submission(dpia=DPIA)))
    from_disk = read_path(path, catalogue)
    from_zip = read_upload("s.zip", good_zip(), catalogue)
    assert from_disk.submission == from_zip.submission
    assert [(f.index, f.sha256) for f in from_disk.files] == [(f.index, f.sha256) for f in from_zip.files]


def test_a_hash_mismatch_is_an_error_naming_the_record(catalogue: Catalogue) -> None:
    data = submission()
    evidence_of(data, "dpia")["sha256"] = "0" * 64
    e = refused(catalogue, good_zip(data))
    assert e.field == "evidence[5].sha256" and "does not match" in e.reason
    assert e.file == "upload.zip: submission.yaml"


def test_the_per_file_limit(catalogue: Catalogue) -> None:
    big = b"x" * 2048
    blob = good_zip(submission(), **{"evidence/dpia.txt": big})
    with pytest.raises(InputError) as exc:
        read_upload("u.zip", blob, catalogue, max_file_bytes=1024)
    assert exc.value.field == "evidence/dpia.txt" and "the limit is" in exc.value.reason
    assert read_upload("u.zip", blob, catalogue, max_file_bytes=4096).file_for(5) is not None


def test_the_per_file_limit_on_disk(tmp_path: Path, catalogue: Catalogue) -> None:
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "dpia.txt").write_bytes(b"x" * 2048)
    doc = yaml.safe_dump(submission()).encode()
    with pytest.raises(InputError) as exc:
        read_upload("s.yaml", doc, catalogue, folder=tmp_path, max_file_bytes=1024)
    assert exc.value.field == "evidence[5].file" and "the limit is" in exc.value.reason


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 10, "image/gif"),
        (b"PK\x03\x04rest", "application/zip"),
        ("Plain text, with “quotes”".encode(), "text/plain"),
        (b"\x00\x01\x02binary", "application/octet-stream"),
        (b"\xff\xfe not utf-8 \xc3", "application/octet-stream"),
    ],
)
def test_media_type_comes_from_the_bytes(content: bytes, expected: str) -> None:
    assert media_type(content) == expected


def test_a_pdf_named_txt_is_still_a_pdf(catalogue: Catalogue) -> None:
    blob = good_zip(submission(), **{"evidence/dpia.txt": PDF})
    assert read_upload("u.zip", blob, catalogue).file_for(5).media_type == "application/pdf"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- ZIP hardening


def test_not_a_zip(catalogue: Catalogue) -> None:
    assert refused(catalogue, b"not a zip at all").reason == "not a valid ZIP file"


def test_zip_slip(catalogue: Catalogue) -> None:
    e = refused(catalogue, good_zip(**{"../escape.txt": b"x"}))
    assert e.field == "../escape.txt" and "outside" in e.reason


def test_absolute_paths(catalogue: Catalogue) -> None:
    for entry in ("/etc/passwd", "C:/Windows/x.txt"):
        e = refused(catalogue, good_zip(**{entry: b"x"}))
        assert e.field == entry and "absolute" in e.reason


def test_symbolic_links(catalogue: Catalogue) -> None:
    buf = io.BytesIO(good_zip())
    with zipfile.ZipFile(buf, "a") as zf:
        link = zipfile.ZipInfo("evidence/link.txt")
        link.external_attr = (0o120777 << 16) | 0
        zf.writestr(link, "/etc/passwd")
    e = refused(catalogue, buf.getvalue())
    assert e.field == "evidence/link.txt" and "symbolic link" in e.reason


def test_member_cap(catalogue: Catalogue) -> None:
    many = {f"evidence/f{i}.txt": b"x" for i in range(MAX_ZIP_MEMBERS)}
    e = refused(catalogue, good_zip(**many))
    assert f"the limit is {MAX_ZIP_MEMBERS}" in e.reason


def test_corrupt_crc(catalogue: Catalogue) -> None:
    blob = patch_entry(good_zip(), "evidence/pen-test.pdf", crc=0xDEADBEEF)
    e = refused(catalogue, blob)
    assert e.field == "evidence/pen-test.pdf" and "CRC" in e.reason


def test_understated_size(catalogue: Catalogue) -> None:
    """The header says 10 bytes; the entry inflates to far more. Read no further than the header."""
    blob = make_zip(
        {"submission.yaml": yaml.safe_dump(submission()).encode(), "evidence/dpia.txt": b"A" * 50_000}
    )
    blob = patch_entry(blob, "evidence/dpia.txt", usize=10)
    e = refused(catalogue, blob)
    assert e.field == "evidence/dpia.txt"
    assert "header" in e.reason or "damaged" in e.reason


def test_overstated_size(catalogue: Catalogue) -> None:
    blob = make_zip(
        {"submission.yaml": yaml.safe_dump(submission()).encode(), "evidence/dpia.txt": b"A" * 100}
    )
    blob = patch_entry(blob, "evidence/dpia.txt", usize=5000)
    e = refused(catalogue, blob)
    assert e.field == "evidence/dpia.txt"


def test_encrypted_member(catalogue: Catalogue) -> None:
    blob = patch_entry(good_zip(), "evidence/dpia.txt", flag=0x1)
    e = refused(catalogue, blob)
    assert e.field == "evidence/dpia.txt" and "encrypted" in e.reason


def test_unknown_compression(catalogue: Catalogue) -> None:
    blob = patch_entry(good_zip(), "evidence/dpia.txt", method=99)
    e = refused(catalogue, blob)
    assert e.field == "evidence/dpia.txt" and "compression method 99" in e.reason


@pytest.mark.parametrize("entry", ["./submission.yaml", "evidence/../submission.yaml", "SUBMISSION.yaml"])
def test_an_entry_that_normalises_onto_the_submission_file_is_refused(
    catalogue: Catalogue, entry: str
) -> None:
    evil = yaml.safe_dump({"schema": "dtac-submission/1", "product": {"name": "Evil"}}).encode()
    e = refused(catalogue, good_zip(**{entry: evil}))
    assert e.field == entry and "same file as 'submission.yaml'" in e.reason


def test_two_submission_files(catalogue: Catalogue) -> None:
    e = refused(catalogue, good_zip(**{"other.json": b"{}"}))
    assert "exactly one submission file" in e.reason


def test_evidence_paths_in_a_zip_may_not_leave_it(catalogue: Catalogue) -> None:
    data = submission()
    evidence_of(data, "dpia")["file"] = "../dpia.txt"
    e = refused(catalogue, good_zip(data))
    assert e.field == "evidence[5].file" and "outside" in e.reason
    evidence_of(data, "dpia")["file"] = "/evidence/dpia.txt"
    e = refused(catalogue, good_zip(data))
    assert e.field == "evidence[5].file" and "relative" in e.reason


def test_a_zip_whose_submission_is_not_utf8(catalogue: Catalogue) -> None:
    e = refused(catalogue, make_zip({"submission.yaml": b"product: {name: \xff}\n"}))
    assert e.file == "upload.zip: submission.yaml" and "not UTF-8" in e.reason


def test_crc_of_the_patch_helper_is_real() -> None:
    """Guard: the helper really corrupts what it says (else the CRC test proves nothing)."""
    blob = patch_entry(good_zip(), "evidence/dpia.txt", crc=0)
    with zipfile.ZipFile(io.BytesIO(blob)) as zf, pytest.raises(zipfile.BadZipFile):
        zf.read("evidence/dpia.txt")
    assert zlib.crc32(DPIA) != 0
