# ruff: noqa: F811  (fixtures are imported by name, then requested as arguments)
"""Canary secrets through real SFTP and scraper flows: they appear in no log, table, file or output.

Every secret is unique to this run (a canary): the scraper's password, TOTP secret and
bearer token (set on the local test site, a real HTTP server on 127.0.0.1), the SFTP
password of the real OpenSSH server's throw-away user, and two wrong passwords for
the failing logins. The flows are the product's: the scraper through a Dagster run
(its run log and instance storage), SFTP through the engine and through an ``elt run``
process. Afterwards the sweep reads, byte for byte: every file under the test's folders
(data folder, scraper evidence, SQLite warehouse), the project's ``logs/``, the Dagster
instance's folder (event log, compute logs), the run's log messages, every row of every
warehouse table (ledger error text, run-log rows), captured stdout/stderr and Python
log records. No canary may be found anywhere.

Unknown SSH host keys are refused by
``tests/sources/test_sftp_source.py::test_unknown_host_key_is_refused_with_how_to_pin_it``
(and a changed key by ``test_host_key_mismatch_is_refused`` there).
"""

from __future__ import annotations

import logging
import secrets
import time
from pathlib import Path

import dagster as dg
import pyotp
import pytest
import sqlalchemy as sa

from elt_project.errors import EltError
from elt_project.orchestration.factory import build_definitions
from elt_project.orchestration.resources import WarehouseResource
from elt_project.orchestration.snapshot import read_snapshot
from elt_project.pipeline.api import run_import
from tests.reliability.test_crash_matrix import elt_process
from tests.sources import site
from tests.sources.conftest import (  # noqa: F401
    LOCAL,
    add_remote_config,
    base_url,
    execute,
    remote_dir,
    sftp_env,
    sftp_server,
    web_site,
)
from tests.sources.test_sftp_engine import DEST as SFTP_DEST
from tests.sources.test_sftp_engine import STAGING as SFTP_STAGING
from tests.sources.test_sftp_engine import add_sftp_config, server_fingerprint
from tests.sources.test_sftp_source import put
from tests.sources.test_web_engine import DEST as WEB_DEST
from tests.sources.test_web_engine import STAGING as WEB_STAGING

ROOT = Path(__file__).resolve().parents[2]


def canary(kind: str) -> str:
    return f"canary-{kind}-{secrets.token_hex(8)}"


def totp_config(base: str) -> dict:
    return {
        "allowed_hosts": LOCAL,
        "authentication": {
            "method": "totp_form",
            "login_url": f"{base}/login",
            "payload": {
                "username_env_var": "SYSTEM_A_USERNAME",
                "password_env_var": "SYSTEM_A_PASSWORD",
                "totp_secret_env_var": "SYSTEM_A_TOTP_SECRET",
            },
            "success_condition": {"type": "text_in_response", "value": "Welcome, you are logged in"},
        },
        "data_extraction": {"url": f"{base}/api/data", "method": "json", "json_path": "data.results"},
    }


def sftp_config(remote: Path, server) -> dict:
    return {
        "sftp_details": {
            "hostname_env_var": "MY_SFTP_HOST",
            "username_env_var": "MY_SFTP_USER",
            "password_env_var": "MY_SFTP_PASSWORD",
            "remote_path": str(remote),
            "file_pattern": "daily_sales_*.csv",
            "host_key_fingerprint": server_fingerprint(server),
        },
        "parse_details": {"file_type": "csv"},
    }


def warehouse_text(engine) -> str:
    """Every row of every table of the warehouse, as text."""
    chunks = []
    with engine.connect() as conn:
        for name in sa.inspect(engine).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=conn)
            chunks += [repr(tuple(row)) for row in conn.execute(sa.select(table))]
    return "\n".join(chunks)


def files_under(*folders: Path, since: float = 0) -> dict[Path, bytes]:
    found = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_mtime >= since:
                found[path] = path.read_bytes()
    return found


