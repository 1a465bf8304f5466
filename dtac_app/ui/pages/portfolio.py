"""Portfolio: every product the user may see, with decision, sections, D1, device, NICE, expiries."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dtac_app.results import DECISION_COLOURS, DECISION_LABELS, DECISION_ORDER
from dtac_app.store.errors import StoreError
from dtac_app.ui import session
from dtac_app.vocabulary import SECTION_STATUS_LABELS, SectionStatus
from dtac_app.workbench.portfolio import PortfolioRow, portfolio

DECISION_OPTIONS = [*(DECISION_LABELS[d] for d in DECISION_ORDER), "Not assessed"]
DECISION_PILL_COLOURS = [*(DECISION_COLOURS[d] for d in DECISION_ORDER), "#768692"]
_MARKS: tuple[tuple[SectionStatus, str], ...] = (("met", "✓"), ("not_met", "✗"), ("incomplete", "…"))
SECTION_MARK: dict[str, str] = {s: f"{mark} {SECTION_STATUS_LABELS[s]}" for s, mark in _MARKS}


def frame(rows: list[PortfolioRow]) -> pd.DataFrame:
    records = []
    for r in rows:
        records.append(
            {
                "product_id": r.product_id,
                "Product": r.product,
                "Version": r.version,
                "Manufacturer": r.manufacturer,
                "Decision": [r.decision_label],
                "decision_key": r.decision,
                "sections_met": r.sections_met,
                "Review": r.status.replace("_", " "),
                "Profile": r.profile,
                **{sid: SECTION_MARK.get(r.sections.get(sid, ""), "—") for sid in ("C1", "C2", "C3", "C4")},
                "D1 %": r.d1_percent,
                "Device": " ".join(
                    x for x in (f"Class {r.device_class}" if r.device_class else "", r.marking or "") if x
                )
                or "Not a device",
                "NICE status": r.nice_status or "—",
                "Next expiry": r.next_expiry,
                "Valid until": r.valid_until,
            }
        )
    return pd.DataFrame.from_records(records)


def page() -> None:
    user = session.require_user()
    st.title("Portfolio")
    try:
        rows = portfolio(session.workflow(), user)
    except StoreError as e:
        session.show_store_error(e)
        return
    if not rows:
        st.info("No products yet. Use **Pre-check a submission** to upload one.", icon=":material/info:")
        return
    df = frame(rows)

    f1, f2, f3 = st.columns([2, 2, 3])
    decisions = f1.multiselect(
        "Decision",
        [DECISION_LABELS[d] for d in DECISION_ORDER],
        key="pf_decision",
        placeholder="All decisions",
    )
    profiles = f2.multiselect(
        "Profile",
        sorted({r.profile for r in rows if r.profile}),
        key="pf_profile",
        placeholder="All profiles",
    )
    text = f3.text_input("Search product or manufacturer", key="pf_text", placeholder="e.g. back")
    view = df
    if decisions:
        keys = {d for d in DECISION_ORDER if DECISION_LABELS[d] in decisions}
        view = view[view["decision_key"].isin(keys)]
    if profiles:
        view = view[view["Profile"].isin(profiles)]
    if text:
        needle = text.casefold()
        view = view[
            view["Product"].str.casefold().str.contains(needle, regex=False)
            | view["Manufacturer"].str.casefold().str.contains(needle, regex=False)
        ]

    counts = {d: int((df["decision_key"] == d).sum()) for d in DECISION_ORDER}
    cols = st.columns(len(DECISION_ORDER))
    for c, d in zip(cols, DECISION_ORDER, strict=True):
        c.metric(DECISION_LABELS[d], counts[d])

    st.caption(
        f"{len(view)} of {len(df)} products. Select a row to open it. Decisions are shown in words and colour."
    )
    event = st.dataframe(
        view.drop(columns=["product_id", "decision_key", "sections_met"]),
        hide_index=True,
        key="pf_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Decision": st.column_config.MultiselectColumn(
                "Decision",
                options=DECISION_OPTIONS,
                color=DECISION_PILL_COLOURS,
                disabled=True,
                width="medium",
            ),
            "D1 %": st.column_config.ProgressColumn("D1 %", min_value=0, max_value=100, format="%.0f%%"),
            "Next expiry": st.column_config.DateColumn("Next expiry", format="YYYY-MM-DD"),
            "Valid until": st.column_config.DateColumn("Valid until", format="YYYY-MM-DD"),
        },
    )
    selected = getattr(getattr(event, "selection", None), "rows", []) if event is not None else []
    if selected:
        pid = int(view.iloc[selected[0]]["product_id"])
        st.switch_page("dtac_app/ui/pages/review.py", query_params={"product": str(pid)})

    st.subheader("Compare products", anchor=False)
    compare = view[view["Profile"] == "nice-lbp"] if (view["Profile"] == "nice-lbp").any() else view
    label = (
        "Back-pain apps side by side" if (view["Profile"] == "nice-lbp").any() else "Products side by side"
    )
    st.caption(
        f"{label}: C1–C4 sections met (bars), with the decision and D1 score written on each bar. "
        "Colour and the decision text both show the decision."
    )
    long = []
    for _, r in compare.iterrows():
        long.append(
            {
                "Product": f"{r['Product']} {r['Version']}",
                "Sections met (of 4)": r["sections_met"],
                "D1 %": r["D1 %"] or 0,
                "Decision": DECISION_LABELS.get(r["decision_key"], "Not assessed"),
            }
        )
    if long:
        data = pd.DataFrame(long)
        domain = [DECISION_LABELS[d] for d in DECISION_ORDER]
        colours = [DECISION_COLOURS[d] for d in DECISION_ORDER]
        data["Label"] = [f"{d} · D1 {p:.0f}%" for d, p in zip(data["Decision"], data["D1 %"], strict=True)]
        # One 30 px band per product (a fixed chart height squeezed the bars and hid every other name).
        base = alt.Chart(data).encode(
            y=alt.Y("Product:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260))
        )
        bars = base.mark_bar().encode(
            x=alt.X(
                "Sections met (of 4):Q",
                scale=alt.Scale(domain=[0, 4]),
                title="C1–C4 sections met",
                axis=alt.Axis(tickCount=4, format="d"),
            ),
            color=alt.Color(
                "Decision:N",
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=["Product", "Decision", "Sections met (of 4)", "D1 %"],
        )
        text_layer = base.mark_text(align="left", dx=4).encode(x="Sections met (of 4):Q", text="Label:N")
        chart = (bars + text_layer).properties(height=alt.Step(30))
        st.altair_chart(chart, key="pf_chart")


page()
