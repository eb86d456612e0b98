"""The SQL allow-list on its own: which rule refuses what, with the sentence a user reads, and what it lets through.

No warehouse is needed: the checker only parses. The hostile corpus, run against both
warehouses, is in tests/security/test_attack_corpus.py; this file pins the rule names, the
messages and the edge cases of each check (CTE scoping, limits, dialects, hidden characters).
"""

from __future__ import annotations

import pytest

from elt_project.analytics.sql_safety import UnsafeQuery, check_query, sqlglot_dialect

TABLES = {"orders", "Customers"}


def _check(sql: str, dialect: str = "sqlite", **kwargs):
    return check_query(sql, dialect_name=dialect, allowed_tables=kwargs.pop("tables", TABLES), **kwargs)


def _refusal(sql: str, dialect: str = "sqlite", **kwargs) -> tuple[str, str]:
    with pytest.raises(UnsafeQuery) as caught:
        _check(sql, dialect, **kwargs)
    return caught.value.rule, str(caught.value)


@pytest.mark.parametrize(
    ("sql", "dialect", "rule", "message"),
    [
        ("", "sqlite", "empty", "there is no SQL to run."),
        (" \n\t ", "sqlite", "empty", "there is no SQL to run."),
        ("SELECT 1; SELECT 2", "sqlite", "one-statement", "exactly one statement is allowed, found 2."),
        ("SELECT * FROM orders WHERE", "sqlite", "unparseable",
         "the SQL could not be parsed, so it cannot be checked."),
        ("INSERT INTO orders VALUES (1)", "sqlite", "query-only", "only a SELECT query is allowed, not INSERT."),
        ("(VALUES (1))", "sqlite", "query-only", "only a SELECT query is allowed, not SUBQUERY."),
        ("SELECT * INTO copy FROM orders", "sqlite", "query-only", "INTO is not allowed inside a query."),
        ("SELECT * FROM orders FOR UPDATE", "postgresql", "query-only", "LOCK is not allowed inside a query."),
        ("SELECT pg_sleep(1)", "postgresql", "function-not-allowed",
         "the function pg_sleep() is not one the hub allows."),
        ("SELECT * FROM orders WITH (NOLOCK)", "mssql", "locking",
         "table hints such as WITH (NOLOCK) are not allowed."),
        ("SELECT * FROM main.orders", "sqlite", "allowed-tables",
         "schema-qualified tables such as main.orders are not allowed."),
        ("SELECT * FROM shop..orders", "mssql", "allowed-tables",
         "schema-qualified tables such as shop..orders are not allowed."),
        ("SELECT * FROM @rows", "mssql", "allowed-tables", "a table must be named directly."),
        ("SELECT * FROM elt_users", "sqlite", "allowed-tables", "the table elt_users is not one the hub may read."),
        ("SELECT * FROM orders", "oracle", "dialect", "the hub does not know how to check SQL for 'oracle'."),
    ],
)  # fmt: skip
def test_each_rule_refuses_with_its_name_and_sentence(sql, dialect, rule, message):
    assert _refusal(sql, dialect) == (rule, f"Refused ({rule}): {message}")


@pytest.mark.parametrize(
    ("char", "code"),
    [("\x01", "0001"), ("\u200b", "200B"), ("\ue000", "E000"), ("\ud800", "D800"), ("\u2028", "2028"),
     ("\u2029", "2029")],
)  # fmt: skip
def test_invisible_characters_are_refused_even_after_a_line_break(char, code):
    """Control, format, private-use and surrogate characters, and the Unicode line separators, anywhere."""
    sql = f"SELECT 1\nFROM orders\t-- {char}"
    assert _refusal(sql) == (
        "hidden-characters",
        f"Refused (hidden-characters): the text holds an invisible character U+{code}.",
    )


def test_tabs_line_breaks_and_ordinary_letters_pass():
    checked = _check("SELECT\tMAX(ÉTÉ_X)\r\nFROM orders")
    assert checked.sql == "SELECT MAX(ÉTÉ_X) FROM orders LIMIT 1000"


def test_a_parenthesised_select_passes():
    assert _check("(SELECT 1 FROM orders)").sql == "SELECT 1 FROM orders LIMIT 1000"


def test_what_runs_is_regenerated_without_comments_with_the_tables_read():
    checked = _check("SELECT /* hint */ id FROM orders -- note\nJOIN customers ON 1 = 1")
    assert checked.sql == "SELECT id FROM orders JOIN customers ON 1 = 1 LIMIT 1000"
    assert checked.tables == {"orders", "customers"} and checked.row_limit == 1000


def test_allowed_table_names_match_whatever_the_case():
    assert _check('SELECT * FROM "CUSTOMERS"', tables={"Customers"}).tables == {"customers"}


def test_limits_are_injected_and_a_lower_one_is_kept():
    assert _check("SELECT * FROM orders LIMIT 5").sql == "SELECT * FROM orders LIMIT 5"
    assert _check("SELECT * FROM orders LIMIT 5000").sql == "SELECT * FROM orders LIMIT 1000"
    assert _check("SELECT * FROM orders LIMIT 7", row_limit=5).sql == "SELECT * FROM orders LIMIT 5"
    checked = _check("SELECT * FROM orders", row_limit=10)
    assert (checked.sql, checked.row_limit) == ("SELECT * FROM orders LIMIT 10", 10)
    union = _check("SELECT id FROM orders UNION SELECT id FROM customers", row_limit=3)
    assert union.sql == "SELECT id FROM orders UNION SELECT id FROM customers LIMIT 3"


def test_each_dialect_parses_and_writes_its_own_sql():
    assert _check("SELECT * FROM [orders]", "mssql", row_limit=5).sql == "SELECT TOP 5 * FROM [orders]"
    assert _check("SELECT julianday(day) FROM orders").tables == {"orders"}
    assert _check("SELECT * FROM generate_series(1, 3)", "postgresql").tables == frozenset()
    assert sqlglot_dialect("postgresql") == "postgres"


def test_a_cte_name_hides_the_table_only_where_sql_can_see_it():
    # the main query sees the CTE; a CTE body sees earlier CTEs but not itself or later ones
    assert _check("WITH x AS (SELECT * FROM orders) SELECT * FROM x").tables == {"orders"}
    assert _check("WITH b AS (SELECT 1), a AS (SELECT * FROM b) SELECT * FROM a").tables == frozenset()
    assert _refusal("WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a")[0] == "allowed-tables"
    assert _refusal("WITH orders AS (SELECT * FROM orders) SELECT * FROM orders", tables={"customers"}) == (
        "allowed-tables",
        "Refused (allowed-tables): the table orders is not one the hub may read.",
    )


def test_a_recursive_cte_sees_itself_but_not_later_ones():
    recursive = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r"
    assert _check(recursive).tables == frozenset()
    assert _refusal("WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a")[0] == "allowed-tables"


def test_nested_withs_see_the_names_of_every_enclosing_one():
    inner_in_cte = (
        "WITH a AS (SELECT 1), b AS (SELECT * FROM (WITH c AS (SELECT 1) SELECT * FROM c, a) s) SELECT * FROM b"
    )
    assert _check(inner_in_cte).tables == frozenset()
    inner_cte_sees_outer = (
        "WITH a AS (SELECT 1) SELECT * FROM (WITH b AS (SELECT 1), c AS (SELECT * FROM b, a) SELECT * FROM c) t"
    )
    assert _check(inner_cte_sees_outer).tables == frozenset()
    assert _check("WITH x AS (SELECT 1) SELECT * FROM (SELECT * FROM x, orders) y").tables == {"orders"}
