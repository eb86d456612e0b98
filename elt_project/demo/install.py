"""Installing the demo into a warehouse: tables, configs, rules, history and waiting files.

Idempotent: every step checks what is already there, never overwrites a row a
user may have edited, and loads the history only into an empty ``dest_sales``.
The fresh files are written only when the history is first loaded, so a re-run
never re-drops files the pipeline already consumed.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.db import schema
from elt_project.db.migrate import upgrade
from elt_project.demo import domain, generate
from elt_project.settings import Settings

SALES_COLUMNS = [
    "order_id",
    "order_date",
    "region",
    "product_sku",
    "product_category",
    "channel",
    "customer_id",
    "quantity",
    "unit_price",
    "amount",
]
INVENTORY_COLUMNS = ["sku", "warehouse", "on_hand", "snapshot_date"]


@dataclass
class DemoReport:
    """What one ``install_demo`` call changed."""

    configs_added: list[str] = field(default_factory=list)
    rules_added: list[str] = field(default_factory=list)
    history_rows: int = 0
    files_written: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"pipeline configs added: {', '.join(self.configs_added) or 'none (already there)'}",
            f"rules added: {len(self.rules_added)}",
            f"sales history rows loaded: {self.history_rows:,}",
            f"fresh files waiting in monitored folders: {len(self.files_written)}",
        ]


def incoming_dir(settings: Settings, name: str) -> Path:
    return settings.data_dir / "incoming" / name


def install_demo(engine: Engine, settings: Settings, *, today: date | None = None) -> DemoReport:
    """Create and fill the demo domain; safe to call at every start."""
    story = generate.story_for(today or date.today())
    report = DemoReport()
    upgrade(engine)
    domain.domain.create_all(engine, checkfirst=True)
    sales_dir = incoming_dir(settings, "sales")
    inventory_dir = incoming_dir(settings, "inventory")
    with engine.begin() as conn:
        _fill_if_empty(conn, domain.dim_products, generate.products())
        _fill_if_empty(conn, domain.dim_customers, generate.customers())
        report.configs_added = _add_missing(
            conn, schema.elt_pipeline_configs, "import_name", _pipeline_configs(sales_dir, inventory_dir)
        )
        report.rules_added = _add_missing(conn, schema.data_quality_rules, "rule_name", _quality_rules())
        report.rules_added += _add_missing(conn, schema.data_enrichment_rules, "rule_name", _enrichment_rules())
        _add_analytics_configs(conn)
    if _is_empty(engine, domain.dest_sales):
        with engine.begin() as conn:
            _add_missing(conn, schema.analytics_glossary, "term", DEMO_GLOSSARY)
        report.history_rows = _load_history(engine, story)
        report.files_written = _write_fresh_files(story, sales_dir, inventory_dir)
    return report


def _pipeline_configs(sales_dir: Path, inventory_dir: Path) -> list[dict]:
    sales_folder = sales_dir.as_posix()
    common_sales = {
        "pipeline_name": "Sales",
        "monitored_directory": sales_folder,
        "staging_table": "stg_sales",
        "destination_table": "dest_sales",
        "load_method": "append",
        "deduplication_key": "order_id",
        "is_active": 1,
    }
    return [
        {**common_sales, "import_name": "sales_daily_csv", "file_pattern": "sales_*.csv", "file_type": "csv"},
        {**common_sales, "import_name": "sales_daily_psv", "file_pattern": "sales_*.psv", "file_type": "psv"},
        {
            **common_sales,
            "import_name": "sales_daily_excel",
            "file_pattern": "sales_*.xlsx",
            "file_type": "excel",
        },
        {**common_sales, "import_name": "sales_daily_json", "file_pattern": "sales_*.json", "file_type": "json"},
        {
            "pipeline_name": "Inventory",
            "import_name": "inventory_snapshot",
            "file_pattern": "inventory_*.csv",
            "monitored_directory": inventory_dir.as_posix(),
            "file_type": "csv",
            "staging_table": "stg_inventory",
            "destination_table": "dest_inventory",
            "load_method": "replace",
            "is_active": 1,
        },
    ]


def _quality_rules() -> list[dict]:
    regions = ", ".join(f"'{r}'" for r in generate.REGIONS)
    return [
        {
            "rule_name": "sales_quantity_not_negative",
            "description": "An order line never has a negative quantity.",
            "target_table": "stg_sales",
            "target_column": "quantity",
            "check_type": "NOT_NEGATIVE",
            "severity": "FAIL",
        },
        {
            "rule_name": "sales_region_in_set",
            "description": "Region is one of the five sales regions.",
            "target_table": "stg_sales",
            "target_column": "region",
            "check_type": "IS_IN_SET",
            "check_expression": regions,
            "severity": "WARN",
        },
        {
            "rule_name": "sales_order_id_unique",
            "description": "An order id appears once per load.",
            "target_table": "stg_sales",
            "target_column": "order_id",
            "check_type": "UNIQUE",
            "severity": "FAIL",
        },
        {
            "rule_name": "inventory_on_hand_not_negative",
            "description": "Stock on hand is never negative.",
            "target_table": "stg_inventory",
            "target_column": "on_hand",
            "check_type": "NOT_NEGATIVE",
            "severity": "FAIL",
        },
    ]


def _enrichment_rules() -> list[dict]:
    return [
        {
            "rule_name": "enrich_sales_product_category_from_sku",
            "description": "Fill a missing product_category from dim_products by SKU.",
            "target_staging_table": "stg_sales",
            "target_column_to_enrich": "product_category",
            "lookup_table": "dim_products",
            "lookup_key_column_staging": "product_sku",
            "lookup_key_column_lookup": "sku",
            "lookup_value_column": "category",
        }
    ]


#: The glossary an admin of this shop would write in two minutes: Ask knows no business words of its own.
#: Seeded once, with the demo's data (an admin who removes a term later does not get it back).
DEMO_GLOSSARY = [
    {"term": "revenue", "kind": "column", "table_name": "dest_sales", "definition": "amount", "created_by": "demo"},
    {"term": "sales", "kind": "column", "table_name": "dest_sales", "definition": "amount", "created_by": "demo"},
    {"term": "units", "kind": "column", "table_name": "dest_sales", "definition": "quantity", "created_by": "demo"},
]


def _add_analytics_configs(conn: Connection) -> None:
    table = schema.analytics_config
    for model_type in ("forecast", "anomaly_detection"):
        exists = conn.execute(
            sa.select(table.c.id).where(table.c.target_table == "dest_sales", table.c.model_type == model_type)
        ).first()
        if exists is None:
            conn.execute(
                table.insert().values(
                    target_table="dest_sales", date_column="order_date", value_column="amount", model_type=model_type
                )
            )


def _add_missing(conn: Connection, table: sa.Table, key: str, rows: list[dict]) -> list[str]:
    """Insert rows whose ``key`` is not there yet; return the keys added."""
    existing = set(conn.execute(sa.select(table.c[key])).scalars())
    added = [row for row in rows if row[key] not in existing]
    for row in added:  # one by one: the rows do not all name the same columns
        conn.execute(table.insert().values(**row))
    return [row[key] for row in added]


def _is_empty(bind: Engine | Connection, table: sa.Table) -> bool:
    query = sa.select(sa.literal(1)).select_from(table).limit(1)
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return conn.execute(query).first() is None
    return bind.execute(query).first() is None


def _fill_if_empty(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    if _is_empty(conn, table):
        conn.execute(table.insert(), rows)


def _load_history(engine: Engine, story: generate.Story) -> int:
    """Write the history straight into dest_sales, in chunks, in one transaction."""
    total = 0
    chunk: list[dict] = []
    with engine.begin() as conn:
        for day_rows in generate.history(story):
            chunk.extend(day_rows)
            if len(chunk) >= 20_000:
                conn.execute(domain.dest_sales.insert(), chunk)
                total += len(chunk)
                chunk = []
        if chunk:
            conn.execute(domain.dest_sales.insert(), chunk)
            total += len(chunk)
    return total


def _write_fresh_files(story: generate.Story, sales_dir: Path, inventory_dir: Path) -> list[Path]:
    """One day per format (CSV, PSV, Excel, JSON), category left blank for enrichment to fill."""
    sales_dir.mkdir(parents=True, exist_ok=True)
    inventory_dir.mkdir(parents=True, exist_ok=True)
    written = []
    writers = (_write_delimited(","), _write_delimited("|"), _write_excel, _write_json)
    extensions = ("csv", "psv", "xlsx", "json")
    for (day, orders), writer, ext in zip(generate.fresh_orders(story).items(), writers, extensions):
        rows = [_as_file_row(order) for order in orders]
        if ext == "psv" and rows:
            rows[0]["region"] = "Wst"  # a typo the WARN rule reports without stopping the load
        path = sales_dir / f"sales_{day.isoformat()}.{ext}"
        if not path.exists():
            writer(path, SALES_COLUMNS, rows)
            written.append(path)
    inventory_path = inventory_dir / f"inventory_{story.fresh_dates[-1].isoformat()}.csv"
    if not inventory_path.exists():
        _write_delimited(",")(inventory_path, INVENTORY_COLUMNS, generate.inventory_snapshot(story.fresh_dates[-1]))
        written.append(inventory_path)
    return written


def _as_file_row(order: dict) -> dict:
    row = dict(order)
    row["order_date"] = order["order_date"].isoformat()
    row["product_category"] = None
    return row


def _write_delimited(delimiter: str):
    def write(path: Path, columns: list[str], rows: list[dict]) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)

    return write


def _write_excel(path: Path, columns: list[str], rows: list[dict]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sales")
    sheet.append(columns)
    for row in rows:
        sheet.append([row[c] for c in columns])
    workbook.save(path)


def _write_json(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.write_text(json.dumps([{c: row[c] for c in columns} for row in rows], indent=1), encoding="utf-8")