@pytest.mark.slow
@pytest.mark.full  # ~40 s a warehouse (an OpenSSH server, two Dagster runs, refused logins, an `elt run` process)
def test_canary_secrets_appear_nowhere(
    engine, settings, base_url, sftp_env, remote_dir, tmp_path, monkeypatch, capfd, caplog
):
    if sftp_env.password_user is None:
        pytest.skip(sftp_env.skip_password_reason)
    started = time.time() - 1
    caplog.set_level(logging.DEBUG)
    web = {"password": canary("web-pw"), "token": canary("web-token"), "wrong": canary("web-wrong-pw")}
    totp_secret = pyotp.random_base32()
    sftp_wrong = canary("sftp-wrong-pw")
    monkeypatch.setattr(site, "PASSWORD", web["password"])
    monkeypatch.setattr(site, "TOTP_SECRET", totp_secret)
    monkeypatch.setattr(site, "API_TOKEN", web["token"])
    monkeypatch.setenv("SYSTEM_A_USERNAME", site.USERNAME)
    monkeypatch.setenv("SYSTEM_A_PASSWORD", web["password"])
    monkeypatch.setenv("SYSTEM_A_TOTP_SECRET", totp_secret)
    monkeypatch.setenv("SYSTEM_A_TOKEN", web["token"])
    canaries = {**web, "totp_secret": totp_secret, "sftp_password": sftp_env.password, "sftp_wrong": sftp_wrong}
    execute(engine, WEB_STAGING, WEB_DEST, SFTP_STAGING, SFTP_DEST)
    add_remote_config(engine, totp_config(base_url))
    add_remote_config(
        engine,
        {
            "allowed_hosts": LOCAL,
            "authentication": {"method": "bearer", "token_env_var": "SYSTEM_A_TOKEN"},
            "data_extraction": {"url": f"{base_url}/api/items", "json_path": "items"},
        },
        import_name="system_a_api",
        destination_table="dest_items_api",
    )
    execute(engine, "CREATE TABLE dest_items_api (id INTEGER, name VARCHAR(50), price NUMERIC(10,2))")
    put(remote_dir, "daily_sales_1.csv", "order_id,amount\n1,10.50\n2,3.25\n")
    sftp = add_sftp_config(engine, sftp_config(remote_dir, sftp_env))
    outcomes = []

    with dg.instance_for_test() as instance:
        defs = build_definitions(read_snapshot(engine), settings, warehouse=WarehouseResource.for_settings(settings))
        job = defs.resolve_job_def("WebScraper_job")
        ok = job.execute_in_process(instance=instance, raise_on_error=False)
        outcomes.append(f"scrapers through Dagster (TOTP form + bearer token): success {ok.success}")
        monkeypatch.setenv("SYSTEM_A_PASSWORD", web["wrong"])
        bad = job.execute_in_process(instance=instance, raise_on_error=False)
        outcomes.append(f"scraper with a wrong password through Dagster: success {bad.success}")
        dagster_logs = "\n".join(entry.message or "" for run in (ok, bad) for entry in instance.all_logs(run.run_id))
        dagster_files = files_under(Path(instance.root_directory))
    monkeypatch.setenv("SYSTEM_A_PASSWORD", web["password"])

    loaded = run_import(engine, settings, sftp)
    outcomes.append(f"SFTP with its password through the engine: rows {loaded.transform.rows_loaded}")
    put(remote_dir, "daily_sales_2.csv", "order_id,amount\n3,1.00\n")
    monkeypatch.setenv("MY_SFTP_PASSWORD", sftp_wrong)
    with pytest.raises(EltError) as refused:
        run_import(engine, settings, sftp)
    outcomes.append(f"SFTP with a wrong password through the engine: {refused.value}")
    process = elt_process(settings, "run", "sftp_daily_sales", MY_SFTP_PASSWORD=sftp_wrong)
    outcomes.append(f"SFTP with a wrong password through `elt run`: exit {process.returncode}")

    captured = capfd.readouterr()
    places = {
        "Dagster run logs": dagster_logs,
        "warehouse tables": warehouse_text(engine),
        "stdout/stderr": captured.out + captured.err + process.stdout + process.stderr,
        "Python log records": caplog.text,
    }
    files = {**dagster_files, **files_under(tmp_path, settings.data_dir, ROOT / "logs", since=started)}
    for path, content in files.items():
        places[str(path)] = content.decode("utf-8", "replace")
    found = [(name, where) for name, value in canaries.items() for where, text in places.items() if value in text]
    print(
        "\n[secret canaries] " + "; ".join(outcomes) + f"\n  canaries {len(canaries)}, places swept {len(places)} "
        f"({len(files)} files, {sum(len(c) for c in files.values()):,} bytes), found {len(found)}"
    )
    assert ok.success, "the scrapers must have logged in and loaded"
    assert not bad.success and process.returncode != 0
    assert loaded.transform.rows_loaded == {"sftp_daily_sales": 2}
    assert found == []
