"""Launching the ticked imports and watching the runs a person launched.

Every action checks the account again: a posted import that is not theirs is
refused with 403 (404 when no such import exists) before anything is launched;
a run is shown only to the person who launched it (admins: any run) and only
while its group is still theirs — to anyone else it does not exist (404).

A run's details are a page of this app, not Dagster's UI (which has no login
and is for administrators on loopback): what each import did, the rules a file
broke, and the run's event log read over GraphQL without stack traces. Admins
also get the link to the run in Dagster.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from elt_project.auth.permissions import allowed_pipelines, runnable_imports
from elt_project.auth.roles import has_role
from elt_project.errors import EltError
from elt_project.orchestration.dagster_client import DagsterClientError, RunEvent, RunInfo, RunNotFound
from elt_project.orchestration.launch import (
    TAG_IMPORTS,
    TAG_LAUNCHED_BY,
    TAG_PIPELINE,
    LaunchOutcome,
    LaunchProblem,
    launch_all,
    plan_launches,
)
from elt_project.pipeline.overview import ImportOutcome, run_outcomes, without_server_paths
from elt_project.runner.auth import current_account, login_required
from elt_project.runner.imports import outcome_json
from elt_project.runner.services import reading_warehouse, services

bp = Blueprint("runs", __name__)

MAX_IMPORTS_PER_REQUEST = 500
RUNS_LISTED = 25
#: Entries of a run's event log read for its details page (a run of a few imports has ~50).
EVENTS_SHOWN = 1000
_RUN_ID = re.compile(r"^[0-9a-fA-F-]{8,64}$")
RUN_WORDS = {
    "QUEUED": "Waiting for its turn",
    "NOT_STARTED": "Waiting",
    "MANAGED": "Waiting",
    "STARTING": "Starting",
    "STARTED": "Running",
    "SUCCESS": "Finished",
    "FAILURE": "Failed",
    "CANCELING": "Stopping",
    "CANCELED": "Stopped",
}


def posted_import_names() -> list[str]:
    """The ticked import names from a JSON body (``{"imports": [...]}``) or a form, de-duplicated."""
    if request.is_json:
        body = request.get_json(silent=True) or {}
        names = body.get("imports") if isinstance(body, dict) else None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            abort(400, description='Send {"imports": ["name", ...]}.')
    else:
        names = request.form.getlist("import")
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
    if not names:
        abort(400, description="Tick at least one import, then press Run Selected Imports.")
    if len(names) > MAX_IMPORTS_PER_REQUEST:
        abort(400, description=f"Tick at most {MAX_IMPORTS_PER_REQUEST} imports at a time.")
    return names


def launch_for_current_account(names: list[str], files: dict[str, list[str]] | None = None) -> LaunchOutcome:
    """Authorize every name first (403/404 and nothing runs), then launch one run per group."""
    account = current_account()
    checked = reading_warehouse(runnable_imports, account, names)
    if checked.unknown:
        abort(404, description=f"There is no import named '{checked.unknown[0]}'.")
    if checked.forbidden:
        abort(403, description=f"You may not run import '{checked.forbidden[0]}'; nothing was started.")
    requests = plan_launches(checked.configs, account.username, files=files)
    outcome = launch_all(services().dagster, requests)
    outcome.problems[:0] = [LaunchProblem(name, why) for name, why in checked.unavailable.items()]
    return outcome


def outcome_summary(outcome: LaunchOutcome) -> dict:
    return {
        "launched": [
            {"run_id": run.run_id, "pipeline_name": run.pipeline_name, "imports": list(run.imports)}
            for run in outcome.launched
        ],
        "problems": [{"import_name": p.import_name, "message": p.message} for p in outcome.problems],
    }


@bp.post("/runs")
@login_required
def launch():
    outcome = launch_for_current_account(posted_import_names())
    if request.is_json:
        return jsonify(outcome_summary(outcome))
    for run in outcome.launched:
        flash(f"Started {run.pipeline_name}: {', '.join(run.imports)}.")
    for problem in outcome.problems:
        flash(problem.message, "problem")
    return redirect(url_for("imports.index"), code=303)


def may_view(info: RunInfo, allowed: set[str]) -> bool:
    """The launcher of a run (or an admin) may see it while its group is one of theirs."""
    account = current_account()
    if has_role(account.role, "admin"):
        return True
    return info.tags.get(TAG_LAUNCHED_BY) == account.username and info.tags.get(TAG_PIPELINE) in allowed


def authorized_run(run_id: str) -> RunInfo:
    if not _RUN_ID.match(run_id or ""):
        abort(404, description="There is no run with this id.")
    try:
        info = services().dagster.run(run_id)
    except RunNotFound:
        abort(404, description="There is no run with this id.")
    allowed = reading_warehouse(allowed_pipelines, current_account())
    if not may_view(info, allowed):  # not told apart from a run that does not exist
        abort(404, description="There is no run with this id.")
    return info


def run_json(info: RunInfo, outcomes: list[ImportOutcome]) -> dict:
    """A run as the Run Status section shows it, in plain words."""
    loaded = [o.rows_loaded for o in outcomes if o.rows_loaded is not None]
    errors = [
        {"import_name": o.import_name, "error_message": o.error_message, "resolution_steps": o.resolution_steps}
        for o in outcomes
        if o.error_message
    ]
    message = RUN_WORDS.get(info.status, info.status.replace("_", " ").capitalize())
    if info.status == "SUCCESS":
        message = f"Finished: {sum(loaded):,} rows loaded." if loaded else "Finished: no new rows to load."
    elif info.status == "FAILURE" and not errors:
        message = (
            "The run stopped before the import could record why; open (details) for the technical log, "
            "or ask an administrator."
        )
    elif info.status == "FAILURE":
        message = "Failed."
    imports = [n for n in (info.tags.get(TAG_IMPORTS) or "").split(",") if n]
    return {
        "run_id": info.run_id,
        "pipeline_name": info.tags.get(TAG_PIPELINE, info.job_name),
        "imports": imports,
        "status": info.status,
        "finished": info.finished,
        "message": message,
        "started_at": info.start_time or info.creation_time,
        "rows_loaded": sum(loaded) if loaded and info.finished else None,
        "errors": errors,
        "outcomes": [outcome_json(o) for o in outcomes],
        "details_url": url_for("runs.details", run_id=info.run_id),
        "dagster_url": dagster_url(info.run_id),
    }


def dagster_url(run_id: str) -> str | None:
    """The run's page in Dagster's UI, for administrators only (None for everyone else)."""
    if not has_role(current_account().role, "admin"):
        return None
    return services().dagster.run_url(run_id, services().dagster_public_url)


@bp.get("/api/runs")
@login_required
def list_runs():
    account = current_account()
    try:
        runs = services().dagster.runs_tagged({TAG_LAUNCHED_BY: account.username}, limit=RUNS_LISTED)
    except DagsterClientError as exc:
        return jsonify({"runs": [], "problem": str(exc)})
    allowed = reading_warehouse(allowed_pipelines, account)
    runs = [r for r in runs if may_view(r, allowed)]
    try:
        outcomes = reading_warehouse(run_outcomes, [r.run_id for r in runs])
    except EltError as exc:
        return jsonify({"runs": [run_json(r, []) for r in runs], "problem": str(exc)})
    return jsonify({"runs": [run_json(r, outcomes.get(r.run_id, [])) for r in runs], "problem": None})


@bp.get("/api/runs/<run_id>")
@login_required
def run_status(run_id: str):
    info = authorized_run(run_id)
    outcomes = reading_warehouse(run_outcomes, [info.run_id]).get(info.run_id, [])
    return jsonify(run_json(info, outcomes))


@bp.get("/runs/<run_id>/details")
@login_required
def details(run_id: str):
    """The run on this page: each import's outcome, the technical messages, the event log."""
    info = authorized_run(run_id)
    outcomes = reading_warehouse(run_outcomes, [info.run_id]).get(info.run_id, [])
    events: list[RunEvent] = []
    events_problem = None
    try:
        events = services().dagster.run_events(info.run_id, limit=EVENTS_SHOWN)
    except DagsterClientError as exc:
        events_problem = str(exc)
    shown = [shown_event(event) for event in events]
    return render_template(
        "run.html",
        title=f"Run {info.run_id[:8]} · Data Importer",
        account=current_account(),
        run=run_json(info, outcomes),
        outcomes=outcomes,
        problems=[event for event in shown if event["problem"]],
        events=shown,
        events_problem=events_problem,
    )


def shown_event(event: RunEvent) -> dict:
    """An event as the details page lists it: UTC time, level, step, text without server paths."""
    return {
        "when": datetime.fromtimestamp(event.timestamp, UTC).strftime("%H:%M:%S") if event.timestamp else "",
        "iso": datetime.fromtimestamp(event.timestamp, UTC).isoformat() if event.timestamp else "",
        "level": event.level,
        "step": event.step_key or "",
        "message": without_server_paths(event.message),
        "error": without_server_paths(event.error),
        "problem": event.is_problem,
    }
