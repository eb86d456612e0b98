"""The business glossary: terms saved by an admin (checked by the SQL safety rules), read by the
built-in parser, given to the language model's prompt, and managed with `elt glossary`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from elt_project.analytics import glossary
from elt_project.analytics.nl2sql import answer_offline, ask_context
from elt_project.analytics.nl2sql.llm import messages_for
from elt_project.errors import ConfigurationError

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 6, 15)
ORDERS = [
    {"order_no": f"N{n}", "region": ("East", "West")[n % 2], "amt": Decimal(10 + n),
     "shipped_at": None if n % 3 == 0 else date(2026, 1, 1 + n)}
    for n in range(12)
]  # fmt: skip


@pytest.fixture
def orders(engine):
    meta = sa.MetaData()
    table = sa.Table(
        "orders", meta, sa.Column("order_no", sa.String(8)), sa.Column("region", sa.String(8)),
        sa.Column("amt", sa.Numeric(10, 2)), sa.Column("shipped_at", sa.Date),
    )  # fmt: skip
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), ORDERS)
    return engine


def test_terms_are_checked_before_they_are_saved(orders):
    allowed = {"orders"}
    with pytest.raises(ConfigurationError, match="cannot be used"):
        glossary.add_term(orders, "wipe", "expression", "orders", "1; DELETE FROM orders", allowed=allowed)
    with pytest.raises(ConfigurationError, match="cannot be used"):
        glossary.add_term(orders, "secret", "filter", "orders", "order_no IN (SELECT username FROM elt_users)",
                          allowed=allowed)  # fmt: skip
    with pytest.raises(ConfigurationError, match="cannot be used"):  # safe, but fails when tried
        glossary.add_term(orders, "profit", "expression", "orders", "SUM(margin)", allowed=allowed)
    with pytest.raises(ConfigurationError, match="no column"):
        glossary.add_term(orders, "turnover", "column", "orders", "revenue", allowed=allowed)
    with pytest.raises(ConfigurationError, match="not open to Ask"):
        glossary.add_term(orders, "users", "column", "elt_users", "username", allowed=allowed)
    assert glossary.list_terms(orders) == []


def test_the_parser_applies_filters_expressions_and_column_names(orders):
    allowed = {"orders"}
    glossary.add_term(orders, "cancelled", "filter", "orders", "shipped_at IS NULL", allowed=allowed)
    glossary.add_term(orders, "revenue", "expression", "orders", "SUM(amt)", allowed=allowed)
    glossary.add_term(orders, "turnover", "column", "orders", "amt", allowed=allowed)
    ctx = ask_context(orders, today=TODAY)
    cancelled = [o for o in ORDERS if o["shipped_at"] is None]
    assert answer_offline("how many cancelled orders", ctx).rows == [[len(cancelled)]]
    by_region = defaultdict(Decimal)
    for o in ORDERS:
        by_region[o["region"]] += o["amt"]
    result = answer_offline("revenue by region", ctx)
    assert {r[0]: Decimal(str(r[1])) for r in result.rows} == by_region
    result = answer_offline("average turnover of cancelled orders", ctx)
    assert Decimal(str(result.rows[0][0])).quantize(Decimal("0.01")) == (
        sum(o["amt"] for o in cancelled) / len(cancelled)
    ).quantize(Decimal("0.01"))
    assert "shipped_at IS NULL" in result.explanation


def test_the_language_model_prompt_carries_the_glossary_and_the_links(orders):
    glossary.add_term(orders, "cancelled", "filter", "orders", "shipped_at IS NULL", allowed={"orders"})
    ctx = ask_context(orders, today=TODAY)
    prompt = messages_for("total amount for West cancelled orders", ctx.schema, [], "SQLite", glossary=ctx.glossary)
    system = prompt[0]["content"]
    assert "'cancelled' means the filter shipped_at IS NULL on table orders" in system
    assert "'West' is a value of orders.region" in system and "'amount' -> orders.amt" in system


@pytest.mark.slow
def test_elt_glossary_add_list_remove(orders, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}

    def elt(*args):
        return subprocess.run([sys.executable, "-m", "elt_project.cli", "glossary", *args], capture_output=True,
                              text=True, env=env, timeout=120)  # fmt: skip

    added = elt("add", "cancelled", "--table", "orders", "--filter", "shipped_at IS NULL")
    assert added.returncode == 0 and "now means the filter shipped_at IS NULL" in added.stdout
    refused = elt("add", "oops", "--table", "orders", "--expression", "pg_read_file('x')")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "cancelled\tfilter\torders\tshipped_at IS NULL" in elt("list").stdout
    assert "removed" in elt("remove", "cancelled").stdout and "empty" in elt("list").stdout
