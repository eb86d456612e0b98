"""The Pipeline Monitor names late imports in red (st.error) with their names as plain text (both warehouses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.hub.conftest import logged_in_app, make_account, shown
from tests.orchestration.conftest import add_config
from tests.pipeline.test_freshness import add_ledger

NAME = "sales_[x](http://evil.example)"


@pytest.mark.slow
def test_the_monitor_shows_the_late_import_in_red(hub_env):
    engine = hub_env
    add_config(engine, import_name=NAME, destination_table="sales", expected_schedule="daily by 00:00 UTC")
    add_config(engine, import_name="stock", destination_table="stock", expected_schedule="daily by 00:00 UTC")
    add_ledger(engine, NAME, datetime.now(UTC) - timedelta(days=3), 100)
    add_ledger(engine, "stock", datetime.now(UTC) - timedelta(minutes=5), 100)
    at = logged_in_app(make_account(engine, "analyst"), page="monitor")
    assert not at.exception
    errors = [e.value for e in at.error]
    late = [e for e in errors if e.startswith("Late:")]
    assert len(late) == 1
    assert shown(late[0]).startswith(f"Late: {NAME}. A file was due by ")
    assert "[x](http" not in late[0]  # escaped: a link in a name stays words
    assert not any("stock" in e for e in errors)
