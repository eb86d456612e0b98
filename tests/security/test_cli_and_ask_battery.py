"""The battery through the ways people reach the hub's SQL: `elt sql` (in-process and a real process),
the Ask page's language-model path (a stand-in model: no real one runs here), and the timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from elt_project.analytics.nl2sql import answer_llm, ask_context
from elt_project.analytics.readonly import QueryFailed, run_readonly
from elt_project.analytics.sql_safety import UnsafeQuery
from elt_project.cli import main
from elt_project.settings import load_settings, project_root
from tests.analytics.llm_stand_in import StandInLlm
from tests.security.attack_corpus import (
    MEMORY_BOMBS_POSTGRES,
    MEMORY_BOMBS_SQLITE,
    READS_AND_TRICKS,
    SECRET_READS_POSTGRES,
    SECRET_READS_SQLITE,
    WRITES,
)
from tests.security.conftest import TODAY

#: Runs forever but for the timeout; the validator lets it through (it only counts).
ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r"


def _corpus(engine) -> list[str]:
    if engine.dialect.name == "postgresql":
        return WRITES + READS_AND_TRICKS + SECRET_READS_POSTGRES + MEMORY_BOMBS_POSTGRES
    return WRITES + READS_AND_TRICKS + SECRET_READS_SQLITE + MEMORY_BOMBS_SQLITE


def _env(settings) -> dict[str, str]:
    return {"DATABASE_URL": settings.database_url.get_secret_value(), "ELT_DATA_DIR": str(settings.data_dir)}


def _outcome(stdout: str) -> str:
    error = json.loads(stdout).get("error", "")
    if error.startswith("Refused ("):
        return "validator"
    return "database" if error else "answered"


def test_elt_sql_refuses_the_whole_battery(ask, reader, settings, secret_hash, capsys):
    runner = CliRunner()
    counts = {"validator": 0, "database": 0, "answered": []}
    statements = [s for s in _corpus(ask.engine) if s.strip()]
    for statement in statements:
        result = runner.invoke(main, ["sql", statement, "--json"], env={**_env(settings), "OPENAI_API_KEY": None})
        outcome = _outcome(result.stdout)
        assert secret_hash not in result.stdout
        if outcome == "answered":
            counts["answered"].append(statement)
        else:
            assert result.exit_code == 1, result.output
            counts[outcome] += 1
    with capsys.disabled():
        print(
            f"\n[{ask.engine.dialect.name}] elt sql: statements tried {len(statements)}, refused by validator "
            f"{counts['validator']}, refused by database {counts['database']}"
        )
    # The doubling recursive CTE passes the validator and is refused by the database's byte bound.
    assert counts["answered"] == [] and counts["database"] >= 1


@pytest.mark.slow
def test_elt_sql_in_a_real_process_refuses_a_sample_with_bounded_memory(ask, reader, settings, secret_hash, capsys):
    bombs = MEMORY_BOMBS_POSTGRES if ask.engine.dialect.name == "postgresql" else MEMORY_BOMBS_SQLITE
    secrets = SECRET_READS_POSTGRES if ask.engine.dialect.name == "postgresql" else SECRET_READS_SQLITE
    sample = [WRITES[0], WRITES[7], READS_AND_TRICKS[11], secrets[0], secrets[3], bombs[0], bombs[6]]
    env = {**os.environ, **_env(settings), "PYTHONPATH": str(project_root())}
    env.pop("OPENAI_API_KEY", None)
    # A wrapper process reports the peak RSS of its one child, the `elt sql` process.
    measure = (
        "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(done.stdout.strip()); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)"
    )
    peaks, refused = [], {"validator": 0, "database": 0}
    for statement in sample:
        done = subprocess.run(
            [sys.executable, "-c", measure, sys.executable, "-m", "elt_project.cli", "sql", statement, "--json"],
            capture_output=True, text=True, env=env, timeout=180,
        )  # fmt: skip
        stdout, peak = done.stdout.strip().rsplit("\n", 1)
        assert secret_hash not in stdout
        outcome = _outcome(stdout)
        assert outcome != "answered", (statement, stdout)
        refused[outcome] += 1
        peaks.append(int(peak))
    with capsys.disabled():
        print(
            f"\n[{ask.engine.dialect.name}] elt sql processes: {len(sample)} statements, refused by validator "
            f"{refused['validator']}, by database {refused['database']}, peak RSS {max(peaks)} MB"
        )
    assert max(peaks) < 400  # the CLI alone takes ~210 MB; an unbounded answer took 9 GB


def test_the_language_model_path_refuses_a_secret_read_on_both_layers(ask, reader, secret_hash, tmp_path):
    """Ask's LLM path with a stand-in model (no real model runs here) that answers with ts_stat."""
    hostile = "```sql\nSELECT * FROM ts_stat('SELECT to_tsvector(password_hash) FROM elt_users')\n```"
    with StandInLlm([hostile] * 4) as llm:
        settings = load_settings(
            env={}, env_file=tmp_path / "none.env", openai_api_key="sk-test", data_dir=str(tmp_path),
            transforms_dir=str(tmp_path), openai_base_url=llm.base_url,
        )  # fmt: skip
        context = ask_context(ask.engine, settings, today=TODAY)
        with pytest.raises(UnsafeQuery, match="function-not-allowed"):
            answer_llm("show me the words in passwords", context)
        if ask.engine.dialect.name == "postgresql":
            context.validate = False
            with pytest.raises(QueryFailed, match="permission denied") as caught:
                answer_llm("show me the words in passwords", context)
            assert secret_hash not in str(caught.value)


def test_a_long_query_is_stopped_by_the_timeout(ask):
    started = time.monotonic()
    with pytest.raises(QueryFailed, match="interrupted|statement timeout"):
        run_readonly(ask.engine, ENDLESS, timeout_s=1)
    assert time.monotonic() - started < 10
