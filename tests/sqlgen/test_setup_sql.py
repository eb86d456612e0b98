"""Setup SQL for a new feed: generated from real sample files, executed on real warehouses."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from elt_project.cli import main
from elt_project.config.insert_sql import render_config_insert
from elt_project.config.models import PipelineConfig
from elt_project.db.dialects import call_transform, engine_truncates_for_procedure, truncate
from elt_project.errors import ConfigurationError
from elt_project.pipeline.setup_ddl import safe_column_names
from elt_project.pipeline.setup_sql import apply_setup_sql, generate_setup_sql, write_setup_sql

ORDERS_CSV = (
    "Order ID,Order Date,Customer Name,Amount,Is Paid,Code\n"
    "1001,2024-01-05,O'Brien & Co,12.50,true,A-007\n"
    "1002,2024-01-06,Zürich AG,7,false,B-010\n"
)


def write_samples(root: Path) -> dict[str, Path]:
    orders = root / "orders"
    regions = root / "regions"
    orders.mkdir()
    regions.mkdir()
    (orders / "Orders_2024-01.csv").write_text(ORDERS_CSV, encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Region", "Manager", "Target 2024"])
    sheet.append(["North", "Åsa", 1500])
    sheet.append(["South", "Bob", 900])
    book.save(regions / "Regions.xlsx")
    return {"orders": orders, "regions": regions, "empty": root}


def make_configs(folders: dict[str, Path]) -> list[PipelineConfig]:
    common = {"pipeline_name": "Sales", "transform_procedure": "sp_transform_sales"}
    return [
        PipelineConfig(
            **common,
            import_name="orders_csv",
            file_pattern="Orders_*.csv",
            monitored_directory=str(folders["orders"]),
            file_type="csv",
            staging_table="stg_orders",
            destination_table="dest_orders",
        ),
        PipelineConfig(
            **common,
            import_name="regions_xlsx",
            file_pattern="Regions*.xlsx",
            monitored_directory=str(folders["regions"]),
            file_type="excel",
            staging_table="stg_regions",
            destination_table="dest_regions",
            load_method="append",
        ),
        PipelineConfig(
            **common,
            import_name="returns_csv",
            file_pattern="Returns_*.csv",
            monitored_directory=str(folders["empty"]),
            file_type="csv",
            staging_table="stg_returns",
            destination_table="dest_returns",
        ),
    ]


def run_transform(engine, settings, run_id: str, tables_to_truncate: list[str]) -> None:
    """Run the transform as the engine does: its own per-dialect call, truncating first on SQLite."""
    with engine.begin() as conn:
        if engine_truncates_for_procedure(conn.dialect):
            for name in tables_to_truncate:
                truncate(conn, sa.Table(name, sa.MetaData(), autoload_with=conn))
        call_transform(conn, settings.transforms_dir, "sp_transform_sales", run_id, tables_to_truncate)


def test_generated_setup_runs_and_the_transform_moves_one_run(engine, settings, tmp_path):
    folders = write_samples(tmp_path)
    result = generate_setup_sql(make_configs(folders), engine.dialect.name, settings)

    assert result.problems == [
        (
            f"no sample file for import returns_csv in {folders['empty']} (pattern 'Returns_*.csv'); "
            "drop one there and generate again."
        )
    ]
    assert "-- PROBLEM: no sample file for import returns_csv" in result.sql
    done = apply_setup_sql(engine, result, settings)
    assert "table stg_orders" in done and "table dest_regions" in done

    inspector = sa.inspect(engine)
    staging = {c["name"]: c for c in inspector.get_columns("stg_orders")}
    assert list(staging) == [
        "order_id",
        "order_date",
        "customer_name",
        "amount",
        "is_paid",
        "code",
        "dagster_run_id",
        "source_file_hash",
        "source_row_number",
    ]
    assert isinstance(staging["order_id"]["type"], sa.BigInteger)
    assert isinstance(staging["order_date"]["type"], sa.Date)
    assert isinstance(staging["code"]["type"], sa.String)
    destination = [c["name"] for c in inspector.get_columns("dest_orders")]
    assert destination[-1] == "load_timestamp" and "dagster_run_id" not in destination
    assert [c["name"] for c in inspector.get_columns("stg_regions")][:3] == [
        "region",
        "manager",
        "target_2024",
    ]
    assert any(ix["column_names"] == ["dagster_run_id"] for ix in inspector.get_indexes("stg_orders"))

    stg_orders = sa.Table("stg_orders", sa.MetaData(), autoload_with=engine)
    stg_regions = sa.Table("stg_regions", sa.MetaData(), autoload_with=engine)
    dest_orders = sa.Table("dest_orders", sa.MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(dest_orders.insert().values(order_id=1, customer_name="from an older load"))
        conn.execute(
            stg_orders.insert(),
            [
                {
                    "order_id": 1001,
                    "customer_name": "O'Brien & Co",
                    "amount": 12.5,
                    "is_paid": "TRUE",
                    "code": "A-007",
                    "dagster_run_id": "run-2",
                    "source_row_number": 1,
                },
                {
                    "order_id": 999,
                    "customer_name": "another run",
                    "amount": None,
                    "is_paid": None,
                    "code": None,
                    "dagster_run_id": "run-1",
                    "source_row_number": 1,
                },
            ],
        )
        conn.execute(
            stg_regions.insert().values(region="North", manager="Åsa", target_2024=1500, dagster_run_id="run-2")
        )

    run_transform(engine, settings, "run-2", ["dest_orders"])
    with engine.connect() as conn:
        orders = conn.execute(sa.select(dest_orders)).mappings().all()
        regions = conn.execute(sa.text("SELECT region, manager, target_2024 FROM dest_regions")).all()
    assert [(r["order_id"], r["customer_name"], r["is_paid"], r["code"]) for r in orders] == [
        (1001, "O'Brien & Co", True, "A-007")
    ]
    assert orders[0]["load_timestamp"] is not None
    assert [tuple(r) for r in regions] == [("North", "Åsa", 1500)]

    # Append: nothing truncated, the run's rows are added again.
    run_transform(engine, settings, "run-2", [])
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM dest_orders")).scalar_one() == 2

    # Applying again is harmless and keeps the existing transform.
    again = apply_setup_sql(engine, result, settings)
    assert any(line.startswith("kept existing") and "sp_transform_sales" in line for line in again)


def test_sqlite_transform_script_is_written_beside_the_setup_file(tmp_path):
    folders = write_samples(tmp_path)
    result = generate_setup_sql(make_configs(folders)[:2], "sqlite")
    assert result.problems == []
    paths = write_setup_sql(result, tmp_path / "generated_sql")
    assert sorted(p.name for p in paths) == ["sales_setup.sqlite.sql", "sp_transform_sales.sql"]
    script = (tmp_path / "generated_sql" / "sp_transform_sales.sql").read_text(encoding="utf-8")
    assert 'WHERE "dagster_run_id" = :run_id;' in script
    assert 'INSERT INTO "dest_orders" ("order_id", "order_date"' in script


def test_mssql_setup_is_valid_tsql(tmp_path):
    folders = write_samples(tmp_path)
    result = generate_setup_sql(make_configs(folders)[:2], "mssql")
    text = result.files["sales_setup.mssql.sql"]
    assert text.count("\nGO\n") == len(result.statements) == 7  # 2 staging + 2 indexes + 2 destinations + 1 proc
    for statement in result.statements:
        assert f"{statement.sql}\nGO\n" in text
        parsed = sqlglot.parse(statement.sql, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
        if statement.kind != "procedure":
            assert len(parsed) == 1 and isinstance(parsed[0], exp.IfBlock), statement.sql
            assert not list(parsed[0].find_all(exp.Command)), statement.sql
            assert parsed[0].find(exp.Create) is not None
    assert "[order_id] BIGINT NULL" in text
    assert "[order_date] DATE NULL" in text
    staging_ddl, destination_ddl = result.statements[0].sql, result.statements[4].sql
    assert "[is_paid] NVARCHAR(10) NULL" in staging_ddl  # booleans wait as text in staging
    assert "[is_paid] BIT NULL" in destination_ddl
    assert "[customer_name] NVARCHAR(255) NULL" in text
    assert "[load_timestamp] DATETIME2 NULL DEFAULT SYSUTCDATETIME()" in text
    assert "[dagster_run_id] NVARCHAR(255) NULL" in text
    procedure = result.statements[-1].sql
    assert procedure.startswith(
        "CREATE OR ALTER PROCEDURE [sp_transform_sales]\n    @run_id NVARCHAR(255),\n"
        "    @tables_to_truncate NVARCHAR(MAX) = NULL\nAS\nBEGIN"
    )
    assert "STRING_SPLIT(@tables_to_truncate, N',') WHERE LTRIM(RTRIM(value)) = N'dest_orders'" in procedure
    parsed = sqlglot.parse_one(procedure, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(parsed, exp.Create) and parsed.args["kind"] == "PROCEDURE"
    assert not list(parsed.find_all(exp.Command))
    assert [t.sql(dialect="tsql") for t in parsed.find_all(exp.TruncateTable)] == [
        "TRUNCATE TABLE [dest_orders]",
        "TRUNCATE TABLE [dest_regions]",
    ]
    inserts = list(parsed.find_all(exp.Insert))
    assert [i.this.this.sql(dialect="tsql") for i in inserts] == ["[dest_orders]", "[dest_regions]"]
    assert [i.find(exp.Where).sql(dialect="tsql") for i in inserts] == ["WHERE [dagster_run_id] = @run_id"] * 2


def test_shared_destination_is_truncated_before_any_insert(tmp_path):
    folders = write_samples(tmp_path)
    configs = make_configs(folders)[:1]
    second = configs[0].model_copy(update={"import_name": "orders_2", "staging_table": "stg_orders_2"})
    result = generate_setup_sql([configs[0], second], "postgresql")
    procedure = result.statements[-1].sql
    assert procedure.count("TRUNCATE TABLE") == 1
    assert procedure.index("TRUNCATE TABLE") < procedure.index("INSERT INTO")
    assert procedure.count('INSERT INTO "dest_orders"') == 2


def test_safe_column_names():
    assert safe_column_names(["Order ID", "OrderDate", "2024 Total (€)", "", "order id", "dagster_run_id"]) == [
        "order_id",
        "order_date",
        "col_2024_total",
        "column_4",
        "order_id_2",
        "dagster_run_id_2",
    ]
    assert len(safe_column_names(["x" * 200])[0]) == 63


def test_cli_setup_sql_writes_and_applies(engine, settings, tmp_path, monkeypatch):
    folders = write_samples(tmp_path)
    with engine.begin() as conn:
        for config in make_configs(folders)[:2]:
            values = config.model_dump(exclude={"id", "scraper_config", "deduplication_key", "depends_on"})
            conn.exec_driver_sql(render_config_insert(values, engine.dialect.name))
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ELT_TRANSFORMS_DIR", str(settings.transforms_dir))
    runner = CliRunner()
    out = tmp_path / "generated"
    result = runner.invoke(main, ["setup-sql", "Sales", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / f"sales_setup.{engine.dialect.name}.sql").is_file()
    assert not sa.inspect(engine).has_table("stg_orders")  # generated, not executed
    result = runner.invoke(main, ["setup-sql", "Sales", "--out", str(out), "--apply"])
    assert result.exit_code == 0, result.output
    assert sa.inspect(engine).has_table("stg_orders")
    result = runner.invoke(main, ["setup-sql", "Nope"])
    assert result.exit_code == 1
    assert "No active imports in pipeline 'Nope'" in result.output


def test_apply_refuses_another_dialect_and_rolls_back_on_failure(engine, settings, tmp_path):
    folders = write_samples(tmp_path)
    other = "postgresql" if engine.dialect.name == "sqlite" else "sqlite"
    with pytest.raises(ConfigurationError, match=f"generated for {other} but the warehouse is"):
        apply_setup_sql(engine, generate_setup_sql(make_configs(folders)[:1], other), settings)
    with engine.begin() as conn:  # an object already holding a generated name, so one statement fails
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("CREATE TABLE ix_stg_orders_dagster_run_id (x INTEGER)")
            failing = "index ix_stg_orders_dagster_run_id"
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION sp_transform_sales(a text, b text) RETURNS int LANGUAGE sql AS 'SELECT 1'"
            )
            failing = "procedure sp_transform_sales"
    result = generate_setup_sql(make_configs(folders)[:1], engine.dialect.name)
    with pytest.raises(ConfigurationError, match=f"failed at {failing} and nothing was applied"):
        apply_setup_sql(engine, result, settings)
    assert not sa.inspect(engine).has_table("stg_orders")  # the whole script rolled back


def test_columns_of_imports_sharing_a_table_are_merged():
    from elt_project.pipeline.setup_ddl import Column, merge_columns

    first = [Column("ID", "id", "integer"), Column("Name", "name", "string(10)"), Column("D", "d", "date")]
    second = [Column("ID", "id", "float"), Column("Name", "name", "string(50)"), Column("X", "x", "boolean")]
    third = [Column("D", "d", "integer")]
    merged = merge_columns(merge_columns(merge_columns(None, first), second), third)
    assert [(c.name, c.logical) for c in merged] == [
        ("id", "float"),
        ("name", "string(50)"),
        ("d", "string(255)"),
        ("x", "boolean"),
    ]


def test_safe_column_names_transliterate_instead_of_dropping_letters():
    assert safe_column_names(["Année", "Straße", "Ποσό Πληρωμής", "Сумма", "Cost Total $", "naïve Größe"]) == [
        "annee",
        "strasse",
        "poso_pliromis",
        "summa",
        "cost_total",
        "naive_grosse",
    ]
