"""Loading a file again on purpose: ``elt run IMPORT --file F --reload``.

After a wrong load (wrong encoding, wrong delimiter) the config is fixed, but the
ledger says the file is LOADED and a normal run skips it as a duplicate. A reload
claims it again (ledger status RELOADING, :mod:`.ledger`) and, in the transform's
one transaction:

* a ``replace`` import empties its destination as always and loads the file;
* an ``append`` import first deletes exactly the rows that file's earlier load
  added — the destination rows whose ``source_file_hash`` is the file's content
  hash (the generated DDL has the column on both tables and the transforms copy
  it) — then loads the file again.

A destination without ``source_file_hash``, or whose rows of that file were never
tagged (loaded before the column existed), cannot tell that file's rows from the
others', so the reload is refused before anything changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from elt_project.config.models import PipelineConfig
from elt_project.db.schema import SOURCE_HASH_COLUMN
from elt_project.errors import ConfigurationError, TransformError
from elt_project.pipeline import ledger
from elt_project.pipeline.tables import display_name, find_column, reflect_table


def check_can_reload(engine: Engine, config: PipelineConfig, files: Sequence[str | Path] | None) -> None:
    """Refuse a reload that names no file, or whose append destination cannot identify the file's rows."""
    if not files:
        raise ConfigurationError(
            f"A reload of import '{config.import_name}' loads named files again; "
            "give them with --file (or 'files' in the run config)."
        )
    if config.load_method != "append":
        return
    for name, what in ((config.destination_table, "destination"), (config.staging_table, "staging")):
        table = reflect_table(engine, name, what=f"{what} table of import '{config.import_name}'")
        if find_column(table, SOURCE_HASH_COLUMN) is None:
            raise ConfigurationError(
                f"Import '{config.import_name}' appends to {config.destination_table}, and its {what} table "
                f"{display_name(table)} has no {SOURCE_HASH_COLUMN} column, so the rows of the earlier load "
                f"cannot be told apart from other files' rows; add {SOURCE_HASH_COLUMN} VARCHAR(64) to both "
                "tables (the generated DDL has it) or remove the earlier rows yourself, then reload."
            )


def remove_earlier_rows(conn: Connection, config: PipelineConfig, destination: sa.Table, run_id: str) -> int:
    """Inside the transform's transaction: delete the rows the reloaded files' earlier loads added.

    Returns the rows deleted. Does nothing for replace imports (the destination is
    emptied anyway) and for runs that reload nothing.
    """
    if config.load_method != "append":
        return 0
    earlier = ledger.reloading_files(conn, run_id, config.import_name)
    if not earlier:
        return 0
    column = find_column(destination, SOURCE_HASH_COLUMN)
    if column is None:  # checked before staging; the table may have changed since
        raise ConfigurationError(
            f"Destination {display_name(destination)} has no {SOURCE_HASH_COLUMN} column, so the earlier "
            f"rows of the reloaded file cannot be found; add the column or remove them yourself."
        )
    removed = 0
    for content_hash, rows_loaded in earlier.items():
        deleted = conn.execute(sa.delete(destination).where(column == content_hash)).rowcount or 0
        if deleted == 0 and rows_loaded:
            raise TransformError(
                f"The earlier load of the file (sha256 {content_hash[:12]}) put {rows_loaded} rows into "
                f"{display_name(destination)}, but none carries its {SOURCE_HASH_COLUMN}, so they cannot be "
                "removed; the reload was rolled back — remove those rows yourself and load the file again."
            )
        removed += deleted
    return removed
