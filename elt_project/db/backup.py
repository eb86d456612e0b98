"""Backing up the metadata tables as INSERT scripts, and restoring them into a new warehouse.

The transforms named by the configs (stored procedures, or SQLite scripts) are
scripted beside the data so a lost procedure can be recreated by a DBA.

Why SQL files rather than a binary dump: a DBA can read and review them, they diff
well in version control (no timestamps inside, rows in id order), and they run in
any SQL client. Every literal is rendered by SQLAlchemy for the warehouse's dialect
(``literal_binds``), so quotes, NULLs, dates and non-Latin text round trip; values
are never pasted into SQL by hand.

Dialect details handled here and nowhere else:

* SQL Server: ``DATETIME`` reads ``'2024-01-02 03:04:05'`` according to the
  session's language, so datetimes are written as ISO 8601 with a ``T`` and
  milliseconds, which every language setting reads the same way; inserts with
  explicit ids are wrapped in ``SET IDENTITY_INSERT ... ON/OFF``.
* PostgreSQL: after a restore the identity sequences are moved past the restored
  ids (``setval``) so the next insert does not collide.
* SQLite: integer primary keys continue from the highest id by themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine

from elt_project.db import schema
from elt_project.errors import ConfigurationError

BACKUP_PREFIX = "backup_data_"
PROCEDURE_PREFIX = "backup_procedure_"
#: Rows per INSERT statement; SQL Server allows at most 1000 rows in one VALUES list.
ROWS_PER_STATEMENT = 100
_DIALECT_MARK = "-- dialect: "


def render_insert(
    table: sa.Table,
    rows: Sequence[Mapping],
    dialect: Dialect,
    renderers: Mapping[str, Callable[[Any], str]] | None = None,
) -> str:
    """One ``INSERT INTO table (...) VALUES (...), (...)`` with every value rendered as a literal.

    The text is what ``insert().values(rows)`` compiles to with ``literal_binds``, but
    built from the column types' own literal processors: compiling a whole statement
    per chunk made backups of a long run history take minutes.
    """
    if not rows:
        raise ValueError("render_insert needs at least one row")
    names = list(rows[0].keys())
    if renderers is None:
        renderers = literal_renderers(table, dialect)
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.format_column(table.c[name]) for name in names)
    values = ", ".join("(" + ", ".join(renderers[name](row[name]) for name in names) + ")" for row in rows)
    return f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES {values}"  # noqa: S608 — identifiers quoted by the dialect, values rendered by its literal processors


def literal_renderers(table: sa.Table, dialect: Dialect) -> dict[str, Callable[[Any], str]]:
    """Column name -> function turning a Python value into that column's SQL literal."""
    return {column.name: _renderer(column, dialect) for column in table.columns}


def render_literal(column: sa.Column, value: Any, dialect: Dialect) -> str:
    """A single value as a SQL literal for ``column`` (used by the config INSERT generator)."""
    return _renderer(column, dialect)(value)


