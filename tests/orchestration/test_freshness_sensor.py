"""``freshness_sensor`` in a real Dagster instance: it names the late import and posts to the webhook once."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest

from elt_project.orchestration.freshness import SENSOR_NAME, build_freshness_sensor
from elt_project.orchestration.snapshot import read_snapshot
from tests.analytics.signals import Receiver, add_analytics_config
from tests.orchestration.conftest import add_config
from tests.pipeline.test_freshness import add_ledger

NOW = datetime(2026, 1, 13, 6, 30, tzinfo=UTC)


@pytest.fixture
def hook():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_the_sensor_reports_late_imports_and_posts_once(engine, build_defs, settings, warehouse, instance, hook):
    add_config(engine, import_name="daily_sales", destination_table="sales", expected_schedule="daily by 06:00 UTC")
    add_config(engine, import_name="stock", destination_table="stock")
    add_analytics_config(engine, target_table="sales", alert_webhook_url=hook.url)
    add_ledger(engine, "daily_sales", datetime(2026, 1, 12, 5, tzinfo=UTC), 100)
    assert SENSOR_NAME in {s.name for s in build_defs().sensors}  # part of the code location

    configs = read_snapshot(engine).configs
    sensor = build_freshness_sensor(configs, settings, clock=lambda: NOW)

    def tick() -> str:
        with dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}) as context:
            result = sensor.evaluate_tick(context)
        assert not result.run_requests
        return result.skip_message

    assert tick() == "1 import(s) checked; late: daily_sales; 1 of 1 alert(s) posted."
    assert tick() == "1 import(s) checked; late: daily_sales."
    assert len(hook.bodies) == 1 and "Import 'daily_sales' (Sales) is late" in hook.bodies[0]["text"]
