"""Import a completed DTAC form (Word or Markdown) into the pre-check page's on-screen form.

The upload goes through the same reader as ``dtac import``; the answers it read with confidence
pre-fill the form, the ones it could not read stay empty and are highlighted. The vendor's words
are shown with ``st.text`` and dataframes only: never as Markdown or HTML.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import streamlit as st

from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError
from dtac_app.form_import import FormImport, import_form
from dtac_app.form_import.docx_reader import MAX_FORM_BYTES
from dtac_app.form_import.draft import evidence_record, product_from, report_data

FORM_TYPES = ["docx", "md", "markdown"]
STATE = "pc_import"  # the last import: its report and the flags the form highlights
PENDING = "pc_import_pending"  # widget values to apply before the widgets are drawn
FORM_MODE = "Fill in the form"


def _k(prefix: str, *parts: str) -> str:
    return prefix + "_" + "_".join(p.replace(".", "-") for p in parts)


def uploader(cat: Catalogue, prefix: str) -> None:
    """The upload. A new file is read once; its answers are queued for the form and the page reruns."""
    f = st.file_uploader(
        "Completed DTAC form: Word (.docx) or Markdown (.md)",
        type=FORM_TYPES,
        key=prefix + "_form_upload",
        max_upload_size=MAX_FORM_BYTES // 1_048_576,
        help="The official DTAC form as you filled it in. Answers that cannot be read with confidence "
        "are left for you to choose; nothing is guessed.",
    )
    if f is None:
        st.info(
            "Upload the DTAC form you filled in. The answers are read into the on-screen form, where you "
            "check them, choose the ones that could not be read, and send.",
            icon=":material/upload_file:",
        )
        return
    data = f.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if (st.session_state.get(STATE) or {}).get("sha256") == digest:
        st.success("This form is already in the on-screen form.", icon=":material/check:")
        return
    try:
        with st.spinner("Reading the form…"):
            result = import_form(f.name, data, cat)
    except InputError as e:
        st.error("This form cannot be imported. Nothing was changed.", icon=":material/error:")
        st.text(e.message)
        return
    st.session_state[STATE] = {
        "sha256": digest,
        "file": f.name,
        "report": report_data(result),
        "asserted": [evidence_record(e) for e in result.evidence if e.kind],
    }
    st.session_state[PENDING] = prefill(result, cat, prefix)
    st.rerun()


def prefill(result: FormImport, cat: Catalogue, prefix: str) -> dict[str, Any]:
    """Widget values for the on-screen form (ui/form.py keys) from an import."""
    cs = cat.dtac_set(result.criteria)
    values: dict[str, Any] = {prefix + "_mode": FORM_MODE, prefix + "_set": cs.key}
    for name, value in product_from(result, cat).items():
        values[_k(prefix, "p", name)] = value
    for qid, answer in result.answers.items():
        q = cs.questions[qid]
        values[_k(prefix, "q", qid)] = answer if q.type in ("choice", "text") else answer[:2000]
    statuses = set(cat.regulatory.dspt.statuses)
    for ev in result.evidence:
        if not ev.kind or ev.question not in result.answers:
            continue
        key = _k(prefix, "ev", ev.question, ev.kind)
        if key + "_ref" in values:
            continue  # the first stated reference per piece of evidence
        values[key + "_ref"] = ev.reference[:200]
        if ev.issued:
            values[key + "_issued"] = ev.issued
        if ev.expires:
            values[key + "_expires"] = ev.expires
        if ev.status in statuses:
            values[key + "_status"] = ev.status
        if ev.period:
            values[key + "_period"] = ev.period
        if ev.ods_code:
            values[key + "_ods"] = ev.ods_code[:20]
    return values


def apply_pending(prefix: str) -> None:
    """Call before any widget is drawn: replace the form's answers with the imported ones."""
    values = st.session_state.pop(PENDING, None)
    if not values:
        return
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(
            (_k(prefix, "q", ""), _k(prefix, "ev", ""), _k(prefix, "p", ""))
        ):
            del st.session_state[key]
    for key, value in values.items():
        st.session_state[key] = value


def flags() -> dict[str, tuple[str, str]]:
    """Questions to highlight in the form: id -> ("unresolved" or "check", what the form said)."""
    state = st.session_state.get(STATE)
    if not state:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for q in state["report"]["questions"]:
        if q["status"] == "unresolved":
            out[q["id"]] = ("unresolved", q["vendor_text"] or "")
        elif q["status"] == "answered" and q["confidence"] != "high":
            out[q["id"]] = ("check", q["check"] or "")
    return out


def mark_asserted(data: dict[str, Any]) -> None:
    """Evidence typed in from the import keeps the note that the form only asserts it."""
    state = st.session_state.get(STATE)
    if not state:
        return
    asserted = {(r["question"], r["kind"], r.get("reference", "")): r["title"] for r in state["asserted"]}
    for rec in data.get("evidence", []):
        title = asserted.get((rec.get("question"), rec.get("kind"), rec.get("reference", "")))
        if title and not rec.get("file") and not rec.get("title"):
            rec["title"] = title


def panel() -> None:
    """What the import read: the unresolved questions, the answers to check, the asserted evidence."""
    state = st.session_state.get(STATE)
    if not state:
        return
    report = state["report"]
    summary = report["summary"]
    with st.container(border=True, key="pc_import_panel"):
        st.subheader("Imported from a completed DTAC form", anchor=False)
        st.text(f"File: {state['file']}\nForm version: {report['version']}")
        for w in report["warnings"]:
            st.text(f"Warning: {w}")
        st.text(
            f"{summary['answered']} answers read ({summary['to_check']} to check), "
            f"{summary['unresolved']} unresolved, {summary['blank'] + summary['absent']} not answered in the form, "
            f"{summary['evidence_asserted']} evidence references asserted (no file yet)."
        )
        unresolved = [q for q in report["questions"] if q["status"] == "unresolved"]
        if unresolved:
            st.warning(
                "These questions could not be read with confidence and are left unanswered below. "
                "Choose each answer yourself.",
                icon=":material/help:",
            )
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Question": q["id"],
                            "About": q["short"],
                            "The form says": q["vendor_text"] or "",
                            "Could be": "; ".join(q["could_be"]),
                            "Check": q["check"] or "",
                            "Where": q["source"] or "",
                        }
                        for q in unresolved
                    ]
                ),
                hide_index=True,
                key="pc_import_unresolved",
            )
        to_check = [q for q in report["questions"] if q["status"] == "answered" and q["confidence"] != "high"]
        if to_check:
            with st.expander(f"Answers to check ({len(to_check)})", expanded=False):
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "Question": q["id"],
                                "Answer read": q["answer"],
                                "Check": q["check"] or "",
                                "Where": q["source"] or "",
                            }
                            for q in to_check
                        ]
                    ),
                    hide_index=True,
                    key="pc_import_to_check",
                )
        if report["evidence"]:
            with st.expander(f"Evidence the form asserts ({len(report['evidence'])})", expanded=False):
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                "Question": e["question"],
                                "Kind": e["kind"] or "(not asked for)",
                                "Reference": e["reference"],
                                "Sentence": e["sentence"],
                            }
                            for e in report["evidence"]
                        ]
                    ),
                    hide_index=True,
                    key="pc_import_evidence",
                )
        if st.button("Forget the import", key="pc_import_forget", icon=":material/close:"):
            st.session_state.pop(STATE, None)
            st.rerun()
