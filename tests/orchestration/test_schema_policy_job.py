"""schema_policy through the generated Dagster job: stage and transform are separate steps of one run."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from tests.orchestration.conftest import add_config
from tests.orchestration.test_materialize import _run

STAGING_DDL = (
    "CREATE TABLE stg_sales (order_id BIGINT, amount NUMERIC(12,2), dagster_run_id VARCHAR(255), "
    "source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
DEST_DDL = "CREATE TABLE sales (order_id BIGINT, amount NUMERIC(12,2))"


def _setup(engine, folder, policy: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(STAGING_DDL))
        conn.execute(sa.text(DEST_DDL))
    add_config(engine, monitored_directory=str(folder), load_method="append", schema_policy=policy)


def test_the_job_adds_a_new_column_in_its_transform_step(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder, "evolve")
    source = folder / "sales_1.csv"
    source.write_text("order_id,amount,fee\n1,10.50,0.30\n2,3.00,\n")

    result = _run(build_defs(), instance, [source])

    assert result.success
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT order_id, amount, fee FROM sales ORDER BY order_id")).all()
        action = conn.execute(sa.text("SELECT action, run_id FROM elt_schema_changes")).one()
    assert [(o, Decimal(str(a)), None if f is None else Decimal(str(f))) for o, a, f in rows] == [
        (1, Decimal("10.5"), Decimal("0.3")),
        (2, Decimal("3"), None),
    ]
    assert tuple(action) == ("added", result.run_id)


def test_the_job_warns_about_ignored_columns(engine, build_defs, instance, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _setup(engine, folder, "ignore_new")
    source = folder / "sales_1.csv"
    source.write_text("order_id,amount,fee\n1,10.50,0.30\n")

    result = _run(build_defs(), instance, [source])

    assert result.success
    logged = [
        record.user_message
        for record in instance.all_logs(result.run_id)
        if record.level >= 30 and "new column(s) 'fee'" in (record.user_message or "")
    ]
    assert logged  # a WARNING in the run's log, which the page's run details list
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sales")).scalar() == 1
