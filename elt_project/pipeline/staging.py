"""Streaming one source file into the staging table.

parse (Arrow batches from :mod:`elt_project.ingest.reader`) → column plan
(:mod:`.mapping`) → enrichment (:mod:`.enrichment`) → lineage columns
(``dagster_run_id`` always; ``source_file_hash`` and ``source_row_number`` when the
staging table has them) → text for number columns converted exactly, or refused
(:mod:`.conversion`) → :func:`elt_project.db.dialects.bulk_load`.

Memory stays flat: only one batch is alive at a time, whatever the file size.
Staging is append-only and keyed by run id, so a failed load is undone by deleting
the run's rows (:func:`delete_run_rows`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from elt_project.config.models import PipelineConfig
from elt_project.db import dialects
from elt_project.db.schema import RUN_ID_COLUMN, SOURCE_HASH_COLUMN, SOURCE_ROW_COLUMN
from elt_project.errors import ConfigurationError, EltError, SourceFileError
from elt_project.ingest.nulls import na_values_for_typed
from elt_project.pipeline import conversion, failures, schema_drift
from elt_project.pipeline.crashpoints import crash_point
from elt_project.pipeline.enrichment import Enricher
from elt_project.pipeline.mapping import ColumnPlan
from elt_project.pipeline.tables import display_name, find_column, reflect_table

PREVIEW_ROWS = 5


@dataclass
class FileLoad:
    """Counts and a preview of one staged file."""

    rows_read: int = 0
    rows_staged: int = 0
    preview: list[dict] = field(default_factory=list)
    #: Why the built-in transform would change a value of this file (None: it would not).
    narrowing: str | None = None
    #: Sentences about the file's columns the run must report (new columns left out).
    notes: list[str] = field(default_factory=list)


def lineage_columns(staging: sa.Table) -> dict[str, str | None]:
    """Real names of the lineage columns in ``staging``; a missing ``dagster_run_id`` is an error."""
    run_column = find_column(staging, RUN_ID_COLUMN)
    if run_column is None:
        raise ConfigurationError(
            f"Staging table {display_name(staging)} has no {RUN_ID_COLUMN} column; add "
            f"'{RUN_ID_COLUMN} VARCHAR(255)' to it so each row records the run that loaded it."
        )
    hash_column = find_column(staging, SOURCE_HASH_COLUMN)
    row_column = find_column(staging, SOURCE_ROW_COLUMN)
    return {
        "run": run_column.name,
        "hash": hash_column.name if hash_column is not None else None,
        "row": row_column.name if row_column is not None else None,
    }


def load_file(
    engine: Engine,
    staging: sa.Table,
    config: PipelineConfig,
    path: Path,
    *,
    enricher: Enricher,
    run_id: str,
    content_hash: str,
    batch_rows: int = 32_768,
    observe: Callable[[pa.RecordBatch], None] | None = None,
) -> FileLoad:
    """Parse ``path`` and append its rows to ``staging`` in one transaction.

    ``observe`` sees every batch exactly as it is staged (the quality rules settled in
    the stream, :mod:`.quality_stream`).

    Batches of 32k rows (not the parser's default 64k): with the lineage columns a
    64k batch is ~13 MB and a few are alive at once (parser, shaping, loader), which
    put the PostgreSQL load's peak RSS above 300 MB; at 32k it is ~270 MB, as fast.
    """
    from elt_project.ingest import reader  # the ingest package owns parsing

    lineage = lineage_columns(staging)
    result = FileLoad()
    batches = reader.read_batches(
        path,
        file_type=config.file_type,
        parser_function=config.parser_function,
        options=config.scraper_config,
        batch_rows=batch_rows,
    )

    na_values = na_values_for_typed(config.scraper_config)
    destination = _builtin_destination(engine, config)
    problems: list[str] = []
    batches = iter(batches)
    first = next(batches, None)
    drift = None
    if first is not None:  # the policy may add columns to staging: before the load starts
        drift = schema_drift.resolve(engine, staging, config, list(first.schema.names), path)
        staging = drift.staging

    def staged_batches() -> Iterator[pa.RecordBatch]:
        if drift is None:
            return
        plan: ColumnPlan = drift.plan
        typed = conversion.plan_targets(staging, plan.targets, engine.dialect.name, destination)
        limits = conversion.text_limits(staging, plan.targets, destination)
        for batch in itertools.chain([first], batches):
            if batch.num_rows == 0:
                continue
            first_row = result.rows_read + 1
            shaped = shape_batch(batch, plan, enricher, lineage, run_id, content_hash, first_row=first_row)
            conversion.check_text_lengths(shaped, limits, first_row=first_row, file_name=path.name)
            shaped = conversion.convert_batch(
                shaped, typed, na_values, first_row=first_row, file_name=path.name, problems=problems
            )
            if not result.preview:
                result.preview = shaped.slice(0, PREVIEW_ROWS).to_pylist()
                crash_point("after_parse")
            result.rows_read += batch.num_rows
            if observe is not None:
                observe(shaped)
            yield shaped

    try:
        result.rows_staged = dialects.bulk_load(engine, staging, staged_batches())
    except BaseException as exc:
        if drift is not None:
            schema_drift.undo_staging(engine, config, drift.added_to_staging)
        if isinstance(exc, conversion.WideningNeeded):
            raise schema_drift.propose_widening(engine, config, staging, exc, path, run_id) from exc
        if isinstance(exc, EltError) or not isinstance(exc, Exception):
            raise
        if failures.is_disk_full(exc) or failures.is_transient(exc, str(exc)):  # not the file's fault
            raise failures.classify(exc, f"file {path.name} was loading into staging") from exc
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise SourceFileError(
            f"Loading file {path.name} into staging table {display_name(staging)} failed ({reason}); "
            "fix the file or the staging table's columns and run again."
        ) from exc
    result.narrowing = problems[0] if problems else None
    if drift is not None:
        schema_drift.record_staged(engine, config, run_id, path.name, drift)
        result.notes = drift.notes
    return result


def _builtin_destination(engine: Engine, config: PipelineConfig) -> sa.Table | None:
    """The destination the built-in transform will cast into (None with a procedure, or not there yet)."""
    if config.transform_procedure:
        return None
    try:
        return reflect_table(engine, config.destination_table, what="destination table")
    except EltError:
        return None  # the transform reports a missing destination in its own words


def shape_batch(
    batch: pa.RecordBatch,
    plan: ColumnPlan,
    enricher: Enricher,
    lineage: dict[str, str | None],
    run_id: str,
    content_hash: str,
    *,
    first_row: int,
) -> pa.RecordBatch:
    """Select and rename the planned columns, enrich, then add the lineage columns (those named in ``lineage``)."""
    shaped = pa.RecordBatch.from_arrays([batch.column(i) for i in plan.sources], names=list(plan.targets))
    shaped = enricher.apply(shaped)
    n = shaped.num_rows
    if lineage["run"]:
        shaped = shaped.append_column(lineage["run"], pa.repeat(pa.scalar(run_id, pa.string()), n))
    if lineage["hash"]:
        shaped = shaped.append_column(lineage["hash"], pa.repeat(pa.scalar(content_hash, pa.string()), n))
    if lineage["row"]:  # numpy, not range(): a million Python ints cost a tenth of a second
        shaped = shaped.append_column(lineage["row"], pa.array(np.arange(first_row, first_row + n, dtype=np.int64)))
    return shaped


def run_rows(staging: sa.Table, run_id: str, lineage: dict[str, str | None]):
    """The WHERE clause selecting one run's rows."""
    return staging.c[lineage["run"]] == run_id


def delete_run_rows(engine: Engine, staging: sa.Table, run_id: str, content_hashes: list[str] | None = None) -> int:
    """Delete this run's staged rows (only those of ``content_hashes`` when the table records hashes)."""
    lineage = lineage_columns(staging)
    condition = run_rows(staging, run_id, lineage)
    if content_hashes is not None and lineage["hash"]:
        condition = sa.and_(condition, staging.c[lineage["hash"]].in_(content_hashes))
    with engine.begin() as conn:
        return conn.execute(sa.delete(staging).where(condition)).rowcount or 0


def count_run_rows(conn, staging: sa.Table, run_id: str, content_hashes: list[str] | None = None) -> int:
    """This run's staged rows (only those of ``content_hashes`` when the table records hashes)."""
    lineage = lineage_columns(staging)
    condition = run_rows(staging, run_id, lineage)
    if content_hashes is not None and lineage["hash"]:
        condition = sa.and_(condition, staging.c[lineage["hash"]].in_(content_hashes))
    return int(conn.execute(sa.select(sa.func.count()).select_from(staging).where(condition)).scalar())
