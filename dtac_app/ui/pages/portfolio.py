"""Portfolio: every product the user may see, and the back-pain comparison (gate matrix, fit, features)."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from dtac_app.gates import FIT_SHORT, GATE_LABELS, GATE_STATE_LABELS, GATES
from dtac_app.results import DECISION_COLOURS, DECISION_LABELS, DECISION_ORDER
from dtac_app.ui import common, session
from dtac_app.ui.widgets import download, labelled
from dtac_app.vocabulary import SECTION_STATUS_LABELS, SectionStatus
from dtac_app.workbench.portfolio import PortfolioRow, portfolio
from dtac_app.workbench.portfolio_report import (
    FIT_FILTER_LABELS,
    NOT_ASSESSED,
    STATE_TINTS,
    Filters,
    filter_rows,
    render_html,
    render_pdf,
    sort_rows,
)

DECISION_OPTIONS = [*(DECISION_LABELS[d] for d in DECISION_ORDER), NOT_ASSESSED]
DECISION_PILL_COLOURS = [*(DECISION_COLOURS[d] for d in DECISION_ORDER), "#768692"]
_MARKS: tuple[tuple[SectionStatus, str], ...] = (("met", "✓"), ("not_met", "✗"), ("incomplete", "…"))
SECTION_MARK: dict[str, str] = {s: f"{mark} {SECTION_STATUS_LABELS[s]}" for s, mark in _MARKS}
# Gate states as tinted pills in words (the way decisions are shown): the grid draws them itself,
# where a pandas Styler tinting every cell cost more than the rest of the page together.
NO_GATE = "—"
GATE_STATE_OPTIONS = [*GATE_STATE_LABELS.values(), NO_GATE]
GATE_STATE_COLOURS = [*(STATE_TINTS[s] for s in GATE_STATE_LABELS), "#FFFFFF"]


def _device(r: PortfolioRow) -> str:
    return (
        " ".join(x for x in (f"Class {r.device_class}" if r.device_class else "", r.marking or "") if x)
        or "Not a device"
    )


def _day(d: dt.date | None) -> str:
    """Dates as text, so a missing one reads "—" rather than "None"."""
    return d.isoformat() if d else "—"


def _height(n: int) -> int:
    """Tall enough to show every row (no scrolling inside the table for a portfolio)."""
    return 38 + 35 * max(n, 1) + 2


def frame(rows: list[PortfolioRow]) -> pd.DataFrame:
    """The portfolio table: what decides first (decision, valid until, next expiry), then the detail."""
    records = []
    for r in rows:
        records.append(
            {
                "product_id": r.product_id,
                "Product": r.product,
                "Version": r.version,
                "Decision": [r.decision_label],
                "Valid until": _day(r.valid_until),
                "Next expiry": _day(r.next_expiry),
                **{sid: SECTION_MARK.get(r.sections.get(sid, ""), "—") for sid in ("C1", "C2", "C3", "C4")},
                "D1 %": r.d1_percent,
                "Device": _device(r),
                "NICE status": r.nice_status or "—",
                "Review": r.status.replace("_", " "),
                "Profile": r.profile or "—",
                "Manufacturer": r.manufacturer,
            }
        )
    return pd.DataFrame.from_records(records)


def gate_frame(rows: list[PortfolioRow]) -> pd.DataFrame:
    """One row per product, one column per gate, each cell the gate's state in words."""
    records = []
    for r in rows:
        by_id = {g.id: g for g in r.gates}
        records.append(
            {
                "Product": f"{r.product} {r.version}",
                "Decision": [r.decision_label],
                "Valid until": _day(r.valid_until),
                "Fit": (", ".join(FIT_SHORT[f] for f in r.fit) or "Not stated")
                if r.profile == "nice-lbp"
                else "—",
                **{
                    GATE_LABELS[gid]: [GATE_STATE_LABELS[by_id[gid].state] if gid in by_id else NO_GATE]
                    for gid, _ in GATES
                },
            }
        )
    return pd.DataFrame.from_records(records)


def features_frame(rows: list[PortfolioRow]) -> pd.DataFrame:
    features = common.catalogue().nice.features
    return pd.DataFrame.from_records(
        [
            {"Product": f"{r.product} {r.version}", **{f.label: f.id in r.features for f in features}}
            for r in rows
            if r.profile == "nice-lbp"
        ]
    )


