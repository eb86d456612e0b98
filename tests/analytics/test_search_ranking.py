"""How search ranks, on real SQLite and PostgreSQL: codes, centred scores, spellings, BM25, folded rows, best cells."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from elt_project.analytics.search import encoders, minilm
from elt_project.analytics.search.index import refresh
from elt_project.analytics.search.query import run_search

needs_model = pytest.mark.skipif(not minilm.available(), reason="embedding model package not installed")


def test_codes_do_not_shape_a_row_for_meaning_but_stay_searchable_by_spelling(engine, tmp_path):
    """Tail numbers and model codes are left out of what the model embeds, kept in TF-IDF and in the text."""
    import sqlite3

    from elt_project.analytics.search.index import index_path, meaningful_values

    assert meaningful_values(["N10156", "A320-232", "9E", "AA", "JFK", "Turbo-prop", "Jfk Intl", "4 Cycle"]) == [
        "Turbo-prop",
        "Jfk Intl",
        "4 Cycle",
    ]
    assert meaningful_values(["N10156", "B6"]) == ["N10156", "B6"]  # a row of codes only keeps them

    fleet = sa.Table(
        "fleet",
        sa.MetaData(),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column("tailnum", sa.String(10)),
        sa.Column("engine", sa.String(20)),
    )
    fleet.create(engine)
    with engine.begin() as conn:
        conn.execute(fleet.insert(), [{"row_id": 1, "tailnum": "N10156", "engine": "Turbo-prop"}])

    class Meaning(encoders.TfidfEncoder):  # the same tables and rules, read as a meaning engine would
        name, dense = "meaning", True

        def encode(self, texts):
            return super().encode(texts).toarray()

    # A meaning engine reads a value after its table and column; TF-IDF reads it as spelt.
    cases = ((Meaning(), ["fleet engine: Turbo-prop"]), (encoders.TfidfEncoder(), ["N10156", "Turbo-prop"]))
    for encoder, expected in cases:
        refresh(engine, encoder, tmp_path, tables=["fleet"])
        with sqlite3.connect(index_path(tmp_path, encoder)) as db:
            values = sorted(v for (v,) in db.execute("SELECT text FROM vals"))
            text = db.execute("SELECT text FROM docs WHERE kind = 'row'").fetchone()[0]
        assert [v for v in values if "N10156" in v or "Turbo-prop" in v] == sorted(expected), encoder.name
        assert "N10156" in text


def test_dense_scores_are_centred_so_what_sets_a_value_apart_counts(engine, tmp_path):
    """A hand-made stand-in encoder (fixed vectors, not the model): every value shares one strong direction.

    By raw cosine the query is closest to "plain", the value that is nothing but the shared
    direction; once the index's mean is taken off, "winged" (the one value that also points
    where the query does) comes first.
    """
    e = np.eye(6, dtype=np.float32)
    vectors = {
        "plain": e[0],
        "winged": 0.8 * e[0] + 0.6 * e[1],
        "wheeled": 0.8 * e[0] + 0.6 * e[2],
        "tracked": 0.8 * e[0] + 0.6 * e[3],
        "query": 0.95 * e[0] + 0.31 * e[1],
    }

    class HandMade:
        name, model_id, dense = "handmade", "handmade-6d", True

        def encode(self, texts):
            # a cell reads the same bare or after its table and column; table and column documents: out of the way
            rows = [vectors.get(text.split(": ", 1)[-1], e[4]) for text in texts]
            return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    kinds = sa.Table(
        "vehicle_kinds",
        sa.MetaData(),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20)),
    )
    kinds.create(engine)
    with engine.begin() as conn:
        conn.execute(kinds.insert(), [{"row_id": i, "kind": k} for i, k in enumerate(vectors, 1) if k != "query"])
    encoder = HandMade()
    assert float(encoder.encode(["plain"])[0] @ encoder.encode(["query"])[0]) > float(
        encoder.encode(["winged"])[0] @ encoder.encode(["query"])[0]
    )
    refresh(engine, encoder, tmp_path, tables=["vehicle_kinds"])
    rows = [h for h in run_search(engine, encoder, tmp_path, "query", limit=10) if h.kind == "row"]
    assert rows[0].text == "kind: winged", [h.text for h in rows]


def _fleet(engine, rows):
    fleet = sa.Table(
        "fleet",
        sa.MetaData(),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column("tailnum", sa.String(10)),
        sa.Column("manufacturer", sa.String(40)),
        sa.Column("engine", sa.String(20)),
    )
    fleet.create(engine)
    with engine.begin() as conn:
        conn.execute(fleet.insert(), [dict(zip(("row_id", "tailnum", "manufacturer", "engine"), r)) for r in rows])


FLEET = [
    (1, "N10156", "EMBRAER", "Turbo-fan"),
    (2, "N102UW", "AIRBUS INDUSTRIE", "Turbo-fan"),
    (3, "N103US", "AIRBUS INDUSTRIE", "Turbo-fan"),
    (4, "N104UW", "BOEING", "Turbo-jet"),
    (5, "N105UW", "ROBINSON HELICOPTER CO", "Reciprocating"),
    (6, "N106US", "CESSNA", "Reciprocating"),
]


@needs_model
def test_a_code_or_name_typed_as_spelt_comes_first_beside_meaning(engine, tmp_path):
    """Codes are left out of what the model reads, so only the word match can find a tail number."""
    _fleet(engine, FLEET)
    encoder = encoders.choose_encoder(None)
    refresh(engine, encoder, tmp_path, tables=["fleet"])
    for query, key in (("N104UW", "4"), ("n106us", "6"), ("Robinson", "5")):
        rows = [h for h in run_search(engine, encoder, tmp_path, query, limit=5) if h.kind == "row"]
        assert rows[0].key == key, (query, [h.text for h in rows])
    rows = [h for h in run_search(engine, encoder, tmp_path, "helicopter", limit=5) if h.kind == "row"]
    assert rows[0].key == "5"  # meaning still answers (and "helicopter" is a word of that row too)


def test_a_word_a_meaning_query_shares_by_chance_does_not_outrank_its_meaning(engine, tmp_path, monkeypatch):
    """A hand-made stand-in encoder (fixed vectors, not the model): the kettle means the query, "Maker" spells half.

    The row holding one of the query's two words gets a BM25 score, but weighted by the
    share of the query's words it holds (to the fourth power) it stays below the row
    that means it; with that weighting switched off it would come first.
    """
    from elt_project.analytics.search import query as ranking

    e = np.eye(8, dtype=np.float32)
    vectors = {
        "Electric kettle": e[0] + e[1],
        "Maker Faire ticket": e[0] + 0.9 * e[1] + 0.4 * e[2],  # a little less near the query than the kettle
        "Garden hose": e[0] + e[3],
        "Desk lamp": e[0] + e[4],
        "kitchen maker": e[1],
    }

    class HandMade:
        name, model_id, dense = "handmade", "handmade-8d", True

        def encode(self, texts):
            rows = [vectors.get(text, e[7]) for text in texts]
            return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)

    things = sa.Table(
        "things", sa.MetaData(), sa.Column("row_id", sa.Integer, primary_key=True), sa.Column("title", sa.String(40))
    )
    things.create(engine)
    with engine.begin() as conn:
        conn.execute(things.insert(), [{"row_id": i, "title": t} for i, t in enumerate(list(vectors)[:4], 1)])
    encoder = HandMade()
    refresh(engine, encoder, tmp_path, tables=["things"])

    def first():
        return [h for h in run_search(engine, encoder, tmp_path, "kitchen maker", limit=5) if h.kind == "row"][0].text

    assert first() == "title: Electric kettle"
    monkeypatch.setattr(ranking, "COVERAGE_POWER", 0)  # every word match at full weight
    assert first() == "title: Maker Faire ticket"


def test_bm25_reads_cell_values_not_column_names_and_weighs_rare_words():
    from elt_project.analytics.search import lexical

    assert lexical.tokens("Airports in the Rocky-Mountains, N10156") == [
        "airport",
        "in",
        "the",
        "rocky",
        "mountain",
        "n10156",
    ]
    assert lexical.tokens("glass business") == ["glass", "business"]  # "ss" is not a plural
    rows = [
        "name: Envoy Air · tzone: America/Chicago",
        "name: Delta Air Line",
        "name: United Air Line",
        "name: Mesa Airline",
    ]
    index = lexical.build([("row", text) for text in rows])
    bm25, covered = index.scores("Delta Air")
    assert int(np.argmax(bm25)) == 1
    assert covered[1] == pytest.approx(1.0) and 0 < covered[0] < 0.5  # "air" is common: it weighs little
    bm25, covered = index.scores("name")  # a column name, in no cell
    assert not bm25.any() and not covered.any()
    assert index.scores("Chicago")[0][0] > 0  # the value after the column name is read
    schema = lexical.build([("column", "column planes.engine (VARCHAR)")])
    assert schema.scores("engine")[1][0] == pytest.approx(1.0)  # a column document is read whole
    _bm25, covered = index.scores("delta zeppelin")  # a word nobody holds counts at the highest idf
    assert 0.4 < covered[1] < 0.6


@needs_model
def test_rows_identical_in_what_the_ranking_reads_are_one_hit_with_a_count(engine, settings):
    """Days of the same weather differ only by their date (a code the model does not read): one hit each, counted."""
    from elt_project.analytics.search import search_warehouse
    from elt_project.analytics.search.index import index_path
    from elt_project.analytics.search.query import load_index, search

    days = sa.Table(
        "daily_weather",
        sa.MetaData(),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column("day", sa.String(10)),
        sa.Column("weather", sa.String(20)),
    )
    days.create(engine)
    kinds = ["drizzle"] * 6 + ["rain"] * 3 + ["sun"] * 2 + ["snow"]
    with engine.begin() as conn:
        conn.execute(
            days.insert(), [{"row_id": i, "day": f"2024-01-{i:02d}", "weather": w} for i, w in enumerate(kinds, 1)]
        )
    encoder = encoders.choose_encoder(None)
    refresh(engine, encoder, settings.data_dir, tables=["daily_weather"])

    rows = [h for h in run_search(engine, encoder, settings.data_dir, "light rain", limit=20) if h.kind == "row"]
    assert len({h.text.split("weather: ")[1] for h in rows[:5]}) < 5  # row by row, days of one weather repeat
    _name, hits, _report = search_warehouse(engine, settings, "light rain", limit=20, encoder=encoder)
    rows = [h for h in hits if h.kind == "row"]
    counted = {h.text.split("weather: ")[1]: h.similar + 1 for h in rows}
    assert len(rows) == 4 and counted == {"drizzle": 6, "rain": 3, "sun": 2, "snow": 1}
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    assert rows[0].as_json()["similar"] == rows[0].similar

    # 300 more days of drizzle: more than the first pool of candidates holds, and still every weather comes back.
    with engine.begin() as conn:
        more = [{"row_id": 100 + i, "day": f"2023-{i // 28 % 12 + 1:02d}-{i % 28 + 1:02d}", "weather": "drizzle"}
                for i in range(300)]  # fmt: skip
        conn.execute(days.insert(), more)
    refresh(engine, encoder, settings.data_dir, tables=["daily_weather"])
    loaded = load_index(index_path(settings.data_dir, encoder), encoder)
    rows = search(loaded, encoder, "drizzle", visible=None, limit=4, kinds={"row"}, collapse=True)
    assert {h.text.split("weather: ")[1]: h.similar + 1 for h in rows} == {
        "drizzle": 306,
        "rain": 3,
        "sun": 2,
        "snow": 1,
    }


def test_the_one_cell_a_query_means_is_not_drowned_by_a_rows_other_cells(engine, tmp_path):
    """A hand-made stand-in encoder (fixed vectors, not the model): a row of five cells, one of them the query.

    Scored only by the cosine with the sum of its cells, that row (the match beside four
    unrelated cells: names, street, city) falls below a one-cell row that only partly means
    the query; the best cell's share puts it first.
    """
    e = np.eye(14, dtype=np.float32)
    vectors = {"match": e[0], "Ann": e[1], "Lee": e[2], "Mill Lane": e[3], "York": e[4]}
    vectors["partly"] = 0.8 * e[0] + 0.6 * e[5]
    others = {f"other {i}": e[6 + i] for i in range(7)}  # more rows of unrelated jobs, so the mean is no one's
    vectors.update(others)

    class HandMade:
        name, model_id, dense = "handmade", "handmade-14d", True

        def encode(self, texts):  # a value reads the same bare or after its table and column
            return np.array([vectors.get(text.split(": ", 1)[-1], e[13]) for text in texts], dtype=np.float32)

    names = ("first_name", "last_name", "street", "city", "job")
    people = sa.Table(
        "people",
        sa.MetaData(),
        sa.Column("row_id", sa.Integer, primary_key=True),
        *(sa.Column(name, sa.String(20)) for name in names),
    )
    people.create(engine)
    rows = [("Ann", "Lee", "Mill Lane", "York", "match"), (None, None, None, None, "partly")]
    rows += [(None, None, None, None, job) for job in others]
    with engine.begin() as conn:
        conn.execute(people.insert(), [{"row_id": i, **dict(zip(names, row))} for i, row in enumerate(rows, 1)])
    encoder = HandMade()
    refresh(engine, encoder, tmp_path, tables=["people"])
    hits = [h for h in run_search(engine, encoder, tmp_path, "match", limit=10) if h.kind == "row"]
    assert hits[0].key == "1", [h.text for h in hits]
