"""Telling a webhook when an import becomes late, and when its file then arrives: once each.

Imports have no webhook of their own. An import's freshness alerts go to the
``alert_webhook_url`` of the active ``analytics_config`` row that watches the
import's destination table (the lowest id when several do): the people who asked
to hear about that table's numbers are the ones who need to know its file is
missing. An import whose table no analytics row watches is shown as late on the
page, the hub and ``python3 launch.py elt freshness``, but nothing is posted.

Delivery, retries and the claim-with-a-lease are the anomaly alerts' own
(:mod:`elt_project.webhooks`), on ``elt_freshness_alerts``: its unique key
(import, missed deadline, kind) means a lateness episode is posted once, whatever
the number of ticks, processes or restarts. The "arrived" message is posted only
for an episode whose "late" message was sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import analytics_config, elt_freshness_alerts
from elt_project.pipeline.freshness import LATE, Freshness
from elt_project.webhooks import SENT, Delivery, RetryPolicy, claim, post_webhook, record_delivery

log = logging.getLogger(__name__)

LATE_KIND, ARRIVED_KIND = "late", "arrived"


@dataclass(frozen=True)
class Posted:
    """One message this evaluation tried to post."""

    import_name: str
    kind: str
    overdue_since: dt.datetime
    delivery: Delivery


def webhooks_for(engine: Engine, configs: Sequence[PipelineConfig]) -> dict[str, str]:
    """Import name -> the webhook its freshness alerts go to (see the module docstring)."""
    table = analytics_config
    query = (
        sa.select(table.c.target_table, table.c.alert_webhook_url)
        .where(table.c.is_active == 1, table.c.alert_webhook_url.is_not(None))
        .order_by(table.c.id)
    )
    by_table: dict[str, str] = {}
    with engine.connect() as conn:
        for target, url in conn.execute(query):
            if url and url.strip():
                by_table.setdefault(target.strip().lower(), url.strip())
    found = {c.import_name: by_table.get(c.destination_table.lower()) for c in configs}
    return {name: url for name, url in found.items() if url}


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def late_text(report: Freshness, page_url: str) -> str:
    return f"Import '{report.import_name}' ({report.pipeline_name}) is late. {report.reason}\nData Importer: {page_url}"


def arrived_text(report: Freshness, overdue_since: dt.datetime, page_url: str) -> str:
    arrival = report.last_arrival
    if arrival is None:
        raise ValueError("arrived_text needs a report with a last arrival.")
    rows = f" ({arrival.rows:,} rows)" if arrival.rows is not None else ""
    return (
        f"Import '{report.import_name}' ({report.pipeline_name}) has its file again: {arrival.file_name}{rows} "
        f"loaded {_when(arrival.at)}, after it was due by {_when(overdue_since)}.\nData Importer: {page_url}"
    )


def _episodes_awaiting_arrival(engine: Engine, import_name: str) -> list[dt.datetime]:
    """Missed deadlines of this import whose "late" message was sent and whose "arrived" one was not."""
    late, arrived = elt_freshness_alerts.alias("late"), elt_freshness_alerts.alias("arrived")
    told_arrival = sa.select(arrived.c.id).where(
        arrived.c.import_name == late.c.import_name,
        arrived.c.overdue_since == late.c.overdue_since,
        arrived.c.kind == ARRIVED_KIND,
        arrived.c.status == SENT,
    )
    query = (
        sa.select(late.c.overdue_since)
        .where(
            late.c.import_name == import_name, late.c.kind == LATE_KIND, late.c.status == SENT, ~told_arrival.exists()
        )
        .order_by(late.c.overdue_since)
    )
    with engine.connect() as conn:
        return [moment.replace(tzinfo=dt.UTC) for moment in conn.scalars(query)]


def notify(
    engine: Engine,
    reports: Sequence[Freshness],
    webhooks: dict[str, str],
    page_url: str,
    clock: Callable[[], dt.datetime],
    *,
    policy: RetryPolicy | None = None,
) -> list[Posted]:
    """Post what is new since the last evaluation; ``clock`` gives aware UTC (the table stores naive UTC)."""
    policy = policy or RetryPolicy()
    posted: list[Posted] = []

    def send(report: Freshness, kind: str, overdue_since: dt.datetime, text: str) -> None:
        key = {"import_name": report.import_name, "overdue_since": _naive(overdue_since), "kind": kind}
        alert_id = claim(engine, elt_freshness_alerts, key, _naive(clock()), policy.lease_seconds)
        if alert_id is None:
            return
        delivery = post_webhook(webhooks[report.import_name], {"text": text}, policy)
        record_delivery(engine, elt_freshness_alerts, alert_id, delivery, _naive(clock()))
        if not delivery.ok:
            log.warning("Freshness alert for '%s' not delivered: %s", report.import_name, delivery.error)
        posted.append(Posted(report.import_name, kind, overdue_since, delivery))

    for report in reports:
        if report.import_name not in webhooks:
            continue
        if report.state == LATE and report.overdue_since is not None:
            send(report, LATE_KIND, report.overdue_since, late_text(report, page_url))
            continue
        if report.last_arrival is None:
            continue
        for overdue_since in _episodes_awaiting_arrival(engine, report.import_name):
            if report.last_arrival.at > overdue_since:  # the file that ended the episode came after it began
                send(report, ARRIVED_KIND, overdue_since, arrived_text(report, overdue_since, page_url))
    return posted
