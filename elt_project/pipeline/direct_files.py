"""The direct path's reading side: each file parsed, shaped and checked exactly as staging would.

:mod:`.direct_load` runs the transaction (claims, writers, ledger); this module turns one
file into the batches its warehouse writer takes — mapped, enriched, length- and
number-checked, watched by the stream's quality rules — and raises :class:`StepAside`
the moment the staged flow would give another result (a value the transform would
refuse, drift, a column without an exact form), so the run goes the staged way.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from elt_project.config.models import PipelineConfig
from elt_project.db import binary_copy, direct_write, postgres_load, sqlite_scratch
from elt_project.ingest.identity import FileIdentity
from elt_project.ingest.nulls import na_values_for_typed
from elt_project.pipeline import conversion, transform
from elt_project.pipeline.crashpoints import crash_point
from elt_project.pipeline.enrichment import Enricher
from elt_project.pipeline.mapping import ColumnPlan, match_columns
from elt_project.pipeline.quality_stream import StreamChecks
from elt_project.pipeline.staging import PREVIEW_ROWS, lineage_columns, shape_batch
from elt_project.pipeline.tables import find_column


class StepAside(Exception):
    """The direct path would not give the staged flow's result: roll back, load the file staged."""


class FileLoader:
    """Parse, shape and check each file exactly as staging would, then hand it to the warehouse's writer."""

    def __init__(
        self,
        conn: Connection,
        config: PipelineConfig,
        staging: sa.Table,
        destination: sa.Table,
        enricher: Enricher,
        checks: StreamChecks,
        run_id: str,
        writer: direct_write.Writer,
    ) -> None:
        self.conn, self.config, self.staging, self.destination = conn, config, staging, destination
        self.enricher, self.checks, self.run_id, self.writer = enricher, checks, run_id, writer
        self.na_values = na_values_for_typed(config.scraper_config)
        self.through_scratch = writer.through_scratch
        self.preview: list[dict[str, Any]] = []
        # Per file: rows read so far, (destination column, batch position) pairs, their binary adapters.
        self.rows = 0
        self.pairs: list[tuple[str, int | None]] = []
        self.adapters: list[binary_copy.Adapter] = []

    def load(self, identity: FileIdentity) -> int:
        """Write one file's rows through the writer; returns how many."""
        from elt_project.ingest import reader

        path = Path(identity.path)
        batches = reader.read_batches(
            path,
            file_type=self.config.file_type,
            parser_function=self.config.parser_function,
            options=self.config.scraper_config,
            batch_rows=32_768,
        )
        first = next(batches, None)
        if first is None:
            raise StepAside  # a file without a header: the staged flow says what is wrong with it
        plan, drift = match_columns(
            list(first.schema.names),
            self.staging,
            self.config.column_mapping,
            import_name=self.config.import_name,
            file_name=path.name,
        )
        if drift:
            raise StepAside  # schema_policy decides, with DDL of its own
        self.rows, self.pairs, self.adapters = 0, [], []
        shaped = self._shaped(itertools.chain([first], batches), plan, identity)
        try:
            if self.through_scratch:  # SQLite: the staged batches into a scratch staging table, copied from there
                scratch, reals = sqlite_scratch.fill(self.conn, self.staging, self.destination, shaped)
                transform.builtin_insert(self.conn, scratch, self.destination, None, exact_reals=reals)
                return self.rows
            # Parsing and checking (Arrow, which releases the GIL) in a thread of their own, while this one
            # adapts, encodes and sends the batch before: the producer is the slower side, so it gets less.
            stream = self._picked(postgres_load.prefetch(shaped))
            first_out = next(stream, None)
            if first_out is None:
                return 0
            names = [name for name, _ in self.pairs]
            self.writer.write(names, itertools.chain([first_out], stream))
        except conversion.WideningNeeded as exc:
            raise StepAside from exc  # the staged flow records the ALTER TABLE that would make it fit
        return self.rows

    def _shaped(
        self, batches: Iterator[pa.RecordBatch], plan: ColumnPlan, identity: FileIdentity
    ) -> Iterator[pa.RecordBatch]:
        """The batches as staging would receive them: mapped, enriched, length- and number-checked, watched."""
        path = Path(identity.path)
        typed = conversion.plan_targets(self.staging, plan.targets, self.conn.dialect.name, self.destination)
        limits = conversion.text_limits(self.staging, plan.targets, self.destination)
        lineage = {  # only the lineage columns the destination takes (the built-in transform copies those)
            role: name if name and find_column(self.destination, name) is not None else None
            for role, name in lineage_columns(self.staging).items()
        }
        for batch in batches:
            if batch.num_rows == 0:
                continue
            first_row = self.rows + 1
            shaped = shape_batch(batch, plan, self.enricher, lineage, self.run_id, identity.sha256, first_row=first_row)
            conversion.check_text_lengths(shaped, limits, first_row=first_row, file_name=path.name)
            problems: list[str] = []
            shaped = conversion.convert_batch(
                shaped,
                typed,
                self.na_values,
                first_row=first_row,
                file_name=path.name,
                problems=problems,
                keep_checked=not self.through_scratch,  # a scratch staging table takes the staged text
            )
            if problems:
                raise StepAside  # the built-in transform would refuse a value: reported by the staged flow
            if not self.preview:
                self.preview = shaped.slice(0, PREVIEW_ROWS).to_pylist()
                crash_point("after_parse")
            self.rows += batch.num_rows
            self.checks.observe(shaped)
            yield shaped

    def _picked(self, shaped: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """The destination's columns of each batch, in their exact forms for the writer."""
        for batch in shaped:
            if not self.pairs:
                self.pairs = self._pairs(batch)
                fields = [batch.schema.field(i) if i is not None else pa.field(n, pa.string()) for n, i in self.pairs]
                adapters = self.writer.plan([self.destination.c[name] for name, _ in self.pairs], pa.schema(fields))
                if adapters is None:
                    raise StepAside  # a column only the server's cast can convert
                self.adapters = adapters
            columns = [
                batch.column(i) if i is not None else pa.nulls(batch.num_rows, pa.string()) for _, i in self.pairs
            ]
            picked = pa.RecordBatch.from_arrays(columns, names=[name for name, _ in self.pairs])
            try:
                yield self.writer.adapt(picked, self.adapters)
            except direct_write.NotExact as exc:
                raise StepAside from exc

    def _pairs(self, shaped: pa.RecordBatch) -> list[tuple[str, int | None]]:
        """(destination column name, batch position) for the columns the built-in transform would copy.

        The built-in transform fills every destination column that has a namesake in
        staging. One whose staging column the file does not fill holds, staged, that
        column's DEFAULT, or NULL without one: position None, sent as NULL, and a
        column with a DEFAULT steps aside (the staged flow stages the default).
        """
        positions = {name.lower(): i for i, name in enumerate(shaped.schema.names)}
        pairs: list[tuple[str, int | None]] = []
        for column in self.destination.columns:
            source = find_column(self.staging, column.name)
            if source is None:
                continue
            position = positions.get(source.name.lower())
            if position is None and source.server_default is not None:
                raise StepAside
            pairs.append((column.name, position))
        if not pairs:
            raise StepAside  # no shared column: the staged flow's transform names the problem
        return pairs
