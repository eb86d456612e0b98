"""Freshness alerts reach a real webhook on 127.0.0.1 once per lateness episode (SQLite and PostgreSQL).

Evaluations are repeated, and run from a fresh engine as a restarted daemon would,
with the clock moved by hand; the receiver counts what it was sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from elt_project.analytics.alerts import RetryPolicy
from elt_project.config.repository import load_pipeline_configs
from elt_project.db import schema
from elt_project.db.engine import create_warehouse_engine
from elt_project.pipeline.freshness import freshness_report
from elt_project.pipeline.freshness_alerts import notify, webhooks_for
from tests.analytics.signals import Receiver, add_analytics_config
from tests.orchestration.conftest import add_config
from tests.pipeline.test_freshness import add_ledger, utc

POLICY = RetryPolicy(attempts=1, first_pause_seconds=0.01, timeout_seconds=5)
PAGE = "http://127.0.0.1:3000"


@pytest.fixture
def receiver():
    made = []

    def start(statuses: list[int] | None = None) -> Receiver:
        r = Receiver(statuses)
        r.thread.start()
        made.append(r)
        return r

    yield start
    for r in made:
        r.server.shutdown()
        r.server.server_close()


def evaluate(engine, at: datetime):
    """One sensor tick at ``at``: assess, then post what is new."""
    configs, _ = load_pipeline_configs(engine)
    reports = freshness_report(engine, configs, at)
    return notify(engine, reports, webhooks_for(engine, configs), PAGE, lambda: at, policy=POLICY)


def setup_import(engine, url: str) -> None:
    add_config(engine, import_name="daily_sales", destination_table="sales", expected_schedule="daily by 06:00 UTC")
    add_config(engine, import_name="silent_feed", destination_table="unwatched", expected_schedule="daily by 06:00 UTC")
    add_analytics_config(engine, target_table="SALES", alert_webhook_url=url)
    add_ledger(engine, "daily_sales", utc(2026, 1, 12, 5), 100)
    add_ledger(engine, "silent_feed", utc(2026, 1, 12, 5), 100)


def test_late_is_posted_once_and_arrived_once_even_across_restarts(engine, database_url, receiver):
    hook = receiver()
    setup_import(engine, hook.url)

    assert evaluate(engine, utc(2026, 1, 13, 5, 55)) == []  # before the deadline: nothing to say
    posted = evaluate(engine, utc(2026, 1, 13, 6, 5))
    assert [(p.import_name, p.kind, p.delivery.ok) for p in posted] == [("daily_sales", "late", True)]
    assert len(hook.bodies) == 1
    text = hook.bodies[0]["text"]
    assert "Import 'daily_sales' (Sales) is late" in text and "due by 2026-01-13 06:00 UTC" in text
    assert PAGE in text

    # More ticks, then a "restarted daemon" with its own engine: the same episode is not posted again.
    for minutes in (10, 15, 300):
        assert evaluate(engine, utc(2026, 1, 13, 6) + timedelta(minutes=minutes)) == []
    restarted = create_warehouse_engine(database_url)
    try:
        assert evaluate(restarted, utc(2026, 1, 14, 12)) == []  # still the episode that began on the 13th
    finally:
        restarted.dispose()
    assert len(hook.bodies) == 1

    add_ledger(engine, "daily_sales", utc(2026, 1, 14, 12, 30), 250, name="sales_20260114")
    posted = evaluate(engine, utc(2026, 1, 14, 12, 35))
    assert [(p.kind, p.overdue_since) for p in posted] == [("arrived", utc(2026, 1, 13, 6))]
    assert "sales_20260114.csv (250 rows) loaded 2026-01-14 12:30 UTC" in hook.bodies[1]["text"]
    assert evaluate(engine, utc(2026, 1, 14, 12, 40)) == []
    assert len(hook.bodies) == 2

    # The next missed deadline is a new episode: one more message.
    assert [p.kind for p in evaluate(engine, utc(2026, 1, 15, 6, 1))] == ["late"]
    assert len(hook.bodies) == 3
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.elt_freshness_alerts.c.import_name, schema.elt_freshness_alerts.c.status)
        ).all()
    assert {tuple(r) for r in rows} == {("daily_sales", "sent")} and len(rows) == 3


def test_a_failed_post_is_retried_by_the_next_tick_and_then_sent_once(engine, receiver):
    hook = receiver([503])
    setup_import(engine, hook.url)
    (first,) = evaluate(engine, utc(2026, 1, 13, 6, 5))
    assert not first.delivery.ok and "HTTP 503" in first.delivery.error
    (second,) = evaluate(engine, utc(2026, 1, 13, 6, 10))
    assert second.delivery.ok
    assert evaluate(engine, utc(2026, 1, 13, 6, 15)) == []
    assert len(hook.bodies) == 2  # the refused one and the delivered one


def test_no_arrived_message_without_a_sent_late_one(engine, receiver):
    hook = receiver()
    setup_import(engine, hook.url)
    add_ledger(engine, "daily_sales", utc(2026, 1, 13, 5, 30), 100, name="on_time")
    assert evaluate(engine, utc(2026, 1, 13, 7)) == []
    assert hook.bodies == []


def test_the_webhook_is_the_analytics_row_of_the_destination_table(engine):
    add_config(engine, import_name="a", destination_table="sales", expected_schedule="daily by 06:00 UTC")
    add_config(engine, import_name="b", destination_table="stock", expected_schedule="daily by 06:00 UTC")
    add_analytics_config(engine, target_table="sales", alert_webhook_url="http://127.0.0.1:9/first")
    add_analytics_config(engine, target_table="sales", alert_webhook_url="http://127.0.0.1:9/second")
    add_analytics_config(engine, target_table="stock", alert_webhook_url="http://127.0.0.1:9/off", is_active=0)
    configs, _ = load_pipeline_configs(engine)
    assert webhooks_for(engine, configs) == {"a": "http://127.0.0.1:9/first"}
