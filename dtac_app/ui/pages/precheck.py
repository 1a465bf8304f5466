"""Vendor pre-check: upload a submission or fill in the form; live verdict and fix list."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import streamlit as st
import yaml

from dtac_app.errors import InputError, InputErrors
from dtac_app.submission_io import Intake, parse_submission, read_upload
from dtac_app.template import submission_template
from dtac_app.ui import common, form_import_panel, session
from dtac_app.ui.form import render_form
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import download
from dtac_app.workbench.assessing import assess_parsed

PREFIX = "pc"
UPLOAD_TYPES = ["yaml", "yml", "json", "zip"]
IMPORT_MODE = "Import a completed DTAC form"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def submission_yaml(data: dict[str, Any]) -> str:
    header = "# DTAC Workbench submission — upload it on the pre-check page to see the verdict\n"
    return header + yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)


def submission_zip(data: dict[str, Any], files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("submission.yaml", submission_yaml(data))
        for name, content in sorted(files.items()):
            zf.writestr(name, content)
    return buf.getvalue()


def show_errors(e: InputError) -> None:
    errors = e.errors if isinstance(e, InputErrors) else [e]
    lines = "\n".join(f"- **{md(x.field or 'file')}**: {md(x.reason)}" for x in errors[:25])
    n_more = len(errors[25:]) + (e.more if isinstance(e, InputErrors) else 0)
    more = f"\n- … and {n_more:,} more" if n_more else ""
    st.error(
        f"**{md(errors[0].file)}** cannot be assessed yet. Fix these and try again:\n\n{lines}{more}",
        icon=":material/error:",
    )


def page() -> None:
    user = session.page_top(
        "Pre-check a submission",
        "See the decision an assessor would reach, what fails, what is missing, what expires soon, "
        "and the smallest change that fixes each item. Nothing is sent until you choose to send it.",
    )
    cat = common.catalogue()
    as_of = common.today()
    form_import_panel.apply_pending(PREFIX)  # an imported form fills the widgets before they are drawn
    mode = st.segmented_control(
        "How do you want to provide the submission?",
        ["Upload a file", "Fill in the form", IMPORT_MODE],
        default="Upload a file",
        required=True,
        key="pc_mode",
    )
    intake: Intake | None = None
    data: dict[str, Any] | None = None
    upload_bytes: bytes | None = None
    upload_name = ""
    if mode == IMPORT_MODE:
        form_import_panel.uploader(cat, PREFIX)
        return
    if mode == "Fill in the form":
        form_import_panel.panel()
        set_key = st.selectbox(
            "DTAC form version",
            sorted(cat.dtac, reverse=True),
            key="pc_set",
            format_func=lambda k: cat.dtac[k].title,
        )
        data = render_form(cat.dtac_set(set_key), cat, PREFIX, form_import_panel.flags())
        form_import_panel.mark_asserted(data)
        blank = [
            label
            for field, label in (
                ("name", "product name"),
                ("version", "product version"),
                ("manufacturer", "manufacturer"),
            )
            if not str(data["product"].get(field) or "").strip()
        ]
        if blank:  # a form just opened is not an error
            st.info(
                f"Fill in the {' and '.join([', '.join(blank[:-1]), blank[-1]] if len(blank) > 1 else blank)} "
                "to see the verdict as you answer.",
                icon=":material/edit_note:",
            )
        else:
            try:
                parse_submission(_plain(data), cat, file="on-screen form")
                # The form and its attached files go through the same intake as an uploaded ZIP.
                upload_name = "submission.zip"
                upload_bytes = submission_zip(data, st.session_state.get(PREFIX + "_files", {}))
                intake = read_upload(upload_name, upload_bytes, cat)
            except InputError as e:
                show_errors(e)
    else:
        f = st.file_uploader(
            "Submission file: YAML or JSON, or a ZIP with the submission and its evidence files",
            type=UPLOAD_TYPES,
            key="pc_upload",
            max_upload_size=50,
        )
        if f is not None:
            upload_bytes = f.getvalue()
            upload_name = f.name
            try:
                with st.spinner("Checking the file and its evidence hashes…"):
                    intake = read_upload(f.name, upload_bytes, cat)
            except InputError as e:
                show_errors(e)
        else:
            st.write(
                "No file yet? Start from the template: every question of the current DTAC form with its "
                "options and the evidence it asks for, as notes beside the answers."
            )
            current = max(cat.dtac)
            download(
                "Download a submission template (YAML)",
                submission_template(cat.dtac_set(current), cat),
                file_name=f"dtac-submission-template-{current}.yaml",
                mime="application/x-yaml",
                key="pc_template",
            )
    if intake is None:
        return
    sub = intake.submission
    a = assess_parsed(sub, cat, as_of=as_of, documents=intake.states())
    st.divider()
    st.header(f"{md(sub.product.name)} {md(sub.product.version)}", anchor=False)
    asserted = [e for e in a.evidence if e.provenance == "asserted"]
    if asserted:
        st.warning(
            f"{len(asserted)} of {len(a.evidence)} documents arrived without their file, so they are only "
            "asserted and the questions they support are not met yet. Put the files in a ZIP with the "
            "submission (under evidence/), or an assessor has to verify them.",
            icon=":material/description:",
        )
        st.dataframe(
            [
                {
                    "Evidence": f"E{e.index + 1}",
                    "Question": e.question,
                    "Document": e.label,
                    "File": e.file or "",
                }
                for e in asserted
            ],
            hide_index=True,
            key="pc_asserted",
        )
    common.show_assessment(a, key="pc")
    with st.expander("Every question", expanded=False):
        st.dataframe(common.questions_frame(a), hide_index=True, key="pc_questions")
    with st.container(horizontal=True):
        if data is not None:
            download(
                "Download the submission (YAML)",
                submission_yaml(data),
                file_name="submission.yaml",
                mime="application/x-yaml",
                key="pc_dl_yaml",
            )
            files = st.session_state.get(PREFIX + "_files", {})
            download(
                "Download submission + evidence (ZIP)",
                submission_zip(data, files),
                file_name="submission.zip",
                mime="application/zip",
                key="pc_dl_zip",
            )
        download(
            "Download this assessment (JSON)",
            json.dumps(a.model_dump(mode="json", by_alias=True), indent=2),
            file_name="assessment.json",
            mime="application/json",
            key="pc_dl_json",
        )
    session.offer_submit(
        user,
        sub,
        upload_name or "submission.yaml",
        upload_bytes if upload_bytes is not None else submission_yaml(data or {}).encode(),
    )


page()
