"""When "how many orders" may not be the number of rows: the checks and the key counted instead.

A question counts a table's rows when it names what a row is. These rules cover the
readings where counting rows would be a guess: an average with no number named, a word
that may be money or a count, and orders that are not the table's rows (one row per
order line, an order id on each).
"""

from __future__ import annotations

import sqlalchemy as sa

from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.grammar import ROW_WORDS, NotUnderstood, Reading
from elt_project.analytics.nl2sql.reading import Words
from elt_project.analytics.schema_context import SchemaContext

_SPOKEN = {"avg": "average", "min": "minimum", "max": "maximum"}


def refuse_guessed_row_count(words: Words, base: str, context: SchemaContext, reading: Reading) -> None:
    """Counting the rows of ``base`` is refused where the question may mean something else.

    - an average, minimum or maximum with no number named ("average order value") is not a count;
    - a word that may be money or a count ("total sales") with no money column to read;
    - "orders" read as the rows of a table not named so, when a key-like column repeats
      across its rows (one row per pizza, an order id on each): rows or distinct ids.
    """
    word = words.entity_word or base
    if words.agg in ("avg", "min", "max"):
        numbers = ", ".join(c.name for c in vocab.measures(context.tables[base], context)[:4])
        raise NotUnderstood(
            f"I could not tell which number of {base} to take the {_SPOKEN[words.agg]} of"
            + (f" ({numbers}…); name it." if numbers else "."),
            reading.understood,
        )
    if words.agg == "sum" and word in vocab.MONEY_NOUNS:
        raise NotUnderstood(
            f"{word!r} could be the number of {base} rows or a sum of money, and {base} has no column "
            "I know as money; say 'number of' or name the column.",
            reading.understood,
        )


def counted_key(words: Words, base: str, context: SchemaContext, reading: Reading) -> str | None:
    """The key column to count distinct values of when "orders" are not the rows of ``base``.

    A row word ("orders") read as the rows of a table not named so: when the table has a
    key column named for it (``order_id``) that repeats across rows (order lines), its
    distinct values are the orders; a bare ``id`` that repeats could be the orders or
    not, so the question is refused naming both readings.
    """
    word = words.entity_word or ""
    noun = vocab.singular(word)
    if word not in ROW_WORDS or noun in vocab.name_words(vocab.entity_name(base)):
        return None
    table = context.tables[base]
    named = [c.name for c in table.columns if noun in vocab.name_words(c.name) and vocab.is_key(table, c, context)]
    if named:
        return named[0] if repeats(context, base, named[0]) else None
    bare = [c.name for c in table.columns if c.name.lower() == "id"]
    if bare and repeats(context, base, bare[0]):
        raise NotUnderstood(
            f"{word!r} could be the rows of {base} or its distinct {bare[0]} values ({bare[0]} repeats); "
            f"say 'rows' or 'distinct {bare[0]}'.",
            reading.understood,
        )
    return None


def repeats(context: SchemaContext, table: str, column: str) -> bool:
    """Whether a column's values repeat across the table's rows (read once per schema context)."""
    if column in context.tables[table].unique or context.engine is None:
        return False
    cache = context.__dict__.setdefault("_repeating_columns", {})  # the frozen context's cache, as the value index
    if (table, column) not in cache:
        col = sa.table(table, sa.column(column)).c[column]
        query = sa.select(sa.func.count(col), sa.func.count(sa.distinct(col)))
        with context.engine.connect() as conn:
            filled, distinct = conn.execute(query).one()
        cache[(table, column)] = distinct < filled
    return cache[(table, column)]
