"""Password hashes and metadata stay out of every hub answer, on both layers, on SQLite and PostgreSQL.

Layer one (the validator's function allow-list) refuses every statement. With it
switched off, the database refuses: on PostgreSQL the reader role has no right on the
accounts table, on SQLite the authorizer denies it. The hash of a real account must
never appear in an answer or in an error's text.
"""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from elt_project.analytics.nl2sql import ask_context, run_sql
from elt_project.analytics.readonly import QueryFailed
from elt_project.analytics.sql_safety import UnsafeQuery, check_query
from elt_project.db import schema
from elt_project.db.reader_role import drop_reader_role, ensure_reader_role
from tests.security.attack_corpus import SECRET_READS_POSTGRES, SECRET_READS_SQLITE
from tests.security.conftest import TODAY


def _corpus(engine) -> list[str]:
    return SECRET_READS_POSTGRES if engine.dialect.name == "postgresql" else SECRET_READS_SQLITE


def _no_leak(secret: str, *texts: object) -> None:
    """No piece of the hash (salt, digest) in any text, whole or cut into words as ts_stat would."""
    pieces = [p.lower() for p in re.split(r"[^A-Za-z0-9]", secret) if len(p) >= 12]
    assert pieces, "the account's hash has no salt or digest to look for"
    for text in texts:
        found = [p for p in pieces if p in str(text).lower()]
        assert not found, "a password hash reached the hub's answer"


def test_validator_refuses_every_function_that_runs_sql(ask, secret_hash, capsys):
    statements = SECRET_READS_POSTGRES + SECRET_READS_SQLITE
    refused = 0
    for statement in statements:
        for dialect in ("postgresql", "sqlite", "mssql"):
            with pytest.raises(UnsafeQuery) as caught:
                check_query(statement, dialect_name=dialect, allowed_tables=set(ask.allowed_tables))
            _no_leak(secret_hash, caught.value)
        with pytest.raises(UnsafeQuery):
            run_sql(statement, ask)
        refused += 1
    with capsys.disabled():
        print(f"\n[{ask.engine.dialect.name}] secret reads tried {len(statements)}, refused by validator {refused}")
    assert refused == len(statements)


def test_the_database_refuses_secret_reads_without_the_validator(ask, reader, secret_hash, capsys):
    ask.validate = False
    statements = _corpus(ask.engine)
    refused = harmless = 0
    for statement in statements:
        try:
            result = run_sql(statement, ask)
        except QueryFailed as exc:
            _no_leak(secret_hash, exc)
            refused += 1
        else:
            _no_leak(secret_hash, result.rows, result.columns)
            harmless += 1
    with capsys.disabled():
        print(
            f"\n[{ask.engine.dialect.name}] secret reads tried {len(statements)} with the validator off: "
            f"refused by database {refused}, answered without secrets {harmless}"
        )
    # Only the whole-schema dumps (published tables only) and SQLite's column lists answer at all.
    assert harmless <= 4 and refused + harmless == len(statements)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_without_the_reader_role_the_login_itself_reads_hashes(ask, secret_hash):
    """Why the role exists: the owner's login, READ ONLY transaction or not, reads the accounts table."""
    ask.validate = False
    result = run_sql(SECRET_READS_POSTGRES[0], ask)
    with pytest.raises(AssertionError, match="password hash"):
        _no_leak(secret_hash, result.rows)


def test_metadata_tables_are_unreadable_from_the_hub(ask, reader, secret_hash, capsys):
    ask.validate = False
    tables = sorted(schema.metadata.tables) + ["alembic_version"]
    for table in tables:
        with pytest.raises(QueryFailed, match="permission denied|prohibited|not authorized"):
            run_sql(f"SELECT * FROM {table}", ask)
    with capsys.disabled():
        print(f"\n[{ask.engine.dialect.name}] metadata tables tried {len(tables)}, refused by database {len(tables)}")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_statement_that_switches_back_to_the_login_gets_no_answer(ask, reader, secret_hash):
    ask.validate = False
    sneaky = (
        "SELECT set_config('role', session_user, true) AS r, "
        "(SELECT string_agg(word, ',') FROM ts_stat('SELECT to_tsvector(password_hash) FROM elt_users')) AS w"
    )
    with pytest.raises(QueryFailed, match="changed the database role") as caught:
        run_sql(sneaky, ask)
    _no_leak(secret_hash, caught.value)
    with pytest.raises(UnsafeQuery, match="set_config"):
        check_query(sneaky, dialect_name="postgresql", allowed_tables=set(ask.allowed_tables))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_tables_created_or_swapped_later_are_readable_and_new_metadata_is_withdrawn(ask, reader):
    with ask.engine.begin() as conn:  # a replace load swapping its destination, and a brand-new destination
        conn.exec_driver_sql("CREATE TABLE dest_sales_new AS SELECT * FROM dest_sales")
        conn.exec_driver_sql("DROP TABLE dest_sales")
        conn.exec_driver_sql("ALTER TABLE dest_sales_new RENAME TO dest_sales")
        conn.exec_driver_sql("CREATE TABLE dest_returns (order_id text)")
        conn.exec_driver_sql("INSERT INTO dest_returns VALUES ('O0001')")
        conn.exec_driver_sql("CREATE TABLE elt_sessions (token text)")  # a later metadata table
        conn.exec_driver_sql("INSERT INTO elt_sessions VALUES ('session-secret')")
    context = ask_context(ask.engine, today=TODAY)
    assert len(run_sql("SELECT order_id FROM dest_sales", context).rows) == 240
    assert run_sql("SELECT order_id FROM dest_returns", context).rows == [["O0001"]]
    context.validate = False
    assert run_sql("SELECT token FROM elt_sessions", context).rows == [["session-secret"]]  # the default grant
    ensure_reader_role(ask.engine)  # what the next `elt db upgrade` (every start) does
    with pytest.raises(QueryFailed, match="permission denied"):
        run_sql("SELECT token FROM elt_sessions", context)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_login_that_may_not_create_roles_is_told_and_the_hub_still_answers(ask, database_url, caplog):
    """A warehouse owner without CREATEROLE: upgrade says so in one sentence, the hub runs on the validator."""
    url = sa.make_url(database_url)
    schema_name = url.query["options"].split("=", 1)[1]
    login = f"t_login_{schema_name[2:]}"
    with ask.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {login} LOGIN PASSWORD 'pw-{login}'")
        conn.exec_driver_sql(f"GRANT ALL ON SCHEMA {schema_name} TO {login}")
        conn.exec_driver_sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema_name} TO {login}")
    plain = sa.create_engine(url.set(username=login, password=f"pw-{login}"))
    try:
        outcome = ensure_reader_role(plain)
        assert not outcome.ready and len(re.findall(r"\.(?:\s|$)", outcome.message)) == 1  # one sentence
        assert "may not create" in outcome.message
        context = ask_context(plain, today=TODAY)
        with caplog.at_level(logging.WARNING, logger="elt_project.analytics.readonly"):
            assert run_sql("SELECT count(*) AS n FROM dest_sales", context).rows == [[240]]
        assert "only the query checks" in caplog.text
        with pytest.raises(UnsafeQuery):
            run_sql(SECRET_READS_POSTGRES[0], context)
    finally:
        plain.dispose()
        with ask.engine.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {login}")
        drop_reader_role(ask.engine, login)
