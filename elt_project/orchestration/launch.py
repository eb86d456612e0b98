"""Turning a set of ticked imports into Dagster runs: one run per pipeline group.

The page (and anything else that launches on someone's behalf) hands over the
chosen imports; this module works out each group's job, the assets to select
(the ticked imports' staging assets plus the group's transform) and the run
config, then launches them one by one through :class:`DagsterClient`. One import
that cannot be launched never stops the others: it comes back as a
:class:`LaunchProblem` naming the import and the reason ("queue processing").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from elt_project.config.models import PipelineConfig
from elt_project.orchestration.assets import staging_asset_name, staging_op_name, transform_asset_name
from elt_project.orchestration.dagster_client import DagsterClient, DagsterClientError, DagsterUnreachable
from elt_project.orchestration.factory import group_job_name

#: Tags every run launched for a person carries; the page lists a person's runs by them.
TAG_LAUNCHED_BY = "elt/launched_by"
TAG_PIPELINE = "elt/pipeline"
TAG_IMPORTS = "elt/imports"


@dataclass(frozen=True)
class LaunchRequest:
    """One run to ask for: a group's job with some of its imports selected."""

    pipeline_name: str
    imports: tuple[str, ...]
    job_name: str
    staging_assets: tuple[str, ...]
    transform_asset: str
    run_config: dict[str, Any]
    tags: dict[str, str]


@dataclass(frozen=True)
class LaunchedRun:
    run_id: str
    pipeline_name: str
    imports: tuple[str, ...]


@dataclass(frozen=True)
class LaunchProblem:
    import_name: str
    message: str


@dataclass
class LaunchOutcome:
    launched: list[LaunchedRun] = field(default_factory=list)
    problems: list[LaunchProblem] = field(default_factory=list)


def plan_launches(
    configs: Iterable[PipelineConfig],
    launched_by: str,
    *,
    files: Mapping[str, list[str]] | None = None,
    trigger: str = "runner",
) -> list[LaunchRequest]:
    """One request per pipeline group, in the order the groups were first ticked.

    ``files`` pins an import's run to named files (an uploaded file); such an
    import gets a run of its own, because a run's ``files`` belong to one import.
    """
    groups: dict[tuple[str, str | None], list[PipelineConfig]] = {}
    for config in configs:
        pinned = (files or {}).get(config.import_name)
        key = (config.pipeline_name, config.import_name if pinned else None)
        groups.setdefault(key, []).append(config)
    requests = []
    for (pipeline_name, pinned_import), members in groups.items():
        op_config: dict[str, Any] = {"trigger": trigger}
        if pinned_import:
            op_config["files"] = list((files or {})[pinned_import])
        imports = tuple(c.import_name for c in members)
        tags = {
            TAG_LAUNCHED_BY: launched_by,
            TAG_PIPELINE: pipeline_name,
            TAG_IMPORTS: ",".join(imports),
            "trigger": trigger,
        }
        if len(members) == 1:  # the instance's run queue keeps two runs of one import apart by this tag
            tags["import"] = members[0].asset_slug
        requests.append(
            LaunchRequest(
                pipeline_name=pipeline_name,
                imports=imports,
                job_name=group_job_name(members[0].group_slug),
                staging_assets=tuple(staging_asset_name(c) for c in members),
                transform_asset=transform_asset_name(pipeline_name),
                run_config={"ops": {staging_op_name(pipeline_name): {"config": op_config}}},
                tags=tags,
            )
        )
    return requests


def launch_all(client: DagsterClient, requests: list[LaunchRequest]) -> LaunchOutcome:
    """Launch every request; each failure is recorded per import and the next request still runs."""
    outcome = LaunchOutcome()
    if not requests:
        return outcome
    try:
        client.check_location()
    except DagsterClientError as exc:
        outcome.problems += [LaunchProblem(name, str(exc)) for r in requests for name in r.imports]
        return outcome
    for index, request in enumerate(requests):
        try:
            _launch_one(client, request, outcome)
        except DagsterUnreachable as exc:  # every later call would wait for the same timeout
            for later in requests[index:]:
                outcome.problems += [LaunchProblem(name, str(exc)) for name in later.imports]
            break
        except DagsterClientError as exc:
            outcome.problems += [LaunchProblem(name, str(exc)) for name in request.imports]
    return outcome


def _launch_one(client: DagsterClient, request: LaunchRequest, outcome: LaunchOutcome) -> None:
    known = client.job_asset_names(request.job_name)
    kept = [(name, asset) for name, asset in zip(request.imports, request.staging_assets) if asset in known]
    for name, asset in zip(request.imports, request.staging_assets):
        if asset not in known:
            outcome.problems.append(
                LaunchProblem(
                    name,
                    f"Import '{name}' is not loaded in Dagster yet (new, renamed or switched off since the "
                    "last reload); ask an administrator to run `python3 launch.py elt reload`.",
                )
            )
    if not kept:
        return
    imports = tuple(name for name, _ in kept)
    assets = [asset for _, asset in kept]
    if request.transform_asset in known:
        assets.append(request.transform_asset)
    tags = {**request.tags, TAG_IMPORTS: ",".join(imports)}
    run_id = client.launch_run(request.job_name, assets, run_config=request.run_config, tags=tags)
    outcome.launched.append(LaunchedRun(run_id, request.pipeline_name, imports))
