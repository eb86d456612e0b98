"""Downloads never hand a spreadsheet a formula: every text cell starting =, +, -, @, tab or CR is quoted.

The unit tests check :mod:`elt_project.analytics.exports` cell by cell; the page test
loads hostile cells into the warehouse and the run logs, opens Ask and the Pipeline
Monitor as a real AppTest, and reads back the bytes each "Download as CSV" button
serves (a spy on Streamlit's in-memory media storage records them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from elt_project.analytics.exports import FORMULA_PREFIXES, csv_bytes, escape_cell, frame_csv
from elt_project.db import schema
from tests.hub.conftest import hub_env, logged_in_app, make_account  # noqa: F401  (fixture)

HOSTILE = [
    '=HYPERLINK("http://evil.test/phish","Click for your invoice")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+2",
    "-1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    " =1+1",
]
FORBIDDEN_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _dangerous(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.lstrip(" ").startswith(FORBIDDEN_STARTS)]


def test_each_formula_prefix_is_quoted_and_plain_values_are_not():
    for cell in HOSTILE:
        assert escape_cell(cell) == "'" + cell
    assert escape_cell("Widget 1") == "Widget 1" and escape_cell("") == ""
    assert escape_cell(-5) == -5 and escape_cell(2.5) == 2.5  # numbers stay numbers
    assert set(FORBIDDEN_STARTS) <= set(FORMULA_PREFIXES)


def test_csv_of_hostile_cells_and_headers_starts_no_cell_with_a_formula_prefix():
    data = csv_bytes(["name", "=cmd|header"], [[cell, cell] for cell in HOSTILE] + [[None, 3]])
    rows = _cells(data)
    assert _dangerous(rows) == []
    assert rows[1][0] == "'" + HOSTILE[0] and rows[-1] == ["", "3"]
    assert data.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so Excel reads UTF-8


def test_frame_csv_keeps_exact_numbers():
    import pandas as pd

    rows = _cells(frame_csv(pd.DataFrame({"total_amount": [2373044.45, None], "label": ["=1", "ok"]})))
    assert rows == [["total_amount", "label"], ["2373044.45", "'=1"], ["", "ok"]]


@pytest.fixture
def downloads(monkeypatch):
    """Every payload a download button handed to Streamlit's media storage during the test."""
    served: list[bytes] = []
    real = MemoryMediaFileStorage.load_and_get_id

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if kind.name == "DOWNLOADABLE" and isinstance(path_or_data, bytes):
            served.append(path_or_data)
        return real(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return served


def _load_hostile(engine) -> None:
    table = sa.Table(
        "hostile_cells", sa.MetaData(), sa.Column("n", sa.Integer, primary_key=True), sa.Column("cell", sa.Text)
    )
    table.create(engine)
    now = dt.datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"n": i, "cell": cell} for i, cell in enumerate(HOSTILE)])
        conn.execute(
            schema.etl_pipeline_run_logs.insert(),
            [
                {"run_id": f"r{i}", "import_name": cell, "status": "FAILED", "start_time": now, "error_message": cell}
                for i, cell in enumerate(HOSTILE)
            ],
        )
        conn.execute(
            schema.elt_file_ledger.insert(),
            [
                {"import_name": cell, "content_hash": f"{i:064d}", "file_path": f"/in/{cell}", "file_size": 1,
                 "file_mtime": 0.0, "status": "FAILED", "error_message": cell, "first_seen_at": now}
                for i, cell in enumerate(HOSTILE)
            ],
        )  # fmt: skip
        conn.execute(
            schema.elt_rejected_rows.insert(),
            [{"run_id": "r0", "import_name": cell, "rule_name": cell, "row_data": cell} for cell in HOSTILE],
        )


def test_every_hub_download_of_hostile_cells_is_escaped_and_the_grid_export_is_off(hub_env, downloads):  # noqa: F811
    _load_hostile(hub_env)
    admin = make_account(hub_env, "admin", "ada")
    at = logged_in_app(admin, page="ask")
    at.text_area(key="ask_sql").input("SELECT n, cell FROM hostile_cells ORDER BY n")
    at.button(key="ask_run_sql").click()
    at.run()
    assert not at.exception
    logged_in_app(admin, page="monitor")
    logged_in_app(admin, page="home")
    files = [_cells(data) for data in downloads]
    # Ask's answer, and on the Monitor runs, rejected rows and files, and Home's recent runs
    assert len(files) >= 5, len(files)
    served_cells = {cell for rows in files for row in rows for cell in row}
    assert "'" + HOSTILE[0] in served_cells and "'@SUM(1+1)*cmd|' /C calc'!A0" in served_cells
    dangerous = [cell for rows in files for cell in _dangerous(rows)]
    print(f"\nexports: {len(files)} CSV downloads, {sum(len(r) for r in files)} rows, {len(dangerous)} formula cells")
    assert dangerous == []
    assert st.get_option("client.disableDataExport") is True  # the grid's unescaped download is hidden
