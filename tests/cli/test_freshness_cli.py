"""``elt freshness`` in a real subprocess on both warehouses: the table, ``--json``, and late imports named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from elt_project.settings import project_root
from tests.orchestration.conftest import add_config
from tests.pipeline.test_freshness import add_ledger


def elt(settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env.update({"DATABASE_URL": settings.database_url.get_secret_value(), "ELT_DATA_DIR": str(settings.data_dir)})
    return subprocess.run(
        [sys.executable, "-m", "elt_project.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=project_root(),
    )


def test_freshness_lists_every_import_with_its_state(engine, settings):
    now = datetime.now(UTC)
    add_config(engine, import_name="daily_sales", destination_table="sales", expected_schedule="daily by 00:00 UTC")
    add_config(engine, import_name="stock", destination_table="stock", expected_min_rows=50)
    add_config(engine, import_name="loose", destination_table="loose")
    add_ledger(engine, "daily_sales", now - timedelta(days=3), 100)
    add_ledger(engine, "stock", now - timedelta(hours=1), 7)

    result = elt(settings, "freshness", "--json")
    assert result.returncode == 0, result.stderr
    states = {r["import_name"]: r for r in json.loads(result.stdout)}
    assert {name: r["state"] for name, r in states.items()} == {
        "daily_sales": "late",
        "stock": "too_small",
        "loose": "no_promise",
    }
    late = states["daily_sales"]
    assert late["last_rows"] == 100 and late["expected_by"].endswith("T00:00:00Z")
    assert late["overdue_since"] == late["expected_by"]

    table = elt(settings, "freshness")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["IMPORT", "STATE", "LAST", "ARRIVAL", "(UTC)", "EXPECTED", "BY", "(UTC)", "ROWS"]
    assert any(line.startswith("daily_sales") and " late " in line for line in lines)
    assert "daily_sales: A file was due by" in table.stdout
    assert "stock: The last file brought 7 rows, fewer than the expected 50." in table.stdout
