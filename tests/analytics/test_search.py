"""Semantic search on real SQLite and PostgreSQL: recall by meaning, incremental refresh, visibility."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from elt_project.analytics.search import encoders, minilm
from elt_project.analytics.search.index import refresh
from elt_project.analytics.search.query import run_search, visible_tables
from elt_project.auth import accounts, permissions
from tests.config_rows import insert_config

REPO = Path(__file__).resolve().parents[2]

catalog_meta = sa.MetaData()
catalog = sa.Table(
    "catalog_items",
    catalog_meta,
    sa.Column("item_id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(100)),
    sa.Column("department", sa.String(50)),
)
ITEMS = [
    (1, "Stainless steel electric kettle", "Home"),
    (2, "Two-slice toaster", "Home"),
    (3, "Countertop blender", "Home"),
    (4, "Running sneakers", "Footwear"),
    (5, "Leather hiking boots", "Footwear"),
    (6, "Wool winter coat", "Clothing"),
    (7, "Cotton t-shirt", "Clothing"),
    (8, "Paperback mystery novel", "Books"),
    (9, "Monthly science magazine", "Books"),
    (10, "Garden hose, 20 metres", "Garden"),
    (11, "Lawn mower", "Garden"),
    (12, "Office desk chair", "Office"),
    (13, "Ballpoint pens, pack of ten", "Office"),
    (14, "Dog food, 10 kg", "Pets"),
    (15, "Cat scratching post", "Pets"),
]
#: Labelled queries: the item ids a person would expect, with none of the query's words in them.
LABELLED = {
    "kitchen appliance": {1, 2, 3},
    "shoes": {4, 5},
    "something to read": {8, 9},
    "warm clothes": {6},
    "supplies for my puppy": {14},
}

needs_model = pytest.mark.skipif(not minilm.available(), reason="embedding model package not installed")


@pytest.fixture
def warehouse(engine):
    catalog_meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(catalog.insert(), [{"item_id": i, "title": t, "department": d} for i, t, d in ITEMS])
    return engine


def _like_search(engine, query: str, limit: int = 3) -> set[int]:
    words = [w for w in query.split() if len(w) > 2]
    condition = sa.or_(*(sa.or_(catalog.c.title.ilike(f"%{w}%"), catalog.c.department.ilike(f"%{w}%")) for w in words))
    with engine.connect() as conn:
        return set(conn.execute(sa.select(catalog.c.item_id).where(condition).limit(limit)).scalars())


@needs_model
def test_embeddings_find_by_meaning_where_like_finds_nothing(warehouse, tmp_path):
    encoder = encoders.choose_encoder(None)
    assert encoder.name == "embeddings"
    refresh(warehouse, encoder, tmp_path)
    recalls, like_recalls = [], []
    for query, expected in LABELLED.items():
        hits = [h for h in run_search(warehouse, encoder, tmp_path, query, limit=12) if h.kind == "row"]
        top = {int(h.key) for h in hits[: len(expected) + 1]}
        recalls.append(len(top & expected) / len(expected))
        like_recalls.append(len(_like_search(warehouse, query) & expected) / len(expected))
    assert _like_search(warehouse, "kitchen appliance") == set()
    best = [h for h in run_search(warehouse, encoder, tmp_path, "kitchen appliance", limit=12) if h.kind == "row"]
    assert {h.key for h in best[:3]} == {"1", "2", "3"}  # kettle, toaster and blender first
    assert np.mean(recalls) >= 0.8, recalls
    assert np.mean(like_recalls) <= 0.2


@needs_model
def test_refresh_is_incremental_new_changed_deleted_and_steward_edits(warehouse, tmp_path):
    encoder = encoders.choose_encoder(None)
    first = refresh(warehouse, encoder, tmp_path)
    assert first.rows_written == len(ITEMS) and first.values_embedded > len(ITEMS)
    again = refresh(warehouse, encoder, tmp_path)
    assert (again.rows_written, again.rows_removed, again.values_embedded) == (0, 0, 0)

    with warehouse.begin() as conn:
        conn.execute(catalog.insert().values(item_id=16, title="Cast iron frying pan", department="Home"))
        conn.execute(catalog.update().where(catalog.c.item_id == 7).values(title="Linen summer shirt"))
        conn.execute(catalog.delete().where(catalog.c.item_id == 11))
    changed = refresh(warehouse, encoder, tmp_path)
    assert (changed.rows_written, changed.rows_removed) == (2, 1)
    assert changed.values_embedded == 2  # only the two new titles; "Home" and "Clothing" were known
    hits = run_search(warehouse, encoder, tmp_path, "cookware", limit=3)
    assert "16" in [h.key for h in hits]
    assert "11" not in [h.key for h in run_search(warehouse, encoder, tmp_path, "lawn mower", limit=20)]

    # A steward's edit keeps the row count and has no timestamp, but the audit log tells the index.
    from elt_project.analytics.steward import allowlist
    from elt_project.analytics.steward.changes import RowChange
    from elt_project.analytics.steward.save import apply_changes

    accounts.create_user(warehouse, "sam", "correct-horse-battery", "steward")
    allowlist.allow(warehouse, "catalog_items")
    apply_changes(
        warehouse, "catalog_items", [RowChange(key={"item_id": 12}, values={"title": "Gaming headset"})], username="sam"
    )
    edited = refresh(warehouse, encoder, tmp_path)
    assert edited.rows_written == 1
    assert run_search(warehouse, encoder, tmp_path, "headphones for games", limit=1)[0].key == "12"


def test_rows_a_person_may_not_see_are_never_returned(warehouse, tmp_path):
    encoder = encoders.choose_encoder("tfidf")
    with warehouse.begin() as conn:
        conn.execute(sa.text("CREATE TABLE finance_sales (order_no INTEGER PRIMARY KEY, note VARCHAR(50))"))
        conn.execute(sa.text("INSERT INTO finance_sales VALUES (1, 'kettle discount for partner')"))
        for pipeline, table in (("Finance", "finance_sales"), ("Catalog", "catalog_items")):
            insert_config(
                conn,
                pipeline_name=pipeline,
                import_name=f"{pipeline.lower()}_feed",
                staging_table=f"stg_{table}",
                destination_table=table,
            )
    accounts.create_user(warehouse, "ann", "correct-horse-battery", "analyst")
    accounts.create_user(warehouse, "ada", "correct-horse-battery", "admin")
    accounts.create_user(warehouse, "uma", "correct-horse-battery", "user")
    permissions.grant(warehouse, "ann", "Catalog")
    refresh(warehouse, encoder, tmp_path)

    ann = accounts.get_account(warehouse, "ann")
    ada = accounts.get_account(warehouse, "ada")
    uma = accounts.get_account(warehouse, "uma")
    admin_tables = {h.table for h in run_search(warehouse, encoder, tmp_path, "kettle", account=ada, limit=50)}
    assert {"finance_sales", "catalog_items"} <= admin_tables
    analyst_hits = run_search(warehouse, encoder, tmp_path, "kettle", account=ann, limit=50)
    assert analyst_hits and "finance_sales" not in {h.table for h in analyst_hits}
    assert "finance_sales" not in visible_tables(warehouse, ann)
    assert run_search(warehouse, encoder, tmp_path, "kettle", account=uma, limit=50) == []
    everything = {h.table for h in run_search(warehouse, encoder, tmp_path, "password hash admin", limit=200)}
    assert not everything & {"elt_users", "steward_audit_log", "elt_user_permissions"}


def test_tfidf_is_the_last_resort_and_tolerates_typos(warehouse, tmp_path):
    encoder = encoders.choose_encoder("tfidf")
    assert encoder.name == "tfidf"
    refresh(warehouse, encoder, tmp_path)
    hits = [h for h in run_search(warehouse, encoder, tmp_path, "kettel", limit=5) if h.kind == "row"]
    assert hits[0].key == "1"


class _EmbeddingsStandIn(BaseHTTPRequestHandler):
    """Answers POST /v1/embeddings like OpenAI's API, with vectors derived from each text's words."""

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        data = []
        for index, text in enumerate(body["input"]):
            vector = np.zeros(64)
            for word in text.lower().split():
                vector[sum(map(ord, word)) % 64] += 1
            data.append({"object": "embedding", "index": index, "embedding": vector.tolist()})
        payload = json.dumps({"object": "list", "data": data, "model": body["model"], "usage": {}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_openai_engine_against_a_stand_in_service(warehouse, tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _EmbeddingsStandIn)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        encoder = encoders.choose_encoder("openai", openai_api_key="sk-test", openai_base_url=url)
        refresh(warehouse, encoder, tmp_path)
        hits = [h for h in run_search(warehouse, encoder, tmp_path, "lawn mower", limit=3) if h.kind == "row"]
        assert hits[0].key == "11"
        assert all(r["model"] == encoders.OPENAI_MODEL for r in server.requests)
    finally:
        server.shutdown()
    with pytest.raises(Exception, match="needs OPENAI_API_KEY"):
        encoders.choose_encoder("openai")


@needs_model
@pytest.mark.slow
def test_cli_json_output(warehouse, database_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "ELT_SEARCH"))}
    env |= {"DATABASE_URL": database_url, "PYTHONPATH": str(REPO), "ELT_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "elt_project.cli", "search", "kitchen appliance", "--limit", "3", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["engine"] == "embeddings" and len(payload["results"]) == 3
    assert set(payload["results"][0]) >= {"table", "key", "text", "score"}
    scores = [r["score"] for r in payload["results"]]
    assert scores == sorted(scores, reverse=True)
    assert {r["key"] for r in payload["results"]} == {"1", "2", "3"}


@needs_model
def test_schema_hints_narrow_the_llm_context_to_the_tables_a_question_means(warehouse, settings):
    from elt_project.analytics import hub_config
    from elt_project.analytics.nl2sql.llm import relevant_tables
    from elt_project.analytics.schema_context import get_context
    from elt_project.analytics.search import encoder_for, schema_hints

    with warehouse.begin() as conn:
        conn.execute(sa.text("CREATE TABLE web_visits (visit_no INTEGER PRIMARY KEY, page_url VARCHAR(200))"))
    refresh(warehouse, encoder_for(settings), settings.data_dir)
    question = "which household goods and apparel do we offer"
    hinted = [hit.table for hit in schema_hints(warehouse, settings, question)]
    assert hinted[0] == "catalog_items"
    schema = get_context(warehouse, hub_config.allowed_tables(warehouse), force=True)
    assert relevant_tables(question, schema) == ["catalog_items", "web_visits"]  # no shared word: everything
    assert relevant_tables(question, schema, hints=hinted[:1]) == ["catalog_items"]


def test_model_files_that_are_not_the_published_ones_are_refused(tmp_path):
    for name in minilm.FILE_DIGESTS:
        (tmp_path / name).write_bytes(b"not the model")
    with pytest.raises(minilm.ModelUnavailable, match="not the published all-MiniLM-L6-v2 file"):
        minilm.verify(tmp_path)


def test_a_query_reads_the_index_and_a_load_refreshes_it_through_the_hook(warehouse, settings):
    """The first query builds the index; later ones do not look at the warehouse; the load hook does."""
    import time

    from elt_project.analytics.search import search_warehouse
    from elt_project.analytics.search.freshness import refresh_when_landed

    settings = settings.model_copy(update={"search_engine": "tfidf"})
    _name, hits, built = search_warehouse(warehouse, settings, "kettle", limit=3)
    assert built is not None and built.rows_written == len(ITEMS)  # no index yet: built once
    assert hits[0].key == "1"
    with warehouse.begin() as conn:
        conn.execute(catalog.insert(), [{"item_id": 16, "title": "Cordless drill", "department": "Tools"}])
    started = time.perf_counter()
    _name, hits, report = search_warehouse(warehouse, settings, "cordless drill", limit=3)
    elapsed = time.perf_counter() - started
    assert report is None and "16" not in {h.key for h in hits}  # the query did not refresh
    assert elapsed < 0.5, elapsed  # ranking only (the benchmark holds it to 100 ms on a warm index)
    assert refresh_when_landed(warehouse, settings, ["dim_unknown"]).rows_written == 0  # not published: nothing
    loaded = refresh_when_landed(warehouse, settings, ["CATALOG_ITEMS"])
    assert loaded.rows_written == 1 and loaded.values_embedded >= 1
    _name, hits, _report = search_warehouse(warehouse, settings, "cordless drill", limit=3)
    assert hits[0].key == "16"


def _landed(engine, run_id: str) -> None:
    """A successful run in the run log, as a load's transform leaves one."""
    from datetime import datetime

    from elt_project.db.schema import etl_pipeline_run_logs

    with engine.begin() as conn:
        conn.execute(
            etl_pipeline_run_logs.insert(),
            {"run_id": run_id, "import_name": "items", "status": "SUCCESS", "start_time": datetime(2026, 1, 1)},
        )


