"""Ask's profiles and value lists kept between starts (``data/ask_cache``): the first question after a
restart reads them instead of the tables, and a load that changes a table makes them be read again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from elt_project.analytics import schema_context
from elt_project.analytics.nl2sql import answer_offline, ask_context, warm_up
from elt_project.analytics.nl2sql.values import value_index

TODAY = date(2026, 6, 15)
CITIES = ("Lyon", "Porto", "Ghent")
#: More distinct parcel numbers than the context samples (FK_SAMPLE): that column is read in full apart.
PARCELS = [
    {"parcel_no": f"PX{n:05d}", "city": CITIES[n % 3], "weight_kg": n % 7 + 1,
     "sent_on": date(2026, 1, 1) + timedelta(n % 90)}
    for n in range(schema_context.FK_SAMPLE + 500)
]  # fmt: skip
parcels = sa.Table(
    "parcels", sa.MetaData(), sa.Column("parcel_no", sa.String(10)), sa.Column("city", sa.String(20)),
    sa.Column("weight_kg", sa.Integer), sa.Column("sent_on", sa.Date),
)  # fmt: skip


@pytest.fixture
def shipped(engine, settings):
    parcels.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(parcels.insert(), PARCELS)
    schema_context.forget_cached()
    yield engine
    schema_context.forget_cached()


def _restart() -> None:
    schema_context.forget_cached()


def test_after_a_restart_the_first_question_reads_the_cache_not_the_tables(shipped, settings, monkeypatch):
    warm_up(shipped, settings)  # what a load does when its data has landed
    assert list((settings.data_dir / "ask_cache").rglob("parcels-*.json"))
    _restart()

    def no_scans(*args, **kwargs):
        raise AssertionError("the table was profiled again although nothing changed")

    monkeypatch.setattr(schema_context, "_describe_columns", no_scans)
    ctx = ask_context(shipped, settings, today=TODAY)
    assert value_index(ctx.schema).pending == []  # every parcel number known without reading the column
    last = PARCELS[-1]["parcel_no"]
    assert answer_offline(f"total weight_kg of parcel {last}", ctx).rows == [[PARCELS[-1]["weight_kg"]]]


def test_a_load_that_adds_rows_is_seen_by_the_next_question(shipped, settings):
    warm_up(shipped, settings)
    _restart()
    with shipped.begin() as conn:
        conn.execute(
            parcels.insert(),
            [{"parcel_no": "PZ00001", "city": "Zagreb", "weight_kg": 4, "sent_on": date(2026, 3, 1)},
             {"parcel_no": "PZ00002", "city": "Zagreb", "weight_kg": 5, "sent_on": date(2026, 3, 2)}],
        )  # fmt: skip
    ctx = ask_context(shipped, settings, today=TODAY)
    assert answer_offline("how many parcels to Zagreb", ctx).rows == [[2]]
    value_index(ctx.schema, wait=True)
    _restart()  # the cache written after the load now holds the new values in full
    ctx = ask_context(shipped, settings, today=TODAY)
    assert value_index(ctx.schema).pending == []
    assert answer_offline("total weight_kg of parcel PZ00002", ctx).rows == [[5]]


def test_a_replace_that_keeps_the_row_count_is_read_again_when_it_lands(shipped, settings):
    warm_up(shipped, settings)
    renamed = [{**row, "city": "Lille" if row["city"] == "Lyon" else row["city"]} for row in PARCELS]
    with shipped.begin() as conn:
        conn.execute(parcels.delete())
        conn.execute(parcels.insert(), renamed)
    warm_up(shipped, settings, ["parcels"])  # the transform asset names the tables it loaded
    _restart()
    ctx = ask_context(shipped, settings, today=TODAY)
    assert answer_offline("how many parcels to Lille", ctx).rows == [[sum(r["city"] == "Lille" for r in renamed)]]
