"""Both safety layers against a corpus of hostile statements and questions, on SQLite and PostgreSQL.

Layer one (the sqlglot allow-list) must refuse every statement and question. Then,
with layer one switched off, the read-only connection alone must refuse every
write, and the warehouse must be exactly as before.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elt_project.analytics.nl2sql import answer_offline, run_sql
from elt_project.analytics.nl2sql.parser import NotUnderstood
from elt_project.analytics.readonly import QueryFailed
from elt_project.analytics.sql_safety import UnsafeQuery, check_query
from tests.security.attack_corpus import MEMORY_BOMBS_TSQL, QUESTIONS, READS_AND_TRICKS, TSQL_ONLY, WRITES


def _state(engine) -> tuple:
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("dest_sales", "dim_products", "elt_users")
        )
        amount = conn.execute(sa.text("SELECT sum(amount) FROM dest_sales")).scalar()
    return counts, amount, tuple(sorted(sa.inspect(engine).get_table_names()))


def test_corpus_is_big_enough():
    assert len(WRITES) + len(READS_AND_TRICKS) + len(QUESTIONS) >= 60


def test_validator_refuses_every_hostile_statement_and_question(ask, capsys):
    refused = 0
    for statement in WRITES + READS_AND_TRICKS:
        try:
            run_sql(statement, ask)
        except UnsafeQuery:
            refused += 1
        else:
            raise AssertionError(f"the validator let through: {statement!r}")
    for question in QUESTIONS:
        try:
            answer_offline(question, ask)
        except (NotUnderstood, UnsafeQuery):
            refused += 1
        else:
            raise AssertionError(f"the parser answered a hostile question: {question!r}")
    total = len(WRITES) + len(READS_AND_TRICKS) + len(QUESTIONS)
    with capsys.disabled():
        print(f"\n[{ask.engine.dialect.name}] hostile inputs tried {total}, refused by validator {refused}")
    assert refused == total


def test_read_only_connection_refuses_every_write_without_the_validator(ask, reader, capsys):
    before = _state(ask.engine)
    ask.validate = False
    refused = 0
    for statement in WRITES:
        try:
            run_sql(statement, ask)
        except QueryFailed:
            refused += 1
        else:
            raise AssertionError(f"the read-only connection ran a write: {statement!r}")
    with capsys.disabled():
        print(
            f"\n[{ask.engine.dialect.name}] writes tried {len(WRITES)} with the validator off, "
            f"refused by database {refused}"
        )
    assert refused == len(WRITES)
    assert _state(ask.engine) == before
    if ask.engine.dialect.name == "sqlite":  # SQLite's authorizer also hides the accounts table
        with pytest.raises(QueryFailed, match="prohibited"):
            run_sql("SELECT password_hash FROM elt_users", ask)


def test_row_limit_is_injected_and_kept_lower(ask):
    checked = check_query(
        "SELECT * FROM dest_sales", dialect_name=ask.engine.dialect.name, allowed_tables={"dest_sales"}, row_limit=7
    )
    assert checked.sql.endswith("LIMIT 7") and checked.tables == {"dest_sales"}
    ask.row_limit = 50
    assert len(run_sql("SELECT order_id FROM dest_sales LIMIT 100000", ask).rows) == 50
    mssql = check_query("SELECT a FROM t", dialect_name="mssql", allowed_tables={"t"}, row_limit=5)
    assert mssql.sql == "SELECT TOP 5 a FROM t"


def test_validator_refuses_the_corpus_in_the_sql_server_dialect():
    allowed = {"dest_sales", "dim_products", "dim_customers"}
    for statement in WRITES + READS_AND_TRICKS + TSQL_ONLY + MEMORY_BOMBS_TSQL:
        try:
            check_query(statement, dialect_name="mssql", allowed_tables=allowed)
        except UnsafeQuery:
            continue
        raise AssertionError(f"the T-SQL validator let through: {statement!r}")
