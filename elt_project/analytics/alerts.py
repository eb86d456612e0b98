"""Posting anomalies to a webhook, once each, with bounded retries.

The message is ``{"text": ...}``: the one shape both Slack and Microsoft Teams
incoming webhooks accept. It names the series and the day, gives a link to the
hub's "Why did it change" page for that day, and may carry the table's story.

The claim and its record (:func:`claim`, :func:`record_delivery`) serve the
freshness alerts too (:mod:`elt_project.pipeline.freshness_alerts`), on their own table.

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

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.db.schema import analytics_alerts
from elt_project.http_retry import attempts_made, retry_policy, retrying_session

log = logging.getLogger(__name__)

SENT, FAILED, PENDING = "sent", "failed", "pending"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and the pause before each retry (doubling); 5xx, 429 and network errors are retried.

    ``lease_seconds`` is how long a claim holds: longer than a delivery can take with
    all its retries, so a live process never loses its claim to another.
    """

    attempts: int = 3
    first_pause_seconds: float = 1.0
    timeout_seconds: float = 10.0
    lease_seconds: float = 900.0


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


def post_webhook(url: str, payload: dict, policy: RetryPolicy = RetryPolicy()) -> Delivery:
    """POST ``payload`` as JSON; retry 429, 5xx and network failures up to ``policy.attempts`` times in all.

    Other 4xx answers are not retried: a wrong URL or payload does not heal by waiting.
    """
    retry = retry_policy(policy.attempts, policy.first_pause_seconds, methods={"POST"})
    with retrying_session(retry) as session:
        try:
            response = session.post(url, json=payload, timeout=policy.timeout_seconds)
        except requests.RequestException as exc:
            return Delivery(False, policy.attempts, f"could not reach the webhook ({type(exc).__name__})")
    attempts = attempts_made(response)
    if response.status_code < 300:
        return Delivery(True, attempts)
    return Delivery(False, attempts, f"the webhook answered HTTP {response.status_code}")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def claim(engine: Engine, table: sa.Table, key: dict, now: dt.datetime, lease_seconds: float) -> int | None:
    """Reserve the alert ``key`` names in ``table`` for posting; None when it was sent or a live run holds it.

    ``table`` has the columns of ``analytics_alerts`` (status, claimed_at, ...) and a
    unique key over ``key``'s columns. A ``failed`` row, or a ``pending`` one whose
    lease ran out, is taken over with an update that names what was read (status and
    ``claimed_at``): of two runs racing for it, exactly one changes the row.
    """
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(table.c.id, table.c.status, table.c.claimed_at).where(
                *(table.c[name] == value for name, value in key.items())
            )
        ).first()
        if row is None:
            try:
                with conn.begin_nested():
                    result = conn.execute(table.insert().values(**key, status=PENDING, claimed_at=now))
            except sa.exc.IntegrityError:
                return None  # another run claimed it a moment ago
            return result.inserted_primary_key[0]
        expired = row.claimed_at is None or row.claimed_at <= now - dt.timedelta(seconds=lease_seconds)
        if not (row.status == FAILED or (row.status == PENDING and expired)):
            return None
        same_claim = table.c.claimed_at.is_(None) if row.claimed_at is None else table.c.claimed_at == row.claimed_at
        claimed = conn.execute(
            table.update()
            .where(table.c.id == row.id, table.c.status == row.status, same_claim)
            .values(status=PENDING, claimed_at=now)
        )
        if claimed.rowcount == 1 and row.status == PENDING:
            log.warning("Alert %s of %s was left pending by a run that stopped; posting it again", row.id, table.name)
        return row.id if claimed.rowcount == 1 else None


def record_delivery(engine: Engine, table: sa.Table, alert_id: int, delivery: Delivery, now: dt.datetime) -> None:
    """Mark a claimed alert sent or failed (a failed one is claimed again by the next run)."""
    with engine.begin() as conn:
        conn.execute(
            table.update()
            .where(table.c.id == alert_id)
            .values(
                status=SENT if delivery.ok else FAILED,
                attempts=table.c.attempts + delivery.attempts,
                last_error=delivery.error,
                sent_at=now if delivery.ok else None,
            )
        )


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
    policy: RetryPolicy = RetryPolicy(),
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
