"""Applying a set of row changes through a temporary staging table: one upsert on the key.

The Data Steward never rewrites a table (no DELETE + INSERT of everything). Its
changes are written into a temporary copy of the table's columns, plus an
operation column (``U`` upsert, ``D`` delete), and then applied set-wise inside the
caller's transaction:

- SQLite and PostgreSQL: ``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE``,
  followed by one ``DELETE ... WHERE EXISTS`` for the rows marked for deletion;
- SQL Server: one ``MERGE ... WITH (HOLDLOCK)`` that updates, inserts and deletes.

Identifiers are quoted by the dialect; every value travels as a bound parameter
into the staging table, never into the SQL text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from elt_project.db.dialects import quote_table

#: Name of the staging table's operation column: 'U' (insert or update) or 'D' (delete).
OP_COLUMN = "_steward_op"


def begin_write(conn: Connection) -> None:
    """Take the write lock at the start of the transaction, before anything is read.

    SQLite's Python driver opens a transaction only at the first write, so reads for
    the optimistic check would run outside it; ``BEGIN IMMEDIATE`` makes the read,
    the check and the write one unit that no other writer can interleave with.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def lock_rows(query: sa.Select, dialect: sa.engine.Dialect) -> sa.Select:
    """``query`` with row locks where the dialect has them (PostgreSQL ``FOR UPDATE``)."""
    return query.with_for_update() if dialect.name == "postgresql" else query


def create_stage(conn: Connection, target: sa.Table, columns: Sequence[str]) -> sa.Table:
    """A temporary table with ``columns`` of ``target`` (types only) and the operation column."""
    suffix = uuid.uuid4().hex[:12]
    name = f"#steward_stage_{suffix}" if conn.dialect.name == "mssql" else f"steward_stage_{suffix}"
    kwargs = {"postgresql_on_commit": "DROP"} if conn.dialect.name == "postgresql" else {}
    stage = sa.Table(
        name,
        sa.MetaData(),
        *(sa.Column(target.c[name].name, target.c[name].type) for name in columns),
        sa.Column(OP_COLUMN, sa.String(1), nullable=False),
        prefixes=[] if conn.dialect.name == "mssql" else ["TEMPORARY"],
        **kwargs,
    )
    stage.create(conn)
    return stage


def drop_stage(conn: Connection, stage: sa.Table) -> None:
    """Drop the staging table (PostgreSQL drops it at commit by itself)."""
    if conn.dialect.name != "postgresql":
        stage.drop(conn)


def apply_stage(conn: Connection, target: sa.Table, stage: sa.Table, keys: Sequence[str]) -> list[dict] | None:
    """Upsert the stage's ``U`` rows into ``target`` on ``keys`` and delete its ``D`` rows.

    On PostgreSQL, returns the keys of the rows the upsert *inserted* (``xmax = 0``):
    a row another transaction added after the caller looked, and committed while
    this upsert waited for it, is updated rather than inserted, and the caller can
    tell. SQLite (one writer at a time) and SQL Server (HOLDLOCK) cannot interleave
    like that; they return None.
    """
    columns = [c.name for c in stage.columns if c.name != OP_COLUMN]
    if conn.dialect.name == "mssql":
        conn.exec_driver_sql(merge_sql(conn.dialect, target, stage, keys, columns))
        return None
    upsert = sa.select(*(stage.c[name] for name in columns)).where(stage.c[OP_COLUMN] == "U")
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(target)
    # SQLite needs the WHERE (present above) to tell the SELECT from the ON CONFLICT clause.
    statement = insert.from_select(columns, upsert)
    updates = [name for name in columns if name not in keys]
    if updates:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: statement.excluded[name] for name in updates}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    inserted = None
    if conn.dialect.name == "postgresql":
        fresh = sa.literal_column("(xmax = 0)", sa.Boolean).label("_inserted")
        rows = conn.execute(statement.returning(*(target.c[key] for key in keys), fresh)).mappings()
        inserted = [{key: row[key] for key in keys} for row in rows if row["_inserted"]]
    else:
        conn.execute(statement)
    matches = sa.and_(*(stage.c[key] == target.c[key] for key in keys), stage.c[OP_COLUMN] == "D")
    conn.execute(sa.delete(target).where(sa.exists().where(matches)))
    return inserted


def merge_sql(
    dialect: sa.engine.Dialect, target: sa.Table, stage: sa.Table, keys: Sequence[str], columns: Sequence[str]
) -> str:
    """The T-SQL ``MERGE`` that applies the stage: HOLDLOCK keeps the key range locked until commit."""
    q = dialect.identifier_preparer.quote
    on = " AND ".join(f"t.{q(key)} = s.{q(key)}" for key in keys)
    updates = [name for name in columns if name not in keys]
    clauses = [f"WHEN MATCHED AND s.{q(OP_COLUMN)} = 'D' THEN DELETE"]
    if updates:
        assignments = ", ".join(f"t.{q(name)} = s.{q(name)}" for name in updates)
        clauses.append(f"WHEN MATCHED THEN UPDATE SET {assignments}")
    inserted = ", ".join(q(name) for name in columns)
    values = ", ".join(f"s.{q(name)}" for name in columns)
    clauses.append(f"WHEN NOT MATCHED BY TARGET AND s.{q(OP_COLUMN)} = 'U' THEN INSERT ({inserted}) VALUES ({values})")  # noqa: S608 — identifiers quoted by the dialect; the op-column values are constants
    return (
        f"MERGE INTO {quote_table(dialect, target)} WITH (HOLDLOCK) AS t "
        f"USING {q(stage.name)} AS s ON {on} " + " ".join(clauses) + ";"
    )
