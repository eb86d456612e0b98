"""Fixtures for the Data Importer page: the app on a real warehouse, and a real Dagster to launch on.

A Dagster webserver + daemon (``dagster dev``) takes a while to start on a small
machine, so the ``stack`` fixtures are module-scoped: one Dagster per test module
and warehouse, holding the demo's pipelines (Sales: four imports, Inventory: one)
with sensors stopped, so only the page starts runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.db.engine import create_warehouse_engine
from elt_project.db.migrate import upgrade
from elt_project.demo.install import install_demo
from elt_project.orchestration.dagster_client import DagsterClient, DagsterClientError
from elt_project.runner import create_app
from elt_project.settings import Settings, load_settings, project_root
from tests.conftest import postgres_admin_url
from tests.net import free_port

DAGSTER_START_TIMEOUT_S = 240
RUN_TIMEOUT_S = 300


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client, username: str, password: str):
    """Log in through the form like a person; returns the response of the POST."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def page_token(client) -> str:
    """The CSRF token of the signed-in page (what the page's script sends)."""
    return csrf_from(client.get("/").get_data(as_text=True))


def post_json(client, path: str, body: dict, token: str):
    return client.post(path, json=body, headers={"X-CSRF-Token": token, "Accept": "application/json"})


def wait_for_run(client, run_id: str, timeout_s: float = RUN_TIMEOUT_S) -> tuple[dict, list[str]]:
    """Poll the page's status endpoint until the run finishes; returns the last answer and statuses seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get(f"/api/runs/{run_id}")
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        if not seen or seen[-1] != body["status"]:
            seen.append(body["status"])
        if body["finished"]:
            return body, seen
        assert time.monotonic() < deadline, f"run {run_id} did not finish; statuses seen {seen}"
        time.sleep(1)


def make_settings(url: str, data_dir: Path, **extra) -> Settings:
    return load_settings(env={}, env_file=data_dir / "no.env", database_url=url, data_dir=str(data_dir), **extra)


@pytest.fixture
def app_on(tmp_path):
    """Make the page's app on given settings; Dagster defaults to a port where nothing listens."""

    def _make(settings: Settings, **config):
        values = {"SETTINGS": settings, "TESTING": True, "DAGSTER_URL": f"http://127.0.0.1:{free_port()}"}
        values.update(config)
        return create_app(values)

    return _make


def add_small_pipelines(engine, settings: Settings) -> None:
    """Two groups shaped like the demo's (Sales: two imports, Inventory: one), without its history."""
    from tests.orchestration.conftest import add_config

    sales = Path(settings.data_dir) / "incoming" / "sales"
    inventory = Path(settings.data_dir) / "incoming" / "inventory"
    sales.mkdir(parents=True, exist_ok=True)
    inventory.mkdir(parents=True, exist_ok=True)
    common = {"pipeline_name": "Sales", "monitored_directory": str(sales), "staging_table": "stg_sales"}
    add_config(
        engine, **common, import_name="sales_daily_csv", file_pattern="sales_*.csv", destination_table="dest_sales"
    )
    add_config(
        engine,
        **common,
        import_name="sales_daily_psv",
        file_pattern="sales_*.psv",
        file_type="psv",
        destination_table="dest_sales",
    )
    add_config(
        engine,
        pipeline_name="Inventory",
        import_name="inventory_snapshot",
        file_pattern="inventory_*.csv",
        monitored_directory=str(inventory),
        staging_table="stg_inventory",
        destination_table="dest_inventory",
        load_method="replace",
    )


@pytest.fixture
def app(engine, settings, app_on):
    """The page on the test warehouse (SQLite and PostgreSQL) with two groups, no Dagster running."""
    add_small_pipelines(engine, settings)
    return app_on(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Stack:
    """A warehouse with the demo plus a Dagster webserver and daemon serving it."""

    backend: str
    url: str
    engine: sa.engine.Engine
    settings: Settings
    dagster_url: str
    dagster_port: int
    root: Path

    def app(self, **config):
        values = {"SETTINGS": self.settings, "TESTING": True, "DAGSTER_URL": self.dagster_url}
        values.update(config)
        return create_app(values)

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()


def _warehouse_url(backend: str, root: Path, postgres_ready: bool) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{root / 'warehouse.db'}", None
    if not postgres_ready:
        pytest.skip("PostgreSQL not reachable (set ELT_TEST_POSTGRES_URL)")
    schema_name = f"r_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema_name}"'))
    admin.dispose()
    url = sa.make_url(postgres_admin_url()).update_query_dict({"options": f"-csearch_path={schema_name}"})
    return url.render_as_string(hide_password=False), schema_name


def _drop_schema(schema_name: str) -> None:
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema_name}" CASCADE'))
    admin.dispose()


def start_stack(backend: str, root: Path, postgres_ready: bool):
    """Generator: yields a :class:`Stack`, then stops Dagster and drops the warehouse."""
    url, schema_name = _warehouse_url(backend, root, postgres_ready)
    data_dir = root / "data"
    port = free_port()
    settings = make_settings(url, data_dir, dagster_port=port)
    engine = create_warehouse_engine(url)
    upgrade(engine)
    install_demo(engine, settings)
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copyfile(project_root() / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "DAGSTER_"))}
    env.update(
        {
            "DAGSTER_HOME": str(home),
            "DATABASE_URL": url,
            "ELT_DATA_DIR": str(data_dir),
            "SENSORS_RUNNING_BY_DEFAULT": "no",
        }
    )
    log_path = root / "dagster.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=project_root(),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    dagster_url = f"http://127.0.0.1:{port}"
    client = DagsterClient(dagster_url, timeout_s=10)
    try:
        deadline = time.monotonic() + DAGSTER_START_TIMEOUT_S
        while True:
            try:
                if "sales_daily_csv_extract_and_load_staging" in client.job_asset_names("Sales_job"):
                    break
            except DagsterClientError:
                pass
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, (
                "Dagster did not load the code location:\n" + log_path.read_text()[-3000:]
            )
            time.sleep(1)
        yield Stack(backend, url, engine, settings, dagster_url, port, root)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
        engine.dispose()
        if schema_name:
            _drop_schema(schema_name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request, tmp_path_factory):
    """One Dagster per module and warehouse (SQLite, then PostgreSQL)."""
    ready = request.getfixturevalue("postgres_ready") if request.param == "postgresql" else False
    yield from start_stack(request.param, tmp_path_factory.mktemp(f"stack_{request.param}"), ready)


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory):
    """One Dagster per module on a SQLite warehouse."""
    yield from start_stack("sqlite", tmp_path_factory.mktemp("stack_sqlite"), False)
