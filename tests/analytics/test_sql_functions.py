"""The per-dialect function allow-list behind the SQL checker: names, dialects, schema prefixes and width caps.

Parsing only, no warehouse: what the functions do on SQLite and PostgreSQL is in
tests/security/test_memory_bounds.py and tests/security/test_attack_corpus.py.
"""

from __future__ import annotations

import pytest

from elt_project.analytics.sql_functions import MAX_GROWTH_WIDTH, allowed_functions
from elt_project.analytics.sql_safety import UnsafeQuery, check_query

_DIALECTS = {"sqlite": "sqlite", "postgres": "postgresql", "tsql": "mssql"}


def _refused(sql: str, dialect: str) -> str | None:
    """The refusal's sentence (without the rule prefix), or None when the statement passes."""
    try:
        check_query(sql, dialect_name=dialect, allowed_tables={"t"})
    except UnsafeQuery as refusal:
        assert refusal.rule == "function-not-allowed", refusal
        return str(refusal).removeprefix("Refused (function-not-allowed): ")
    return None


@pytest.mark.parametrize(
    ("call", "passes_on"),
    [
        ("julianday(a)", {"sqlite"}),
        ("JulianDay(a)", {"sqlite"}),
        ("age(a)", {"postgresql"}),
        ("patindex('%x%', a)", {"mssql"}),
        ("upper(a)", {"sqlite", "postgresql", "mssql"}),
        ("sum(a)", {"sqlite", "postgresql", "mssql"}),
    ],
)
def test_a_function_passes_only_where_its_dialect_allows_it(call, passes_on):
    for dialect in ("sqlite", "postgresql", "mssql"):
        outcome = _refused(f"SELECT {call} FROM t", dialect)
        if dialect in passes_on:
            assert outcome is None, (dialect, outcome)
        else:
            name = call.split("(")[0].lower()
            assert outcome == f"the function {name}() is not one the hub allows.", (dialect, outcome)


def test_an_unknown_dialect_gets_only_the_common_functions():
    assert "sum" in allowed_functions("duckdb") and "julianday" not in allowed_functions("duckdb")
    for sqlglot_name in _DIALECTS:
        assert allowed_functions(sqlglot_name) > allowed_functions("duckdb")


def test_a_schema_qualified_function_is_refused_even_when_the_name_is_allowed():
    assert _refused("SELECT pg_catalog.upper(a) FROM t", "postgresql") == (
        "the function pg_catalog.upper(a) may not be called with a schema name."
    )
    assert _refused("SELECT [dbo].[upper](a) FROM t", "mssql") == (
        "the function [dbo].[upper](a) may not be called with a schema name."
    )
    # a function applied to a dotted column, or compared with one, is not a schema-qualified call
    assert _refused("SELECT upper(t.a) FROM t WHERE t.a = lower(t.b)", "postgresql") is None


@pytest.mark.parametrize(
    ("call", "dialect", "shown"),
    [
        ("repeat(a, {w})", "postgresql", "repeat"),
        ("lpad(a, {w})", "postgresql", "pad"),
        ("rpad(a, {w}, 'x')", "sqlite", "pad"),
        ("space({w})", "mssql", "space"),
        ("replicate(a, {w})", "mssql", "repeat"),
        ("replicate(a, {w})", "sqlite", "replicate"),
    ],
)
def test_text_growing_functions_are_capped_at_a_plain_width(call, dialect, shown):
    wide = f"{shown}() may only build text up to {MAX_GROWTH_WIDTH} characters wide, given as a plain number."
    assert _refused(f"SELECT {call.format(w=MAX_GROWTH_WIDTH)} FROM t", dialect) is None
    assert _refused(f"SELECT {call.format(w=MAX_GROWTH_WIDTH + 1)} FROM t", dialect) == wide
    assert _refused(f"SELECT {call.format(w='n')} FROM t", dialect) == wide
    assert _refused(f"SELECT {call.format(w='10.5')} FROM t", dialect) == wide


def test_a_growth_function_without_its_width_is_refused():
    wide = f"replicate() may only build text up to {MAX_GROWTH_WIDTH} characters wide, given as a plain number."
    assert _refused("SELECT replicate(a) FROM t", "sqlite") == wide


def test_growth_functions_may_not_be_nested_in_one_another():
    assert _refused("SELECT repeat(repeat(a, 10), 10) FROM t", "postgresql") == (
        "repeat() may not be nested inside another function that makes text grow."
    )
    assert _refused("SELECT lpad(upper(repeat(a, 10)), 10) FROM t", "postgresql") == (
        "pad() may not be nested inside another function that makes text grow."
    )
    assert _refused("SELECT repeat(upper(a), 10) FROM t", "postgresql") is None
