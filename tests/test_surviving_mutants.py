"""Behaviour that one-line mutations used to change without any test noticing.

Each test names the line it guards; breaking that line turns it red (checked when written).
"""

from __future__ import annotations

import re
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from elt_project.http_retry import attempts_made, retry_policy, retrying_session
from elt_project.ingest.schema_sample import profile_columns
from elt_project.pipeline.mapping import loose, plan_columns
from tests.net import free_port


def _staging() -> sa.Table:
    columns = ("order_no", "unit_price", "dagster_run_id")
    return sa.Table("stg", sa.MetaData(), *(sa.Column(name, sa.String) for name in columns))


def test_loose_header_match_ignores_punctuation():
    """mapping.loose: every character but letters and digits is dropped, not only spaces and underscores."""
    assert loose("Order-No.") == loose("order_no") == "orderno"
    assert loose("Unit Price ($)") == "unitprice"
    mapping = "order_no > order_no, unit_price > unit_price"
    # The headers come in the other order, so matching by position instead of by name would pair them wrongly.
    plan = plan_columns(["Unit/Price", "Order-No."], _staging(), mapping, import_name="i", file_name="f")
    assert dict(zip(plan.targets, plan.sources)) == {"order_no": 1, "unit_price": 0}


class _BusyThenFine(BaseHTTPRequestHandler):
    """503 with ``Retry-After: 1`` on the first request, 200 afterwards; records when each came."""

    arrivals: list[float] = []

    def do_GET(self) -> None:  # noqa: N802 — http.server's name
        self.arrivals.append(time.monotonic())
        busy = len(self.arrivals) == 1
        self.send_response(503 if busy else 200)
        if busy:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def test_retry_after_is_waited_for_on_a_real_server():
    """http_retry.retry_policy: respect_retry_after_header. Without it the retry comes at once (no backoff)."""
    _BusyThenFine.arrivals = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _BusyThenFine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with retrying_session(retry_policy(3, 0.0)) as session:
            response = session.get(f"http://127.0.0.1:{server.server_port}/", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 200 and attempts_made(response) == 2
    first, second = _BusyThenFine.arrivals
    assert second - first >= 0.9, f"retried after {second - first:.2f} s; Retry-After asked for 1 s"


def test_arrow_decimal_columns_are_typed_as_their_own_decimal(tmp_path):
    """schema_sample._native_type: an Arrow decimal keeps its precision and scale, whatever its values look like."""
    values = [Decimal("1.5"), Decimal("20"), None]  # as text these would not share a number of decimals
    table = pa.table({"rate": pa.array(values, pa.decimal128(18, 4))})
    pq.write_table(table, tmp_path / "rates.parquet")
    guesses, rows = profile_columns(tmp_path / "rates.parquet", file_type="parquet")
    assert rows == 3
    assert [(g.name, g.logical) for g in guesses] == [("rate", "decimal(18,4)")]


def test_config_rows_come_from_one_helper(config_row, engine):
    """tests/config_rows.py: a row needs only what a test is about; the rest are valid defaults."""
    from elt_project.config.repository import get_pipeline_config

    config_row(import_name="returns", load_method="replace")
    config = get_pipeline_config(engine, "returns")
    assert (config.staging_table, config.destination_table, config.load_method) == (
        "stg_returns",
        "dest_returns",
        "replace",
    )


#: Test files that write config rows by hand, and why: rows for an older revision's table, or SQL from the docs.
_RAW_CONFIG_INSERTS = {
    "tests/db/test_schema_changes_migration.py": "a row of the table as revision 0007 left it",
    "tests/db/test_freshness_migration.py": "a row of the table as revision 0007 left it (before 0008)",
    "tests/db/test_schema.py": "the INSERT printed in the product docs, run as written",
}
_CONFIG_INSERT = re.compile(
    r"elt_pipeline_configs\.insert\(|insert\(\s*(schema\.)?elt_pipeline_configs|INSERT INTO elt_pipeline_configs"
)


def test_no_test_inserts_config_rows_but_through_the_one_helper():
    """Every other test goes through tests/config_rows.py, so a new column needs a default in one place."""
    root = Path(__file__).resolve().parent
    writers = {
        path.relative_to(root.parent).as_posix()
        for path in root.rglob("*.py")
        if _CONFIG_INSERT.search(path.read_text(encoding="utf-8"))
    }
    assert writers - {"tests/config_rows.py", "tests/test_surviving_mutants.py"} == set(_RAW_CONFIG_INSERTS)
