"""Column-wise inserts store exactly what SQLAlchemy's own insert stores, and stay in the caller's transaction."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from elt_project.db.dialects import insert_columns

VALUES = {
    "day": [dt.datetime(2025, 1, 31, 0, 0), dt.datetime(2025, 2, 1, 13, 5, 7, 250), None],
    "amount": [0.1 + 0.2, -1e300, None],
    "name": ["Année", "O'Brien; DROP TABLE x", None],
    "flag": [1, 0, None],
}


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("day", sa.DateTime),
        sa.Column("amount", sa.Float),
        sa.Column("name", sa.String(100)),
        sa.Column("flag", sa.SmallInteger),
    )


def test_rows_land_as_sqlalchemys_insert_lands_them(engine):
    fast, reference = _table("fast_rows"), _table("reference_rows")
    fast.create(engine)
    reference.create(engine)
    rows = [dict(zip(VALUES, row)) for row in zip(*VALUES.values())]
    with engine.begin() as conn:
        assert insert_columns(conn, fast, VALUES) == 3
        conn.execute(reference.insert(), rows)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(*[fast.c[n] for n in VALUES]).order_by(fast.c.id)).all()
        expected = conn.execute(sa.select(*[reference.c[n] for n in VALUES]).order_by(reference.c.id)).all()
        raw_fast = conn.execute(sa.text("SELECT day FROM fast_rows ORDER BY id")).scalars().all()
        raw_reference = conn.execute(sa.text("SELECT day FROM reference_rows ORDER BY id")).scalars().all()
    assert stored == expected and [tuple(r) for r in stored] == list(zip(*VALUES.values()))
    assert raw_fast == raw_reference  # the same stored form, not just the same value read back


def test_an_error_rolls_back_with_the_callers_transaction(engine):
    table = _table("rolled_back")
    table.create(engine)
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"name": "kept only if all is kept"}])
            insert_columns(conn, table, {"name": ["x" * 5, None], "flag": [1, 2]})
            conn.execute(sa.text("SELECT * FROM no_such_table"))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    with engine.begin() as conn:
        assert insert_columns(conn, table, {"name": []}) == 0
