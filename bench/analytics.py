"""Benchmark: the predictive batch over 100 daily series x 2 years, against the naive loop; root cause on the demo.

Run: ``.venv/bin/python bench/analytics.py [--series 100] [--block 10]`` (a few minutes).
Targets: the batch (forecast + anomaly config on every series) under 60 s on a 2-core
machine and at least 3x faster than the naive loop; "why did it change" over the
demo's full sales table under 2 s.

The batch is the real thing end to end: ``run_predictive_analytics`` over 200
``analytics_config`` rows, aggregating each series in SQL and writing every
prediction back. The naive loop is what one writes first: read each table into
pandas, fit Prophet with its default settings (1,000 uncertainty samples) for the
forecast, fit it again for the anomaly model, and run Isolation Forest on the raw
values, one series at a time. Both run in this process on the same data, in
interleaved blocks of 10 series, so load from other work on the machine falls on both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from elt_project.analytics.forecasting import prophet_available
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.analytics.root_cause import explain_change
from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.demo import generate
from elt_project.demo.install import install_demo
from elt_project.settings import load_settings

DAYS = 730
START = dt.date(2024, 1, 1)


def _make_series(engine, count: int, *, seed: int = 0) -> tuple[list[str], set[tuple[str, dt.date]]]:
    """``count`` tables of one row per day: trend, weekly and yearly season, noise, three spikes each."""
    rng = np.random.default_rng(42 + seed)
    t = np.arange(DAYS)
    days = [START + dt.timedelta(days=int(i)) for i in t]
    names, planted = [], set()
    for i in range(count):
        name = f"series_{i:03d}"
        level = rng.uniform(100, 1000)
        y = level * (1 + rng.uniform(-0.3, 0.6) * t / DAYS)
        y *= 1 + 0.15 * np.sin(2 * np.pi * t / 7 + rng.uniform(0, 6)) + 0.1 * np.sin(2 * np.pi * t / 365.25)
        y += rng.normal(0, 0.04 * level, DAYS)
        spikes = rng.choice(DAYS, 3, replace=False)
        y[spikes] *= 2.2
        planted |= {(name, days[int(k)]) for k in spikes}
        table = sa.Table(name, sa.MetaData(), sa.Column("day", sa.Date), sa.Column("value", sa.Float))
        table.create(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"day": d, "value": float(v)} for d, v in zip(days, y)])
            for model in ("forecast", "anomaly_detection"):
                conn.execute(
                    schema.analytics_config.insert().values(
                        target_table=name, date_column="day", value_column="value", model_type=model
                    )
                )
        names.append(name)
    return names, planted


def _naive_loop(engine, names: list[str]) -> float:
    from prophet import Prophet
    from sklearn.ensemble import IsolationForest

    started = time.perf_counter()
    for name in names:
        frame = pd.read_sql_table(name, engine)
        frame = frame.rename(columns={"day": "ds", "value": "y"})
        forecast_model = Prophet()
        forecast_model.fit(frame)
        forecast_model.predict(forecast_model.make_future_dataframe(30))
        anomaly_model = Prophet()
        anomaly_model.fit(frame)
        anomaly_model.predict(frame[["ds"]])
        IsolationForest(random_state=0).fit_predict(frame[["y"]])
    return time.perf_counter() - started


def _batch(engine, settings) -> tuple[float, set[tuple[str, dt.date]]]:
    started = time.perf_counter()
    report = run_predictive_analytics(engine, settings, attach_story=False)
    elapsed = time.perf_counter() - started
    assert not report.failed, [o.line() for o in report.failed]
    return elapsed, {(o.config.target_table, d) for o in report.outcomes for d in o.anomaly_days}


def _root_cause(folder: Path) -> list[float]:
    url = f"sqlite:///{folder / 'demo.db'}"
    settings = load_settings(
        env={},
        env_file=folder / "no.env",
        database_url=url,
        data_dir=str(folder / "demo_data"),
        transforms_dir=str(folder),
    )
    engine = create_warehouse_engine(url)
    install_demo(engine, settings, today=dt.date(2026, 11, 27))
    story = generate.story_for(dt.date(2026, 11, 27))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        result = explain_change(engine, "dest_sales", "amount", story.drop_date)
        times.append(time.perf_counter() - started)
    assert result.drivers[0].segment == {"region": "West", "channel": "Online"}
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT COUNT(*) FROM dest_sales")).scalar()
    print(f"root cause over dest_sales ({rows:,} rows): top driver {result.drivers[0].label()}")
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--block", type=int, default=10, help="series per interleaved block")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Prophet's pandas deprecation chatter, once per predict
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    logging.getLogger("prophet").setLevel(logging.WARNING)
    print(f"forecast engine: {'prophet' if prophet_available() else 'holt_winters'}")
    import sklearn.ensemble  # noqa: F401  (imports are paid once by either side; keep them out of the timings)

    batch_total = naive_total = 0.0
    found = other = planted_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        blocks = [min(args.block, args.series - start) for start in range(0, args.series, args.block)]
        for index, size in enumerate(blocks):
            # Each block is its own warehouse; batch and naive alternate who goes first, so
            # a machine whose load drifts (it is shared) weighs on both sides alike.
            url = f"sqlite:///{folder / f'block{index}.db'}"
            settings = load_settings(
                env={},
                env_file=folder / "no.env",
                database_url=url,
                data_dir=str(folder / "data"),
                transforms_dir=str(folder),
            )
            engine = create_warehouse_engine(url)
            upgrade(engine)
            names, planted = _make_series(engine, size, seed=index)
            order = ("batch", "naive") if index % 2 == 0 else ("naive", "batch")
            for side in order:
                if side == "batch":
                    elapsed, flagged = _batch(engine, settings)
                    batch_total += elapsed
                    found += len(flagged & planted)
                    other += len(flagged - planted)
                else:
                    naive_total += _naive_loop(engine, names)
            planted_total += len(planted)
            engine.dispose()
        print(
            f"batch: {args.series} series x {DAYS} days, forecast + anomaly config each: {batch_total:.1f} s; "
            f"{found} of {planted_total} planted spikes flagged, {other} other days flagged "
            f"(of {args.series * DAYS:,})"
        )
        print(
            f"naive loop (default Prophet twice + Isolation Forest on raw values, one series at a time): "
            f"{naive_total:.1f} s"
        )
        print(f"speed-up: {naive_total / batch_total:.1f}x (target >= 3x); batch target < 60 s")
        times = _root_cause(folder)
        print(f"root cause: median {statistics.median(times):.3f} s, max {max(times):.3f} s (target < 2 s)")


if __name__ == "__main__":
    main()
