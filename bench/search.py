"""Semantic search: recall@10 and median query time against plain LIKE '%word%' search, one run.

Run: ``PYTHONPATH=. .venv/bin/python bench/search.py [--data-dir DIR]``.

Installs the demo warehouse (SQLite) in ``--data-dir`` (default: a temporary folder)
unless it is there already, indexes every readable table's text columns (the
demo's ~240k rows: products, customers, two years of sales, inventory), then asks a
set of labelled queries most of whose expected rows share no word with the query. Peers in
the same run: the local embeddings, the TF-IDF fallback, and LIKE '%word%' over the
same text columns (any word of three letters or more, rows ranked by how many words
match). Query time is the median over the labelled queries with the index in
memory, including encoding the query. The last lines are ``key=value`` figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from elt_project.analytics import hub_config
from elt_project.analytics.search import encoders, minilm
from elt_project.analytics.search.index import index_path, refresh, text_columns
from elt_project.analytics.search.query import load_index, search
from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.demo import generate
from elt_project.settings import load_settings

#: Query -> product nouns whose rows are the right answers (none shares a word with its query).
LABELLED = {
    "kitchen appliance": ("Kettle",),
    "music listening device": ("Headphones", "Speaker"),
    "hair care": ("Shampoo",),
    "workout equipment": ("Yoga Mat", "Dumbbell"),
    "writing supplies": ("Notebook", "Pen Set"),
    "clothes for rainy weather": ("Jacket",),
    "breakfast cereal": ("Granola",),
    "hot drinks": ("Coffee", "Tea"),
    "skin care": ("Lotion", "Lip Balm"),
    "phone accessories": ("Charger",),
    "games for children": ("Puzzle", "Robot", "Blocks"),
    "hydration during sport": ("Bottle",),
}
K = 10


def expected_keys() -> dict[str, set[str]]:
    products = generate.products()
    return {
        query: {p["sku"] for p in products if any(f" {noun} " in f" {p['product_name']} " for noun in nouns)}
        for query, nouns in LABELLED.items()
    }


def recall(found: list[str], expected: set[str]) -> float:
    return len(set(found[:K]) & expected) / min(K, len(expected))


def like_search(engine, tables: list[sa.Table], query: str) -> list[str]:
    """The LIKE peer: rows with any query word in any text column, most matching words first."""
    words = [w for w in query.lower().split() if len(w) >= 3]
    found: dict[tuple[str, str], int] = {}
    with engine.connect() as conn:
        for table in tables:
            columns = text_columns(table)
            keys = list(table.primary_key.columns)
            if not columns or not keys:
                continue
            hits = sum(
                (sa.case((sa.or_(*(sa.func.lower(c).like(f"%{w}%") for c in columns)), 1), else_=0) for w in words),
                sa.literal(0),
            )
            query_ = sa.select(keys[0], hits.label("hits")).where(hits > 0).order_by(sa.desc("hits")).limit(K)
            for key, count in conn.execute(query_):
                found[(table.name, str(key))] = count
    ranked = sorted(found.items(), key=lambda item: -item[1])
    return [key for (_, key), _ in ranked[:K]]


def run_engine(engine, encoder, data_dir: Path, truth: dict[str, set[str]]) -> dict:
    started = time.perf_counter()
    report = refresh(engine, encoder, data_dir)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    again = refresh(engine, encoder, data_dir)
    refresh_s = time.perf_counter() - started
    started = time.perf_counter()
    loaded = load_index(index_path(data_dir, encoder), encoder)
    load_s = time.perf_counter() - started
    visible = hub_config.allowed_tables(engine)
    encoder.encode(["warm up"])
    times, recalls, encode_times = [], [], []
    for query, expected in truth.items():
        started = time.perf_counter()
        encoder.encode([query])
        encode_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        hits = search(loaded, encoder, query, visible=visible, limit=K, kinds={"row"})
        times.append(time.perf_counter() - started)
        recalls.append(recall([h.key for h in hits], expected))
    return {
        "indexed_rows": sum(1 for kind in loaded.kinds if kind == "row"),
        "values_embedded": report.values_embedded,
        "build_s": build_s,
        "refresh_unchanged_s": refresh_s,
        "refresh_rows_written": again.rows_written,
        "load_s": load_s,
        "median_query_ms": statistics.median(times) * 1000,
        "median_query_encode_ms": statistics.median(encode_times) * 1000,
        "recall_at_10": statistics.mean(recalls),
        "per_query": dict(zip(truth, recalls)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="search-bench-"))
    settings = load_settings(data_dir=str(data_dir), database_url=f"sqlite:///{data_dir / 'warehouse.db'}")
    engine = create_warehouse_engine(settings.warehouse_url())
    upgrade(engine)
    from elt_project.demo.install import install_demo

    install_demo(engine, settings)
    truth = expected_keys()
    metadata = sa.MetaData()
    tables = [sa.Table(name, metadata, autoload_with=engine) for name in sorted(hub_config.allowed_tables(engine))]

    started = time.perf_counter()
    model = minilm.load()
    model_load_s = time.perf_counter() - started
    del model
    results = {"embeddings": run_engine(engine, encoders.MiniLMEncoder(), data_dir, truth)}
    results["tfidf"] = run_engine(engine, encoders.TfidfEncoder(), data_dir, truth)
    like_times, like_recalls = [], []
    for query, expected in truth.items():
        started = time.perf_counter()
        found = like_search(engine, tables, query)
        like_times.append(time.perf_counter() - started)
        like_recalls.append(recall(found, expected))
    results["like"] = {
        "median_query_ms": statistics.median(like_times) * 1000,
        "recall_at_10": statistics.mean(like_recalls),
        "per_query": dict(zip(truth, like_recalls)),
    }

    print(f"{'query':<28} {'embeddings':>10} {'tfidf':>8} {'like':>8}")
    for query in truth:
        row = [results[name]["per_query"][query] for name in ("embeddings", "tfidf", "like")]
        print(f"{query:<28} {row[0]:>10.2f} {row[1]:>8.2f} {row[2]:>8.2f}")
    print(f"model_load_s={model_load_s:.2f}")
    print(f"load_average_1min={os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, figures in results.items():
        for key, value in figures.items():
            if key != "per_query":
                print(f"{name}_{key}={value:.3f}" if isinstance(value, float) else f"{name}_{key}={value}")


if __name__ == "__main__":
    main()
