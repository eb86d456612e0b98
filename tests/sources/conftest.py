"""Fixtures for remote-source tests: the real test site, env vars for credentials, config rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.config.repository import get_pipeline_config
from elt_project.ingest.sources.base import SourceContext
from elt_project.ingest.sources.secrets import SecretBook
from tests.config_rows import insert_config
from tests.sources import site

#: The test servers run on loopback, which scrapers reach only when a config lists it.
LOCAL = ["127.0.0.1"]


def allow_local(config: dict | str) -> dict | str:
    """``config`` (a dict or its JSON text) with the test servers' loopback host in ``allowed_hosts``."""
    as_dict = json.loads(config) if isinstance(config, str) else dict(config)
    as_dict["allowed_hosts"] = LOCAL
    return json.dumps(as_dict) if isinstance(config, str) else as_dict


@pytest.fixture(scope="session")
def web_site():
    """(base_url, flask_app) of the test site, served for the whole session."""
    with site.serve() as served:
        yield served


@pytest.fixture
def base_url(web_site) -> str:
    return web_site[0]


@pytest.fixture
def site_env(monkeypatch):
    """The site's credentials in env vars (configs name them, never hold them)."""
    values = {
        "SYSTEM_A_USERNAME": site.USERNAME,
        "SYSTEM_A_PASSWORD": site.PASSWORD,
        "SYSTEM_A_TOTP_SECRET": site.TOTP_SECRET,
        "SYSTEM_A_TOKEN": site.API_TOKEN,
        "COMPLEX_SITE_USERNAME": site.USERNAME,
        "COMPLEX_SITE_PASSWORD": site.PASSWORD,
        "COMPLEX_SITE_TOTP_SECRET": site.TOTP_SECRET,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def source_context(tmp_path: Path, site_env):
    def make() -> SourceContext:
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        return SourceContext(import_name="t", work_dir=work, log_dir=tmp_path / "logs", secrets=SecretBook())

    return make


def read_records(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def execute(engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))


def query(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def add_remote_config(engine, scraper_config: dict | str, **values):
    """Insert a config row for a remote import and return the validated model."""
    row = {
        "pipeline_name": "WebScraper",
        "import_name": "system_a_scraper",
        "file_pattern": "web_scrape_trigger.txt",
        "monitored_directory": None,
        "file_type": "custom_scraper",
        "staging_table": "stg_items",
        "destination_table": "dest_items",
        "parser_function": "generic_web_scraper",
        "scraper_config": scraper_config if isinstance(scraper_config, str | None) else json.dumps(scraper_config),
        "load_method": "replace",
        "is_active": 1,
    }
    row.update(values)
    insert_config(engine, **row)
    return get_pipeline_config(engine, row["import_name"])


@pytest.fixture(scope="session")
def sftp_server():
    """A real OpenSSH server on 127.0.0.1 for the session (see tests/sources/sshd.py)."""
    import os

    from tests.sources.sshd import SSHD, running_sshd

    if not os.path.exists(SSHD) and not os.environ.get("CI"):
        pytest.skip("openssh-server is not installed (.ci/run installs it)")
    with running_sshd() as server:
        yield server


@pytest.fixture
def remote_dir(sftp_server):
    """A fresh folder on the SFTP server that every test user may write."""
    import os
    import uuid

    folder = sftp_server.root / uuid.uuid4().hex[:8]
    folder.mkdir()
    os.chmod(folder, 0o777)
    return folder


@pytest.fixture
def sftp_env(monkeypatch, sftp_server):
    """Env vars naming the server and both logins; HOME without a known_hosts file."""
    monkeypatch.setenv("MY_SFTP_HOST", f"{sftp_server.host}:{sftp_server.port}")
    monkeypatch.setenv("MY_SFTP_KEY_USER", sftp_server.key_user)
    monkeypatch.setenv("MY_SFTP_PRIVATE_KEY_PATH", str(sftp_server.private_key))
    if sftp_server.password_user:
        monkeypatch.setenv("MY_SFTP_USER", sftp_server.password_user)
        monkeypatch.setenv("MY_SFTP_PASSWORD", sftp_server.password)
    return sftp_server
