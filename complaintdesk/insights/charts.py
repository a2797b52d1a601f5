"""Plotly figures for dashboard tables (plotly.js is served from our static files, never a CDN)."""

from __future__ import annotations

from collections import defaultdict

import plotly.graph_objects as go

from complaintdesk.insights.reports import Table, column_label
from complaintdesk.lib.charts import with_nonce


def figure_html(table: Table, rows: list[list], *, nonce: str) -> str:
    spec = table.chart
    if not spec or not rows:
        return ""
    x, series, y = spec["x"], spec["series"], spec["y"]
    only = spec.get("only")
    if only:
        col = table.header.index(only[0]) if only[0] in table.header else None
        rows = [r for r in rows if col is None or r[col] != only[1]]
    # Legends and axes speak the reader's language: labelled cells and column names.
    rows = table.labelled_rows(rows)
    labels = [column_label(h) for h in table.header]
    grouped: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for r in rows:
        xs, ys = grouped[str(r[series])]
        xs.append(str(r[x]))
        ys.append(float(r[y]) if r[y] is not None else None)
    fig = go.Figure()
    for name, (xs, ys) in grouped.items():
        if spec["type"] == "line":
            fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines+markers"))
        else:
            fig.add_trace(go.Bar(x=xs, y=ys, name=name))
    fig.update_layout(
        height=320, margin={"l": 40, "r": 10, "t": 30, "b": 40}, barmode="group",
        yaxis_title=labels[y], legend_title_text=labels[series],
        template="plotly_white",
    )
    # Periods stay as written (ISO dates): a date axis would print English month names.
    fig.update_xaxes(type="category")
    html = fig.to_html(full_html=False, include_plotlyjs=False, config={"responsive": True,
                                                                        "displaylogo": False})
    return with_nonce(html, nonce)  # the page's CSP allows no other inline script
