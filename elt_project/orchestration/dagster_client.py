"""The one client that talks to a running Dagster webserver over GraphQL.

The Data Importer page launches and watches runs through it (and reads a run's
event log for the people who may not open Dagster's UI), and ``elt reload``
reloads the code location through it. Documents go over Dagster's public GraphQL
endpoint with ``gql``'s requests transport (the transport ``dagster-graphql`` uses);
reloads use :class:`DagsterGraphQLClient`'s public call. Two departures, both deliberate:

- runs are launched with the raw ``launchRun`` mutation and an ``assetSelection``:
  the library's ``submit_job_execution`` turns an asset that is not in the job
  into a bare ``KeyError`` instead of the server's ``InvalidSubsetError``;
- every failure becomes one of this module's errors (unreachable, location not
  loaded, job or asset missing, run not found), each one sentence that says what
  to do, so callers can tell them apart and never show a library message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportError, TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

from elt_project.errors import EltError, TransientError

log = logging.getLogger(__name__)

#: The code location name given in workspace.yaml.
LOCATION_NAME = "elt_project"
#: The repository Dagster makes of a ``Definitions`` object.
REPOSITORY_NAME = "__repository__"
#: Run statuses after which nothing changes any more.
FINISHED_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})


class DagsterClientError(EltError):
    """Base of the errors this client raises."""

    resolution = "Check that Dagster is running (`python3 launch.py`) and try again."


class DagsterUnreachable(DagsterClientError, TransientError):
    """The webserver does not answer (not started, wrong port, stopped)."""

    resolution = "Start the services with `python3 launch.py` (or ask an administrator), then try again."


class LocationNotLoaded(DagsterClientError):
    """The code location is missing or failed to load (for example a config table that cannot be read)."""

    resolution = "Ask an administrator to fix the code location and run `python3 launch.py elt reload`."


class JobOrAssetMissing(DagsterClientError):
    """The job or one of the selected assets is not in the loaded code location."""

    resolution = "Ask an administrator to run `python3 launch.py elt reload` so new or changed imports are picked up."


class RunNotFound(DagsterClientError):
    """Dagster has no run with this id."""

    resolution = "Check the run id; runs deleted from Dagster's history cannot be shown."


class LaunchRefused(DagsterClientError):
    """Dagster answered but did not start the run (bad run config, a conflict, an internal error)."""


@dataclass(frozen=True)
class RunInfo:
    """What the page needs of one Dagster run."""

    run_id: str
    status: str
    job_name: str
    tags: dict[str, str] = field(default_factory=dict)
    creation_time: float | None = None
    start_time: float | None = None
    end_time: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


@dataclass(frozen=True)
class RunEvent:
    """One entry of a run's event log, without stack traces (those stay in Dagster's UI)."""

    timestamp: float
    level: str
    kind: str
    message: str
    step_key: str | None = None
    #: For failure events: the exception's class and message, one line each.
    error: str | None = None

    @property
    def is_problem(self) -> bool:
        return self.level in ("ERROR", "CRITICAL", "WARNING") or self.error is not None


_LOCATION_QUERY = """
query ($name: String!) {
  workspaceLocationEntryOrError(name: $name) {
    __typename
    ... on WorkspaceLocationEntry {
      loadStatus
      locationOrLoadError { __typename ... on PythonError { message } }
    }
    ... on PythonError { message }
  }
}
"""

_JOB_ASSETS_QUERY = """
query ($selector: PipelineSelector!) {
  assetNodes(pipeline: $selector) { assetKey { path } }
}
"""

_LAUNCH_MUTATION = """
mutation ($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on RunConflict { message }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { stepKey }
    ... on PresetNotFoundError { message }
    ... on ConflictingExecutionParamsError { message }
    ... on NoModeProvidedError { message }
  }
}
"""

_EVENTS_QUERY = """
query ($runId: ID!, $afterCursor: String, $limit: Int) {
  logsForRun(runId: $runId, afterCursor: $afterCursor, limit: $limit) {
    __typename
    ... on EventConnection {
      cursor
      hasMore
      events {
        __typename
        ... on MessageEvent { message timestamp level stepKey eventType }
        ... on ErrorEvent { error { className message } }
      }
    }
    ... on RunNotFoundError { message }
    ... on PythonError { message }
  }
}
"""

_RUN_FIELDS = "runId status jobName creationTime startTime endTime tags { key value }"

_RUN_QUERY = f"""
query ($runId: ID!) {{
  runOrError(runId: $runId) {{
    __typename
    ... on Run {{ {_RUN_FIELDS} }}
    ... on RunNotFoundError {{ message }}
    ... on PythonError {{ message }}
  }}
}}
"""

_RUNS_QUERY = f"""
query ($filter: RunsFilter, $limit: Int) {{
  runsOrError(filter: $filter, limit: $limit) {{
    __typename
    ... on Runs {{ results {{ {_RUN_FIELDS} }} }}
    ... on InvalidPipelineRunsFilterError {{ message }}
    ... on PythonError {{ message }}
  }}
}}
"""


class DagsterClient:
    """A Dagster webserver at ``base_url`` (``http://host:port``, optionally with a path prefix)."""

    def __init__(self, base_url: str, *, timeout_s: float = 30.0, location: str = LOCATION_NAME) -> None:
        self.base_url = base_url.rstrip("/")
        self.location = location
        parts = urlsplit(self.base_url)
        self._graphql = DagsterGraphQLClient(
            parts.hostname or "127.0.0.1",
            port_number=parts.port,
            use_https=parts.scheme == "https",
            timeout=max(1, int(timeout_s)),
            path_prefix=parts.path.rstrip("/"),
        )
        self._endpoint = f"{self.base_url}/graphql"
        self._timeout = max(1, int(timeout_s))

    # ---- transport -------------------------------------------------------------------

    def _execute(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run one GraphQL document; every transport failure becomes :class:`DagsterUnreachable`."""
        client = Client(transport=RequestsHTTPTransport(url=self._endpoint, use_json=True, timeout=self._timeout))
        try:
            return client.execute(GraphQLRequest(query, variable_values=dict(variables or {})))
        except TransportQueryError as exc:
            log.info("Dagster GraphQL call failed: %s", exc)
            raise LaunchRefused(
                "Dagster could not answer the request; ask an administrator to look at Dagster's log."
            ) from exc
        except TransportError as exc:
            log.info("Dagster GraphQL call failed: %s", exc)
            raise DagsterUnreachable(
                f"Dagster is not answering at {self.base_url}; start the services with `python3 launch.py` "
                "(or ask an administrator), then try again."
            ) from exc
        except requests.RequestException as exc:
            raise DagsterUnreachable(
                f"Dagster is not answering at {self.base_url}; start the services with `python3 launch.py` "
                "(or ask an administrator), then try again."
            ) from exc

    # ---- code location -----------------------------------------------------------------

    def reload_location(self, location: str | None = None) -> str:
        """Reload a code location; ``"loaded"`` or ``"load error: <first line>"``.

        Raises :class:`DagsterUnreachable` or :class:`LocationNotLoaded` (no such location).
        """
        name = location or self.location
        try:
            info = self._graphql.reload_repository_location(name)
        except DagsterGraphQLClientError as exc:
            raise DagsterUnreachable(
                f"Could not ask the Dagster webserver at {self.base_url} to reload '{name}'; "
                "check that it is running (DAGSTER_PORT) and try again."
            ) from exc
        if info.status.value == "SUCCESS":
            return "loaded"
        if info.failure_type == "PythonError":
            first = (info.message or "").strip().splitlines()
            return f"load error: {first[0] if first else 'unknown error'}"
        raise LocationNotLoaded(
            f"Dagster has no code location named '{name}' ({info.failure_type}); check workspace.yaml's location_name."
        )

    def check_location(self) -> None:
        """Raise :class:`LocationNotLoaded` unless the code location is loaded and healthy."""
        data = self._execute(_LOCATION_QUERY, {"name": self.location})
        entry = data.get("workspaceLocationEntryOrError")
        if not entry or entry.get("__typename") != "WorkspaceLocationEntry":
            raise LocationNotLoaded(
                f"Dagster has no code location named '{self.location}'; ask an administrator to check "
                "workspace.yaml and run `python3 launch.py elt reload`."
            )
        if entry.get("loadStatus") == "LOADING":
            raise LocationNotLoaded("Dagster is still loading the imports; wait a minute and try again.")
        loaded = entry.get("locationOrLoadError") or {}
        if loaded.get("__typename") != "RepositoryLocation":
            log.warning("Code location %s failed to load: %s", self.location, loaded.get("message"))
            raise LocationNotLoaded(
                "Dagster could not load the imports (the code location has an error); "
                "ask an administrator to fix it and run `python3 launch.py elt reload`."
            )

    def job_asset_names(self, job_name: str) -> set[str]:
        """Names of the assets ``job_name`` can materialize (empty when the job does not exist)."""
        selector = self._selector(job_name)
        try:
            data = self._execute(_JOB_ASSETS_QUERY, {"selector": selector})
        except LaunchRefused:  # an unknown job is reported as a query error
            return set()
        return {"/".join(node["assetKey"]["path"]) for node in data.get("assetNodes") or []}

    def _selector(self, job_name: str) -> dict[str, Any]:
        return {
            "repositoryLocationName": self.location,
            "repositoryName": REPOSITORY_NAME,
            "pipelineName": job_name,
        }

    # ---- runs --------------------------------------------------------------------------

    def launch_run(
        self,
        job_name: str,
        asset_names: Iterable[str],
        *,
        run_config: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Launch ``job_name`` on the selected assets; returns the new run id."""
        selector = {**self._selector(job_name), "assetSelection": [{"path": [name]} for name in asset_names]}
        params = {
            "selector": selector,
            "runConfigData": dict(run_config or {}),
            "mode": "default",
            "executionMetadata": {"tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]},
        }
        data = self._execute(_LAUNCH_MUTATION, {"executionParams": params})
        result = data.get("launchRun") or {}
        kind = result.get("__typename")
        if kind == "LaunchRunSuccess":
            return result["run"]["runId"]
        log.warning("Dagster refused to launch %s: %s %s", job_name, kind, result)
        if kind in ("InvalidSubsetError", "PipelineNotFoundError"):
            raise JobOrAssetMissing(
                f"Dagster does not know job '{job_name}' or one of its selected imports yet; "
                "ask an administrator to run `python3 launch.py elt reload`."
            )
        if kind == "RunConfigValidationInvalid":
            raise LaunchRefused(f"Dagster refused the settings of the run of '{job_name}'; see Dagster's log.")
        raise LaunchRefused(f"Dagster did not start '{job_name}' ({kind}); ask an administrator to check its log.")

    def run(self, run_id: str) -> RunInfo:
        """One run; :class:`RunNotFound` when Dagster has no such run."""
        data = self._execute(_RUN_QUERY, {"runId": run_id})
        result = data.get("runOrError") or {}
        if result.get("__typename") == "Run":
            return _run_info(result)
        if result.get("__typename") == "RunNotFoundError":
            raise RunNotFound(f"Dagster has no run with id {run_id}; check the id.")
        raise LaunchRefused("Dagster could not read the run; ask an administrator to check its log.")

    def runs_tagged(self, tags: Mapping[str, str], *, limit: int = 50) -> list[RunInfo]:
        """The newest runs carrying every one of ``tags``, newest first."""
        run_filter = {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
        data = self._execute(_RUNS_QUERY, {"filter": run_filter, "limit": limit})
        result = data.get("runsOrError") or {}
        if result.get("__typename") != "Runs":
            raise LaunchRefused("Dagster could not list the runs; ask an administrator to check its log.")
        return [_run_info(run) for run in result.get("results") or []]

    def run_events(self, run_id: str, *, limit: int = 2000, page_size: int = 500) -> list[RunEvent]:
        """The run's event log, oldest first, at most ``limit`` entries (public ``logsForRun`` query).

        Only messages, levels, step keys and error messages are read: no stack
        traces, which may show server paths and code. :class:`RunNotFound` when
        Dagster has no such run.
        """
        events: list[RunEvent] = []
        cursor: str | None = None
        while len(events) < limit:
            variables = {"runId": run_id, "afterCursor": cursor, "limit": min(page_size, limit - len(events))}
            result = self._execute(_EVENTS_QUERY, variables).get("logsForRun") or {}
            kind = result.get("__typename")
            if kind == "RunNotFoundError":
                raise RunNotFound(f"Dagster has no run with id {run_id}; check the id.")
            if kind != "EventConnection":
                raise LaunchRefused("Dagster could not read the run's log; ask an administrator to check its log.")
            events += [_run_event(node) for node in result.get("events") or [] if node.get("message") is not None]
            cursor = result.get("cursor")
            if not result.get("hasMore") or not cursor:
                break
        return events[:limit]

    def run_url(self, run_id: str, public_base_url: str | None = None) -> str:
        """The run's page in the Dagster UI."""
        return f"{(public_base_url or self.base_url).rstrip('/')}/runs/{run_id}"


def _run_event(node: Mapping[str, Any]) -> RunEvent:
    error = node.get("error") or None
    try:
        stamp = float(node.get("timestamp") or 0) / 1000  # GraphQL gives milliseconds, as a string
    except ValueError:
        stamp = 0.0
    return RunEvent(
        timestamp=stamp,
        level=node.get("level") or "INFO",
        kind=node.get("eventType") or node.get("__typename") or "",
        message=node.get("message") or "",
        step_key=node.get("stepKey"),
        error=": ".join(filter(None, [error.get("className"), error.get("message", "").strip()])) if error else None,
    )


def _run_info(node: Mapping[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=node["runId"],
        status=node["status"],
        job_name=node.get("jobName") or "",
        tags={tag["key"]: tag["value"] for tag in node.get("tags") or []},
        creation_time=node.get("creationTime"),
        start_time=node.get("startTime"),
        end_time=node.get("endTime"),
    )
