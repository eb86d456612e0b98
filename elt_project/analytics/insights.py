"""Reading stored predictions back for display: one view per configured series.

A forecast row and an anomaly row on the same series are shown as one chart: the
forecast supplies the band and the days ahead, the anomaly model the marked days.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.analytics.predictive import AnalyticsConfig, active_configs
from elt_project.db.schema import analytics_predictions

COLUMNS = ["date", "actual", "predicted", "lower", "upper", "is_anomaly", "score", "is_forecast"]


@dataclass
class SeriesView:
    target_table: str
    date_column: str
    value_column: str
    configs: list[AnalyticsConfig]
    frame: pd.DataFrame

    @property
    def title(self) -> str:
        return f"{self.target_table}.{self.value_column} by {self.date_column}"

    @property
    def anomalies(self) -> pd.DataFrame:
        return self.frame[self.frame["is_anomaly"]]


def config_predictions(engine: Engine, config_id: int) -> pd.DataFrame:
    """The stored predictions of one config row, oldest first."""
    p = analytics_predictions
    query = (
        sa.select(
            p.c.prediction_date,
            p.c.actual_value,
            p.c.predicted_value,
            p.c.lower_bound,
            p.c.upper_bound,
            p.c.is_anomaly,
            p.c.anomaly_score,
        )
        .where(p.c.config_id == config_id)
        .order_by(p.c.prediction_date)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    frame["date"] = pd.to_datetime(frame["date"])
    for name in ("actual", "predicted", "lower", "upper", "score"):
        frame[name] = pd.to_numeric(frame[name]).astype(float)
    frame["is_anomaly"] = frame["is_anomaly"].astype(int).astype(bool)
    frame["is_forecast"] = frame["actual"].isna() & (frame["date"] > frame.loc[frame["actual"].notna(), "date"].max())
    return frame


def series_views(engine: Engine) -> list[SeriesView]:
    """Every active configured series with its merged predictions (empty frame before the first run)."""
    groups: dict[tuple[str, str, str], list[AnalyticsConfig]] = {}
    for config in active_configs(engine):
        groups.setdefault(config.series_key, []).append(config)
    views = []
    for (table, date_column, value_column), configs in groups.items():
        frames = {c.model_type: config_predictions(engine, c.id) for c in configs}
        base = frames.get("forecast")
        if base is None or base.empty:
            base = next((f for f in frames.values() if not f.empty), pd.DataFrame(columns=COLUMNS))
        base = base.copy()
        flagged = set()
        for frame in frames.values():
            flagged |= set(frame.loc[frame["is_anomaly"], "date"])
        base["is_anomaly"] = base["date"].isin(flagged) if not base.empty else pd.Series(dtype=bool)
        views.append(SeriesView(table, date_column, value_column, configs, base.reset_index(drop=True)))
    return views
