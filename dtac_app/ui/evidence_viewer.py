"""The evidence viewer: one stored evidence file shown in the page, rendered locally.

PDF pages are rendered to images here with pypdfium2 (no network, no browser PDF plug-in); images
are shown as images; text is shown as text (``st.text``: escaped, never Markdown or HTML); anything
else is offered as a download. Every file comes with its SHA-256, size, who sent it and when.
"""

from __future__ import annotations

import io

import streamlit as st

from dtac_app.provenance import DOCUMENT_STATE_LABELS
from dtac_app.store.views import EvidenceDocumentView
from dtac_app.ui.widgets import download

MAX_PDF_PAGES = 20
MAX_TEXT_CHARS = 200_000
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@st.cache_data(max_entries=32, show_spinner=False)
def pdf_pages(sha256: str, content: bytes, max_pages: int = MAX_PDF_PAGES) -> tuple[list[bytes], int]:
    """PNG images of the first ``max_pages`` pages, and the page count (cached by content hash)."""
    del sha256  # part of the cache key only
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    try:
        count = len(pdf)
        images = []
        for n in range(min(count, max_pages)):
            page = pdf[n]
            try:
                bitmap = page.render(scale=1.4)
                buf = io.BytesIO()
                bitmap.to_pil().save(buf, format="PNG")
                images.append(buf.getvalue())
            finally:
                page.close()
        return images, count
    finally:
        pdf.close()


def size_text(size: int | None) -> str:
    if size is None:
        return "—"
    if size < 1024:
        return f"{size} bytes"
    if size < 1_048_576:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1_048_576:.1f} MB"


def facts(doc: EvidenceDocumentView) -> list[tuple[str, str]]:
    """The file's facts as (label, value) pairs; values are shown as text, never markup."""
    out = [
        ("State", DOCUMENT_STATE_LABELS[doc.state]),
        ("File", doc.path or "(no file named)"),
        (
            "SHA-256",
            doc.sha256 or (f"{doc.claimed_sha256} (the supplier's claim)" if doc.claimed_sha256 else "—"),
        ),
        ("Size", size_text(doc.size)),
        ("Type (from the bytes)", doc.media_type or "—"),
        ("Sent by", doc.sent_by or "—"),
        ("Received", doc.received_at.strftime("%d %b %Y %H:%M UTC") if doc.received_at else "—"),
    ]
    if doc.reused:
        out.append(("Stored", "reused by hash from an earlier submission of this organisation"))
    if doc.checked:
        when = doc.checked_at.strftime("%d %b %Y") if doc.checked_at else ""
        out.append((DOCUMENT_STATE_LABELS[doc.state], f"{doc.checked} ({doc.checked_by}, {when})"))
    return out


def show_facts(doc: EvidenceDocumentView) -> None:
    for label, value in facts(doc):
        c1, c2 = st.columns([1, 3])
        c1.text(label)
        c2.text(value)


def show_document(doc: EvidenceDocumentView, content: bytes, *, key: str) -> None:
    """Show one stored file in the page (or offer it as a download) with its facts."""
    show_facts(doc)
    name = (doc.path or f"evidence-{doc.index + 1}").rsplit("/", 1)[-1]
    download(
        f"Download {name}",
        content,
        file_name=name,
        mime=doc.media_type or "application/octet-stream",
        key=f"{key}_dl",
    )
    kind = doc.media_type or ""
    if kind == "application/pdf":
        try:
            pages, count = pdf_pages(doc.sha256 or "", content)
        except Exception as e:  # noqa: BLE001 - a damaged PDF is shown as such, not a crash
            st.warning(f"This PDF cannot be rendered ({type(e).__name__}); download it instead.")
            return
        for n, png in enumerate(pages, start=1):
            st.image(png, caption=f"Page {n} of {count}", width="stretch")
        if count > len(pages):
            st.caption(f"Showing the first {len(pages)} of {count} pages; download the file for the rest.")
    elif kind in IMAGE_TYPES:
        st.image(content, caption=name, width="stretch")
    elif kind == "text/plain":
        text = content.decode("utf-8", errors="replace")
        st.text(text[:MAX_TEXT_CHARS])  # st.text: shown as typed, never as Markdown or HTML
        if len(text) > MAX_TEXT_CHARS:
            st.caption("The text is cut here; download the file for the rest.")
    else:
        st.info("This file type is not shown in the page; download it to open it.", icon=":material/info:")
