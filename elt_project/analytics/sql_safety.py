"""The first safety layer for any SQL the hub runs: an allow-list over sqlglot's syntax tree.

A statement passes only when it parses in the warehouse's dialect as exactly one
query (SELECT, WITH … SELECT, or set operations of those) with nothing that writes,
locks, changes settings or reaches outside the allow-listed tables, and calls only
functions of the per-dialect allow-list (:mod:`~elt_project.analytics.sql_functions`).
What runs is the SQL regenerated from the checked tree with a row limit injected,
never the submitted text, so comments and odd spellings cannot smuggle anything past
the check. The second layer, a read-only connection,
is :mod:`elt_project.analytics.readonly`.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from elt_project.analytics.sql_functions import refusal
from elt_project.db.dialect_traits import known_traits
from elt_project.errors import EltError

DEFAULT_ROW_LIMIT = 1000

_STATEMENT_NODES = tuple(
    getattr(exp, name)
    for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "TruncateTable", "Command",
        "Pragma", "Set", "Copy", "Into", "Lock", "Transaction", "Commit", "Rollback", "Use", "Grant",
        "Revoke", "Attach", "Detach", "Execute", "ExecuteSql", "LoadData", "Describe", "Show", "Kill",
        "Analyze", "Cache", "Uncache", "Refresh", "Summarize", "Declare",
    )
    if hasattr(exp, name)
)  # fmt: skip
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)

logging.getLogger("sqlglot").setLevel(logging.ERROR)


class UnsafeQuery(EltError):
    """A statement the hub refuses to run; ``rule`` names the check it broke."""

    resolution = "Ask a question or write a single SELECT over the tables the hub allows."

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"Refused ({rule}): {message}")
        self.rule = rule


@dataclass(frozen=True)
class CheckedQuery:
    """A statement that passed: the SQL to run (regenerated, limited) and the tables it reads."""

    sql: str
    tables: frozenset[str]
    row_limit: int


def sqlglot_dialect(dialect_name: str) -> str:
    """sqlglot's name for a SQLAlchemy dialect; an unknown one is refused rather than guessed."""
    facts = known_traits(dialect_name)
    if facts is None:
        raise UnsafeQuery("dialect", f"the hub does not know how to check SQL for '{dialect_name}'.")
    return facts.sqlglot


def _check_characters(sql: str) -> None:
    for char in sql:
        if char in "\t\n\r":
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Co", "Cs") or char in "\u2028\u2029":
            raise UnsafeQuery("hidden-characters", f"the text holds an invisible character U+{ord(char):04X}.")


def _parse_one(sql: str, dialect: str) -> exp.Expression:
    if not sql or not sql.strip():
        raise UnsafeQuery("empty", "there is no SQL to run.")
    _check_characters(sql)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError:
        raise UnsafeQuery("unparseable", "the SQL could not be parsed, so it cannot be checked.") from None
    if len(statements) != 1:
        raise UnsafeQuery("one-statement", f"exactly one statement is allowed, found {len(statements)}.")
    return statements[0]


def _visible_ctes(node: exp.Table) -> set[str]:
    """CTE names a table reference can mean: those of enclosing WITHs defined before its own CTE.

    A non-recursive CTE's body cannot see itself or later CTEs, so ``WITH elt_users AS
    (SELECT * FROM elt_users)`` reads the real table and must be checked as one.
    """
    visible: set[str] = set()
    child: exp.Expression = node
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.With):
            ctes = list(parent.expressions)
            inside = next(i for i, cte in enumerate(ctes) if cte is child)
            upto = inside + 1 if parent.args.get("recursive") else inside
            visible |= {cte.alias_or_name.lower() for cte in ctes[:upto]}
        else:
            with_ = parent.args.get("with_") or parent.args.get("with")
            if isinstance(with_, exp.With) and child is not with_:
                visible |= {cte.alias_or_name.lower() for cte in with_.expressions}
        child, parent = parent, parent.parent
    return visible


def _check_tree(tree: exp.Expression, allowed_tables: set[str], dialect: str) -> frozenset[str]:
    if not isinstance(tree, _QUERY_ROOTS) or (isinstance(tree, exp.Subquery) and not tree.find(exp.Select)):
        raise UnsafeQuery("query-only", f"only a SELECT query is allowed, not {type(tree).__name__.upper()}.")
    read: set[str] = set()
    for node in tree.walk():
        if isinstance(node, _STATEMENT_NODES):
            raise UnsafeQuery("query-only", f"{type(node).__name__.upper()} is not allowed inside a query.")
        if isinstance(node, exp.Func):
            reason = refusal(node, dialect)
            if reason:
                raise UnsafeQuery("function-not-allowed", reason)
        if isinstance(node, exp.Table):
            _check_table(node, allowed_tables, read)
    return frozenset(read)


def _check_table(node: exp.Table, allowed_tables: set[str], read: set[str]) -> None:
    if not isinstance(node.this, exp.Identifier):
        if isinstance(node.this, exp.Func) or node.this is None:
            return  # a table function: its name was checked with the other functions
        raise UnsafeQuery("allowed-tables", "a table must be named directly.")
    name = node.name.lower()
    if node.args.get("hints"):
        raise UnsafeQuery("locking", f"table hints such as {node.args['hints'][0].sql()} are not allowed.")
    if node.args.get("db") or node.args.get("catalog"):
        raise UnsafeQuery("allowed-tables", f"schema-qualified tables such as {node.sql()} are not allowed.")
    if name in _visible_ctes(node):
        return
    if name not in allowed_tables:
        raise UnsafeQuery("allowed-tables", f"the table {name} is not one the hub may read.")
    read.add(name)


def _inject_limit(tree: exp.Expression, row_limit: int) -> exp.Expression:
    if isinstance(tree, exp.Select):
        current = tree.args.get("limit")
        value = current.expression if current is not None else None
        if isinstance(value, exp.Literal) and value.is_int and int(value.this) <= row_limit:
            return tree
        return tree.limit(row_limit, copy=False)
    return tree.limit(row_limit)


def check_query(
    sql: str, *, dialect_name: str, allowed_tables: set[str], row_limit: int = DEFAULT_ROW_LIMIT
) -> CheckedQuery:
    """The statement made safe to run, or :class:`UnsafeQuery` naming the rule it broke."""
    dialect = sqlglot_dialect(dialect_name)
    tree = _parse_one(sql, dialect)
    tables = _check_tree(tree, {name.lower() for name in allowed_tables}, dialect)
    limited = _inject_limit(tree, row_limit)
    try:
        text = limited.sql(dialect=dialect, comments=False)
    except SqlglotError:
        raise UnsafeQuery("unparseable", "the SQL could not be rewritten safely.") from None
    return CheckedQuery(sql=text, tables=tables, row_limit=row_limit)
