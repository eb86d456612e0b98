"""One SELECT cannot fill the memory of the hub or of `elt sql`: values and answers are bounded in bytes.

The validator refuses the functions that build huge values; with it switched off the
read-only connection still refuses (SQLite's length limit and authorizer, PostgreSQL's
running byte total), and a real process running the whole battery stays small.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from elt_project.analytics.nl2sql import run_sql
from elt_project.analytics.readonly import QueryFailed
from elt_project.analytics.sql_safety import UnsafeQuery, check_query
from elt_project.settings import project_root
from tests.security.attack_corpus import MEMORY_BOMBS_POSTGRES, MEMORY_BOMBS_SQLITE, MEMORY_BOMBS_TSQL

#: What a process running the whole battery may reach (Python, SQLAlchemy and a driver take ~100 MB).
RSS_BOUND_MB = 300
#: The byte bounds, SQLite's authorizer, or (on a machine busy enough) the time bound.
REFUSAL_WORDS = ("larger than", "prohibited", "not authorized", "too big", "statement timeout")


def _bombs(engine) -> list[str]:
    return MEMORY_BOMBS_POSTGRES if engine.dialect.name == "postgresql" else MEMORY_BOMBS_SQLITE


def test_validator_refuses_the_functions_that_build_huge_values():
    cases = [(s, "sqlite") for s in MEMORY_BOMBS_SQLITE] + [(s, "postgresql") for s in MEMORY_BOMBS_POSTGRES]
    cases += [(s, "mssql") for s in MEMORY_BOMBS_TSQL]
    passed = []
    for statement, dialect in cases:
        try:
            check_query(statement, dialect_name=dialect, allowed_tables={"dest_sales"})
        except UnsafeQuery as exc:
            assert exc.rule in ("function-not-allowed", "unparseable"), exc
        else:
            passed.append(statement)
    # A doubling recursive CTE uses only ||; the database's bounds stop it (next test).
    assert all("WITH RECURSIVE" in s for s in passed) and len(passed) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite has no lpad or repeat
def test_bounded_widths_still_work(ask):
    rows = run_sql("SELECT lpad(order_id, 8, '0') AS padded FROM dest_sales ORDER BY order_id LIMIT 1", ask).rows
    assert rows == [["000O0000"]]
    with pytest.raises(UnsafeQuery, match="up to 1000 characters"):
        run_sql("SELECT lpad(order_id, 1001, '0') FROM dest_sales", ask)


@pytest.mark.slow
def test_every_bomb_is_refused_on_the_connection_without_the_validator(ask, capsys):
    ask.validate = False
    statements = _bombs(ask.engine)
    for statement in statements:
        with pytest.raises(QueryFailed) as caught:
            run_sql(statement, ask)
        message = str(caught.value)
        assert any(word in message for word in REFUSAL_WORDS), message
        assert "\n" not in message and len(message) < 200
    with capsys.disabled():
        name, count = ask.engine.dialect.name, len(statements)
        print(f"\n[{name}] memory bombs tried {count}, refused by database {count}")


def test_value_and_answer_bounds_follow_the_settings(ask):
    ask.max_answer_bytes = 2000
    with pytest.raises(QueryFailed, match=r"^The answer is larger than 2 kB; ask for fewer rows or columns\.$"):
        run_sql("SELECT order_id, region, channel FROM dest_sales", ask)
    ask.max_answer_bytes, ask.max_value_bytes = 20_000_000, 1024
    with pytest.raises(QueryFailed, match=r"^A value in the answer is larger than 1\.024 kB"):
        run_sql("SELECT group_concat(order_id, ',') AS ids FROM dest_sales", ask)
    assert len(run_sql("SELECT order_id, region, channel FROM dest_sales", ask).rows) == 240


_BATTERY = textwrap.dedent(
    """
    import json, sys
    from elt_project.analytics.readonly import QueryFailed, run_readonly
    from elt_project.db.engine import create_warehouse_engine

    engine = create_warehouse_engine(sys.argv[1])
    outcomes = []
    for statement in json.loads(sys.argv[2]):
        try:
            result = run_readonly(engine, statement)
            outcomes.append("answered " + str(sum(len(str(v)) for row in result.rows for v in row)))
        except QueryFailed as exc:
            outcomes.append(str(exc))
    print(json.dumps(outcomes))
    """
)


#: A small wrapper reports its one child's peak RSS: a child forked straight from pytest would count
#: pytest's own memory (Linux keeps the peak across exec).
_MEASURE = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stderr.write(done.stderr); print(done.stdout.strip()); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024); sys.exit(done.returncode)"
)


@pytest.mark.slow
def test_a_process_running_the_battery_without_the_validator_stays_small(sales_engine, database_url, capsys):
    statements = _bombs(sales_engine)
    env = {**os.environ, "PYTHONPATH": str(project_root())}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-c", _BATTERY, database_url, json.dumps(statements)],
        capture_output=True, text=True, env=env, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    stdout, peak = done.stdout.strip().rsplit("\n", 1)
    report = {"outcomes": json.loads(stdout), "rss_mb": int(peak)}
    with capsys.disabled():
        print(
            f"\n[{sales_engine.dialect.name}] {len(statements)} memory bombs in one process: "
            f"peak RSS {report['rss_mb']:.0f} MB (bound {RSS_BOUND_MB} MB)"
        )
    assert all(any(word in o for word in REFUSAL_WORDS) for o in report["outcomes"]), report["outcomes"]
    assert report["rss_mb"] < RSS_BOUND_MB
