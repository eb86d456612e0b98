"""A big table is profiled on its first rows, and nothing past them is lost to a question.

The sample size is lowered here so a small table stands for a million-row one: a value
that first appears after the sampled rows must still be found (the value index looks it
up, then reads the column in full), and integer columns still count as groupings.
Expected figures are computed from the rows inserted, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from elt_project.analytics import schema_context
from elt_project.analytics.nl2sql import AskContext, answer_offline

TODAY = date(2026, 6, 15)


@pytest.fixture
def rows():
    # the first 150 rows hold only two depots; "Zeta" appears after the sampled rows
    depots = ["Alpha", "Beta"] * 75 + ["Zeta"] * 7 + ["Alpha"] * 43
    return [{"depot": d, "shift": n % 3, "crates": n % 11, "packed_on": date(2024, 1 + n % 12, 1)}
            for n, d in enumerate(depots)]  # fmt: skip


@pytest.fixture
def ctx(bare_engine, rows, monkeypatch) -> AskContext:
    monkeypatch.setattr(schema_context, "PROFILE_SAMPLE_ROWS", 50)
    meta = sa.MetaData()
    table = sa.Table("packing", meta, sa.Column("depot", sa.String(10)), sa.Column("shift", sa.Integer),
                     sa.Column("crates", sa.Integer), sa.Column("packed_on", sa.Date))  # fmt: skip
    meta.create_all(bare_engine)
    with bare_engine.begin() as conn:
        conn.execute(table.insert(), rows)
    context = schema_context.get_context(bare_engine, {"packing"}, force=True)
    return AskContext(bare_engine, {"packing"}, context, TODAY)


def test_a_big_table_is_profiled_on_a_sample(ctx):
    info = ctx.schema.tables["packing"]
    assert info.row_count == 200
    assert ctx.schema.samples[("packing", "depot")][1] is False  # a sample promises no complete list
    assert info.column("shift").levels == 3


def test_a_value_past_the_sample_is_still_found(ctx, rows):
    result = answer_offline("how many packing rows for Zeta", ctx)
    assert result.rows == [[sum(r["depot"] == "Zeta" for r in rows)]]
    result = answer_offline("total crates by shift", ctx)
    expected = {s: sum(r["crates"] for r in rows if r["shift"] == s) for s in range(3)}
    assert {r[0]: r[1] for r in result.rows} == expected


def test_a_load_re_reads_only_the_table_it_changed(bare_engine, monkeypatch):
    monkeypatch.setattr(schema_context, "FINGERPRINT_TTL_S", 0.0)
    meta = sa.MetaData()
    depots = sa.Table("depots", meta, sa.Column("depot", sa.String(10)), sa.Column("crates", sa.Integer))
    staff = sa.Table("staff", meta, sa.Column("person", sa.String(10)), sa.Column("depot", sa.String(10)))
    meta.create_all(bare_engine)
    with bare_engine.begin() as conn:
        conn.execute(depots.insert(), [{"depot": "Alpha", "crates": 3}, {"depot": "Beta", "crates": 4}])
        conn.execute(staff.insert(), [{"person": "Ann", "depot": "Alpha"}, {"person": "Bo", "depot": "Beta"}])
    allowed = {"depots", "staff"}
    first = schema_context.get_context(bare_engine, allowed, force=True)
    assert schema_context.get_context(bare_engine, allowed) is first  # nothing changed: the same context
    with bare_engine.begin() as conn:  # a load adds a depot
        conn.execute(depots.insert(), [{"depot": "Gamma", "crates": 9}])
    second = schema_context.get_context(bare_engine, allowed)
    assert second is not first and second.tables["depots"].row_count == 3
    assert second.tables["staff"] is first.tables["staff"]  # the untouched table was not read again
    result = answer_offline("total crates for Gamma", AskContext(bare_engine, allowed, second, TODAY))
    assert result.rows == [[9]]
