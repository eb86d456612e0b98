"""The numbered setup scripts: complete, in sync with schema.py, valid T-SQL, runnable elsewhere."""

from __future__ import annotations

import sqlalchemy as sa
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from elt_project.cli import main
from elt_project.db import schema
from elt_project.db.migrate import upgrade
from elt_project.db.tsql_scripts import (
    HUB_READER_SCRIPT,
    REGENERATE_COMMAND,
    SCRIPT_TABLES,
    render_combined,
    render_scripts,
    unassigned_tables,
)
from elt_project.settings import project_root

SQL_DIR = project_root() / "sql"


def split_go(script: str) -> list[str]:
    batches, current = [], []
    for line in script.splitlines():
        if line.strip().upper() == "GO":
            batches.append("\n".join(current))
            current = []
        else:
            current.append(line)
    batches.append("\n".join(current))
    return [b for b in batches if b.strip() and not all(x.startswith("--") or not x.strip() for x in b.splitlines())]


def test_every_metadata_table_is_in_exactly_one_script():
    assigned = [t for tables in SCRIPT_TABLES.values() for t in tables]
    assert sorted(assigned) == sorted(set(assigned)), "a table is listed in two scripts"
    assert unassigned_tables() == []
    assert set(assigned) == set(schema.metadata.tables)
    created = {}
    for name, text in render_scripts("mssql").items():
        for table in schema.metadata.tables:
            if f"OBJECT_ID(N'{table}', N'U') IS NULL" in text:
                created.setdefault(table, []).append(name)
    assert {t: len(names) for t, names in created.items()} == {t: 1 for t in schema.metadata.tables}


def test_checked_in_scripts_match_schema():
    expected = render_scripts("mssql")
    on_disk = {p.name for p in SQL_DIR.glob("*.sql")}
    assert on_disk == set(expected), f"sql/ has other files than expected; run `{REGENERATE_COMMAND}`"
    for name, text in expected.items():
        assert (SQL_DIR / name).read_text(encoding="utf-8") == text, (
            f"sql/{name} is out of date with elt_project/db/schema.py; run `{REGENERATE_COMMAND}`"
        )


def test_each_batch_parses_as_tsql_without_fallback():
    batches = 0
    for name, text in render_scripts("mssql").items():
        if name == HUB_READER_SCRIPT:
            continue  # no tables in it; checked by the next test
        for batch in split_go(text):
            statements = sqlglot.parse(batch, read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
            for statement in statements:
                assert statement is not None
                commands = list(statement.find_all(exp.Command))
                assert not commands, f"{name}: sqlglot could not parse {commands[0].sql()[:80]}"
                assert isinstance(statement, exp.IfBlock), f"{name}: object not guarded by IF"
                assert statement.find(exp.Create) is not None
            batches += 1
    tables = len(schema.metadata.tables)
    indexes = sum(len(t.indexes) for t in schema.metadata.tables.values())
    assert batches == tables + indexes


def test_hub_reader_script_denies_every_metadata_table_and_parses():
    """sqlglot models neither DENY nor CREATE USER, so those lines are matched exactly; the rest must parse."""
    import re

    text = render_scripts("mssql")[HUB_READER_SCRIPT]
    batches = split_go(text)
    assert len(batches) == 3
    guard = sqlglot.parse(batches[0], read="tsql", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(guard[0], exp.IfBlock) and "CREATE USER elt_hub_reader WITHOUT LOGIN;" in batches[0]
    assert batches[1].strip().endswith("ALTER ROLE db_datareader ADD MEMBER elt_hub_reader;")
    deny = re.compile(r"^IF OBJECT_ID\(N'(\w+)', N'U'\) IS NOT NULL DENY SELECT ON (\w+) TO elt_hub_reader;$")
    denied = set()
    for line in batches[2].splitlines():
        match = deny.match(line)
        assert match and match.group(1) == match.group(2), line
        denied.add(match.group(1))
        condition = line.split(" DENY ")[0].removeprefix("IF ")
        sqlglot.parse_one(f"SELECT CASE WHEN {condition} THEN 1 END", read="tsql")
    assert denied == set(schema.metadata.tables) | {"alembic_version"}


def test_primary_keys_are_identity_and_flags_are_bit():
    text = render_scripts("mssql")["03_manage_elt_pipeline_configs.sql"]
    assert "id INTEGER NOT NULL IDENTITY(1,1)" in text
    assert "is_active BIT NOT NULL DEFAULT 1" in text
    assert "scraper_config NVARCHAR(max) NULL" in text


def test_printed_ddl_builds_a_warehouse_that_migrations_adopt(bare_engine):
    dialect = bare_engine.dialect.name
    script = render_combined(dialect)
    code = "\n".join(line for line in script.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in code.split(";\n") if s.strip()]
    assert len(statements) == len(schema.metadata.tables) + sum(len(t.indexes) for t in schema.metadata.tables.values())
    for _ in range(2):  # re-runnable
        with bare_engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    inspector = sa.inspect(bare_engine)
    assert set(schema.metadata.tables) <= set(inspector.get_table_names())
    for table in schema.metadata.tables.values():
        columns = [c["name"] for c in inspector.get_columns(table.name)]
        assert columns == [c.name for c in table.columns]
    upgrade(bare_engine)  # the Alembic baseline adopts the tables instead of failing
    with bare_engine.begin() as conn:
        conn.execute(schema.elt_users.insert().values(username="ann", password_hash="x"))
        assert conn.execute(sa.select(schema.elt_users.c.id)).scalar_one() == 1


def test_cli_prints_postgresql_ddl_and_writes_mssql(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["db", "script", "--dialect", "postgresql"])
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE IF NOT EXISTS elt_pipeline_configs" in result.output
    result = runner.invoke(main, ["db", "script", "--dialect", "mssql", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*SCRIPT_TABLES, HUB_READER_SCRIPT])
