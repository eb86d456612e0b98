"""Posting anomalies to a webhook, once each, with bounded retries.

The message is ``{"text": ...}``: the one shape both Slack and Microsoft Teams
incoming webhooks accept. It names the series and the day, gives a link to the
hub's "Why did it change" page for that day, and may carry the table's story.

Each (config, anomaly day) is claimed in ``analytics_alerts`` before posting; the
table's unique key means an anomaly that was sent is never posted again, even by
two runs at once. A delivery that failed after its retries stays ``failed`` and is
tried again by the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db.schema import analytics_alerts

log = logging.getLogger(__name__)

SENT, FAILED, PENDING = "sent", "failed", "pending"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and the pause before each retry (doubling); 5xx, 429 and network errors are retried."""

    attempts: int = 3
    first_pause_seconds: float = 1.0
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Anomaly:
    config_id: int
    target_table: str
    value_column: str
    day: dt.date
    actual: float
    expected: float


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    error: str | None = None


def why_link(hub_url: str, table: str, measure: str, day: dt.date) -> str:
    """The hub's root-cause page opened on ``day``."""
    query = urlencode({"table": table, "measure": measure, "date": day.isoformat()})
    return f"{hub_url.rstrip('/')}/why?{query}"


def alert_text(anomaly: Anomaly, hub_url: str, story: str | None = None) -> str:
    direction = "above" if anomaly.actual > anomaly.expected else "below"
    change = (anomaly.actual - anomaly.expected) / abs(anomaly.expected) if anomaly.expected else float("nan")
    lines = [
        f"Anomaly in {anomaly.target_table}.{anomaly.value_column} on {anomaly.day.isoformat()}: "
        f"{anomaly.actual:,.2f} is {abs(change):.0%} {direction} the expected {anomaly.expected:,.2f}.",
        f"Why did it change: {why_link(hub_url, anomaly.target_table, anomaly.value_column, anomaly.day)}",
    ]
    if story:
        lines += ["", story]
    return "\n".join(lines)


def post_webhook(
    url: str,
    payload: dict,
    policy: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST ``payload`` as JSON; retry transient failures up to ``policy.attempts`` times in all."""
    error = None
    for attempt in range(1, policy.attempts + 1):
        try:
            response = requests.post(url, json=payload, timeout=policy.timeout_seconds)
        except requests.RequestException as exc:
            error = f"could not reach the webhook ({type(exc).__name__})"
        else:
            if response.status_code < 300:
                return Delivery(True, attempt)
            error = f"the webhook answered HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                return Delivery(False, attempt, error)  # a wrong URL or payload does not heal by retrying
        if attempt < policy.attempts:
            sleep(policy.first_pause_seconds * 2 ** (attempt - 1))
    return Delivery(False, policy.attempts, error)


def _claim(engine: Engine, anomaly: Anomaly) -> int | None:
    """Reserve this anomaly for posting; None when it was already sent or another run holds it."""
    day = dt.datetime.combine(anomaly.day, dt.time())
    table = analytics_alerts
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(table.c.id, table.c.status).where(
                table.c.config_id == anomaly.config_id, table.c.anomaly_date == day
            )
        ).first()
        if row is None:
            try:
                with conn.begin_nested():
                    result = conn.execute(
                        table.insert().values(config_id=anomaly.config_id, anomaly_date=day, status=PENDING)
                    )
            except sa.exc.IntegrityError:
                return None  # another run claimed it a moment ago
            return result.inserted_primary_key[0]
        if row.status != FAILED:
            return None
        claimed = conn.execute(
            table.update().where(table.c.id == row.id, table.c.status == FAILED).values(status=PENDING)
        )
        return row.id if claimed.rowcount == 1 else None


def send_alerts(
    engine: Engine,
    url: str,
    anomalies: list[Anomaly],
    hub_url: str,
    *,
    story: str | None = None,
    policy: RetryPolicy = RetryPolicy(),
) -> list[tuple[Anomaly, Delivery]]:
    """Post each anomaly not alerted before; return what happened to each one posted."""
    results = []
    for anomaly in anomalies:
        alert_id = _claim(engine, anomaly)
        if alert_id is None:
            continue
        delivery = post_webhook(url, {"text": alert_text(anomaly, hub_url, story)}, policy)
        with engine.begin() as conn:
            conn.execute(
                analytics_alerts.update()
                .where(analytics_alerts.c.id == alert_id)
                .values(
                    status=SENT if delivery.ok else FAILED,
                    attempts=analytics_alerts.c.attempts + delivery.attempts,
                    last_error=delivery.error,
                    sent_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) if delivery.ok else None,
                )
            )
        if not delivery.ok:
            log.warning("Alert for config %s on %s not delivered: %s", anomaly.config_id, anomaly.day, delivery.error)
        results.append((anomaly, delivery))
    return results
