"""SQL Server's one write per row: typed batches into a session temp table, then one set-based statement.

SQL Server has no ``COPY`` a client can feed on the connection it already holds, but
pyodbc's ``fast_executemany`` sends a whole parameter array per round trip. So the
direct path (:mod:`elt_project.pipeline.direct_load`) writes each file's typed Arrow
batches, in pieces, into ``#elt_direct_<hex>``, a temp table of this session created
with the destination's own column types (strings collated as the database, so a key
compares without a collation conflict), and at the end writes the destination ONCE:

- ``append``: ``INSERT INTO dest (…) SELECT … FROM #temp``;
- ``append`` with a ``deduplication_key``: one ``MERGE … WITH (HOLDLOCK)`` that inserts
  the rows whose key the destination does not hold, keeping the first row of each key
  within the run (by the order sent) and every row with a NULL key part — the staged
  flow's :mod:`elt_project.pipeline.dedup` rules;
- ``replace``: ``TRUNCATE TABLE dest`` then the ``INSERT … SELECT``. The truncate comes
  last, so readers of the destination see its earlier rows while the files are parsed.

Everything runs in the caller's transaction (the one that marks the files LOADED): a
rollback also drops the temp table, which SQL Server creates transactionally. The temp
table is created by a statement without parameters, because the driver runs a
parameterised statement inside ``sp_executesql``, whose temp tables vanish with it.
Parameter types are given with ``setinputsizes`` (from the destination's types), not
left to the driver's guess: described types of a temp table are unreliable and would
send text as ``VARCHAR``, losing characters outside the code page.

Values reach the server already in the destination's types (a column is sent only when
Arrow holds it exactly in that type, :func:`adapter_for`); the server casts nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import mssql
from sqlalchemy.engine import Connection, Engine

from elt_project.db import binary_copy, pg_binary

#: Rows per ``executemany``: pyodbc builds the whole parameter array in memory before sending it.
PIECE_ROWS = 8_192
#: The column of the temp table that keeps the order rows were sent in (first row per key wins).
ORDER_COLUMN = "_elt_order"

# ODBC SQL type codes (sql.h / sqlext.h), the values ``pyodbc.SQL_*`` carry; spelled here so that
# the statements can be built and checked where the ODBC library is not installed.
SQL_WVARCHAR, SQL_BIT, SQL_BIGINT, SQL_INTEGER, SQL_SMALLINT = -9, -7, -5, 4, 5
SQL_DOUBLE, SQL_DECIMAL, SQL_TYPE_DATE, SQL_TYPE_TIMESTAMP = 8, 3, 91, 93


def available(engine: Engine) -> bool:
    """True when ``engine`` is SQL Server through pyodbc (the driver with ``fast_executemany``)."""
    return engine.dialect.name == "mssql" and engine.dialect.driver == "pyodbc"


# ---- what may be sent ------------------------------------------------------------------------


def _is_double(column_type: sa.types.TypeEngine[Any]) -> bool:
    """SQL Server's ``FLOAT`` is 53 bits unless declared narrower (``REAL`` = ``FLOAT(24)``)."""
    precision = getattr(column_type, "precision", None)
    return isinstance(column_type, sa.Double) or (
        type(column_type) in (sa.Float, sa.FLOAT, mssql.FLOAT) and (precision is None or precision > 24)
    )


def adapter_for(column_type: sa.types.TypeEngine[Any], arrow_type: pa.DataType) -> binary_copy.Adapter | None:
    """How an Arrow column of ``arrow_type`` reaches ``column_type`` exactly (None: only the staged flow may load it).

    The exact conversions of the PostgreSQL path, restricted to the types SQL Server
    stores without rounding what the staged flow's cast would refuse: ``DATETIME`` and
    ``SMALLDATETIME`` round fractions a text cast rejects, ``TINYINT`` is unsigned and
    ``DATETIMEOFFSET`` carries a zone pyodbc does not bind.
    """
    if isinstance(column_type, sa.DateTime) and not isinstance(column_type, mssql.DATETIME2):
        return None
    if isinstance(column_type, (mssql.TINYINT, mssql.DATETIMEOFFSET)):
        return None
    if _is_double(column_type):
        column_type = sa.Double()
    return pg_binary.adapter_for(column_type, arrow_type)


