"""Plotly figures for the hub: forecast bands, root-cause waterfalls, auto-dashboard charts.

Plain functions from analytics results to figures, so pages only place them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from elt_project.analytics.dashboard import ChartSpec
from elt_project.analytics.root_cause import RootCause

BAND = "rgba(31, 119, 180, 0.18)"


def forecast_figure(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Actuals, the fitted/forecast line with its band, and anomalies as red markers.

    ``frame`` has the columns of :func:`elt_project.analytics.insights.series_predictions`.
    Each anomaly marker carries its date as ``customdata`` so a click can open the root cause.
    """
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=frame["date"], y=frame["upper"], line={"width": 0}, showlegend=False,
                                hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=frame["date"], y=frame["lower"], fill="tonexty", fillcolor=BAND,
                                line={"width": 0}, name="interval", hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=frame["date"], y=frame["predicted"], name="expected",
                                line={"color": "#1f77b4", "dash": "dot"}))
    history = frame[frame["actual"].notna()]
    figure.add_trace(go.Scatter(x=history["date"], y=history["actual"], name="actual", mode="lines",
                                line={"color": "#333333", "width": 1.4}))
    anomalies = frame[frame["is_anomaly"]]
    figure.add_trace(
        go.Scatter(
            x=anomalies["date"],
            y=anomalies["actual"],
            mode="markers",
            name="anomaly",
            marker={"color": "#d62728", "size": 11, "symbol": "circle-open", "line": {"width": 3}},
            customdata=[d.date().isoformat() for d in anomalies["date"]],
            hovertemplate="%{customdata}: %{y:,.2f}<extra>anomaly</extra>",
        )
    )
    figure.update_layout(title=title, margin={"l": 10, "r": 10, "t": 40 if title else 20, "b": 10}, height=360,
                         legend={"orientation": "h", "y": -0.15})
    return figure


def disjoint_drivers(result: RootCause, top: int) -> list:
    """The best drivers whose segments share no rows (West and Online overlap; West and East do not).

    A waterfall adds its steps up, so overlapping segments would count the same rows twice.
    """
    kept: list = []
    for driver in result.drivers:
        if all(any(k.segment.get(c, v) != v for c, v in driver.segment.items()) for k in kept):
            kept.append(driver)
        if len(kept) == top:
            break
    return kept


def waterfall_figure(result: RootCause, top: int = 6) -> go.Figure:
    """Baseline total, the top non-overlapping drivers' changes, everything else, and the current total."""
    drivers = disjoint_drivers(result, top)
    explained = sum(d.change for d in drivers)
    labels = ["baseline", *(d.label() for d in drivers), "everything else", "current"]
    values = [result.baseline, *(d.change for d in drivers), result.change - explained, result.current]
    measures = ["absolute", *(["relative"] * (len(drivers) + 1)), "total"]
    figure = go.Figure(go.Waterfall(x=labels, y=values, measure=measures,
                                    decreasing={"marker": {"color": "#d62728"}},
                                    increasing={"marker": {"color": "#2ca02c"}},
                                    totals={"marker": {"color": "#1f77b4"}}))
    figure.update_layout(title=f"{result.measure}: {result.baseline_date} → {result.date}", height=380,
                         margin={"l": 10, "r": 10, "t": 40, "b": 10}, showlegend=False)
    return figure


def chart_figure(spec: ChartSpec) -> go.Figure:
    """The Plotly figure of one auto-dashboard chart (its title is ``spec.title``, shown by the page)."""
    data = spec.data
    if spec.kind == "timeseries":
        figure = go.Figure(go.Scatter(x=data[spec.x], y=data[spec.y], mode="lines"))
    elif spec.kind == "bar":
        figure = go.Figure(go.Bar(x=data[spec.x], y=data[spec.y]))
    elif spec.kind == "histogram":
        figure = go.Figure(go.Bar(x=data[spec.x], y=data[spec.y]))
        figure.update_layout(bargap=0.02)
    elif spec.kind == "heatmap":
        pivot = data.pivot_table(index=spec.y, columns=spec.x, values=spec.z, aggfunc="sum", fill_value=0)
        figure = go.Figure(go.Heatmap(z=pivot.to_numpy(), x=list(pivot.columns), y=list(pivot.index),
                                      colorscale="Blues"))
    else:
        raise ValueError(f"unknown chart kind {spec.kind}")
    # No title inside the figure: Plotly's toolbar sits over it; the page writes the title above.
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         xaxis_title=spec.x, yaxis_title=spec.y)
    return figure
