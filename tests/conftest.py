"""Shared fixtures: every database test runs on a real SQLite file and on the real PostgreSQL.

PostgreSQL isolation: each test gets its own schema (``search_path`` set in the URL),
dropped afterwards, so tests never see each other's tables. The server comes from
``ELT_TEST_POSTGRES_URL`` (default: the loopback server that ``.ci/run`` starts).
Without a server the PostgreSQL leg skips locally, and fails under CI.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.db.reader_role import default_role_name, drop_reader_role
from elt_project.settings import Settings, load_settings

# Loads in tests (in this process, in `elt` subprocesses, in Dagster runs) do not build a search
# index of every table they touch: the search tests that pin that behaviour switch it on.
os.environ.setdefault("ELT_SEARCH_INDEX_ON_LOAD", "no")

DEFAULT_PG_URL = "postgresql+psycopg://elt:elt@127.0.0.1:5432/elt_test"
#: The skip reason of every test that needs the server and cannot reach it; the run's last
#: line counts the skips that carry it (skips of one leg by design, e.g. a PostgreSQL-only
#: test on its SQLite leg, are not counted).
POSTGRES_UNREACHABLE = "PostgreSQL not reachable (set ELT_TEST_POSTGRES_URL)"


def postgres_admin_url() -> str:
    return os.environ.get("ELT_TEST_POSTGRES_URL", DEFAULT_PG_URL)


def _postgres_available() -> bool:
    engine = sa.create_engine(postgres_admin_url())
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _test_folders_are_monitored_roots(tmp_path_factory):
    """Tests drop files in folders under pytest's temporary area: allow it as an administrator would.

    Settings built from the environment (also in subprocesses that inherit it) read
    ELT_MONITORED_ROOTS; tests of the limit itself build settings with ``env={...}``.
    """
    patch = pytest.MonkeyPatch()
    patch.setenv("ELT_MONITORED_ROOTS", str(tmp_path_factory.getbasetemp()))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def postgres_ready() -> bool:
    ok = _postgres_available()
    if not ok and os.environ.get("CI"):
        pytest.fail("PostgreSQL is not reachable at ELT_TEST_POSTGRES_URL; .ci/run must start it.")
    return ok


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """A fresh, empty warehouse URL: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
        return
    if not request.getfixturevalue("postgres_ready"):
        pytest.skip(POSTGRES_UNREACHABLE)
    schema_name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    url = sa.make_url(postgres_admin_url()).update_query_dict({"options": f"-csearch_path={schema_name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
        # `elt db upgrade` makes a reader role named after database and schema; roles outlive schemas.
        drop_reader_role(admin, default_role_name(url.database, schema_name))
        admin.dispose()


@pytest.fixture
def bare_engine(database_url: str):
    """An engine on an empty warehouse (no metadata tables yet)."""
    engine = create_warehouse_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(bare_engine):
    """An engine on a migrated warehouse."""
    upgrade(bare_engine)
    return bare_engine


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test warehouse, with data and transforms under tmp_path."""
    (tmp_path / "transforms").mkdir(exist_ok=True)
    return load_settings(
        env={},
        env_file=tmp_path / "no.env",
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        transforms_dir=str(tmp_path / "transforms"),
        monitored_roots=str(tmp_path),  # tests drop files in folders under tmp_path, as an administrator may allow
        search_index_on_load=False,  # see ELT_SEARCH_INDEX_ON_LOAD above
    )


# --- Two tiers: the quick one runs by default, `--full` adds the long storms -----------------------

_FULL_LEFT_OUT: list[str] = []


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        help="also run the tests marked full (long crash storms and soaks; `python3 launch.py test --full`)",
    )


def pytest_collection_modifyitems(config, items) -> None:
    """Without --full, tests marked ``full`` are deselected, and the run's last lines say how many."""
    if config.getoption("--full"):
        return
    left_out = [item for item in items if item.get_closest_marker("full")]
    if left_out:
        items[:] = [item for item in items if not item.get_closest_marker("full")]
        config.hook.pytest_deselected(items=left_out)
        _FULL_LEFT_OUT.extend(item.nodeid for item in left_out)


# --- Skips for want of a system part are reported on the last lines of every run -----------------

_POSTGRES_SKIPS: list[str] = []
POSTGRES_HINT = (
    "set ELT_TEST_POSTGRES_URL to a server (e.g. postgresql+psycopg://elt:elt@127.0.0.1:5432/elt_test), "
    "or run `python3 launch.py test` as root on a machine with Debian's postgresql-15"
)
#: Other parts a test skips without (outside CI), by a word of its skip reason: (reason word, part, install command).
SYSTEM_PARTS = (
    ("openssh-server", "openssh-server", "apt-get install openssh-server"),
    ("chromium-driver", "Chromium and chromium-driver", "apt-get install chromium chromium-driver"),
)
_PART_SKIPS: dict[str, list[str]] = {word: [] for word, _part, _command in SYSTEM_PARTS}


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


def pytest_runtest_logreport(report) -> None:
    if not report.skipped:
        return
    reason = _skip_reason(report)
    if POSTGRES_UNREACHABLE in reason:
        _POSTGRES_SKIPS.append(report.nodeid)
    for word in _PART_SKIPS:
        if word in reason:
            _PART_SKIPS[word].append(report.nodeid)


def pytest_unconfigure(config) -> None:
    """After pytest's own summary line, so the counts are the last thing a person reads."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    if _FULL_LEFT_OUT:
        noun = "test" if len(_FULL_LEFT_OUT) == 1 else "tests"
        reporter.write_line(
            f"{len(_FULL_LEFT_OUT)} full-tier {noun} not run (the quick tier ran); "
            "`python3 launch.py test --full` runs them too."
        )
    for word, part, command in SYSTEM_PARTS:
        skipped = _PART_SKIPS[word]
        if skipped:
            files = sorted({nodeid.split("::", 1)[0] for nodeid in skipped})
            noun = "test" if len(skipped) == 1 else "tests"
            reporter.write_line(
                f"{len(skipped)} {noun} skipped for want of {part} ({', '.join(files)}); "
                f"install with `{command}` (as root), then run the tests again.",
                yellow=True,
                bold=True,
            )
    count = len(_POSTGRES_SKIPS)
    if count:
        noun = "test" if count == 1 else "tests"
        reporter.write_line(f"{count} {noun} skipped for want of PostgreSQL: {POSTGRES_HINT}.", yellow=True, bold=True)
    else:
        reporter.write_line("0 tests skipped for want of PostgreSQL.")


@pytest.fixture
def config_row(engine):
    """``config_row(**values) -> id``: one elt_pipeline_configs row on this test's warehouse (tests/config_rows.py)."""
    from tests.config_rows import insert_config

    return lambda **values: insert_config(engine, **values)