def comparison(rows: list[PortfolioRow], filters: Filters) -> None:
    st.header("Compare products", anchor=False)
    st.write(
        "Which of these apps may we offer, and to whom. One row per product, one column per gate; each "
        "gate is written in words and tinted: "
        + ", ".join(GATE_STATE_LABELS.values())
        + ". Gates come from the assessment results. Back-pain gates are not applicable to products "
        "assessed under the DTAC profile only. Fit, as NICE distinguishes it: acute (new) back pain, or "
        "pain for 3 months or more (3 months+)."
    )
    if not rows:
        st.info("No products match the filters.")
        return
    ordered = sort_rows(rows)
    gates = gate_frame(ordered)
    st.dataframe(
        gates,
        hide_index=True,
        key="pf_gates",
        column_config={
            "Product": st.column_config.TextColumn("Product", pinned=True),
            "Decision": st.column_config.MultiselectColumn(
                "Decision", options=DECISION_OPTIONS, color=DECISION_PILL_COLOURS, disabled=True
            ),
            "Fit": st.column_config.TextColumn("Fit", width="small"),
            **{
                GATE_LABELS[g]: st.column_config.MultiselectColumn(
                    GATE_LABELS[g],
                    options=GATE_STATE_OPTIONS,
                    color=GATE_STATE_COLOURS,
                    disabled=True,
                )  # sized to its words: a cut "Not applic…" reads worse than scrolling sideways
                for g, _ in GATES
            },
        },
        height=_height(len(gates)),
    )
    names = [f"{r.product} {r.version}" for r in ordered]
    pick = st.selectbox(
        "Why: the gates of one product", names, index=None, key="pf_why", placeholder="Choose a product"
    )
    if pick is not None:
        r = ordered[names.index(pick)]
        st.dataframe(
            pd.DataFrame(
                [{"Gate": GATE_LABELS[g.id], "State": g.label, "Detail": g.detail} for g in r.gates]
            ),
            hide_index=True,
            key="pf_why_table",
            column_config={"Detail": st.column_config.TextColumn(width="large")},
        )

    st.subheader("Fit and HTE16 features", anchor=False)
    st.write(
        "As each vendor states them: acute (new) back pain or pain for 3 months or more, and the features "
        "NICE highlighted in HTE16. Reported for comparison; they do not change the decision."
    )
    feats = features_frame(ordered)
    if feats.empty:
        st.info("No back-pain products match the filters.")
    else:
        st.dataframe(
            feats,
            hide_index=True,
            height=_height(len(feats)),
            key="pf_features",
            column_config={
                f.label: st.column_config.CheckboxColumn(f.label, disabled=True)
                for f in common.catalogue().nice.features
            },
        )

    today = common.today()
    cat = common.catalogue()
    with st.container(horizontal=True):
        for name, render, mime in (
            ("PDF", render_pdf, "application/pdf"),
            ("HTML", render_html, "text/html"),
        ):
            download(
                f"Download the comparison ({name})",
                partial(render, rows, cat, as_of=today, filters=filters, source="From the workbench"),
                file_name=f"portfolio-report-{today}.{name.lower()}",
                mime=mime,
                key=f"pf_report_{name.lower()}",
            )


def page() -> None:
    user = session.page_top("Portfolio")
    if (rows := session.fetch(lambda: portfolio(session.workflow(), user))) is None:
        return
    if not rows:
        st.info("No products yet. Use Pre-check a submission to upload one.", icon=":material/info:")
        return

    f1, f2, f3, f4 = st.columns([2, 2, 2, 3])
    decisions = f1.multiselect("Decision", DECISION_OPTIONS, key="pf_decision", placeholder="All decisions")
    fits = f2.multiselect(
        "Fit",
        list(FIT_FILTER_LABELS),
        format_func=labelled(FIT_FILTER_LABELS),
        key="pf_fit",
        placeholder="Any fit",
    )
    profiles = f3.multiselect(
        "Profile",
        sorted({r.profile for r in rows if r.profile}),
        key="pf_profile",
        placeholder="All profiles",
    )
    text = f4.text_input("Search product or manufacturer", key="pf_text", placeholder="e.g. back")
    by_label = {DECISION_LABELS[d]: d for d in DECISION_ORDER} | {NOT_ASSESSED: ""}
    filters = Filters(
        decisions=frozenset(by_label[d] for d in decisions),
        fits=frozenset(fits),
        profiles=frozenset(profiles),
    )
    view_rows = filter_rows(rows, filters)
    if text:
        needle = text.casefold()
        view_rows = [
            r for r in view_rows if needle in r.product.casefold() or needle in r.manufacturer.casefold()
        ]

    cols = st.columns(len(DECISION_ORDER))
    for c, d in zip(cols, DECISION_ORDER, strict=True):
        c.metric(DECISION_LABELS[d], sum(r.decision == d for r in rows))

    st.caption(
        f"{len(view_rows)} of {len(rows)} products. Select a row to open it. Decisions are shown in words and colour."
    )
    view = frame(view_rows) if view_rows else frame(rows).iloc[0:0]
    event = st.dataframe(
        view.drop(columns=["product_id"]),
        hide_index=True,
        key="pf_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Product": st.column_config.TextColumn("Product", pinned=True),
            "Decision": st.column_config.MultiselectColumn(
                "Decision",
                options=DECISION_OPTIONS,
                color=DECISION_PILL_COLOURS,
                disabled=True,
                width="medium",
            ),
            "D1 %": st.column_config.ProgressColumn("D1 %", min_value=0, max_value=100, format="%.0f%%"),
        },
        height=_height(len(view)),
    )
    selected = getattr(getattr(event, "selection", None), "rows", []) if event is not None else []
    if selected:
        pid = int(view.iloc[selected[0]]["product_id"])
        st.switch_page("dtac_app/ui/pages/review.py", query_params={"product": str(pid)})

    comparison(view_rows, filters)


page()
