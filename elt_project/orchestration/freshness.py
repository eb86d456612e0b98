"""``freshness_sensor``: every five minutes, which imports are late, and a webhook told once.

A thin shell: :mod:`elt_project.pipeline.freshness` decides each import's state and
:mod:`elt_project.pipeline.freshness_alerts` posts (once per lateness episode, kept
in the warehouse, so a restarted daemon does not post again). The sensor starts no
runs; its tick says what it saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import dagster as dg

from elt_project.config.models import PipelineConfig
from elt_project.orchestration.resources import WarehouseResource
from elt_project.pipeline.freshness import LATE, TOO_SMALL, freshness_report
from elt_project.pipeline.freshness_alerts import notify, webhooks_for
from elt_project.settings import Settings

SENSOR_NAME = "freshness_sensor"
#: Lateness is a matter of minutes, not seconds; a tick reads the ledger once.
INTERVAL_SECONDS = 300


def _utc_now() -> datetime:
    return datetime.now(UTC)


def build_freshness_sensor(
    configs: Sequence[PipelineConfig], settings: Settings, clock: Callable[[], datetime] = _utc_now
) -> dg.SensorDefinition:
    """The sensor over the imports that promise something (the others are never late); ``clock``: aware UTC."""
    promised = [c for c in configs if c.expected_schedule or c.expected_min_rows is not None]

    @dg.sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING
        if settings.sensors_running_by_default
        else dg.DefaultSensorStatus.STOPPED,
        description="Checks each import's expected_schedule and expected_min_rows against the file ledger; "
        "posts to the webhook once when an import becomes late, and once when its file then arrives.",
    )
    def freshness_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        if not promised:
            return dg.SkipReason("No import has an expected_schedule or expected_min_rows.")
        engine = warehouse.engine()
        reports = freshness_report(engine, promised, clock())
        page_url = settings.service_url(settings.runner_port)
        posted = notify(engine, reports, webhooks_for(engine, promised), page_url, clock)
        for item in posted:
            verb = "Posted" if item.delivery.ok else "Could not post"
            text = f"{verb} the '{item.kind}' alert of import '{item.import_name}'"
            (context.log.info if item.delivery.ok else context.log.warning)(
                text + ("." if item.delivery.ok else f": {item.delivery.error}.")
            )
        late = [r.import_name for r in reports if r.state == LATE]
        small = [r.import_name for r in reports if r.state == TOO_SMALL]
        parts = [f"{len(reports)} import(s) checked"]
        if late:
            parts.append(f"late: {', '.join(late)}")
        if small:
            parts.append(f"too small: {', '.join(small)}")
        if posted:
            parts.append(f"{sum(p.delivery.ok for p in posted)} of {len(posted)} alert(s) posted")
        return dg.SkipReason("; ".join(parts) + ".")

    return freshness_sensor
