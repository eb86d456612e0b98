"""A warehouse with two pipeline groups (Sales, Inventory) and every kind of record the hub shows.

Each group has its import, destination table, runs (one failed, with an error naming
its file), quality results, rejected rows, ledger files and an analytics model, so a
page that leaks another group's data shows one of that group's marker strings.
``page_bytes`` is everything an AppTest run put on the page (element protos, chart
specs and dataframe bytes included), to search for those markers.
"""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from elt_project.analytics.steward import allowlist
from elt_project.auth import permissions
from elt_project.db import schema
from elt_project.demo import domain
from tests.config_rows import insert_config

GROUPS = {
    "Sales": {"import": "sales_csv", "table": "dest_sales", "file": "/inbox/sales/orders_0601.csv"},
    "Inventory": {"import": "inventory_csv", "table": "dest_inventory", "file": "/inbox/stock/stock_0601.csv"},
}


def markers(group: str) -> list[str]:
    """Strings that only a page showing ``group``'s data contains."""
    info = GROUPS[group]
    return [info["import"], info["table"], info["file"], f"{group} failure reason"]


def _inventory_rows() -> list[dict]:
    start = dt.date(2026, 5, 1)
    return [
        {"sku": f"SKU-{n % 6 + 1}", "warehouse": ("Leeds", "Hull")[n % 2], "on_hand": 10 + n % 17,
         "snapshot_date": start + dt.timedelta(days=n // 2)}
        for n in range(90)
    ]  # fmt: skip


def install(engine) -> None:
    """Add the Inventory table, both groups' configs and logs, models and steward tables to a sales warehouse."""
    domain.domain.create_all(engine, tables=[domain.dest_inventory])
    now = dt.datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(domain.dest_inventory.insert(), _inventory_rows())
        for group, info in GROUPS.items():
            name = info["import"]
            insert_config(conn, pipeline_name=group, import_name=name, destination_table=info["table"],
                          monitored_directory=str(dt.date.today()))  # fmt: skip
            conn.execute(
                schema.etl_pipeline_run_logs.insert(),
                [
                    {"run_id": f"{name}-1", "pipeline_name": group, "import_name": name, "status": "FAILED",
                     "start_time": now - dt.timedelta(hours=2), "file_name": info["file"],
                     "error_message": f"{group} failure reason in {info['file']}",
                     "resolution_steps": "Fix the file and drop it again."},
                    {"run_id": f"{name}-2", "pipeline_name": group, "import_name": name, "status": "SUCCESS",
                     "start_time": now - dt.timedelta(hours=1), "file_name": info["file"], "rows_loaded": 5,
                     "error_message": None, "resolution_steps": None},
                ],
            )  # fmt: skip
            conn.execute(
                schema.data_quality_run_logs.insert().values(
                    run_id=f"{name}-1", import_name=name, rule_name=f"{name}_rule", status="WARN",
                    failing_row_count=2, message=f"{group} failure reason", checked_at=now,
                )
            )  # fmt: skip
            conn.execute(
                schema.elt_rejected_rows.insert().values(
                    run_id=f"{name}-1", import_name=name, rule_name=f"{name}_rule", source_row_number=3,
                    row_data=f'{{"note": "{group} failure reason"}}', rejected_at=now,
                )
            )  # fmt: skip
            conn.execute(
                schema.elt_file_ledger.insert().values(
                    import_name=name, content_hash=f"{name:0<64}"[:64], file_path=info["file"], file_size=10,
                    file_mtime=0.0, status="LOADED", first_seen_at=now,
                )
            )  # fmt: skip
        conn.execute(
            schema.analytics_config.insert(),
            [
                {"target_table": "dest_sales", "date_column": "order_date", "value_column": "amount",
                 "model_type": "forecast"},
                {"target_table": "dest_inventory", "date_column": "snapshot_date", "value_column": "on_hand",
                 "model_type": "forecast"},
            ],
        )  # fmt: skip
    allowlist.allow(engine, "dest_sales")
    allowlist.allow(engine, "dim_products")


def grant_only(engine, username: str, group: str) -> None:
    permissions.grant(engine, username, group)


def page_bytes(at: AppTest) -> bytes:
    """Everything the last run drew: every element's protobuf, serialised (text, options, charts, tables)."""
    parts = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            parts.append(proto.SerializeToString())
    return b"\n".join(parts)


def leaked(at: AppTest, group: str) -> list[str]:
    """The markers of ``group`` found on the page (Markdown escapes removed first)."""
    shown = page_bytes(at).replace(b"\\", b"")
    return [m for m in markers(group) if m.encode() in shown]
