"""``test_scraper_config.py`` / ``elt scraper test``: the production scrapers, run from a JSON file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from elt_project.cli import main
from tests.sources import site
from tests.sources.conftest import allow_local
from tests.sources.test_selenium_source import docs_example_1
from tests.sources.test_web_engine import DOCS_TOTP_EXAMPLE

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "test_config.json"
    path.write_text(text)
    return path


def test_elt_scraper_test_previews_the_table(base_url, site_env, tmp_path):
    config = write_config(tmp_path, allow_local(DOCS_TOTP_EXAMPLE.replace("https://system-a.com", base_url)))
    result = CliRunner().invoke(main, ["scraper", "test", str(config), "--scraper_type", "web"])
    assert result.exit_code == 0, result.output
    assert "shape (3 rows, 3 columns)" in result.output
    assert "columns: id, name, price" in result.output
    assert "item 1" in result.output and "item 3" in result.output
    assert site.PASSWORD not in result.output


def test_elt_scraper_test_reports_the_failure(base_url, site_env, tmp_path, monkeypatch):
    monkeypatch.setenv("SYSTEM_A_PASSWORD", "wrong-password")
    config = write_config(tmp_path, allow_local(DOCS_TOTP_EXAMPLE.replace("https://system-a.com", base_url)))
    result = CliRunner().invoke(
        main, ["scraper", "test", str(config), "--scraper-type", "web", "--log-dir", str(tmp_path / "logs")]
    )
    assert result.exit_code == 1
    assert "Scraper failed: Login at" in result.output
    assert "wrong-password" not in result.output


def test_bad_json_file_is_a_usage_error(tmp_path):
    config = write_config(tmp_path, "{not json")
    result = CliRunner().invoke(main, ["scraper", "test", str(config)])
    assert result.exit_code == 2 and "is not valid JSON" in result.output


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromedriver") and not os.environ.get("CI"), reason="chromium-driver missing")
def test_script_runs_a_selenium_config_with_env_file(base_url, tmp_path):
    """The root script, as a user runs it: selenium is the default type, credentials come from a .env file."""
    config = write_config(tmp_path, docs_example_1(base_url))
    env_file = tmp_path / ".env"
    env_file.write_text(
        f'COMPLEX_SITE_USERNAME="{site.USERNAME}"\nCOMPLEX_SITE_PASSWORD="{site.PASSWORD}"\n'
        f'COMPLEX_SITE_TOTP_SECRET="{site.TOTP_SECRET}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLEX_SITE_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(ROOT / "test_scraper_config.py"), str(config), "--env-file", str(env_file)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "complex_site_data" in done.stdout and "shape (2 rows, 2 columns)" in done.stdout
    assert "North" in done.stdout

    broken = json.loads(docs_example_1(base_url))
    broken["actions"][2]["selector_value"] = "//button[text()='Log In']"
    broken["actions"][2]["timeout"] = 1
    config.write_text(json.dumps(broken))
    failed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "test_scraper_config.py"),
            str(config),
            "--env-file",
            str(env_file),
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert (tmp_path / "logs" / "step_3.png").exists()
    assert failed.returncode == 1
    assert "Step 3 (click, xpath \"//button[text()='Log In']\") failed" in failed.stderr
