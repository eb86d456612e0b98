"""Picking up config edits without restarting Dagster.

A code location is built from a snapshot of the config table (see
:mod:`elt_project.orchestration.component`), so an edited row shows up only after
the location is reloaded. Two ways to ask for that, both through the webserver's
GraphQL ``reloadRepositoryLocation`` mutation:

- :func:`build_config_change_sensor`: compares the fingerprint of the active config
  rows and rules with the one the location was built from, and asks the webserver
  for a reload when they differ;
- :func:`reload_location`: the same request, for the web runner's admin page and
  ``elt reload``.
"""

import json
import time

import dagster as dg
import requests

from elt_project.errors import TransientError
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import current_fingerprint
from elt_project.settings import Settings

#: The code location name given in workspace.yaml.
LOCATION_NAME = "elt_project"
#: A failed or unanswered reload is asked again after this long.
RETRY_AFTER_S = 300

_RELOAD_MUTATION = """
mutation ($location: String!) {
  reloadRepositoryLocation(repositoryLocationName: $location) {
    __typename
    ... on WorkspaceLocationEntry {
      locationOrLoadError { __typename ... on PythonError { message } }
    }
    ... on PythonError { message }
    ... on RepositoryLocationNotFound { message }
    ... on UnauthorizedError { message }
  }
}
"""


def dagster_base_url(settings: Settings) -> str:
    """The webserver URL the other services use; a wildcard bind address is reached on loopback."""
    host = settings.bind_host if settings.bind_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{host}:{settings.dagster_port}"


def reload_location(base_url: str, location_name: str = LOCATION_NAME, *, timeout_s: float = 30.0) -> str:
    """Ask the webserver to reload a code location; returns the new location's state.

    Returns ``"loaded"``, or the one-line load error (for example a config table
    that cannot be read). Raises :class:`TransientError` when the webserver cannot
    be reached or answers with an error.
    """
    try:
        response = requests.post(
            f"{base_url.rstrip('/')}/graphql",
            json={"query": _RELOAD_MUTATION, "variables": {"location": location_name}},
            timeout=timeout_s,
        )
        response.raise_for_status()
        payload = response.json()
    except (requests.RequestException, json.JSONDecodeError) as exc:
        raise TransientError(
            f"Could not ask the Dagster webserver at {base_url} to reload '{location_name}'; "
            "check that it is running (DAGSTER_PORT) and try again."
        ) from exc
    result = (payload.get("data") or {}).get("reloadRepositoryLocation") or {}
    kind = result.get("__typename")
    if kind == "WorkspaceLocationEntry":
        location = result.get("locationOrLoadError") or {}
        if location.get("__typename") == "PythonError":
            return f"load error: {location.get('message', '').strip().splitlines()[0]}"
        return "loaded"
    message = result.get("message") or json.dumps(payload.get("errors") or payload)[:300]
    raise TransientError(f"The Dagster webserver refused to reload '{location_name}': {message}")


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
        description=(
            "Reloads this code location when active elt_pipeline_configs rows or data_quality_rules change."
        ),
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
            outcome = reload_location(dagster_base_url(settings), timeout_s=10)
        except TransientError as exc:
            context.log.warning(str(exc))
            return dg.SkipReason(f"Configuration changed, but the reload request failed: {exc}")
        return dg.SkipReason(f"Configuration changed; reload requested ({outcome}).")

    return config_change_sensor
