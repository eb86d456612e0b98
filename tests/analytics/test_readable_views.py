"""What a person reads: headers, the Monitor's advice and file list, story movers, clustering's default features."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from elt_project.analytics import clustering, monitor
from elt_project.analytics.display import readable_header, readable_headers
from elt_project.analytics.root_cause import Driver
from elt_project.analytics.story import biggest_movers, movers_sentence

T0 = dt.datetime(2026, 6, 1, 8, 0)


def test_headers_read_as_words():
    assert readable_header("total_amount") == "Total amount"
    assert readable_header("customer_id") == "Customer ID"
    assert readable_header("share of total change") == "share of total change"  # already words
    assert readable_headers(["total_amount", "Total amount"]) == {"total_amount": "total_amount",
                                                                 "Total amount": "Total amount"}  # fmt: skip


def _run(at_hour: int, status: str, name: str = "sales_csv", steps: str | None = None) -> dict:
    return {"import_name": name, "status": status, "start_time": T0 + dt.timedelta(hours=at_hour),
            "error_message": f"{status} at {at_hour}", "resolution_steps": steps}  # fmt: skip


def test_a_failure_followed_by_a_load_loses_its_advice_and_quality_failures_get_one():
    rows = [
        _run(5, "SUCCESS"),
        _run(4, "QUALITY_FAILED", name="stock_csv"),
        _run(3, "FAILED", steps="Fix the header and drop the file again."),
        _run(2, "FAILED", name="stock_csv", steps="Check the folder."),
    ]
    by_message = {f.run["error_message"]: f for f in monitor.failures(rows)}
    resolved = by_message["FAILED at 3"]
    assert resolved.advice is None and resolved.loaded_later == T0 + dt.timedelta(hours=5)
    quality = by_message["QUALITY_FAILED at 4"]
    assert quality.advice == monitor.QUALITY_ADVICE and quality.headline == "stopped by a data-quality rule"
    still_open = by_message["FAILED at 2"]  # stock_csv never loaded afterwards
    assert still_open.advice == "Check the folder." and still_open.loaded_later is None
    assert [f.run["error_message"] for f in monitor.failures(rows)] == ["QUALITY_FAILED at 4", "FAILED at 3",
                                                                        "FAILED at 2"]  # fmt: skip


def test_file_list_shows_the_name_first_and_a_short_hash():
    rows = [
        {"import_name": "a", "file_path": "/srv/inbox/very/long/folder/orders_0601.csv", "content_hash": "f" * 64},
        {"import_name": "b", "file_path": r"C:\Drops\stock 0601.xlsx", "content_hash": "0123"},
    ]
    shown = monitor.file_rows(rows)
    assert list(shown[0])[0] == "file" and shown[0]["file"] == "orders_0601.csv"
    assert shown[0]["folder"] == "/srv/inbox/very/long/folder" and shown[0]["content_hash"] == "f" * 12 + "…"
    assert shown[1]["file"] == "stock 0601.xlsx" and shown[1]["content_hash"] == "0123"


def _driver(segment: dict, change: float, score: float) -> Driver:
    return Driver(segment, 100 + change, 100.0, change, 0.5, "rate", score, 10, 10, 0.0, 0.0, change)


def test_movers_name_their_dimension_and_the_larger_change_comes_first():
    drivers = [
        _driver({"store_type": "Office"}, 50_195.79, 9.0),  # the more surprising, but the smaller change
        _driver({"channel": "Partner"}, 64_917.51, 4.0),
        _driver({"region": "West"}, 90_000.0, 1.0),  # not surprising: left out
    ]
    assert movers_sentence(biggest_movers(drivers)) == (
        "The biggest movers were channel Partner (+64,917.51) and store type Office (+50,195.79)."
    )
    pair = _driver({"region": "West", "channel": "Online"}, -1_025.4, -3.0)
    assert movers_sentence([pair]) == "The biggest movers were region West × channel Online (-1,025.40)."


def test_clustering_leaves_keys_out_by_default(engine):
    orders = sa.Table(
        "cluster_orders",
        sa.MetaData(),
        sa.Column("order_id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer),
        sa.Column("line_seq", sa.Integer),  # unique per row: a surrogate key under another name
        sa.Column("quantity", sa.Integer),
        sa.Column("amount", sa.Float),
    )
    orders.create(engine)
    with engine.begin() as conn:
        conn.execute(
            orders.insert(),
            [{"order_id": i, "customer_id": i % 7, "line_seq": 1000 + i, "quantity": i % 5, "amount": (i % 9) * 10.0}
             for i in range(100)],
        )  # fmt: skip
    numeric = ["order_id", "customer_id", "line_seq", "quantity", "amount"]
    assert clustering.identifier_columns(engine, "cluster_orders", numeric) == ["order_id", "customer_id", "line_seq"]
    assert clustering.default_features(engine, "cluster_orders", numeric) == ["quantity", "amount"]
