"""schema_policy through the real pipeline, on SQLite and PostgreSQL: the destination compared to the file.

A supplier's feed gains a ``Discount`` (money, two decimals) and a ``Region`` column
on day two. ``freeze`` stops with the names, ``evolve`` adds the columns (typed as
setup-sql would) in the transform's transaction, ``ignore_new`` loads the rest and
says so every run. Every change lands in ``elt_schema_changes``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from elt_project.cli import main
from elt_project.config.repository import get_pipeline_config
from elt_project.db.schema import elt_pipeline_configs, elt_schema_changes
from elt_project.errors import ConfigurationError, EltError, SourceFileError
from elt_project.pipeline.api import run_import
from elt_project.pipeline.tables import reflect_table
from tests.config_rows import insert_config
from tests.pipeline.conftest import execute, query, write_csv

STAGING = (
    "CREATE TABLE stg_orders (order_id BIGINT, customer VARCHAR(40), amount NUMERIC(12,2), "
    "dagster_run_id VARCHAR(255), source_file_hash VARCHAR(64), source_row_number BIGINT)"
)
DESTINATION = (
    "CREATE TABLE dest_orders (order_id BIGINT, customer VARCHAR(40), amount NUMERIC(12,2), "
    "source_file_hash VARCHAR(64))"
)
MAPPING = "Order ID > order_id, Customer > customer, Amount > amount"
DAY1 = (["Order ID", "Customer", "Amount"], [["1", "Ada", "10.50"], ["2", "Bob", "7.00"]])
DAY2 = (
    ["Order ID", "Customer", "Amount", "Discount", "Region"],
    [["3", "Cy", "12.25", "1.50", "North"], ["4", "Di", "3.10", "0.25", "South-East"], ["5", "Ed", "1.00", "", ""]],
)


@pytest.fixture
def orders(engine, tmp_path):
    """Tables as setup-sql makes them, and a helper adding the import with a given policy."""
    execute(engine, STAGING, DESTINATION)
    inbox = tmp_path / "orders_in"
    inbox.mkdir()

    def add(**values):
        row = {
            "pipeline_name": "orders",
            "import_name": "orders_daily",
            "file_pattern": "orders_*.csv",
            "monitored_directory": str(inbox),
            "file_type": "csv",
            "staging_table": "stg_orders",
            "destination_table": "dest_orders",
            "column_mapping": MAPPING,
            "load_method": "append",
            "is_active": 1,
            **values,
        }
        insert_config(engine, **row)
        return inbox

    return add


def drop(inbox: Path, name: str, day: tuple) -> Path:
    return write_csv(inbox / name, day[1], header=day[0])


def config(engine):
    return get_pipeline_config(engine, "orders_daily")


def columns(engine, table: str) -> list[str]:
    return [c.name for c in reflect_table(engine, table, what=table).columns]


def changes(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(elt_schema_changes).order_by(elt_schema_changes.c.id))]


def same(value, text: str) -> bool:
    """A stored value equals the file's text (numbers compared exactly, empty text is NULL)."""
    if text == "":
        return value is None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)) == Decimal(text)
    return value == text


def assert_destination_is(engine, files: list[tuple], names: list[str]) -> None:
    """Every file row is in dest_orders, each named column equal to the file's text."""
    rows = query(engine, f"SELECT {', '.join(names)} FROM dest_orders ORDER BY order_id")
    expected = []
    for header, body in files:
        for row in body:
            by_header = dict(zip(header, row))
            expected.append([by_header.get(_header_of(name), "") for name in names])
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected):
        assert all(same(g, w) for g, w in zip(got, want)), (got, want)


def _header_of(name: str) -> str:
    return {"order_id": "Order ID"}.get(name, name.capitalize())


