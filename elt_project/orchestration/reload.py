"""Picking up config edits without restarting Dagster.

A code location is built from a snapshot of the config table (see
:mod:`elt_project.orchestration.component`), so an edited row shows up only after
the location is reloaded. Two ways to ask for that, both through the webserver's
GraphQL ``reloadRepositoryLocation`` mutation, sent by the one Dagster client
(:mod:`elt_project.orchestration.dagster_client`):

- :func:`build_config_change_sensor`: compares the fingerprint of the active config
  rows and rules with the one the location was built from, and asks the webserver
  for a reload when they differ;
- :func:`reload_location`: the same request as a plain call (``elt reload`` uses the
  client directly).
"""

import json
import time

import dagster as dg

from elt_project.errors import TransientError
from elt_project.orchestration.dagster_client import LOCATION_NAME, DagsterClient, DagsterClientError
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import current_fingerprint
from elt_project.settings import Settings

__all__ = ["LOCATION_NAME", "build_config_change_sensor", "reload_location"]

#: A failed or unanswered reload is asked again after this long.
RETRY_AFTER_S = 300


def reload_location(base_url: str, location_name: str = LOCATION_NAME, *, timeout_s: float = 30.0) -> str:
    """Ask the webserver to reload a code location; returns the new location's state.

    Returns ``"loaded"``, or the one-line load error (for example a config table
    that cannot be read). Raises :class:`~elt_project.orchestration.dagster_client.DagsterUnreachable`
    (a :class:`TransientError`) when the webserver cannot be reached, and
    :class:`~elt_project.orchestration.dagster_client.LocationNotLoaded` when it has no such location.
    """
    return DagsterClient(base_url, timeout_s=timeout_s, location=location_name).reload_location()


def build_config_change_sensor(loaded_fingerprint: str, settings: Settings) -> dg.SensorDefinition:
    """``config_change_sensor``: reloads the location when config rows or rules change.

    It runs inside the code location it reloads, so the webserver call has a short
    timeout: the reload replaces this very process, and the answer may never come.
    """

    @dg.sensor(
        name="config_change_sensor",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING
        if settings.sensors_running_by_default
        else dg.DefaultSensorStatus.STOPPED,
        description=("Reloads this code location when active elt_pipeline_configs rows or data_quality_rules change."),
    )
    def config_change_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        current = current_fingerprint(warehouse.engine())
        if current == loaded_fingerprint:
            context.update_cursor(None)
            return dg.SkipReason("Configuration unchanged since the last load.")
        asked = json.loads(context.cursor) if context.cursor else {}
        now = time.time()
        if asked.get("fingerprint") == current and now - asked.get("at", 0) < RETRY_AFTER_S:
            return dg.SkipReason("Configuration changed; a reload was already requested.")
        context.update_cursor(json.dumps({"fingerprint": current, "at": now}))
        try:
            outcome = reload_location(settings.dagster_url, timeout_s=10)
        except (TransientError, DagsterClientError) as exc:
            context.log.warning(str(exc))
            return dg.SkipReason(f"Configuration changed, but the reload request failed: {exc}")
        return dg.SkipReason(f"Configuration changed; reload requested ({outcome}).")

    return config_change_sensor
