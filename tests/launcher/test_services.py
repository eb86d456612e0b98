"""The declared services: the Dagster webserver and daemon apart, the webserver on loopback whatever BIND_HOST says."""

from __future__ import annotations

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
    assert daemon.argv[1:4] == ["-m", "dagster._daemon", "run"]
    assert daemon.url is None and daemon.health is not None
    assert daemon.env["DAGSTER_HOME"].endswith("dagster_home")


def test_the_other_services_reach_dagster_on_loopback_whatever_bind_host_names(tmp_path):
    assert _settings(tmp_path, "10.20.30.40").dagster_url == "http://127.0.0.1:3101"
