"""The one PostgreSQL set-up for the tests, run for real against this machine's PostgreSQL 15.

The server here is already running (started by someone else) and the ``elt`` role and
``elt_test`` database usually exist: both cases must pass without an error. A fresh
role and database with a ``$`` in the password show that no shell expands the text.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid

import pytest
import sqlalchemy as sa

from elt_project.launcher import local_postgres


@pytest.fixture
def local_server():
    reason = local_postgres.can_prepare()
    if reason is not None:
        pytest.skip(f"local PostgreSQL set-up cannot run here: {reason}")


def test_existing_server_role_and_database_are_fine(local_server):
    local_postgres.prepare()
    local_postgres.prepare()  # everything exists now: still no error
    env: dict[str, str] = {}
    assert local_postgres.prepare_for_tests(env).startswith("local PostgreSQL 15 ready")
    assert env["ELT_TEST_POSTGRES_URL"] == local_postgres.DEFAULT_URL


def test_a_new_role_and_database_are_created_without_a_shell(local_server):
    name = f"elt_probe_{uuid.uuid4().hex[:8]}"
    password = "pa$$word$1"
    local_postgres.prepare(role=name, password=password, database=name)
    try:
        url = sa.engine.URL.create(
            "postgresql+psycopg", username=name, password=password, host="127.0.0.1", database=name
        )
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user, current_database()")).one() == (name, name)
        engine.dispose()
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}";\nDROP ROLE IF EXISTS "{name}";\n'
        local_postgres.run_as_postgres(["psql", "-X", "-q", "-d", "postgres"], stdin=drop)


def test_an_explicit_url_is_left_alone():
    env = {"ELT_TEST_POSTGRES_URL": "postgresql+psycopg://someone@db/x"}
    assert local_postgres.prepare_for_tests(env) == "using ELT_TEST_POSTGRES_URL"
    assert env["ELT_TEST_POSTGRES_URL"] == "postgresql+psycopg://someone@db/x"


@pytest.mark.slow
def test_the_run_ends_with_the_count_of_tests_skipped_for_want_of_postgres(tmp_path):
    """A run where PostgreSQL is unreachable: the last line counts the skips and says what to do."""
    (tmp_path / "test_pg.py").write_text(
        textwrap.dedent(
            """
            def test_on_both(database_url):
                assert database_url
            """
        )
    )
    from elt_project.settings import project_root

    (tmp_path / "conftest.py").write_text((project_root() / "tests" / "conftest.py").read_text())
    env = {"ELT_TEST_POSTGRES_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    env["PYTHONPATH"] = str(project_root())
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("1 test skipped for want of PostgreSQL: set ELT_TEST_POSTGRES_URL"), run.stdout
    assert "launch.py test" in last
