"""``elt demo`` builds the search index as the demo's history lands, so the first ``elt search`` only ranks.

Real subprocesses on both warehouses, with the TF-IDF engine (the same index and hook as the
model, without a minute of embedding). Long (the demo writes two years of sales): tier ``full``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from elt_project.analytics.search import encoders
from elt_project.analytics.search.freshness import landing_mark, stored_mark
from elt_project.settings import project_root


def elt(settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL", "ELT_SEARCH"))}
    env.update(
        {
            "DATABASE_URL": settings.database_url.get_secret_value(),
            "ELT_DATA_DIR": str(settings.data_dir),
            "ELT_SEARCH_ENGINE": "tfidf",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "elt_project.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=project_root(),
    )


@pytest.mark.full
def test_the_demo_builds_the_index_and_the_first_search_does_not(engine, settings):
    installed = elt(settings, "demo")
    assert installed.returncode == 0, installed.stderr
    assert "Search index (tfidf)" in installed.stdout  # built as the history landed
    assert stored_mark(settings.data_dir, encoders.TfidfEncoder()) == landing_mark(engine)

    searched = elt(settings, "search", "Consumer")
    assert searched.returncode == 0, searched.stderr
    assert "Search index" not in searched.stderr  # no refresh report: the query only ranked
    assert "dim_customers [" in searched.stdout  # answered from the index the demo built
