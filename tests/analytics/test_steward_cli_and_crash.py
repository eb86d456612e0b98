"""`elt steward` as a person runs it, and a save killed halfway through, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.db import schema
from tests.analytics.conftest import ROWS, table_rows

REPO = Path(__file__).resolve().parents[2]


def _elt(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "elt_project.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _audit_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.steward_audit_log)).scalar()


@pytest.mark.slow
def test_apply_a_change_file_then_a_refused_one_changes_nothing(shop, database_url, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        "sku,price,stock,_expected_stock,_delete\n"
        "K-1,27.00,,12,\n"  # price changes, stock stays (empty cell), expected stock checked
        "L-1,,\\N,,\n"  # stock set to NULL
        "M-1,,,,1\n"  # deleted
        "P-1,3.10,9,,\n",  # new row (name is required)
        encoding="utf-8",
    )
    refused = _elt(database_url, "steward", "apply", "shop_products", str(good), "--as", "sam")
    assert refused.returncode == 1 and "needs a value for column name" in refused.stderr
    assert table_rows(shop) == ROWS

    good.write_text(good.read_text().replace("sku,price", "sku,name,price").replace("K-1,", "K-1,,", 1), "utf-8")
    text = good.read_text().splitlines()
    text[2], text[3], text[4] = "L-1,,,\\N,,", "M-1,,,,,1", "P-1,Pencil,3.10,9,,"
    good.write_text("\n".join(text) + "\n", encoding="utf-8")
    applied = _elt(database_url, "steward", "apply", "shop_products", str(good), "--as", "sam")
    assert applied.returncode == 0, applied.stderr
    assert "1 updated" in applied.stdout or "2 updated" in applied.stdout
    rows = {r["sku"]: r for r in table_rows(shop)}
    assert rows["K-1"]["price"] == Decimal("27.00") and rows["K-1"]["stock"] == 12
    assert rows["L-1"]["stock"] is None and "M-1" not in rows and rows["P-1"]["name"] == "Pencil"
    audited = _audit_count(shop)

    stale = tmp_path / "stale.csv"
    stale.write_text("sku,stock,_expected_stock\nK-1,13,12\nP-1,10,5\n", encoding="utf-8")
    result = _elt(database_url, "steward", "apply", "shop_products", str(stale), "--as", "sam")
    assert result.returncode == 1
    assert "changed by someone else since you opened it" in result.stderr
    assert "stock: you expected '5', the database has '9'" in result.stderr
    assert "Traceback" not in result.stderr
    assert {r["sku"]: r["stock"] for r in table_rows(shop)} == {"K-1": 12, "L-1": None, "P-1": 9}
    assert _audit_count(shop) == audited

    analyst = _elt(database_url, "steward", "apply", "shop_products", str(stale), "--as", "ann")
    assert analyst.returncode == 1 and "only stewards and admins" in analyst.stderr

    history = _elt(database_url, "steward", "history", "shop_products", "K-1")
    assert "sam" in history.stdout and "'29.90' -> '27.00'" in history.stdout
    assert "no longer open" in _elt(database_url, "steward", "deny", "shop_products").stdout
    closed = _elt(database_url, "steward", "apply", "shop_products", str(stale), "--as", "sam")
    assert closed.returncode == 1 and "not open for editing" in closed.stderr


_CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from elt_project.analytics.steward import save
    from elt_project.analytics.steward.changes import RowChange
    from elt_project.db.engine import create_warehouse_engine

    url, marker = sys.argv[1], Path(sys.argv[2])
    original = save._write_audit

    def write_then_hang(conn, rows):
        original(conn, rows)  # the upsert, the deletion and the audit rows are written, not committed
        marker.write_text("written")
        time.sleep(120)

    save._write_audit = write_then_hang
    engine = create_warehouse_engine(url)
    changes = [
        RowChange(key={"sku": "K-1"}, values={"price": "99.99", "name": "Half-saved"}),
        RowChange(key={"sku": "Z-9"}, values={"name": "Half-added"}),
        RowChange(key={"sku": "M-1"}, delete=True),
    ]
    save.apply_changes(engine, "shop_products", changes, username="sam")
    """
)


@pytest.mark.slow
def test_a_save_killed_mid_way_leaves_the_table_unchanged(shop, database_url, tmp_path):
    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(_CHILD, encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, str(script), database_url, str(marker)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the saving process ended before it reached the audit rows"
            assert time.monotonic() < deadline, "the saving process never reached the audit rows"
            time.sleep(0.05)
        assert table_rows(shop) == ROWS  # another connection sees nothing of the open save
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    shop.dispose()
    assert table_rows(shop) == ROWS
    assert _audit_count(shop) == 0
    # The lock died with the process: the next save goes through.
    from elt_project.analytics.steward.changes import RowChange
    from elt_project.analytics.steward.save import apply_changes

    result = apply_changes(shop, "shop_products", [RowChange(key={"sku": "K-1"}, values={"stock": 13})], username="sam")
    assert result.updated == 1 and _audit_count(shop) == 1
