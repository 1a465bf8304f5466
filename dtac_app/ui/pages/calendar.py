"""Compliance calendar: what expires when across the portfolio, and when each decision would change."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dtac_app.csv_safe import csv_text
from dtac_app.ui import common, session
from dtac_app.ui.widgets import download, labelled
from dtac_app.workbench.calendar_ics import ICS_KINDS, KIND_LABELS, to_ics
from dtac_app.workbench.portfolio import calendar_entries, portfolio

# Most serious first: a decision change (red diamond), a lapse, a legal deadline, a renewal window.
KIND_ORDER = ("decision", "expiry", "deadline", "window")
KIND_SHAPES = ["diamond", "square", "triangle-up", "circle"]
KIND_COLOURS = ["#D5281B", "#ED8B00", "#330072", "#005EB8"]


def calendar_csv(df: pd.DataFrame) -> str:
    """The table as CSV through the project's one neutralising writer (product names are vendor text)."""
    return csv_text([str(c) for c in df.columns], df.to_dict("records"))


def page() -> None:
    user = session.page_top("Compliance calendar")
    if (rows := session.fetch(lambda: portfolio(session.workflow(), user))) is None:
        return
    today = common.today()
    products = sorted({f"{r.product} {r.version}" for r in rows})
    organisations = sorted({r.organisation for r in rows if r.organisation})
    f1, f2, f3, f4 = st.columns([3, 3, 3, 2])
    pick_products = f1.multiselect("Product", products, key="cal_product", placeholder="All products")
    pick_orgs = f2.multiselect("Organisation", organisations, key="cal_org", placeholder="All organisations")
    pick_kinds = f3.multiselect(
        "Kind", list(KIND_ORDER), format_func=labelled(KIND_LABELS), key="cal_kind", placeholder="All kinds"
    )
    months = f4.select_slider(
        "Look ahead",
        options=[3, 6, 12, 24, 36],
        value=12,
        key="cal_months",
        format_func=lambda m: f"{m} months",
    )
    horizon = today + dt.timedelta(days=int(months * 30.5))
    entries = [
        e
        for e in calendar_entries(rows, since=today, until=horizon)
        if (not pick_products or e.product in pick_products)
        and (not pick_orgs or e.organisation in pick_orgs)
        and (not pick_kinds or e.kind in pick_kinds)
    ]
    if not entries:
        st.info(f"Nothing expires and no decision changes between {today} and {horizon} for these filters.")
        return
    df = pd.DataFrame(
        [
            {
                "Date": e.on,
                "Product": e.product,
                "Organisation": e.organisation,
                "What": KIND_LABELS.get(e.kind, e.kind),
                "Detail": e.text,
                "Current decision": e.decision,
            }
            for e in entries
        ]
    )
    changes = df[df["What"] == KIND_LABELS["decision"]]
    c1, c2, c3 = st.columns(3)
    c1.metric("Dated events", len(df))
    c2.metric("Decisions that change", len(changes))
    soonest = changes["Date"].min() if len(changes) else None
    c3.metric("First decision change", soonest.isoformat() if soonest is not None else "—")

    # Markers never hide each other: each kind has its own lane inside a product's row, and events of
    # the same kind on the same day are drawn once with their number written beside the marker.
    marks = df.groupby(["Date", "Product", "What"], as_index=False).agg(
        Count=("Detail", "size"), Detail=("Detail", lambda s: " · ".join(s))
    )
    marks["Label"] = [f"×{n}" if n > 1 else "" for n in marks["Count"]]
    kinds = [KIND_LABELS[k] for k in KIND_ORDER]
    legend = alt.Legend(orient="bottom", title=None, labelLimit=320)
    base = alt.Chart(marks).encode(
        x=alt.X("Date:T", title=None, scale=alt.Scale(domain=[today.isoformat(), horizon.isoformat()])),
        y=alt.Y("Product:N", title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("What:N", scale=alt.Scale(domain=kinds)),
    )
    points = base.mark_point(filled=True, size=70, opacity=0.9, stroke="#FFFFFF", strokeWidth=1).encode(
        # Shape and colour share one legend, so each kind is told apart without relying on colour.
        shape=alt.Shape("What:N", scale=alt.Scale(domain=kinds, range=KIND_SHAPES), legend=legend),
        color=alt.Color("What:N", scale=alt.Scale(domain=kinds, range=KIND_COLOURS), legend=legend),
        tooltip=["Date:T", "Product", "What", "Count", "Detail"],
    )
    counts = base.mark_text(align="left", dx=7, fontSize=11, color="#212B32").encode(text="Label:N")
    # 48 px per product: four lanes of 12 px, one per kind.
    height = 48 * marks["Product"].nunique() + 20
    st.altair_chart((points + counts).properties(height=height), key="cal_chart")
    st.dataframe(
        df,
        hide_index=True,
        key="cal_table",
        column_config={
            "Date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "Detail": st.column_config.TextColumn(width="large"),
        },
    )
    warning = common.catalogue().policy.expiry_warning_days
    st.write(
        "Export for Outlook or another calendar: one all-day event per expiry, deadline and decision "
        f"change shown above, each with a reminder {warning} days before (the warning window)."
    )
    with st.container(horizontal=True):
        st.download_button(
            "Download for Outlook (iCalendar .ics)",
            to_ics(
                [e for e in entries if e.kind in ICS_KINDS],
                warning_days=warning,
                stamp=dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC),
            ),
            file_name=f"dtac-calendar-{today}.ics",
            mime="text/calendar",
            on_click="ignore",
            key="cal_ics",
            icon=":material/event:",
        )
        download(
            "Download the calendar (CSV)",
            calendar_csv(df.drop(columns=["product_id"], errors="ignore")),
            file_name=f"dtac-calendar-{today}.csv",
            mime="text/csv",
            key="cal_csv",
        )


page()
