"""`elt run` and `elt imports` through the real command group on a real warehouse."""

from __future__ import annotations

from click.testing import CliRunner

from elt_project.cli import main
from tests.pipeline.conftest import add_rule, query, write_csv


def _elt(settings, *args):
    env = {
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "ELT_DATA_DIR": str(settings.data_dir),
        "ELT_TRANSFORMS_DIR": str(settings.transforms_dir),
    }
    return CliRunner().invoke(main, list(args), env=env)


def test_elt_run_and_imports(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    add_config()
    file = write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"], [2, "Bob", "2", "I"]])
    listed = _elt(settings, "imports")
    assert listed.exit_code == 0 and "sales_daily" in listed.stdout and "last=never" in listed.stdout
    done = _elt(settings, "run", "sales_daily", "--file", str(file))
    assert done.exit_code == 0, done.output
    assert "staged 2" in done.stdout and "loaded 2 rows" in done.stdout
    assert query(engine, "SELECT COUNT(*) FROM dest_sales") == [(2,)]


def test_elt_run_fails_with_one_line_and_nonzero_exit(settings, sales_tables, add_config, inbox):
    engine = sales_tables
    add_config()
    add_rule(engine, "customer_required", "customer", "NOT_NULL")
    write_csv(inbox / "sales_1.csv", [[1, "", "1", "A"]])
    failed = _elt(settings, "run", "--pipeline", "sales")
    assert failed.exit_code == 1
    assert "customer_required" in failed.stderr and failed.exception is None or isinstance(failed.exception, SystemExit)
    missing = _elt(settings, "run", "nope")
    assert missing.exit_code == 1 and "No import named 'nope'" in missing.stderr


def test_elt_run_file_paths_are_relative_to_the_working_folder(
    settings, sales_tables, add_config, inbox, tmp_path, monkeypatch
):
    engine = sales_tables
    add_config()
    write_csv(inbox / "sales_1.csv", [[1, "Ann", "1", "A"]])
    outside = write_csv(tmp_path / "elsewhere" / "sales_2.csv", [[2, "Bob", "2", "A"]])
    monkeypatch.chdir(tmp_path)

    done = _elt(settings, "run", "sales_daily", "--file", "inbox/sales_1.csv")
    assert done.exit_code == 0, done.output
    assert "loaded 1 rows" in done.stdout
    assert query(engine, "SELECT order_id FROM dest_sales") == [(1,)]

    refused = _elt(settings, "run", "sales_daily", "--file", "elsewhere/sales_2.csv")
    assert refused.exit_code == 1
    assert f"is outside the import's monitored folder {inbox.resolve()}" in refused.stderr
    assert "moved or deleted" not in refused.stderr
    assert outside.exists() and query(engine, "SELECT order_id FROM dest_sales") == [(1,)]
