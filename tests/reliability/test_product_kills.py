"""The real product: SIGKILL the Dagster daemon, the Dagster webserver and the Data Importer page.

One start of ``python3 launch.py`` (BIND_HOST=0.0.0.0, no demo) in a copy of the
project. Each victim must come back healthy on its own while every other service keeps
its process and keeps answering; a run launched through the webserver is picked up by
the daemon before and after the daemon's restart. The figures are printed (-s).
"""

from __future__ import annotations

import signal
import time

import psutil
import pytest

from elt_project.launcher.services import DAGSTER, DAGSTER_DAEMON, DATA_IMPORTER, HUB, daemon_heartbeat_since
from elt_project.launcher.supervisor import answers
from elt_project.orchestration.dagster_client import DagsterClient
from tests.reliability.product import Product
from tests.reliability.test_restarts import Watcher

pytestmark = pytest.mark.slow

HEALTH = {DAGSTER: "/server_info", DATA_IMPORTER: "/healthz", HUB: "/_stcore/health"}


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    running = Product(tmp_path_factory.mktemp("kills"), "--no-demo", BIND_HOST="0.0.0.0")
    try:
        running.wait_ready()
        yield running
    finally:
        running.signal_outer(signal.SIGTERM)
        running.kill_everything()


def _url(product: Product, name: str) -> str:
    return product.state().services[name][0] + HEALTH[name]


def _healthy(product: Product, name: str) -> bool:
    state = product.state()
    url, process = state.services[name]
    if name == DAGSTER_DAEMON:
        return daemon_heartbeat_since(state.services[DAGSTER][0], process.created)
    return answers(url + HEALTH[name], timeout_s=2)


def _run_succeeds(product: Product, timeout_s: float = 180) -> float:
    """Launch the config_problems asset through the webserver; seconds until the daemon ran it to SUCCESS."""
    client = DagsterClient(product.state().services[DAGSTER][0])
    started = time.monotonic()
    run_id = client.launch_run("utility_jobs", ["config_problems"])
    status = "QUEUED"
    while time.monotonic() - started < timeout_s:
        status = client.run(run_id).status
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(1)
    assert status == "SUCCESS", product.logs_tail()
    return time.monotonic() - started


def test_the_dagster_webserver_listens_on_loopback_only_even_with_bind_host_0000(product):
    listening = {
        conn.laddr.port: conn.laddr.ip
        for conn in psutil.net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port in product.ports.values()
    }
    assert listening[product.ports["DAGSTER_PORT"]] == "127.0.0.1"
    assert listening[product.ports["RUNNER_PORT"]] == "0.0.0.0"  # BIND_HOST applies to the page


def test_a_run_launched_from_the_webserver_is_run_by_the_daemon(product):
    assert _run_succeeds(product) < 180


@pytest.mark.parametrize("victim", [DAGSTER_DAEMON, DAGSTER, DATA_IMPORTER])
def test_a_killed_service_comes_back_and_the_others_never_go_down(product, victim):
    names = list(product.state().services)
    assert set(names) == {DAGSTER, DAGSTER_DAEMON, DATA_IMPORTER, HUB}
    before = {name: product.pid(name) for name in names}
    watchers = {name: Watcher(_url(product, name)) for name in HEALTH if name != victim}
    for watcher in watchers.values():
        watcher.start()
    restarts_before = product.supervisor_log().count(f"{victim}: running again")
    killed = time.monotonic()
    psutil.Process(before[victim]).send_signal(signal.SIGKILL)
    deadline, seconds = killed + 240, None
    try:
        while time.monotonic() < deadline:
            if product.pid(victim) != before[victim] and _healthy(product, victim):
                seconds = time.monotonic() - killed
                break
            time.sleep(0.25)
        time.sleep(1)  # the others are still watched a little after
    finally:
        for watcher in watchers.values():
            watcher.done.set()
            watcher.join()
    assert seconds is not None, product.supervisor_log() + product.logs_tail()
    log = product.supervisor_log()
    assert f"{victim} stopped (killed by SIGKILL); restart attempt 1 in 1 s." in log
    deadline = time.monotonic() + 30
    while product.supervisor_log().count(f"{victim}: running again") == restarts_before and time.monotonic() < deadline:
        time.sleep(0.25)
    assert product.supervisor_log().count(f"{victim}: running again") == restarts_before + 1
    for name in names:
        if name != victim:
            assert product.pid(name) == before[name], f"{name} was restarted too"
            assert psutil.pid_exists(before[name])
    misses = {name: watcher.misses for name, watcher in watchers.items()}
    assert all(count == 0 for count in misses.values()), misses
    checks = sum(watcher.asked for watcher in watchers.values())
    run_s = _run_succeeds(product)  # the daemon (restarted or not) still runs what the webserver launches
    print(
        f"\n{victim}: 1 SIGKILL, 1 restart, healthy again after {seconds:.1f} s; "
        f"other services: {checks} health checks, 0 missed; a run launched afterwards succeeded in {run_s:.1f} s"
    )


def test_sigterm_to_the_outer_launcher_then_stops_the_whole_product(product):
    """Last: `kill -TERM <launch.py pid>` ends every service and the code servers they started."""
    assert product.signal_outer(signal.SIGTERM) == 0, product.console[-3000:]
    deadline = time.monotonic() + 10
    while product.pids_left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert product.processes_left() == []
    assert product.ports_answering() == []
    assert "All services stopped." in product.console
