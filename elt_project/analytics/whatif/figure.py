"""The scenario chart: history, the baseline and the scenario each with its band, and actuals since.

Drawn from the JSON payload of :meth:`ScenarioResult.to_json`, so a saved scenario is
drawn exactly as it was computed, with no refit.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

BASELINE, SCENARIO = "#1f77b4", "#ff7f0e"


def _band(figure: go.Figure, daily: pd.DataFrame, prefix: str, colour: str, fill: str | None) -> None:
    """The line and its band: filled for the baseline, dotted edges for the scenario (two fills would muddy)."""
    edge = {"width": 0} if fill else {"color": colour, "width": 1, "dash": "dot"}
    figure.add_trace(
        go.Scatter(x=daily["date"], y=daily[f"{prefix}_upper"], line=edge, showlegend=False, hoverinfo="skip")
    )
    figure.add_trace(
        go.Scatter(
            x=daily["date"],
            y=daily[f"{prefix}_lower"],
            fill="tonexty" if fill else None,
            fillcolor=fill,
            line=edge,
            name=f"{prefix} band",
            hoverinfo="skip",
        )
    )
    figure.add_trace(go.Scatter(x=daily["date"], y=daily[prefix], name=prefix, line={"color": colour, "width": 2}))


def scenario_figure(payload: dict, actual: pd.DataFrame | None = None) -> go.Figure:
    """Baseline vs scenario per day; ``actual`` (date, actual) adds the days loaded since, as markers."""
    daily = pd.DataFrame(payload["daily"])
    daily["date"] = pd.to_datetime(daily["date"])
    history = pd.DataFrame(payload.get("history") or [], columns=["date", "actual"])
    history["date"] = pd.to_datetime(history["date"])
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=history["date"], y=history["actual"], name="history", line={"color": "#333333", "width": 1.2})
    )
    _band(figure, daily, "baseline", BASELINE, "rgba(31, 119, 180, 0.15)")
    _band(figure, daily, "scenario", SCENARIO, None)
    if actual is not None and not actual.empty:
        figure.add_trace(
            go.Scatter(
                x=actual["date"], y=actual["actual"], name="actual since", mode="markers",
                marker={"color": "#2ca02c", "size": 6},
            )
        )  # fmt: skip
    figure.update_layout(  # no title: on a phone the chart's toolbar sits on it; the page names the chart
        height=380,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.15},
    )
    return figure
