"""The functions the hub's SQL may call, per dialect: an allow-list, never a deny-list.

A deny-list leaks: PostgreSQL alone has functions that run a SQL string given as text
(``ts_stat``, ``query_to_xml``, ``schema_to_xml`` and friends), and a list of bad names
misses the next one. So only the ordinary scalar, aggregate, window, date, string and
math functions an analyst needs are allowed; anything else is refused.

Names are what sqlglot calls a function: the ``sql_name()`` of its typed node (``SUM``,
``TIME_TO_STR`` for ``strftime``/``to_char``, ``STR_POSITION`` for ``instr``) or, for a
function sqlglot does not know, the name as written. Functions that make text grow
(``repeat``, ``lpad``/``rpad``, ``replicate``, ``space``) are allowed only with a plain
width of at most :data:`MAX_GROWTH_WIDTH` and never nested in one another, because one
of them with a huge width can fill the memory of whoever receives the value.
"""

from __future__ import annotations

from sqlglot import exp

#: Typed sqlglot functions that mean the same on every warehouse.
_COMMON = frozenset(
    {
        # operators and expressions sqlglot models as functions
        "and", "or", "xor", "case", "exists", "collate",
        # aggregates
        "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp", "variance",
        "variance_pop", "group_concat", "median", "percentile_cont", "percentile_disc", "corr",
        "covar_pop", "covar_samp", "logical_and", "logical_or", "mode", "approx_distinct",
        # windows
        "row_number", "rank", "dense_rank", "ntile", "lag", "lead", "first_value", "last_value",
        "nth_value", "percent_rank", "cume_dist",
        # conditionals and conversion
        "coalesce", "nullif", "if", "cast", "try_cast", "greatest", "least", "typeof",
        # text
        "length", "lower", "upper", "trim", "substring", "replace", "str_position", "concat",
        "concat_ws", "left", "right", "reverse", "initcap", "translate", "split_part", "ascii",
        "unicode", "chr", "soundex", "hex", "regexp_replace", "regexp_like", "overlay", "stuff",
        # numbers
        "abs", "round", "floor", "ceil", "sign", "sqrt", "cbrt", "power", "ln", "log", "exp", "pi",
        "trunc", "mod", "rand", "width_bucket",
        # dates and times
        "date", "extract", "time_to_str", "str_to_date", "str_to_time", "ts_or_ds_to_timestamp",
        "ts_or_ds_to_date", "timestamp_trunc", "date_trunc", "date_add", "date_sub", "datediff",
        "date_diff", "current_date", "current_timestamp", "current_time", "year", "month", "day",
        "quarter", "week", "day_of_week", "day_of_month", "day_of_year", "last_day", "date_bin",
        "date_from_parts", "time_str_to_time", "unix_to_time", "time_to_unix", "justify_days",
        "justify_hours", "justify_interval", "timestamp_from_parts", "make_interval",
    }
)  # fmt: skip

#: Per dialect, the functions sqlglot leaves untyped (or types differently) that are still harmless.
_BY_DIALECT = {
    "sqlite": frozenset(
        {"datetime", "julianday", "time", "unixepoch", "total", "likely", "unlikely", "iif", "ifnull",
         "instr", "substr", "strftime", "timediff", "sign", "octet_length"}
    ),
    "postgres": frozenset(
        {"age", "make_date", "make_time", "make_timestamp", "octet_length", "bit_length", "cardinality",
         "isfinite", "date_part", "to_timestamp", "to_number", "array_agg", "string_agg", "btrim",
         "strpos", "char_length", "character_length", "div", "log10", "degrees", "radians", "scale",
         "exploding_generate_series", "generate_series", "explode", "unnest", "array_length",
         "regexp_matches", "regexp_match", "starts_with", "num_nulls", "num_nonnulls", "md5",
         "encode", "decode", "to_char", "date_trunc"}
    ),
    "tsql": frozenset(
        {"var", "varp", "count_big", "patindex", "choose", "datename", "datepart", "eomonth",
         "isnumeric", "try_convert", "convert", "isnull", "iif", "len", "charindex", "square",
         "ceiling", "datefromparts", "dateadd", "format", "string_agg", "try_parse", "parse"}
    ),
}  # fmt: skip

#: Functions that make a value grow with an argument, and the argument that sets the width.
_GROWTH_ARGS = {"repeat": "times", "pad": "expression", "space": "this", "lpad": 1, "rpad": 1, "replicate": 1}
#: The widest text one growth function may build, in characters.
MAX_GROWTH_WIDTH = 1000


def function_name(node: exp.Func) -> str:
    """The lower-case name the allow-list is keyed by."""
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql_name().lower()


def allowed_functions(dialect: str) -> frozenset[str]:
    """Every name allowed in ``dialect`` (sqlglot's name: sqlite, postgres, tsql)."""
    return _COMMON | _BY_DIALECT.get(dialect, frozenset())


def refusal(node: exp.Func, dialect: str) -> str | None:
    """Why the call ``node`` is refused, in one sentence, or None when it may run."""
    name = function_name(node)
    if isinstance(node.parent, exp.Dot) and node.parent.expression is node:
        return f"the function {node.parent.sql(dialect=dialect)} may not be called with a schema name."
    if name in _GROWTH_ARGS:
        return _growth_refusal(node, name)
    if name not in allowed_functions(dialect):
        return f"the function {name}() is not one the hub allows."
    return None


def _growth_refusal(node: exp.Func, name: str) -> str | None:
    key = _GROWTH_ARGS[name]
    if isinstance(key, int):
        args = node.expressions
        width = args[key] if len(args) > key else None
    else:
        width = node.args.get(key)
    plain = isinstance(width, exp.Literal) and width.is_int
    if not plain or int(width.this) > MAX_GROWTH_WIDTH:
        return f"{name}() may only build text up to {MAX_GROWTH_WIDTH} characters wide, given as a plain number."
    for inner in node.find_all(exp.Func):
        if inner is not node and function_name(inner) in _GROWTH_ARGS:
            return f"{name}() may not be nested inside another function that makes text grow."
    return None
