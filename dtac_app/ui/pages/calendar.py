"""Compliance calendar: what expires when across the portfolio, and when each decision would change."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dtac_app.csv_safe import csv_text
from dtac_app.store.errors import StoreError
from dtac_app.ui import common, session
from dtac_app.workbench.portfolio import portfolio

KIND_LABELS = {
    "expiry": "Evidence or certificate lapses",
    "deadline": "Legal or NICE deadline",
    "window": "Renewal window opens",
    "decision": "Decision changes",
}


def calendar_csv(df: pd.DataFrame) -> str:
    """The table as CSV through the project's one neutralising writer (product names are vendor text)."""
    return csv_text([str(c) for c in df.columns], df.to_dict("records"))


def page() -> None:
    user = session.require_user()
    st.title("Compliance calendar")
    try:
        rows = portfolio(session.workflow(), user)
    except StoreError as e:
        session.show_store_error(e)
        return
    today = common.today()
    months = st.select_slider(
        "Look ahead",
        options=[3, 6, 12, 24, 36],
        value=12,
        key="cal_months",
        format_func=lambda m: f"{m} months",
    )
    horizon = today + dt.timedelta(days=int(months * 30.5))
    items = []
    for r in rows:
        for c in r.calendar:
            if today <= c.on <= horizon:
                items.append(
                    {
                        "Date": c.on,
                        "Product": f"{r.product} {r.version}",
                        "What": KIND_LABELS.get(c.kind, c.kind),
                        "Detail": c.text,
                        "Current decision": r.decision_label,
                        "product_id": r.product_id,
                    }
                )
    if not items:
        st.info(f"Nothing expires and no decision changes between {today} and {horizon}.")
        return
    df = pd.DataFrame(items).sort_values(["Date", "Product"])
    changes = df[df["What"] == KIND_LABELS["decision"]]
    c1, c2, c3 = st.columns(3)
    c1.metric("Dated events", len(df))
    c2.metric("Decisions that change", len(changes))
    soonest = changes["Date"].min() if len(changes) else None
    c3.metric("First decision change", soonest.isoformat() if soonest is not None else "—")
    # Most serious first: a decision change (red diamond), a lapse, a legal deadline, a renewal window.
    kinds = [KIND_LABELS[k] for k in ("decision", "expiry", "deadline", "window")]
    legend = alt.Legend(orient="bottom", title=None, labelLimit=320)
    chart = (
        alt.Chart(df)
        .mark_point(filled=True, size=120)
        .encode(
            x=alt.X("Date:T", title=None, scale=alt.Scale(domain=[today.isoformat(), horizon.isoformat()])),
            y=alt.Y("Product:N", title=None, axis=alt.Axis(labelLimit=260)),
            # Shape and colour share one legend, so each kind is told apart without relying on colour.
            shape=alt.Shape(
                "What:N",
                scale=alt.Scale(domain=kinds, range=["diamond", "square", "triangle-up", "circle"]),
                legend=legend,
            ),
            color=alt.Color(
                "What:N",
                scale=alt.Scale(domain=kinds, range=["#D5281B", "#ED8B00", "#330072", "#005EB8"]),
                legend=legend,
            ),
            tooltip=["Date:T", "Product", "What", "Detail"],
        )
        .properties(height=alt.Step(28))
    )
    st.altair_chart(chart, key="cal_chart")
    st.dataframe(
        df.drop(columns=["product_id"]),
        hide_index=True,
        key="cal_table",
        column_config={
            "Date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
            "Detail": st.column_config.TextColumn(width="large"),
        },
    )
    st.download_button(
        "Download the calendar (CSV)",
        calendar_csv(df.drop(columns=["product_id"])),
        file_name=f"dtac-calendar-{today}.csv",
        mime="text/csv",
        on_click="ignore",
        key="cal_csv",
    )


page()