def input_size(column_type: sa.types.TypeEngine[Any]) -> tuple[int, int, int]:
    """``(ODBC type, size, decimal digits)`` for ``setinputsizes``: the destination column's own type."""
    if isinstance(column_type, sa.String):
        return (SQL_WVARCHAR, column_type.length or 0, 0)  # size 0: (MAX)
    if isinstance(column_type, sa.Boolean):
        return (SQL_BIT, 1, 0)
    if isinstance(column_type, sa.BigInteger):
        return (SQL_BIGINT, 19, 0)
    if isinstance(column_type, sa.SmallInteger):
        return (SQL_SMALLINT, 5, 0)
    if isinstance(column_type, sa.Integer):
        return (SQL_INTEGER, 10, 0)
    if isinstance(column_type, sa.Float):
        return (SQL_DOUBLE, 15, 0)
    if isinstance(column_type, sa.Numeric):
        return (SQL_DECIMAL, column_type.precision or 18, column_type.scale or 0)
    if isinstance(column_type, sa.DateTime):
        digits = getattr(column_type, "precision", None)
        digits = 7 if digits is None else digits
        return (SQL_TYPE_TIMESTAMP, 20 + digits if digits else 19, digits)
    if isinstance(column_type, sa.Date):
        return (SQL_TYPE_DATE, 10, 0)
    raise ValueError(f"no parameter type for {column_type!r}")


# ---- the statements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Statements:
    """The T-SQL of one direct load, in the order it runs (``truncate`` only for ``replace``)."""

    temp: sa.Table
    create_temp: str
    insert_temp: str
    truncate: str | None
    write: str
    drop_temp: str


def temp_table(destination: sa.Table, columns: Sequence[str], *, ordered: bool) -> sa.Table:
    """``#elt_direct_<hex>`` with ``columns`` of ``destination`` (types, not keys or defaults)."""
    copies = []
    for name in columns:
        column_type = destination.c[name].type
        if isinstance(column_type, sa.String) and column_type.collation is None:
            column_type = column_type.copy()
            column_type.collation = "DATABASE_DEFAULT"
        copies.append(sa.Column(name, column_type))
    if ordered:
        copies.append(sa.Column(ORDER_COLUMN, sa.BigInteger, nullable=False))
    return sa.Table(f"#elt_direct_{uuid.uuid4().hex[:12]}", sa.MetaData(), *copies)


def statements(
    dialect: sa.engine.Dialect,
    destination: sa.Table,
    columns: Sequence[str],
    *,
    load_method: str,
    deduplication_key: Sequence[str] = (),
) -> Statements:
    """The statements that load ``columns`` of ``destination`` through a temp table.

    Identifiers are quoted by the dialect; the only values are the ``?`` markers of the
    temp table's INSERT, bound by the driver.
    """
    loaded = {name.lower(): name for name in columns}
    wanted = list(deduplication_key) if load_method == "append" else []
    if any(name.lower() not in loaded for name in wanted):
        raise ValueError("a deduplication key column is not among the loaded columns")
    keys = [loaded[name.lower()] for name in wanted]
    temp = temp_table(destination, columns, ordered=bool(keys))
    sent = [c.name for c in temp.columns]
    quote = dialect.identifier_preparer.quote
    insert_temp = (
        f"INSERT INTO {quote(temp.name)} ({', '.join(quote(name) for name in sent)}) "  # noqa: S608 — identifiers quoted by the dialect; values are bound markers
        f"VALUES ({', '.join('?' for _ in sent)})"
    )
    sent_rows = temp.alias("sent")  # columns named by the alias, not the '#' name: plainer T-SQL
    selected = sa.select(*(sent_rows.c[name] for name in columns))
    if keys:
        write = _merge(dialect, destination, sent_rows, columns, keys)
    else:
        write = _compiled(dialect, destination.insert().from_select(list(columns), selected))
    truncate = f"TRUNCATE TABLE {dialect.identifier_preparer.format_table(destination)}"
    return Statements(
        temp=temp,
        create_temp=_compiled(dialect, sa.schema.CreateTable(temp)),
        insert_temp=insert_temp,
        truncate=truncate if load_method == "replace" else None,
        write=write,
        drop_temp=_compiled(dialect, sa.schema.DropTable(temp)),
    )


def _compiled(dialect: sa.engine.Dialect, clause: Any) -> str:
    return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True})).strip()


