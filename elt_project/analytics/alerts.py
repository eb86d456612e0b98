"""Posting anomalies to a webhook, once each, with bounded retries.

The message is ``{"text": ...}``: the one shape both Slack and Microsoft Teams
incoming webhooks accept. It names the series and the day, gives a link to the
hub's "Why did it change" page for that day, and may carry the table's story.

The delivery, the claim and its record live in :mod:`elt_project.webhooks`, which
the freshness alerts (:mod:`elt_project.pipeline.freshness_alerts`) share.

Each (config, anomaly day) is claimed in ``analytics_alerts`` before posting; the
table's unique key means an anomaly that was sent is never posted again, even by
two runs at once. A delivery that failed after its retries stays ``failed`` and is
tried again by the next run. A claim is a lease: ``claimed_at`` says when it was
taken, and a ``pending`` row whose lease has run out (its process died mid-post) is
claimed again, so no alert waits for a human.

Retries use urllib3's ``Retry`` (see :mod:`elt_project.http_retry`), POST included:
a webhook repeated after a lost answer shows one message twice, which is better
than an alert never shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.engine import Engine

from elt_project.db.schema import analytics_alerts
from elt_project.webhooks import Delivery, RetryPolicy, claim, post_webhook, record_delivery

log = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Anomaly:
    config_id: int
    target_table: str
    value_column: str
    day: dt.date
    actual: float
    expected: float


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


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _claim(engine: Engine, anomaly: Anomaly, now: dt.datetime, lease_seconds: float) -> int | None:
    day = dt.datetime.combine(anomaly.day, dt.time())
    return claim(engine, analytics_alerts, {"config_id": anomaly.config_id, "anomaly_date": day}, now, lease_seconds)


def send_alerts(
    engine: Engine,
    url: str,
    anomalies: list[Anomaly],
    hub_url: str,
    *,
    story: str | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    clock: Callable[[], dt.datetime] = _utc_now,
) -> list[tuple[Anomaly, Delivery]]:
    """Post each anomaly not alerted before; return what happened to each one posted.

    ``clock`` gives naive UTC times (the table's); tests pass one to step past a lease.
    """
    results = []
    for anomaly in anomalies:
        alert_id = _claim(engine, anomaly, clock(), policy.lease_seconds)
        if alert_id is None:
            continue
        delivery = post_webhook(url, {"text": alert_text(anomaly, hub_url, story)}, policy)
        record_delivery(engine, analytics_alerts, alert_id, delivery, clock())
        if not delivery.ok:
            log.warning("Alert for config %s on %s not delivered: %s", anomaly.config_id, anomaly.day, delivery.error)
        results.append((anomaly, delivery))
    return results
