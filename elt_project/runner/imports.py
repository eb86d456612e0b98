"""The page itself and the list of the imports a person may run, grouped by pipeline."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, render_template, request

from elt_project.auth.permissions import allowed_pipelines
from elt_project.errors import EltError
from elt_project.ingest.uploads import allowed_extensions
from elt_project.orchestration.dagster_client import DagsterClientError
from elt_project.pipeline.freshness import Freshness, freshness_report
from elt_project.pipeline.overview import ImportOutcome, PipelineGroup, import_groups
from elt_project.pipeline.schema_changes import shown_by_import
from elt_project.runner.auth import current_account, login_required
from elt_project.runner.services import reading_warehouse, services

bp = Blueprint("imports", __name__)


def permitted_groups() -> list[PipelineGroup]:
    """The signed-in person's groups, checked against the permissions on this very request."""
    account = current_account()
    pipelines = reading_warehouse(allowed_pipelines, account)
    return reading_warehouse(import_groups, pipelines)


def freshness_of(groups: list[PipelineGroup]) -> dict[str, Freshness]:
    """Import name -> its freshness now; the app's ``CLOCK`` (aware UTC) is the time, for tests."""
    configs = [entry.config for group in groups for entry in group.imports]
    now = current_app.config.get("CLOCK", lambda: datetime.now(UTC))()
    return {report.import_name: report for report in reading_warehouse(freshness_report, configs, now)}


def outcome_json(outcome: ImportOutcome | None) -> dict | None:
    if outcome is None:
        return None
    return {
        "import_name": outcome.import_name,
        "run_id": outcome.run_id,
        "status": outcome.status,
        "status_words": outcome.status_words,
        "when": outcome.when.isoformat() + "Z" if outcome.when else None,
        "rows_loaded": outcome.rows_loaded,
        "error_message": outcome.error_message,
        "resolution_steps": outcome.resolution_steps,
        "warnings": list(outcome.warnings),
        "file_name": outcome.file_name,
        "duplicate_of": outcome.duplicate_of,
    }


@bp.get("/")
@login_required
def index():
    warehouse_problem = dagster_problem = None
    groups: list[PipelineGroup] = []
    freshness: dict[str, Freshness] = {}
    try:
        groups = permitted_groups()
        freshness = freshness_of(groups)
    except EltError as exc:
        warehouse_problem = str(exc)
    try:
        services().dagster_probe.check_location()
    except DagsterClientError as exc:
        dagster_problem = str(exc)
    uploadable = [entry.config for group in groups for entry in group.imports if entry.config.reads_monitored_folder]
    names = [entry.import_name for group in groups for entry in group.imports]
    return render_template(
        "index.html",
        account=current_account(),
        desktop=services().settings.runner_auth == "desktop",
        groups=groups,
        freshness=freshness,
        uploadable=uploadable,
        upload_accept={c.import_name: ",".join(sorted(allowed_extensions(c) or ())) for c in uploadable},
        max_upload_mb=services().settings.runner_upload_max_mb,
        warehouse_problem=warehouse_problem,
        dagster_problem=dagster_problem,
        hub_url=services().hub_url(request.host),
        schema_changes=reading_warehouse(shown_by_import, names) if names else {},
    )


@bp.get("/api/imports")
@login_required
def list_imports():
    groups = permitted_groups()
    freshness = freshness_of(groups)
    changes = reading_warehouse(shown_by_import, [entry.import_name for group in groups for entry in group.imports])
    return jsonify(
        {
            "groups": [
                {
                    "pipeline_name": group.pipeline_name,
                    "imports": [
                        {
                            "import_name": entry.import_name,
                            "file_type": entry.config.file_type,
                            "file_pattern": entry.config.file_pattern,
                            "last_load": outcome_json(entry.last_load),
                            "later_attempt": outcome_json(entry.attempt_after_load),
                            "freshness": freshness[entry.import_name].as_dict(),
                            "schema_changes": changes.get(entry.import_name, []),
                        }
                        for entry in group.imports
                    ],
                }
                for group in groups
            ]
        }
    )
