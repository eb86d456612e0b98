"""Uploading a file for one of your imports; its run then shows in Run Status like any other.

The file lands in the import's monitored folder under a generated name
(:mod:`elt_project.ingest.uploads`), and a run is launched for exactly that file,
tagged with the uploader, so it appears in their Run Status.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for

from elt_project.auth.permissions import runnable_imports
from elt_project.errors import SourceFileError
from elt_project.ingest.uploads import save_upload
from elt_project.runner.auth import current_account, desktop_mode, login_required, signed_in_cookie
from elt_project.runner.runs import launch_for_current_account, outcome_summary
from elt_project.runner.services import reading_warehouse, services

bp = Blueprint("uploads", __name__)
#: Endpoints whose bodies are files: nobody anonymous gets them read.
FILE_ENDPOINTS = frozenset({"uploads.upload"})


def refuse_anonymous_bodies() -> None:
    """401 for an upload from someone not logged in, before the body is read or parsed.

    Runs before every other check (CSRF reads the form), and looks only at the
    cookie and the process's session registry: no warehouse read, no body. The full
    account check still happens in :func:`login_required`. The server in front
    (waitress) caps every body at the upload limit besides (see ``simple_ui.py``).
    """
    if request.endpoint not in FILE_ENDPOINTS or desktop_mode():
        return
    if not signed_in_cookie():
        abort(401, description="Please log in first.")


@bp.post("/upload")
@login_required
def upload():
    import_name = (request.form.get("import_name") or "").strip()
    if not import_name:
        abort(400, description="Choose the import the file is for.")
    checked = reading_warehouse(runnable_imports, current_account(), [import_name])
    if checked.unknown:
        abort(404, description=f"There is no import named '{import_name}'.")
    if checked.forbidden:
        abort(403, description=f"You may not upload files for import '{import_name}'.")
    if not checked.configs:
        abort(400, description=checked.unavailable.get(import_name, "This import cannot take files now."))
    config = checked.configs[0]
    file = request.files.get("file")
    if file is None or not file.filename:
        abort(400, description="Choose a file to upload.")
    try:
        path = save_upload(
            config,
            file.stream,
            file.filename,
            max_bytes=services().settings.runner_upload_max_mb * 1024 * 1024,
            uploader=current_account().username,
            roots=services().settings.monitored_root_folders(),
        )
    except SourceFileError as exc:
        abort(400, description=str(exc))
    outcome = launch_for_current_account([import_name], files={import_name: [str(path)]})
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"file_name": path.name, **outcome_summary(outcome)})
    flash(f"Received {file.filename} for {import_name} (saved as {path.name}).")
    for run in outcome.launched:
        flash(f"Started {run.pipeline_name}: {', '.join(run.imports)}.")
    for problem in outcome.problems:
        flash(problem.message + " The file is waiting in the import's folder.", "problem")
    return redirect(url_for("imports.index"), code=303)
