"""An alert whose posting process died is posted by a later run once its claim's lease runs out (both warehouses)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from elt_project.analytics.alerts import Anomaly, RetryPolicy, send_alerts
from elt_project.db import schema
from elt_project.db.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
POLICY = RetryPolicy(attempts=1, first_pause_seconds=0.01, timeout_seconds=5, lease_seconds=600)
ANOMALY = Anomaly(
    config_id=7, target_table="sales", value_column="amount", day=dt.date(2026, 3, 1), actual=9, expected=3
)

#: A run that claims the alert and posts it to a webhook that never answers.
DYING_RUN = """
import datetime as dt, sys
import sqlalchemy as sa
from elt_project.analytics.alerts import Anomaly, RetryPolicy, send_alerts
anomaly = Anomaly(config_id=7, target_table="sales", value_column="amount", day=dt.date(2026, 3, 1),
                  actual=9, expected=3)
send_alerts(sa.create_engine(sys.argv[1]), sys.argv[2], [anomaly], "http://hub", policy=RetryPolicy(attempts=1,
            timeout_seconds=120))
"""


def _alert(engine) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(schema.analytics_alerts)).mappings().one())


def _die_while_posting(engine, database_url: str) -> None:
    """Start a real run, wait until it holds the claim and is mid-post, then kill it (SIGKILL: no clean-up)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are queued and never answered
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
    child = subprocess.Popen([sys.executable, "-c", DYING_RUN, database_url, url], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(schema.analytics_alerts)).scalar():
                    break
            assert child.poll() is None, "the run ended before it was killed"
            time.sleep(0.1)
        time.sleep(0.5)  # past the claim's commit, into the POST
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
        silent.close()


def test_a_pending_alert_of_a_dead_run_is_posted_after_its_lease_and_only_once(engine, database_url, receiver):
    _die_while_posting(engine, database_url)
    left = _alert(engine)
    assert left["status"] == "pending" and left["claimed_at"] is not None
    hook = receiver()

    # While the lease runs, the claim may belong to a live run: nobody takes it over.
    assert send_alerts(engine, hook.url, [ANOMALY], "http://hub", policy=POLICY) == []
    assert hook.bodies == []

    later = left["claimed_at"] + dt.timedelta(seconds=POLICY.lease_seconds + 1)
    [(_, delivery)] = send_alerts(engine, hook.url, [ANOMALY], "http://hub", policy=POLICY, clock=lambda: later)
    assert delivery.ok and len(hook.bodies) == 1
    done = _alert(engine)
    assert done["status"] == "sent" and done["claimed_at"] == later and done["sent_at"] == later

    much_later = later + dt.timedelta(days=1)
    assert send_alerts(engine, hook.url, [ANOMALY], "http://hub", policy=POLICY, clock=lambda: much_later) == []
    assert len(hook.bodies) == 1


def test_two_runs_taking_over_one_expired_claim_post_it_once(engine, receiver):
    hook = receiver()
    stale = dt.datetime(2026, 3, 2, 8, 0)
    with engine.begin() as conn:
        conn.execute(
            schema.analytics_alerts.insert().values(
                config_id=7, anomaly_date=dt.datetime(2026, 3, 1), status="pending", claimed_at=stale
            )
        )
    later = stale + dt.timedelta(hours=1)
    first = send_alerts(engine, hook.url, [ANOMALY], "http://hub", policy=POLICY, clock=lambda: later)
    second = send_alerts(engine, hook.url, [ANOMALY], "http://hub", policy=POLICY, clock=lambda: later)
    assert len(first) == 1 and second == [] and len(hook.bodies) == 1


def test_migration_adds_the_lease_column_to_an_older_warehouse(bare_engine):
    upgrade(bare_engine, "0005")
    with bare_engine.begin() as conn:  # revisions are frozen: 0005 made the table without the lease column
        conn.execute(
            sa.text(
                "INSERT INTO analytics_alerts (config_id, anomaly_date, status, attempts) "
                "VALUES (7, '2026-03-01 00:00:00', 'pending', 0)"
            )
        )
    upgrade(bare_engine)
    with bare_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    row = _alert(bare_engine)
    assert row["status"] == "pending" and row["claimed_at"] is None