def test_a_landing_builds_the_index_and_a_query_on_a_fresh_one_only_ranks(warehouse, settings, monkeypatch):
    """`elt run`, the transform asset and `elt demo` call the hook: it builds the index, the first query just ranks.

    A query compares the landing mark and, when it matches, never reads the published tables
    (the refresh is made to raise to prove it); a run the hook did not see moves the mark,
    and the next query catches the index up.
    """
    from elt_project.analytics import search as search_package
    from elt_project.analytics.search import freshness, search_warehouse

    settings = settings.model_copy(update={"search_engine": "tfidf", "search_index_on_load": False})
    _landed(warehouse, "r1")
    assert freshness.refresh_when_landed(warehouse, settings, ["catalog_items"]) is None  # switched off: no build
    assert freshness.stored_mark(settings.data_dir, encoders.TfidfEncoder()) is None
    settings = settings.model_copy(update={"search_index_on_load": True})  # the default
    built = freshness.refresh_when_landed(warehouse, settings, ["catalog_items"])
    assert built is not None and built.rows_written == len(ITEMS)  # no index yet: built as the data landed

    def no_refresh(*_args, **_kwargs):
        raise AssertionError("a query on an up-to-date index refreshed it")

    monkeypatch.setattr(freshness, "refresh", no_refresh)
    _name, hits, report = search_warehouse(warehouse, settings, "kettle", limit=3)
    assert report is None and hits[0].key == "1"
    monkeypatch.undo()

    with warehouse.begin() as conn:
        conn.execute(catalog.insert(), [{"item_id": 17, "title": "Espresso grinder", "department": "Kitchen"}])
    report = freshness.refresh_when_landed(warehouse, settings, ["catalog_items"])
    assert report is not None and report.rows_written == 1  # the landing refreshed the table it wrote
    _name, hits, report = search_warehouse(warehouse, settings, "espresso grinder", limit=3)
    assert report is None and hits[0].key == "17"

    with warehouse.begin() as conn:  # a load whose hook did not run (failed, or another process)
        conn.execute(catalog.insert(), [{"item_id": 18, "title": "Cordless drill", "department": "Tools"}])
    _landed(warehouse, "r3")
    _name, hits, report = search_warehouse(warehouse, settings, "cordless drill", limit=3)
    assert report is not None and report.rows_written == 1 and hits[0].key == "18"
    assert search_package.search_warehouse(warehouse, settings, "drill", limit=3)[2] is None  # caught up
