"""Reading one question: time, top-N, comparisons and data values first, then word by word.

The result is a :class:`Words` record of what each word meant; :mod:`.planning`
turns it into a :class:`Plan` (see :mod:`.parser` for the order of the steps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from elt_project.analytics.nl2sql import columns as lookup
from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.defaults import price_as_money
from elt_project.analytics.nl2sql.grammar import (
    COMPARATORS,
    COMPARE,
    GROUP_CUES,
    NUM,
    ROW_WORDS,
    TOP,
    UNIT_WORDS,
    Reading,
    parse_number,
)
from elt_project.analytics.nl2sql.sqlbuild import Col
from elt_project.analytics.nl2sql.vocabulary import ValueMatch, singular
from elt_project.analytics.schema_context import SchemaContext

_COUNTED = re.compile(r"\b(?:which|what|list|show|name)\s+(?:the\s+)?(\d+|" + "|".join(NUM) + r")\s+(?=[a-z]+s\b)")


def top_n(reading: Reading) -> tuple[str | None, int | None]:
    m = TOP.search(reading.text)
    if not m:
        counted = _COUNTED.search(reading.text)  # "which 5 customers spent the most": the order comes later
        if counted:
            reading.blank(counted.span(1))
            n = int(counted[1]) if counted[1].isdigit() else NUM[counted[1]]
            return "superlative", n
        return None, None
    word, count = (m[1], m[2]) if m[1] else (m[4], m[3])
    n = int(count) if count.isdigit() else NUM[count]
    order = "asc" if word in vocab.ASCENDING or word in ("worst", "bottom") else "desc"
    if word == "last":
        return None, None
    reading.blank(m.span(2) if m[1] else m.span(3))
    if m[1]:
        reading.blank(m.span(1))
    else:
        reading.blank(m.span(4))
    reading.understood.append(f"{'top' if order == 'desc' else 'bottom'} {n}")
    return order, n


@dataclass
class Comparison:
    op: str
    value: float
    at: int  # where it starts in the question
    followed_by: str  # the word after the number ("orders" in "more than 100 orders")


def comparisons(reading: Reading, context: SchemaContext | None = None) -> list[Comparison]:
    """Numeric comparisons ("greater than 50", "5 or more"), blanked out of the text.

    A unit said after the number ("60 minutes", "10 miles") is blanked too, unless a column
    is called so: it names no column, and read by meaning it would become one (minutes → hour).
    """
    found = []
    columns = {c.name.lower() for t in context.tables.values() for c in t.columns} if context else set()
    for m in list(COMPARE.finditer(reading.text)):
        after = re.match(r"\s*(@?[a-z_]+)", reading.text[m.end() :])
        word = after[1] if after else ""
        found.append(Comparison(COMPARATORS[m[1]], parse_number(m[2], m[3]), m.start(), word))
        reading.blank(m.span())
        if after and word in UNIT_WORDS and not ({word, vocab.singular(word)} & columns):
            reading.blank((m.end() + after.start(1), m.end() + after.end(1)))
    for m in list(re.finditer(r"\b(\d[\d,]*(?:\.\d+)?)\s+or\s+(more|less|fewer|greater|higher)\b", reading.text)):
        op = ">=" if m[2] in ("more", "greater", "higher") else "<="
        found.append(Comparison(op, parse_number(m[1], None), m.start(), ""))
        reading.blank(m.span())
    for m in list(re.finditer(r"\b(?:with|having|has|have)\s+(?:exactly\s+)?(\d+)\s+(@?[a-z][\w-]*)", reading.text)):
        # "cars with 4 cylinders": the count of something each row holds, compared for equality
        found.append(Comparison("=", parse_number(m[1], None), m.start(2), m[2]))
        reading.blank(m.span(1))
    return found


def numbered_values(reading: Reading, context: SchemaContext) -> list[tuple[list[Col], int]]:
    """ "plot 12", "hour 8", "store no. 4": an integer column named by the word before a number, equal to it.

    The column is an integer dimension of that name (``hour``) or the word's id/number
    column (``plot_id``, ``store_no``); the phrase is blanked out of the text.
    """
    found = []
    for m in list(re.finditer(r"\b(@?[a-z][a-z_]*)\s+(?:number\s+|no\.?\s+|#)?(\d+)\b(?![.,]\d)", reading.text)):
        word = m[1]
        cols = lookup.numeric_dimensions(word, context) or _id_columns(word, context)
        if cols:
            found.append((cols, int(m[2])))
            reading.blank(m.span())
    return found


def _id_columns(word: str, context: SchemaContext) -> list[Col]:
    noun = vocab.singular(word.lstrip("@"))
    names = {f"{noun}_id", f"{noun}id", f"{noun}_no", f"{noun}_number", f"{noun}_nr"}
    return [
        Col(t.name, c.name) for t in context.tables.values() for c in t.columns if c.integer and c.name.lower() in names
    ]


_NOT_AGGREGATES = {
    "most",
    "least",
    "highest",
    "lowest",
    "largest",
    "biggest",
    "smallest",
    "greatest",
    "number",
    "many",
    "count",
}  # noqa: E501
_SELLING = {"selling", "seller", "sellers", "sold", "sells", "sell", "popular"}
#: Adjectives that describe one row's measure: the largest or smallest value, not a ranking of groups.
_EXTREMES = {
    "longest": "max", "tallest": "max", "heaviest": "max", "hottest": "max", "warmest": "max", "oldest": "max",
    "latest": "max", "shortest": "min", "lightest": "min", "coldest": "min", "coolest": "min", "youngest": "min",
    "earliest": "min",
}  # fmt: skip


#: Words that follow a measure to say what kind of number it is; they name no column of their own.
_QUALIFIERS = {"rate", "rates", "percentage", "percent", "share", "ratio", "level", "levels", "figure"}


@dataclass
class Words:
    """What the words of a question meant, before a table is chosen."""

    agg: str | None = None
    distinct: bool = False
    entity: str | None = None
    entity_word: str | None = None
    dims: list[tuple[list[Col], str]] = field(default_factory=list)
    superlative: str | None = None
    selling: bool = False
    candidates: list[tuple[list[Col], str, int]] = field(default_factory=list)  # measures, with positions
    unknown: list[str] = field(default_factory=list)
    #: Readings that are both plausible; the question is refused naming them.
    ambiguous: list[str] = field(default_factory=list)
    dim_at: set[int] = field(default_factory=set)  # token positions read as groupings
    #: Token position of the noun "how many" / "number of" counts ("how many countries").
    counted_at: int | None = None
    #: A text column counted by that noun: its distinct values are counted, not its rows.
    counted_dim: tuple[list[Col], str] | None = None
    #: A plural naming a column unique in its table ("of states"): the rows themselves, not a grouping.
    row_names: tuple[list[Col], str] | None = None
    #: The question asks for an amount without naming the column ("how much", "order value").
    wants_measure: bool = False
    #: "which genus has the highest…": a singular verb asks for one answer, whatever the noun looks like.
    one_named: bool = False
    #: Column words dropped after "in"/"the" because a value was expected there ("in california" read as state).
    dropped: list[str] = field(default_factory=list)
    #: Words of a table's name said alone ("trips" of taxi_trips), with the table: see :func:`settle_partial`.
    partial: list[tuple[str, str]] = field(default_factory=list)
    #: Dimension table -> the role column that reaches it ("destination state": airports through dest).
    roles: dict[str, str] = field(default_factory=dict)
    #: Columns named beside a value of theirs ("no tip"): they settle a value several columns hold.
    value_columns: list[Col] = field(default_factory=list)


_ONE_NAMED = re.compile(r"\b(?:which|what)\s+(?:[@\w'-]+\s+){1,3}?(?:has|is|was|does)\b")


def read_words(text: str, context: SchemaContext, values: list[ValueMatch], limit: int | None) -> Words:
    """Place every word left after the earlier steps; unplaceable ones go to ``unknown``."""
    words = Words(one_named=bool(_ONE_NAMED.search(text)))
    found = [(m[0], m.start()) for m in re.finditer(r"@[a-z0-9_]+|[a-z][a-z0-9'&-]*", text)]
    tokens = [w for w, _ in found]
    skip: set[int] = set()
    for i, word in enumerate(tokens):
        if i in skip:
            continue
        previous = tokens[i - 1] if i else ""
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        pair = f"{word} {following}" if following else ""
        ranking = limit or words.superlative
        if pair and previous in ("by", "per") and (role := lookup.role_named(word, following, context)):
            words.dims.append(([role], pair))  # "by origin airport": the origin column names the airport
            words.dim_at.add(i)
            skip.add(i + 1)
        elif (
            pair and (cols := lookup.dimension_columns(pair, context)) and (previous in GROUP_CUES | {"and"} or ranking)
        ):
            words.dims.append((cols, pair))
            skip.add(i + 1)
        elif pair and (cols := lookup.measure_columns(pair.replace(" ", "_"), context)):
            words.candidates.append((cols, pair, found[i][1]))
            skip.add(i + 1)
        elif word == "how" and following in ("many", "much"):
            words.agg = words.agg or ("count" if following == "many" else "sum")
            words.counted_at = i + 2 if following == "many" else None
            words.wants_measure = words.wants_measure or following == "much"  # "how much did they spend"
            skip.add(i + 1)
        elif word in ("number", "count", "headcount"):
            if following == "of" and words.agg is None:
                words.counted_at = i + 2
            if words.agg in (None, "sum", "count"):  # "average number of seats" averages seats
                words.agg = "count"
        elif word in _EXTREMES:
            if following in vocab.AGGREGATES:  # "the longest average delay": rank by that average
                words.superlative = "asc" if _EXTREMES[word] == "min" else "desc"
            else:
                words.agg = _EXTREMES[word]
        elif word in vocab.AGGREGATES and word not in _NOT_AGGREGATES:
            meaning = vocab.AGGREGATES[word]
            if meaning == "distinct":
                words.distinct = True
            else:
                words.agg = meaning
        elif word in vocab.DESCENDING | vocab.ASCENDING | {"most", "least", "fewest", "greatest"}:
            words.superlative = "asc" if word in vocab.ASCENDING | {"fewest"} else "desc"
        else:
            _place(words, word, previous, i, tokens, found[i][1], context, values, limit)
    return words


def _place(
    words: Words, word: str, previous: str, i: int, tokens: list[str], at: int,
    context: SchemaContext, values: list[ValueMatch], limit: int | None,
) -> None:  # fmt: skip
    """A content word: a dimension, a measure, an entity, a filler word, or unknown."""
    dim_cols = lookup.dimension_columns(word, context)
    exact = [c for c in lookup.measure_columns(word, context) if c.column.lower() == word]
    if exact and not any(c.column.lower() == word for c in dim_cols):
        dim_cols = []  # "engines" is the number column engines, not the text column engine
    entity_table = lookup.entity_table(word, context) if not word.startswith("@") else None
    cue = previous in GROUP_CUES or (i > 1 and f"{tokens[i - 2]} {previous}" == "for each")
    cue = cue or (previous == "and" and bool(words.dims))
    ranking = limit or words.superlative  # "top 3 products by quantity": quantity ranks, it does not group
    plain_rows = entity_table is None and not ranking and not (cue and previous not in _ROW_CUES)
    if dim_cols and plain_rows and _names_rows(dim_cols, context):
        words.row_names = words.row_names or (dim_cols, word)  # "average poverty across states": one row each
        return
    if entity_table and previous in _ROW_CUES and not ranking and _names_rows(dim_cols, context):
        _place_entity(words, word, entity_table, [], context, limit)  # "across states" in a states table
        return
    if dim_cols and (cue or (limit and entity_table is None)):
        words.dims.append((dim_cols, word))
        words.dim_at.add(i)
        return
    if cue and not ranking and (numbers := lookup.numeric_dimensions(word, context)):
        words.dims.append((numbers, word))  # "by hour": an integer column with few values groups rows
        words.dim_at.add(i)
        return
    grouped_measure = previous in ("by", "per") and not ranking and words.agg == "count" and entity_table is None
    if grouped_measure and (cols := exact or lookup.measure_columns(word, context)) and word not in vocab.STOPWORDS:
        words.ambiguous.append(  # "number of ratings by score": a count grouped by a measure is no SUM of it
            f"{cols[0].column} is a number with many values, not a category to group by"
        )
        return
    if exact and entity_table is None:  # a measure column of that very name ("amount"), even if also a filler
        words.candidates.append((exact, word, at))
        return
    counting_sales = words.agg == "count" and word == "sales"  # "how many sales": rows, not money
    if not counting_sales and (price := price_as_money(word, context)):
        words.candidates.append(([price], word, at))  # "revenue" of a table with one price per row sold
        return
    if entity_table is not None:
        _place_entity(words, word, entity_table, dim_cols, context, limit)
        return
    valued = any(m.table == c.table and m.column == c.column for m in values for c in dim_cols)
    if dim_cols and words.agg == "count" and not valued and _is_counted(words, i, tokens, context):
        words.counted_dim = (dim_cols, word)  # "how many countries": distinct values, not rows per value
        return
    if dim_cols and previous in ("a", "an", "with", "without") and (flag := lookup.yes_no(dim_cols, previous, context)):
        values.append(ValueMatch(flag[0].table, flag[0].column, flag[1], (at, at)))  # "trips with a tip"
        words.value_columns.append(flag[0])
        return
    if dim_cols and i - 1 in words.dim_at and (role := _role_of(previous, dim_cols, context)):
        words.dims[-1] = ([c for c in dim_cols if c.table == role[0]], f"{previous} {word}")  # "destination state"
        words.roles[role[0]] = role[1]
        return
    if dim_cols:
        if i - 1 in words.dim_at:
            words.ambiguous.append(f"'{previous} {word}' could be grouped by {previous}, or by {previous} and {word}")
        elif not (any(m.column == c.column for m in values for c in dim_cols) or previous in ("the", "a", "in")):
            words.dims.append((dim_cols, word))  # "the West region": the value already names the column
            words.dim_at.add(i)
        elif named := [c for c in dim_cols if any(m.table == c.table and m.column == c.column for m in values)]:
            words.value_columns += named
        elif not any(m.column == c.column for m in values for c in dim_cols):
            words.dropped.append(word)  # "in <column>" with no value of it named: a value the data may not hold
        return
    if word not in vocab.STOPWORDS and (cols := lookup.measure_columns(word, context)):
        if words.agg == "count" and _is_counted(words, i, tokens, context) and lookup.numbered(cols[:1], context):
            words.ambiguous.append(  # "how many episodes" over episode numbers 1-10: rows, or a sum of numbers?
                f"'{word}' could count the rows or the distinct {cols[0].column} numbers; say 'rows' or 'distinct'"
            )
            return
        words.candidates.append((cols, word, at))
        return
    if word in vocab.MEASURE_NOUNS or word in vocab.MONEY_VERBS:
        words.wants_measure = True  # "the average order value", "who spent most": the default measure
        return
    if word in vocab.STOPWORDS or word in ROW_WORDS:
        words.selling = words.selling or word in _SELLING
        return
    if word in _QUALIFIERS and words.candidates and words.candidates[-1][1] == previous:
        return  # "murder rate", "urban percentage": the column just named, said with its unit
    if table := lookup.table_named_in_part(word, context):
        words.partial.append((table, word))  # "taxi trips" of taxi_trips: settled once the whole question is read
        return
    if plural_values := _plural_of_value(word, context):
        values += [ValueMatch(e.table, e.column, e.value, (at, at)) for e in plural_values]  # "rodents": 'Rodent'
        return
    words.unknown.append(word)


def _plural_of_value(word: str, context: SchemaContext) -> list:
    """The index entries of a one-word value whose plural the question says ("birds" for 'Bird')."""
    from elt_project.analytics.nl2sql.values import value_index

    one = singular(word)
    if one == word or one in vocab.STOPWORDS or len(one) < 3:
        return []
    return value_index(context).lookup((one,))


def _place_entity(
    words: Words, word: str, table: str, dim_cols: list[Col], context: SchemaContext, limit: int | None
) -> None:
    ranking = limit or words.superlative
    if dim_cols and ranking and words.entity is not None:
        words.dims.append((dim_cols, word))
    elif words.entity is None or (words.agg == "count" and words.entity_word in ROW_WORDS):
        words.entity, words.entity_word = table, word
    elif word in ROW_WORDS and words.entity_word not in ROW_WORDS and ranking:
        # "top 10 customers by number of orders": rank the first entity by counting the second
        if label := lookup.label_column(context, words.entity):
            words.dims.append(([label], words.entity_word))
        words.entity, words.entity_word = table, word
    elif dim_cols:
        words.dims.append((dim_cols, word))


def _is_counted(words: Words, i: int, tokens: list[str], context: SchemaContext) -> bool:
    """Token ``i`` is the noun a count is of, perhaps after the table's own name ("how many barley varieties")."""
    if words.counted_at is None or words.counted_dim is not None:
        return False
    if i == words.counted_at:
        return True
    return i == words.counted_at + 1 and lookup.entity_table(tokens[i - 1], context) is not None