def test_freeze_stops_with_the_new_columns_named_and_changes_nothing(engine, settings, orders):
    inbox = orders()
    run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", DAY1)])
    with pytest.raises(SourceFileError, match="'Discount', 'Region'"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_2.csv", DAY2)])
    assert columns(engine, "dest_orders") == ["order_id", "customer", "amount", "source_file_hash"]
    assert "discount" not in columns(engine, "stg_orders")
    assert_destination_is(engine, [DAY1], ["order_id", "customer", "amount"])
    assert changes(engine) == []


def test_evolve_adds_the_columns_typed_from_the_file_and_loads_them_exactly(engine, settings, orders):
    inbox = orders(schema_policy="evolve")
    run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", DAY1)])
    run_import(engine, settings, config(engine), [drop(inbox, "orders_2.csv", DAY2)])

    destination = reflect_table(engine, "dest_orders", what="destination")
    assert isinstance(destination.c.discount.type, sa.Numeric) and not isinstance(destination.c.discount.type, sa.Float)
    assert destination.c.discount.type.scale == 2  # money stays exact: DECIMAL, as setup-sql infers it
    assert isinstance(destination.c.region.type, sa.String)
    assert "discount" in columns(engine, "stg_orders") and "region" in columns(engine, "stg_orders")
    # Day one's rows have no discount (NULL); day two's equal the file.
    assert_destination_is(engine, [DAY1, DAY2], ["order_id", "customer", "amount", "discount", "region"])
    with engine.connect() as conn:
        mapping = conn.execute(sa.select(elt_pipeline_configs.c.column_mapping)).scalar()
    assert mapping == f"{MAPPING}, Discount > discount, Region > region"
    [change] = changes(engine)
    assert (change["action"], change["columns"], change["file_name"]) == ("added", "Discount, Region", "orders_2.csv")

    # Day three has the same columns: nothing new to add, nothing recorded, rows load.
    day3 = (DAY2[0], [["6", "Fa", "2.00", "0.10", "West"]])
    run_import(engine, settings, config(engine), [drop(inbox, "orders_3.csv", day3)])
    assert len(changes(engine)) == 1
    assert_destination_is(engine, [DAY1, DAY2, day3], ["order_id", "discount", "region"])


def test_evolve_rolls_the_destination_column_back_with_a_failed_transform(engine, settings, orders):
    """The ALTER and the INSERT are one transaction: a failed insert leaves the destination as it was."""
    inbox = orders(schema_policy="evolve")
    execute(engine, "CREATE UNIQUE INDEX ux_dest_orders ON dest_orders (order_id)")
    run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", DAY1)])
    clash = (DAY2[0], [["1", "Ada", "10.50", "1.50", "North"]])  # order 1 again: the unique index refuses it
    with pytest.raises(EltError, match="rolled back"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_2.csv", clash)])
    assert columns(engine, "dest_orders") == ["order_id", "customer", "amount", "source_file_hash"]
    assert_destination_is(engine, [DAY1], ["order_id", "customer", "amount"])
    with engine.connect() as conn:
        assert conn.execute(sa.select(elt_pipeline_configs.c.column_mapping)).scalar() == MAPPING
    assert [c["action"] for c in changes(engine)] == ["add_pending"]

    # Once the clash is gone the next run adds the columns and loads: nothing waits for a hand edit.
    execute(engine, "DROP INDEX ux_dest_orders")
    run_import(engine, settings, config(engine), [drop(inbox, "orders_3.csv", DAY2)])
    assert "discount" in columns(engine, "dest_orders")
    assert [c["action"] for c in changes(engine)] == ["add_pending", "added"]


def test_evolve_drops_the_staging_column_again_when_the_file_fails_to_stage(engine, settings, orders):
    inbox = orders(schema_policy="evolve")
    bad = (DAY2[0], [["3", "Cy", "abc", "1.50", "North"]])  # 'abc' is no amount
    with pytest.raises(SourceFileError, match="abc"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", bad)])
    assert columns(engine, "stg_orders") == [
        "order_id",
        "customer",
        "amount",
        "dagster_run_id",
        "source_file_hash",
        "source_row_number",
    ]
    assert columns(engine, "dest_orders") == ["order_id", "customer", "amount", "source_file_hash"]
    assert changes(engine) == []


def test_evolve_refuses_an_import_with_a_transform_procedure(engine, settings, orders):
    inbox = orders(schema_policy="evolve", transform_procedure="sp_orders")
    with pytest.raises(ConfigurationError, match="transform_procedure 'sp_orders'"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", DAY2)])
    assert "discount" not in columns(engine, "stg_orders")


def test_ignore_new_loads_the_known_columns_and_says_so_every_run(engine, settings, orders):
    inbox = orders(schema_policy="ignore_new")
    summaries = [
        run_import(engine, settings, config(engine), [drop(inbox, f"orders_{n}.csv", DAY2 if n == 1 else day)])
        for n, day in ((1, DAY2), (2, (DAY2[0], [["9", "Gus", "5.00", "0.50", "East"]])))
    ]
    for summary in summaries:
        [note] = summary.stages[0].notes
        assert "'Discount', 'Region'" in note and "ignore_new" in note
    assert columns(engine, "dest_orders") == ["order_id", "customer", "amount", "source_file_hash"]
    assert "discount" not in columns(engine, "stg_orders")
    day2 = (DAY2[0], [*DAY2[1], ["9", "Gus", "5.00", "0.50", "East"]])
    assert_destination_is(engine, [day2], ["order_id", "customer", "amount"])
    logged = query(engine, "SELECT status, error_message FROM etl_pipeline_run_logs ORDER BY id")
    assert [status for status, _ in logged] == ["SUCCESS", "SUCCESS"]
    assert all("'Discount', 'Region'" in message for _, message in logged)
    assert [(c["action"], c["columns"]) for c in changes(engine)] == [("ignored", "Discount, Region")] * 2


def test_a_missing_column_loads_as_null_only_when_allowed_and_nullable(engine, settings, orders):
    no_customer = (["Order ID", "Amount"], [["7", "4.40"]])
    inbox = orders()
    with pytest.raises(SourceFileError, match="lacks column\\(s\\) 'Customer'"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", no_customer)])
    execute(engine, "UPDATE elt_pipeline_configs SET schema_allow_missing = 1")
    run_import(engine, settings, config(engine), [drop(inbox, "orders_2.csv", no_customer)])
    assert query(engine, "SELECT order_id, customer, amount FROM dest_orders") == [(7, None, Decimal("4.40"))] or (
        query(engine, "SELECT order_id, customer, amount FROM dest_orders") == [(7, None, 4.4)]
    )
    assert [(c["action"], c["columns"]) for c in changes(engine)] == [("missing_allowed", "Customer")]


def test_a_missing_column_that_is_not_null_in_the_destination_stays_an_error(engine, settings, tmp_path):
    execute(
        engine,
        STAGING,
        "CREATE TABLE dest_orders (order_id BIGINT, customer VARCHAR(40) NOT NULL, amount NUMERIC(12,2), "
        "source_file_hash VARCHAR(64))",
    )
    inbox = tmp_path / "in"
    inbox.mkdir()
    insert_config(
        engine,
        pipeline_name="orders",
        import_name="orders_daily",
        monitored_directory=str(inbox),
        file_pattern="orders_*.csv",
        staging_table="stg_orders",
        destination_table="dest_orders",
        column_mapping=MAPPING,
        load_method="replace",
        schema_allow_missing=1,
    )
    no_customer = (["Order ID", "Amount"], [["7", "4.40"]])
    with pytest.raises(SourceFileError, match="NOT NULL"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", no_customer)])
    assert query(engine, "SELECT count(*) FROM dest_orders") == [(0,)]
    assert query(engine, "SELECT count(*) FROM stg_orders") == [(0,)]


@pytest.mark.parametrize("policy", ["freeze", "evolve", "ignore_new"])
def test_a_value_needing_a_wider_type_fails_and_records_the_alter_table(engine, settings, orders, policy):
    inbox = orders(schema_policy=policy)
    run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", DAY1)])
    finer = (DAY1[0], [["8", "Hal", "2.125"]])  # three decimals into NUMERIC(12,2)
    with pytest.raises(SourceFileError, match="proposed ALTER TABLE") as raised:
        run_import(engine, settings, config(engine), [drop(inbox, "orders_2.csv", finer)])
    assert "2.125" in str(raised.value)
    assert_destination_is(engine, [DAY1], ["order_id", "customer", "amount"])
    assert query(engine, "SELECT count(*) FROM stg_orders WHERE order_id = 8") == [(0,)]
    [change] = changes(engine)
    assert (change["action"], change["columns"]) == ("widening_proposed", "amount")
    if engine.dialect.name == "postgresql":
        assert change["proposed_ddl"] == (
            'ALTER TABLE "stg_orders" ALTER COLUMN "amount" TYPE NUMERIC(13, 3);\n'
            'ALTER TABLE "dest_orders" ALTER COLUMN "amount" TYPE NUMERIC(13, 3);'
        )
        # The proposal is what an admin runs: after it, the same file loads.
        execute(engine, *change["proposed_ddl"].split(";\n"))
        run_import(engine, settings, config(engine), [drop(inbox, "orders_3.csv", finer)])
        assert query(engine, "SELECT amount FROM dest_orders WHERE order_id = 8") == [(Decimal("2.125"),)]
    else:
        assert "SQLite cannot change a column's type in place" in change["proposed_ddl"]
        assert "NUMERIC(13, 3)" in change["proposed_ddl"]


def test_integers_arriving_with_decimals_and_longer_text_are_proposed_not_applied(engine, settings, orders):
    inbox = orders(schema_policy="evolve")
    decimal_id = (DAY1[0], [["7.5", "Ida", "1.00"]])
    with pytest.raises(SourceFileError, match="proposed ALTER TABLE"):
        run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", decimal_id)])
    long_name = "Ž" * 55  # 55 characters into VARCHAR(40): refused alike on SQLite, which would keep it
    with pytest.raises(SourceFileError, match="at most 40 characters"):
        run_import(
            engine, settings, config(engine), [drop(inbox, "orders_2.csv", (DAY1[0], [["9", long_name, "1.00"]]))]
        )
    integer, text = changes(engine)
    # BIGINT and one decimal: a DECIMAL holding every BIGINT plus the fraction (setup-sql's merge rule).
    assert integer["columns"] == "order_id" and "NUMERIC(20, 1)" in integer["proposed_ddl"]
    assert text["columns"] == "customer" and "VARCHAR(255)" in text["proposed_ddl"]  # setup-sql's rounding
    assert query(engine, "SELECT count(*) FROM dest_orders") == [(0,)]
    assert columns(engine, "dest_orders") == ["order_id", "customer", "amount", "source_file_hash"]


def test_the_run_command_reports_ignored_columns(engine, settings, orders, tmp_path):
    """`elt run` prints the note (the same words the run log keeps)."""
    inbox = orders(schema_policy="ignore_new")
    drop(inbox, "orders_1.csv", DAY2)
    env = {
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
        "ELT_MONITORED_ROOTS": str(tmp_path),
    }
    done = CliRunner().invoke(main, ["run", "orders_daily"], env=env)
    assert done.exit_code == 0, done.output
    assert "note: File orders_1.csv has new column(s) 'Discount', 'Region'" in done.output
    assert query(engine, "SELECT count(*) FROM dest_orders") == [(3,)]


def test_evolve_without_a_mapping_names_the_column_safely_and_records_it_once(engine, settings, orders):
    inbox = orders(schema_policy="evolve", column_mapping=None)
    header = ["order_id", "customer", "amount", "Unit Price (EUR)"]
    first = (header, [["1", "Ada", "10.50", "3.25"]])
    second = (header, [["2", "Bob", "7.00", "4.75"]])
    run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", first)])
    run_import(engine, settings, config(engine), [drop(inbox, "orders_2.csv", second)])
    assert "unit_price_eur" in columns(engine, "dest_orders")
    rows = query(engine, "SELECT order_id, unit_price_eur FROM dest_orders ORDER BY order_id")
    assert [(o, Decimal(str(p))) for o, p in rows] == [(1, Decimal("3.25")), (2, Decimal("4.75"))]
    assert [(c["action"], c["columns"]) for c in changes(engine)] == [("added", "Unit Price (EUR)")]
    with engine.connect() as conn:
        assert conn.execute(sa.select(elt_pipeline_configs.c.column_mapping)).scalar() is None


def test_evolve_on_the_bulk_paths_of_a_big_file(engine, settings, orders):
    """40k rows: SQLite's child-process load and PostgreSQL's COPY carry the added column exactly."""
    inbox = orders(schema_policy="evolve")
    body = [[str(n), f"c{n}", f"{n % 997}.{n % 100:02d}", f"{n % 50}.{n % 10}5", f"r{n % 7}"] for n in range(1, 40_001)]
    big = (DAY2[0], body)
    run_import(engine, settings, config(engine), [drop(inbox, "orders_1.csv", big)])
    rows = query(engine, "SELECT order_id, discount, region FROM dest_orders ORDER BY order_id")
    assert len(rows) == 40_000
    assert all(same(d, want[3]) and r == want[4] for (_, d, r), want in zip(rows, body))
    assert [c["action"] for c in changes(engine)] == ["added"]
