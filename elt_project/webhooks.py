"""Delivering one message to a webhook, with bounded retries, and claiming it first.

Shared by the anomaly alerts (:mod:`elt_project.analytics.alerts`) and the freshness
alerts (:mod:`elt_project.pipeline.freshness_alerts`), each on its own table. It is a
leaf beside :mod:`elt_project.http_retry`, so that ``pipeline`` need not import
``analytics`` (which reads ``pipeline``).

A claim is a lease: ``claimed_at`` says when it was taken, and a ``pending`` row whose
lease has run out (its process died mid-post) is claimed again, so no alert waits for
a human. Retries use urllib3's ``Retry``, POST included: a webhook repeated after a
lost answer shows one message twice, which is better than an alert never shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import cast

import requests
import sqlalchemy as sa
from sqlalchemy.engine import Engine

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
class Delivery:
    ok: bool
    attempts: int
    error: str | None = None


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
            return cast("tuple[int, ...]", result.inserted_primary_key)[0]
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
