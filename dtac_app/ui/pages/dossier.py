"""Dossier: preview the summary; build PDF, HTML, JSON and CSV on click and download them."""

from __future__ import annotations

import streamlit as st

from dtac_app.dossier import FORMATS, MEDIA_TYPES
from dtac_app.errors import InputError
from dtac_app.store.errors import StoreError
from dtac_app.ui import common, session
from dtac_app.ui.safe import md
from dtac_app.ui.widgets import labelled, select
from dtac_app.workbench.dossiers import stored_dossier

LABELS = {
    "pdf": "PDF (for the record)",
    "html": "Accessible HTML",
    "json": "JSON (machine-readable, verifiable)",
    "csv": "CSV (one row per question)",
}


def page() -> None:
    user = session.page_top(
        "Dossier",
        "The record an NHS organisation keeps of why a technology is, or is not, available for NHS use. "
        "The same inputs always give the same files, so a JSON dossier can be re-checked later against "
        "its evidence files.",
    )
    wf = session.workflow()
    products = wf.list_products(user)
    assessed = [p for p in products if p.latest is not None]
    if not assessed:
        st.info("No assessed products yet.")
        return
    want = session.query_int("assessment")
    ids = [p.latest.id for p in assessed if p.latest]
    label = {
        p.latest.id: f"{p.name} {p.latest_version} — {p.latest.decision_label}" for p in assessed if p.latest
    }
    if want is not None and want not in ids:
        try:
            view = wf.get_assessment(user, want)
            ids.insert(0, want)
            label[want] = f"{view.product_name} {view.version} — assessment #{want}"
        except StoreError as e:
            session.show_store_error(e)
            return
    aid = select("Assessment", ids, prefer=want, format_func=labelled(label), key="ds_pick")
    try:
        view = wf.get_assessment(user, aid)
    except StoreError as e:
        session.show_store_error(e)
        return
    st.subheader(f"{md(view.product_name)} {md(view.version)} — revision {view.revision}", anchor=False)
    common.show_assessment(view.result, key=f"ds_{aid}", show_fixes=False)
    formats = st.pills(
        "Formats",
        list(FORMATS),
        selection_mode="multi",
        default=list(FORMATS),
        key="ds_formats",
        format_func=labelled(LABELS),
    )
    cache_key = f"ds_files_{aid}_{view.revision}"
    if st.button("Build the dossier", type="primary", key="ds_build", disabled=not formats):
        try:
            with st.spinner("Building the dossier…"):
                stem, files = stored_dossier(wf, user, aid, revision=view.revision, formats=formats)
            st.session_state[cache_key] = (stem, files)
        except (StoreError, InputError) as e:
            st.error(f"The dossier could not be built: {md(getattr(e, 'message', e))}")
    built = st.session_state.get(cache_key)
    if built:
        stem, files = built
        st.success(
            f"Built {', '.join(f.upper() for f in files)} for revision {view.revision}.",
            icon=":material/check_circle:",
        )
        row = st.container(horizontal=True)
        for fmt, data in files.items():
            row.download_button(
                f"Download {fmt.upper()}",
                data,
                file_name=f"{stem}.{fmt}",
                mime=MEDIA_TYPES[fmt].split(";")[0],
                on_click="ignore",
                key=f"ds_dl_{fmt}",
                icon=":material/download:",
            )
        st.caption(f"{len(files.get('pdf', b'')):,} bytes PDF." if "pdf" in files else "")


page()
