"""Benchmark: accuracy and speed of the built-in NL→SQL parser on the demo.

Run: ``.venv/bin/python bench/nl2sql_eval.py [--url DATABASE_URL]``. Without
``--url`` the demo is installed into a temporary SQLite file; with a URL whose
warehouse lacks the demo, it is installed there first. Each question's answer is
executed and compared with the expected rows as a set (column order and row order
ignored, numbers rounded to cents). Targets: accuracy >= 0.85, median < 0.5 s.
Prints ``nl2sql_offline_accuracy=X.XX`` last.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.nl2sql_first import first_question_times  # noqa: E402
from bench.nl2sql_questions import HELD_OUT, UNSEEN, Data, questions  # noqa: E402
from elt_project.analytics.nl2sql import answer_offline, ask_context  # noqa: E402
from elt_project.db.engine import create_warehouse_engine  # noqa: E402
from elt_project.demo.install import install_demo  # noqa: E402
from elt_project.errors import EltError  # noqa: E402
from elt_project.settings import load_settings  # noqa: E402


def _norm(value) -> str:
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return f"{float(value):.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def row_set(rows) -> Counter:
    return Counter(tuple(sorted(_norm(v) for v in row)) for row in rows)


def load(engine) -> Data:
    with engine.connect() as conn:
        sales = pd.read_sql(sa.text("SELECT * FROM dest_sales"), conn)
        customers = pd.read_sql(sa.text("SELECT * FROM dim_customers"), conn)
        products = pd.read_sql(sa.text("SELECT * FROM dim_products"), conn)
    sales["order_date"] = pd.to_datetime(sales.order_date)
    for column in ("amount", "unit_price"):
        sales[column] = sales[column].astype(float)
    sales = sales.merge(products[["sku", "product_name"]], left_on="product_sku", right_on="sku", how="left")
    sales = sales.merge(customers[["customer_id", "customer_name", "segment"]], on="customer_id", how="left")
    return Data(sales, customers, products, date.today())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="warehouse URL (default: a fresh SQLite demo)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="nl2sql_bench_")
    url = args.url or f"sqlite:///{tmp}/warehouse.db"
    engine = create_warehouse_engine(url)
    settings = load_settings(env={}, database_url=url, data_dir=f"{tmp}/data", transforms_dir=f"{tmp}/transforms")
    if not sa.inspect(engine).has_table("dest_sales"):
        print("installing the demo…", flush=True)
        install_demo(engine, settings)
    data = load(engine)
    cases = questions(data)
    allowed = ask_context(engine).allowed_tables
    cold_s, first_question_s = first_question_times(engine, allowed, cases[0][0], date.today(), settings.data_dir)
    context = ask_context(engine, settings)
    passed, held_out_passed, unseen_passed, times = 0, 0, 0, []
    for index, (question, expected) in enumerate(cases):
        started = time.perf_counter()
        try:
            result = answer_offline(question, context)
            got, sql = result.rows, result.sql
        except EltError as exc:
            got, sql = None, f"(no answer) {exc}"
        times.append(time.perf_counter() - started)
        ok = got is not None and row_set(got) == row_set(expected)
        passed += ok
        held_out_passed += ok and HELD_OUT <= index < UNSEEN
        unseen_passed += ok and index >= UNSEEN
        print(f"{'PASS' if ok else 'FAIL'} {times[-1]:.3f}s  {question}")
        if not ok and args.verbose:
            print(f"     sql: {sql}\n     got: {(got or [])[:5]}\n     expected: {expected[:5]}")
    accuracy = passed / len(cases)
    print(f"questions={len(cases)} passed={passed} dialect={engine.dialect.name}")
    print(f"second_set_questions={UNSEEN - HELD_OUT} passed={held_out_passed}")
    print(f"unseen_questions={len(cases) - UNSEEN} passed={unseen_passed} (never used to change the parser)")
    print(f"median_answer_s={statistics.median(times):.3f} p90_answer_s={sorted(times)[int(len(times) * 0.9)]:.3f}")
    print(f"first_question_s={first_question_s:.3f} (after a restart that follows a load; cold_s={cold_s:.3f})")
    print(f"nl2sql_offline_accuracy={accuracy:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
