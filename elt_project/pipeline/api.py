"""Entry points of the engine. Dagster assets, the CLI and the web runner call only these.

Contract (kept stable for callers):

``stage_import(engine, settings, config, files=None, *, run_id, trigger="manual", raise_on_quality_failure=True)``
    Parse the given files (or, with ``files=None``, every file in the import's
    monitored folder matching its pattern that the ledger has not loaded), apply
    column mapping and enrichment, bulk-load into the staging table tagged with
    ``run_id``, evaluate the data-quality rules on this run's rows, record the
    ledger (status STAGED) and the run log. Identical files already LOADED are
    skipped as duplicates. Returns a :class:`StageResult`. A FAIL rule raises
    :class:`DataQualityFailure` unless ``raise_on_quality_failure`` is False (the
    Dagster asset reports it as a blocking asset check instead); either way the
    import is then not transformed.

``transform_group(engine, settings, configs, *, run_id, trigger="manual")``
    For the imports among ``configs`` (one pipeline group) whose files this run
    STAGED: dedup, truncate ``replace`` destinations, run the transform, mark the
    ledger LOADED, set ``last_import_date`` and apply the replace→append switch, all
    in ONE transaction; then purge this run's staging rows per retention policy.
    Returns a :class:`TransformResult`.

``run_import(engine, settings, config, files=None, *, run_id=None)`` and
``run_pipeline(engine, settings, pipeline_name, *, run_id=None)``
    Both steps end to end (CLI ``elt run``), returning a :class:`RunSummary`.

``new_run_id()``
    A run id for runs outside Dagster.
"""

from __future__ import annotations

import uuid


def new_run_id() -> str:
    """A run id for runs started outside Dagster (CLI, tests): ``manual-`` plus a uuid."""
    return f"manual-{uuid.uuid4()}"