def _role_of(previous: str, cols: list[Col], context: SchemaContext) -> tuple[str, str] | None:
    """(table, role column) when ``previous`` is a ``@column`` that references the table of one of ``cols``."""
    if not previous.startswith("@"):
        return None
    for fk in context.foreign_keys:
        if fk.column.lower() == previous[1:] and any(c.table == fk.ref_table for c in cols):
            return fk.ref_table, fk.column
    return None


#: Cues before a plural that speak of all the rows ("across states"), not of groups.
_ROW_CUES = {"across", "among"}


def _names_rows(cols: list[Col], context: SchemaContext) -> bool:
    """Every column the word names holds one distinct value per row of its table."""
    return all(c.column in context.tables[c.table].unique for c in cols)


def settle_partial(words: Words) -> None:
    """Words that are part of one table's name name that table's rows when something is counted or measured
    ("how many taxi trips", "average trip distance"); alone ("total electricity generated" over a table
    iowa_electricity) they may name a number instead, so they stay unknown for the reading by meaning."""
    if not words.partial:
        return
    tables = {table for table, _ in words.partial}
    counted = words.superlative and any(w.endswith("s") and singular(w) != w for _, w in words.partial)
    if words.entity is None and len(tables) == 1 and (words.agg == "count" or words.candidates or counted):
        words.entity, words.entity_word = next(iter(tables)), words.partial[-1][1]
    elif not (words.entity in tables and len(tables) == 1):
        words.unknown += [word for _, word in words.partial]
