"""The declared services: the Dagster webserver and daemon apart, the webserver on loopback whatever BIND_HOST says."""

from __future__ import annotations

import os
import subprocess

from elt_project.launcher.services import DAGSTER, DAGSTER_DAEMON, DATA_IMPORTER, plan_services
from elt_project.settings import load_settings, project_root


def _settings(tmp_path, bind_host: str):
    return load_settings(env={"BIND_HOST": bind_host, "DAGSTER_PORT": "3101"}, env_file=tmp_path / "no.env")


def test_the_dagster_webserver_is_on_loopback_even_when_bind_host_is_every_interface(tmp_path):
    plan = plan_services(_settings(tmp_path, "0.0.0.0"), project_root())
    webserver = plan.find(DAGSTER)
    host = webserver.argv[webserver.argv.index("-h") + 1]
    assert host == "127.0.0.1"
    assert webserver.url == "http://127.0.0.1:3101"
    assert "dagster_webserver" in webserver.argv and "dev" not in webserver.argv
    assert plan.find(DATA_IMPORTER).env["BIND_HOST"] == "0.0.0.0"  # the page follows BIND_HOST


def test_the_daemon_is_a_service_of_its_own_without_a_port(tmp_path):
    daemon = plan_services(_settings(tmp_path, "127.0.0.1"), project_root()).find(DAGSTER_DAEMON)
    assert daemon.argv[3:5] == ["dagster-daemon", "run"]
    assert not any(part.startswith("dagster._") for part in daemon.argv)  # the public command, not a private module
    assert daemon.url is None and daemon.health is not None
    assert daemon.env["DAGSTER_HOME"].endswith("dagster_home")


def test_the_daemon_command_runs_the_public_dagster_daemon_entry_point(tmp_path):
    daemon = plan_services(_settings(tmp_path, "127.0.0.1"), project_root()).find(DAGSTER_DAEMON)
    argv = [*daemon.argv[:4], "run", "--help"]  # the same interpreter and entry point, asked only for its usage
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env={**os.environ, **daemon.env})
    assert done.returncode == 0, done.stderr
    assert "dagster-daemon run" in done.stdout


def test_the_other_services_reach_dagster_on_loopback_whatever_bind_host_names(tmp_path):
    assert _settings(tmp_path, "10.20.30.40").dagster_url == "http://127.0.0.1:3101"
