"""``elt ask`` and ``elt sql`` as scripts call them: exact JSON on stdout, errors as JSON with exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from elt_project.cli import main
from elt_project.settings import project_root


def _env(settings) -> dict[str, str | None]:
    return {
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "OPENAI_API_KEY": None,
    }


def _elt(settings, *args: str):
    return CliRunner().invoke(main, list(args), env=_env(settings))


def test_ask_and_sql_print_the_json_shape(sales_engine, settings):
    result = _elt(settings, "ask", "number of orders by channel", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"sql", "engine", "columns", "rows"} and payload["engine"] == "offline"
    assert payload["columns"] == ["channel", "sale_count"]
    assert sum(row[1] for row in payload["rows"]) == 240

    result = _elt(settings, "sql", "SELECT SUM(amount) AS total FROM dest_sales", "--json")
    payload = json.loads(result.stdout)
    assert result.exit_code == 0 and payload["columns"] == ["total"] and isinstance(payload["rows"][0][0], float | int)


def test_refusals_exit_non_zero_with_the_rule(sales_engine, settings):
    refused = _elt(settings, "sql", "DROP TABLE dest_sales", "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout) == {
        "error": "Refused (query-only): only a SELECT query is allowed, not DROP."
    }
    secret = _elt(settings, "sql", "SELECT * FROM elt_users", "--json")
    assert secret.exit_code == 1 and "allowed-tables" in json.loads(secret.stdout)["error"]
    unknown = _elt(settings, "ask", "revenue on Jupiter", "--json")
    assert unknown.exit_code == 1 and "jupiter" in json.loads(unknown.stdout)["error"]
    plain = _elt(settings, "sql", "DELETE FROM dest_sales")
    assert plain.exit_code == 1 and "Refused (query-only)" in plain.stderr


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # one real process is enough
def test_elt_ask_json_in_a_real_process(sales_engine, settings):
    env = {**os.environ, **{k: v for k, v in _env(settings).items() if v}, "PYTHONPATH": str(project_root())}
    env.pop("OPENAI_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "elt_project.cli", "ask", "total revenue", "--json"],
        capture_output=True, text=True, env=env, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)) == ["sql", "engine", "columns", "rows"]