def _merge(
    dialect: sa.engine.Dialect, destination: sa.Table, temp: sa.FromClause, columns: Sequence[str], keys: Sequence[str]
) -> str:
    """Insert the run's rows whose key is new: the first of each key (by send order), and all with a NULL key part.

    ``HOLDLOCK`` keeps the key range locked until the commit, so a concurrent load of
    the same key waits instead of inserting it twice. Nothing is updated or deleted:
    a key the destination holds keeps its row, as in the staged flow.
    """
    first = sa.func.row_number().over(partition_by=[temp.c[k] for k in keys], order_by=temp.c[ORDER_COLUMN])
    ranked = sa.select(*(temp.c[name] for name in columns), first.label("_elt_first")).subquery("ranked")
    kept = sa.or_(ranked.c._elt_first == 1, *(ranked.c[k].is_(None) for k in keys))
    source = _compiled(dialect, sa.select(*(ranked.c[name] for name in columns)).where(kept))
    q = dialect.identifier_preparer.quote
    on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
    names = ", ".join(q(name) for name in columns)
    values = ", ".join(f"s.{q(name)}" for name in columns)
    return (
        f"MERGE INTO {dialect.identifier_preparer.format_table(destination)} WITH (HOLDLOCK) AS t "  # noqa: S608 — identifiers quoted by the dialect, no values
        f"USING ({source}) AS s ON {on} "
        f"WHEN NOT MATCHED BY TARGET THEN INSERT ({names}) VALUES ({values});"
    )


# ---- the writer ----------------------------------------------------------------------------------


class Writer:
    """The direct path's SQL Server side (see :mod:`elt_project.db.direct_write` for the contract)."""

    deduplicates = True
    through_scratch = False

    def __init__(
        self, conn: Connection, destination: sa.Table, *, load_method: str, deduplication_key: Sequence[str] = ()
    ) -> None:
        self.conn, self.destination = conn, destination
        self.load_method, self.deduplication_key = load_method, tuple(deduplication_key)
        self.plan_: Statements | None = None
        self.sent = 0

    def plan(self, columns: list[sa.Column[Any]], schema: pa.Schema) -> list[binary_copy.Adapter] | None:
        return binary_copy.plan_pairs(columns, schema, adapter_for)

    def adapt(self, batch: pa.RecordBatch, adapters: list[binary_copy.Adapter]) -> pa.RecordBatch:
        return pg_binary.adapt(batch, adapters)

    def write(self, columns: list[str], batches: Iterator[pa.RecordBatch]) -> int:
        """Send ``batches`` into the temp table (created at the first call); returns the rows sent."""
        if self.plan_ is None:
            self.plan_ = statements(
                self.conn.dialect,
                self.destination,
                columns,
                load_method=self.load_method,
                deduplication_key=self.deduplication_key,
            )
            self.conn.exec_driver_sql(self.plan_.create_temp)
        elif [c.name for c in self.plan_.temp.columns if c.name != ORDER_COLUMN] != list(columns):
            raise ValueError("every file of a run must fill the same destination columns")
        ordered = ORDER_COLUMN in self.plan_.temp.c
        sizes = [input_size(c.type) for c in self.plan_.temp.columns]
        rows = 0
        driver = self.conn.connection.driver_connection
        if driver is None:
            raise RuntimeError("the connection is closed")
        cursor = driver.cursor()
        try:
            cursor.fast_executemany = True
            for batch in batches:
                for start in range(0, batch.num_rows, PIECE_ROWS):
                    piece = batch.slice(start, PIECE_ROWS)
                    values = [column.to_pylist() for column in piece.columns]
                    if ordered:
                        values.append(range(self.sent + 1, self.sent + piece.num_rows + 1))
                    cursor.setinputsizes(sizes)
                    cursor.executemany(self.plan_.insert_temp, list(zip(*values)))
                    self.sent += piece.num_rows
                    rows += piece.num_rows
        finally:
            cursor.close()
        return rows

    def finish(self) -> int:
        """Write the destination once (after TRUNCATE for ``replace``); returns the rows the key left out.

        The count comes from the driver's row count; a server session with ``SET NOCOUNT ON``
        hides it, and then no row is reported as left out.
        """
        if self.plan_ is None:
            return 0
        if self.plan_.truncate:
            self.conn.exec_driver_sql(self.plan_.truncate)
        written = self.conn.exec_driver_sql(self.plan_.write).rowcount
        self.conn.exec_driver_sql(self.plan_.drop_temp)
        return self.sent - written if written is not None and written >= 0 else 0
