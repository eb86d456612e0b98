"""Stopping the product from outside: a signal to the outer launch.py, ``launch.py stop``, a second start.

Real starts of ``python3 launch.py`` in a copy of the project that holds only the Data
Importer page (the entry files of the other services are removed, so the launcher
leaves them out): the stop paths are the same for every service, and one service
keeps each start short. The full product's stop is in test_product_kills.py.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from elt_project.launcher.services import DATA_IMPORTER
from tests.reliability.product import Product

pytestmark = pytest.mark.slow

ONLY_THE_PAGE = ("workspace.yaml", "analytics_ui.py")


@pytest.fixture
def page(tmp_path):
    running = Product(tmp_path, "--no-demo", without=ONLY_THE_PAGE)
    try:
        running.wait_ready()
        yield running
    finally:
        running.kill_everything()


def _assert_all_gone(product: Product) -> None:
    deadline = time.monotonic() + 10
    while product.pids_left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert product.processes_left() == []
    assert product.ports_answering() == []


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_to_the_outer_launcher_stops_every_service(page, signame):
    """`kill -TERM/-INT/-HUP <launch.py pid>`: the signal reaches launch.py alone, not its group."""
    page_pid = page.pid(DATA_IMPORTER)
    started = time.monotonic()
    code = page.signal_outer(getattr(signal, signame))
    assert code == 0, page.console[-3000:]
    assert time.monotonic() - started < 60
    assert "All services stopped." in page.console
    assert not os.path.exists(f"/proc/{page_pid}")
    assert not (page.root / "data" / "launcher.json").exists()
    _assert_all_gone(page)


def test_a_second_start_says_the_product_is_running_and_launch_stop_stops_it(page):
    state = page.state()
    second = page.launch("--no-browser", "--no-update")
    url = f"http://127.0.0.1:{page.ports['RUNNER_PORT']}"
    expected = (
        f"The product is already running (pid {state.supervisor.pid}) at {url}; "
        "open it, or stop it with `python3 launch.py stop`."
    )
    assert expected in second.stdout, second.stdout + second.stderr
    assert "already in use" not in second.stdout + second.stderr
    assert page.pid(DATA_IMPORTER) == state.services[DATA_IMPORTER][1].pid  # the running one is untouched

    stopped = page.launch("stop")
    assert stopped.returncode == 0, stopped.stderr
    assert f"Stopped the product (pid {state.supervisor.pid})." in stopped.stdout
    assert page.process.wait(timeout=60) == 0
    _assert_all_gone(page)
    assert "The product is not running" in page.launch("stop").stdout


def test_services_left_by_a_killed_launcher_are_named_and_stopped_by_launch_stop(page):
    """Both launchers SIGKILLed (nothing can forward that): the page lives on, an orphan holding its port."""
    state = page.state()
    os.kill(page.process.pid, signal.SIGKILL)
    os.kill(state.supervisor.pid, signal.SIGKILL)
    page.process.wait(timeout=30)
    orphan = state.services[DATA_IMPORTER][1].pid
    assert os.path.exists(f"/proc/{orphan}")

    again = page.launch("--no-browser", "--no-update")
    assert again.returncode == 1
    port = page.ports["RUNNER_PORT"]
    assert (
        f"Port {port}, needed by Data Importer, is held by this product's own services, left running by an "
        "earlier start whose launcher has gone; stop them with `python3 launch.py stop` and start again."
    ) in again.stdout + again.stderr

    stopped = page.launch("stop")
    assert f"Stopped Data Importer (pid {orphan}), left running by an earlier start." in stopped.stdout
    _assert_all_gone(page)