def _renderer(column: sa.Column, dialect: Dialect) -> Callable[[Any], str]:
    processor = column.type.dialect_impl(dialect).literal_processor(dialect)
    text_processor = sa.String().literal_processor(dialect)

    def render(value: Any) -> str:
        if value is None:
            return "NULL"
        if dialect.name == "mssql" and isinstance(value, dt.datetime):
            return text_processor(value.isoformat(timespec="milliseconds"))
        if dialect.name == "mssql" and isinstance(value, dt.date):
            return text_processor(value.strftime("%Y%m%d"))  # the unambiguous DATE format
        if processor is None:
            literal = sa.literal(value, type_=column.type)
            return str(literal.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        return processor(value)

    return render


def backup_tables(engine: Engine, out_dir: Path, tables: Iterable[str] | None = None) -> list[Path]:
    """Write ``backup_data_<table>.sql`` for each table (default: every metadata table).

    Rows are read in id order in chunks so a long run history does not fill memory.
    An empty table still gets a file, so a restore knows it had no rows.
    """
    selected = _select_tables(tables)
    out_dir.mkdir(parents=True, exist_ok=True)
    dialect = engine.dialect
    preparer = dialect.identifier_preparer
    written: list[Path] = []
    with engine.connect() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        for table in selected:
            if table.name not in existing:
                raise ConfigurationError(
                    f"Table {table.name} does not exist in the warehouse; run `python3 launch.py elt db upgrade` first."
                )
            path = out_dir / f"{BACKUP_PREFIX}{table.name}.sql"
            identity = _has_identity(table) and dialect.name == "mssql"
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(f"-- Data of {table.name}, restore with `python3 launch.py elt restore <folder>`.\n")
                handle.write(f"{_DIALECT_MARK}{dialect.name}\n")
                if identity:
                    handle.write(f"SET IDENTITY_INSERT {preparer.format_table(table)} ON;\n")
                renderers = literal_renderers(table, dialect)
                for chunk in _row_chunks(conn, table):
                    handle.write(render_insert(table, chunk, dialect, renderers) + ";\n")
                if identity:
                    handle.write(f"SET IDENTITY_INSERT {preparer.format_table(table)} OFF;\n")
            written.append(path)
    return written


def backup_database(
    engine: Engine, out_dir: Path, transforms_dir: Path | None = None, tables: Iterable[str] | None = None
) -> list[Path]:
    """The backup behind both ``elt backup`` and the ``utility_backup_database_objects`` asset.

    Every metadata table's rows and, when no ``tables`` are picked, the definitions
    of the transforms the configs name: configuration and procedures, as promised.
    """
    written = backup_tables(engine, out_dir, tables)
    if tables is None:
        written += backup_transforms(engine, out_dir, transforms_dir)
    return written


def restore_backups(engine: Engine, folder: Path) -> dict[str, int]:
    """Run every ``backup_data_<table>.sql`` in ``folder`` into an empty, migrated warehouse.

    All files restore in one transaction: either every table is restored or none.
    Returns table name -> rows restored.
    """
    files = sorted(Path(folder).glob(f"{BACKUP_PREFIX}*.sql"))
    if not files:
        raise ConfigurationError(
            f"No {BACKUP_PREFIX}*.sql files in {folder}; point `python3 launch.py elt restore` at a backups folder."
        )
    dialect_name = engine.dialect.name
    plan: list[tuple[sa.Table, str]] = []
    for path in files:
        name = path.stem.removeprefix(BACKUP_PREFIX)
        table = schema.metadata.tables.get(name)
        if table is None:
            raise ConfigurationError(f"{path.name} is not a backup of a metadata table; remove it from {folder}.")
        text = path.read_text(encoding="utf-8")
        source = _file_dialect(text)
        if source != dialect_name and "mssql" in (source, dialect_name):
            raise ConfigurationError(
                f"{path.name} was written for {source} and cannot be restored into {dialect_name}; "
                f"back up again from a {dialect_name} warehouse."
            )
        plan.append((table, text))

    restored: dict[str, int] = {}
    with engine.begin() as conn:
        for table, text in plan:
            _require_empty(conn, table)
            for statement in split_sql_statements(text):
                conn.exec_driver_sql(statement)
            restored[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            if dialect_name == "postgresql" and _has_identity(table):
                _reset_sequence(conn, table)
    return restored


def backup_transforms(engine: Engine, out_dir: Path, transforms_dir: Path | None = None) -> list[Path]:
    """Script every transform named in ``elt_pipeline_configs`` into ``backup_procedure_<name>.sql``.

    The definition comes from the warehouse (SQL Server ``OBJECT_DEFINITION``,
    PostgreSQL ``pg_get_functiondef``) or, on SQLite, from ``transforms_dir``. A
    transform that does not exist (yet) is skipped. These files are for a DBA to
    re-run by hand; ``restore_backups`` only restores table data.
    """
    table = schema.elt_pipeline_configs
    query = sa.select(table.c.transform_procedure).where(table.c.transform_procedure.is_not(None)).distinct()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with engine.connect() as conn:
        names = sorted({name.strip() for name in conn.execute(query).scalars() if name and name.strip()})
        for name in names:
            definition = _transform_definition(conn, name, transforms_dir)
            if definition is None:
                continue
            path = out_dir / f"{PROCEDURE_PREFIX}{name}.sql"
            separator = "\nGO\n" if engine.dialect.name == "mssql" else "\n"
            path.write_text(
                f"-- Transform {name} as defined in the warehouse; run it by hand to recreate it.\n"
                f"{_DIALECT_MARK}{engine.dialect.name}\n{definition.strip()}{separator}",
                encoding="utf-8",
                newline="\n",
            )
            written.append(path)
    return written


def _transform_definition(conn: Connection, name: str, transforms_dir: Path | None) -> str | None:
    dialect = conn.dialect.name
    if dialect == "mssql":
        query = sa.text("SELECT OBJECT_DEFINITION(OBJECT_ID(:name, N'P'))").bindparams(name=name)
        return conn.execute(query).scalar()
    if dialect == "postgresql":
        schema_name, _, procedure = name.rpartition(".")
        query = sa.text(
            "SELECT pg_catalog.pg_get_functiondef(p.oid) FROM pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = :name AND n.nspname = coalesce(:schema, current_schema()) ORDER BY p.oid"
        ).bindparams(name=procedure, schema=schema_name or None)
        definitions = list(conn.execute(query).scalars())
        return ";\n\n".join(definitions) + ";" if definitions else None
    if transforms_dir is not None:
        script = Path(transforms_dir) / f"{name}.sql"
        if script.is_file():
            return script.read_text(encoding="utf-8")
    return None


#: What can hide a semicolon: string literals (quotes doubled), quoted identifiers, comments.
_TOKENS = re.compile(r"'[^']*(?:''[^']*)*'|\"[^\"]*(?:\"\"[^\"]*)*\"|\[[^\]]*\]|--[^\n]*|;")


def split_sql_statements(text: str) -> list[str]:
    """Split a script on semicolons outside quotes and comments; comments are dropped.

    Enough for the scripts this project writes: strings use doubled quotes (never
    backslash escapes) and identifiers use ``"..."`` or ``[...]``.
    """
    statements: list[str] = []
    parts: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == ";":  # noqa: S105 — a SQL statement separator, not a password
            parts.append(text[position : match.start()])
            statements.append("".join(parts).strip())
            parts = []
            position = match.end()
        elif token.startswith("--"):
            parts.append(text[position : match.start()])
            position = match.end()
    parts.append(text[position:])
    statements.append("".join(parts).strip())
    return [statement for statement in statements if statement]


def _select_tables(tables: Iterable[str] | None) -> list[sa.Table]:
    if tables is None:
        return list(schema.metadata.sorted_tables)
    selected = []
    for name in tables:
        table = schema.metadata.tables.get(name)
        if table is None:
            known = ", ".join(sorted(schema.metadata.tables))
            raise ConfigurationError(f"{name} is not a metadata table; choose from: {known}.")
        selected.append(table)
    return selected


def _row_chunks(conn: Connection, table: sa.Table) -> Iterator[list[dict]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=ROWS_PER_STATEMENT).execute(sa.select(table).order_by(*order))
    for partition in result.mappings().partitions(ROWS_PER_STATEMENT):
        yield [dict(row) for row in partition]


def _has_identity(table: sa.Table) -> bool:
    return any(column.identity is not None for column in table.columns)


def _file_dialect(text: str) -> str:
    for line in text.splitlines()[:5]:
        if line.startswith(_DIALECT_MARK):
            return line.removeprefix(_DIALECT_MARK).strip()
    return "unknown"


def _require_empty(conn: Connection, table: sa.Table) -> None:
    count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    if count:
        raise ConfigurationError(
            f"Table {table.name} already holds {count} rows; restore only into an empty warehouse "
            "(create a new database and run `python3 launch.py elt db upgrade`)."
        )


def _reset_sequence(conn: Connection, table: sa.Table) -> None:
    """Move the identity sequence past the restored ids; an empty table starts again at 1."""
    highest = sa.func.max(table.c.id)
    conn.execute(
        sa.select(
            sa.func.setval(
                sa.func.pg_get_serial_sequence(table.name, "id"),
                sa.func.coalesce(highest, 1),
                highest.is_not(None),
            )
        ).select_from(table)
    )
