"""Step 8: which page opens. The browser is whatever $BROWSER names, here a script that records the URL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from elt_project.settings import project_root

PROBE = textwrap.dedent(
    """
    import sys
    from elt_project.launcher.services import ServicePlan
    from elt_project.launcher.start import StartOptions, _open_browser
    from elt_project.launcher.supervisor import ServiceSpec
    names = sys.argv[2].split(",")
    specs = [ServiceSpec(name=n, argv=[], url=f"http://127.0.0.1:{3000 + i}") for i, n in enumerate(names)]
    print(_open_browser(ServicePlan(specs, []), StartOptions(dev=sys.argv[1] == "dev")))
    """
)


def _open(tmp_path, mode: str, services: str, display: str | None = ":99") -> tuple[str, str]:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(project_root()), "BROWSER": str(browser)}
    if display:
        env["DISPLAY"] = display
    run = subprocess.run(
        [sys.executable, "-c", PROBE, mode, services], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip(), opened.read_text().strip() if opened.exists() else ""


@pytest.mark.parametrize(
    ("mode", "services", "expected"),
    [
        ("user", "Dagster webserver,Data Importer,Analytics Hub", "Data Importer at http://127.0.0.1:3001"),
        ("dev", "Dagster webserver,Data Importer,Analytics Hub", "Dagster webserver at http://127.0.0.1:3000"),
        ("user", "Dagster webserver", "Dagster webserver at http://127.0.0.1:3000"),
    ],
)
def test_the_data_importer_opens_and_dev_opens_dagster(tmp_path, mode, services, expected):
    said, opened = _open(tmp_path, mode, services)
    assert said == expected
    assert opened == expected.split(" at ")[1]


def test_a_bare_console_gets_the_address_instead_of_a_text_browser(tmp_path):
    said, opened = _open(tmp_path, "user", "Dagster webserver,Data Importer", display=None)
    assert said == "no graphical session here; open http://127.0.0.1:3001 in a browser"
    assert opened == ""
