"""The local PostgreSQL 15 for the tests' PostgreSQL leg: start it, create the role and database.

Standard library only (``launch.py test`` runs it before anything is installed), and
the one place this set-up lives: ``.ci/run`` relies on ``launch.py test`` to do it.
The SQL goes to ``psql`` on its standard input with the names as ``psql`` variables,
and ``psql`` runs as the ``postgres`` user through ``runuser`` with an argument list,
so no shell ever sees the text (a shell would expand ``$$``). Each part is idempotent:
a server someone else started is used as it is, an existing role or database is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

DEFAULT_URL = "postgresql+psycopg://elt:elt@127.0.0.1:5432/elt_test"

#: Creates the role and the database only when missing; ``\gexec`` runs each generated statement.
SETUP_SQL = r"""
SELECT format('CREATE ROLE %I LOGIN SUPERUSER PASSWORD %L', :'role', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
"""


class PostgresSetupError(Exception):
    """The local server could not be started or prepared; the message says what failed."""


def can_prepare() -> str | None:
    """None when this machine can run the set-up, else why not (one sentence)."""
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return "not running as root, so the local PostgreSQL cannot be started"
    for tool in ("pg_ctlcluster", "pg_isready", "runuser", "psql"):
        if shutil.which(tool) is None:
            return f"{tool} not found (install Debian's postgresql-15)"
    return None


def is_ready(host: str = "127.0.0.1", port: int = 5432) -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", host, "-p", str(port)], capture_output=True).returncode == 0  # noqa: S603, S607 — argument list without a shell; the arguments are fixed or checked identifiers; PostgreSQL's tools looked up on PATH on purpose: the system's installation


def run_as_postgres(argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run ``argv`` as the ``postgres`` user, without a shell."""
    command = ["runuser", "-u", "postgres", "--", *argv]  # runuser from PATH on purpose: the system's own
    return subprocess.run(  # noqa: S603 — argument list without a shell; the arguments are fixed or checked identifiers
        command, input=stdin, capture_output=True, text=True, cwd="/"
    )


def prepare(
    *,
    role: str = "elt",
    password: str = "elt",  # noqa: S107 — the documented role of the throw-away local test cluster, not a product secret
    database: str = "elt_test",
    version: str = "15",
    cluster: str = "main",
    wait_s: float = 30.0,
) -> None:
    """Start the cluster unless it answers already, then make sure ``role`` and ``database`` exist."""
    if not is_ready():
        started = subprocess.run(["pg_ctlcluster", version, cluster, "start"], capture_output=True, text=True)  # noqa: S603, S607 — argument list without a shell; the arguments are fixed or checked identifiers; PostgreSQL's tools looked up on PATH on purpose: the system's installation
        deadline = time.monotonic() + wait_s
        while not is_ready() and time.monotonic() < deadline:
            time.sleep(0.5)
        if not is_ready():
            detail = (started.stderr or started.stdout).strip().splitlines()
            raise PostgresSetupError(
                f"PostgreSQL {version}/{cluster} did not start: {detail[-1] if detail else 'no message'}"
            )
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
    for name, value in (("role", role), ("password", password), ("database", database)):
        psql += ["-v", f"{name}={value}"]
    done = run_as_postgres(psql, stdin=SETUP_SQL)
    if done.returncode != 0:
        raise PostgresSetupError(f"creating the role and database failed: {done.stderr.strip()}")


def prepare_for_tests(environ: dict[str, str]) -> str:
    """Give the test run a PostgreSQL when it can; returns the line to print.

    Sets ``ELT_TEST_POSTGRES_URL`` in ``environ`` when the local server is ready. An
    explicit ``ELT_TEST_POSTGRES_URL`` is left to the person who set it.
    """
    if environ.get("ELT_TEST_POSTGRES_URL"):
        return "using ELT_TEST_POSTGRES_URL"
    reason = can_prepare()
    if reason is not None:
        return f"WARNING: {reason}; the PostgreSQL tests will be skipped"
    try:
        prepare()
    except PostgresSetupError as exc:
        return f"WARNING: {exc}; the PostgreSQL tests will be skipped"
    environ["ELT_TEST_POSTGRES_URL"] = DEFAULT_URL
    return "local PostgreSQL 15 ready (role elt, database elt_test)"
