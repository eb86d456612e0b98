"""Date buckets give the same labels on every warehouse (run on SQLite and PostgreSQL; T-SQL as text)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from elt_project.db.date_buckets import UNITS, date_bucket

# A Sunday at the end of a quarter: its week starts on Monday 2025-03-24.
SUNDAY = dt.datetime(2025, 3, 30, 17, 45)
EXPECTED = {"day": "2025-03-30", "week": "2025-03-24", "month": "2025-03", "quarter": "2025-Q1", "year": "2025"}


def test_each_unit_is_labelled_alike_on_the_warehouse(engine):
    table = sa.Table("bucket_probe", sa.MetaData(), sa.Column("at", sa.DateTime))
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"at": SUNDAY}, {"at": SUNDAY + dt.timedelta(days=1)}])
        query = sa.select(*(date_bucket(table.c.at, unit, engine.dialect).label(unit) for unit in UNITS))
        first, second = conn.execute(query.order_by(table.c.at)).mappings().all()
    assert {unit: str(first[unit]) for unit in UNITS} == EXPECTED
    # Monday 2025-03-31 starts the next week, in the same month and quarter.
    assert (str(second["week"]), str(second["month"]), str(second["quarter"])) == ("2025-03-31", "2025-03", "2025-Q1")


def test_sql_server_spells_the_buckets_in_t_sql():
    column = sa.column("at")
    spelled = {
        unit: str(
            date_bucket(column, unit, mssql.dialect()).compile(
                dialect=mssql.dialect(), compile_kwargs={"literal_binds": True}
            )
        )
        for unit in UNITS
    }
    assert spelled["week"] == "convert(CHAR(10), dateadd(week, datediff(week, 0, dateadd(day, -1, at)), 0), 23)"
    assert spelled["quarter"].startswith("concat(year(at)")
