"""Where a word of a question lands in the schema: measure, dimension and entity columns, fact tables,
and which table reaches which (for the reading and planning steps alike).
"""

from __future__ import annotations

from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.grammar import ROW_WORDS
from elt_project.analytics.nl2sql.sqlbuild import Col
from elt_project.analytics.schema_context import SchemaContext


def fact_tables(context: SchemaContext) -> list[str]:
    """Tables with a date and a numeric measure, biggest first: where events are recorded."""
    facts = [t for t in context.tables.values() if vocab.date_columns(t) and vocab.measures(t, context)]
    return [t.name for t in sorted(facts, key=lambda t: -t.row_count)]


def linked_columns(word: str, context: SchemaContext, kinds: tuple[str, ...]) -> list[Col]:
    """Columns named by an ``@column`` token of :mod:`.linking`, biggest table first."""
    found = [
        (-table.row_count, Col(table.name, column.name))
        for table in context.tables.values()
        for column in table.columns
        if column.name.lower() == word[1:] and column.kind in kinds
    ]
    return [col for _, col in sorted(found, key=lambda item: item[0])]


def dimension_capable(column) -> bool:
    """Text columns, and integer columns with few values (hour, month, year, cylinders)."""
    return column.kind == "text" or (column.integer and column.levels is not None)


def measure_columns(word: str, context: SchemaContext) -> list[Col]:
    if word.startswith("@"):
        keys = {(t.name, c.name) for t in context.tables.values() for c in t.columns if vocab.is_key(t, c, context)}
        return [col for col in linked_columns(word, context, ("number", "date")) if (col.table, col.column) not in keys]
    wanted = (word, vocab.singular(word))
    found = []
    for table in context.tables.values():
        for column in vocab.measures(table, context):
            parts = vocab.name_words(column.name)
            if column.name.lower() in wanted or any(p in wanted for p in parts) or column.name.lower() == word:
                exact = column.name.lower() in wanted
                found.append((not exact, -table.row_count, Col(table.name, column.name)))
    return [col for *_, col in sorted(found, key=lambda item: item[:2])]


def dimension_columns(phrase: str, context: SchemaContext) -> list[Col]:
    """Text/key columns named by ``phrase`` (its last word or its whole name), and entity tables' labels."""
    if phrase.startswith("@"):
        return [c for c in linked_columns(phrase, context, ("text",))]
    word = vocab.singular(phrase)
    found = []
    if " " in phrase:
        head, rest = phrase.split(" ", 1)
        for table in context.tables.values():
            if vocab.entity_name(table.name) == vocab.singular(head):
                found += [
                    Col(table.name, c.name)
                    for c in table.columns
                    if c.kind == "text" and c.name.lower() == vocab.singular(rest)
                ]
    for table in context.tables.values():
        for column in table.columns:
            if column.kind not in ("text",):
                continue
            parts = vocab.name_words(column.name)
            full = " ".join(parts)
            if word == full or phrase == full or (len(parts) > 1 and word == parts[-1]) or word == column.name.lower():
                found.append(Col(table.name, column.name))
        if vocab.entity_name(table.name) == word:
            label = label_column(context, table.name)
            if label:
                found.append(label)
    return found


def numeric_dimensions(phrase: str, context: SchemaContext) -> list[Col]:
    """Integer columns with few values named by ``phrase`` (or its ``@column`` token)."""
    name = phrase[1:] if phrase.startswith("@") else None
    found = []
    for table in sorted(context.tables.values(), key=lambda t: -t.row_count):
        for column in table.columns:
            if not (column.integer and column.levels is not None):
                continue
            if column.name.lower() == name or (
                name is None and vocab.singular(phrase) == vocab.singular(column.name.lower())
            ):
                found.append(Col(table.name, column.name))
    return found


def label_column(context: SchemaContext, table: str) -> Col | None:
    info = context.tables[table]
    named = [c for c in info.columns if c.kind == "text" and vocab.name_words(c.name)[-1] == "name"]
    if named:
        return Col(table, named[0].name)
    return Col(table, info.primary_key[0]) if info.primary_key else None


def entity_table(word: str, context: SchemaContext) -> str | None:
    said, word = word, vocab.singular(word)
    for table in context.tables.values():
        if vocab.entity_name(table.name) == word or table.name.lower() in (said, word):  # "irises" → iris
            return table.name
        if len(table.primary_key) == 1 and table.primary_key[0].lower() in (f"{word}_id", f"{word}id"):
            return table.name
    if word in {vocab.singular(w) for w in ROW_WORDS}:
        facts = fact_tables(context)
        return facts[0] if facts else None
    return None


def table_named_in_part(word: str, context: SchemaContext) -> str | None:
    """The one table whose name holds ``word`` among its words ("taxi" or "trips" → taxi_trips), else None."""
    if len(word) < 3 or word in vocab.STOPWORDS:
        return None
    word = vocab.singular(word)
    named = [t for t in context.tables if word in {vocab.singular(w) for w in vocab.name_words(vocab.entity_name(t))}]
    if not named and len(word) >= 4:  # "pizzas" of pizzaplace: the start of a name written as one word
        named = [t for t in context.tables if vocab.entity_name(t).replace(" ", "").startswith(word)]
    return named[0] if len(named) == 1 else None


def reachable(context: SchemaContext, base: str, table: str) -> bool:
    return table == base or any(fk.ref_table == table for fk in context.references(base))


def pick(cols: list[Col], base: str, context: SchemaContext) -> Col | None:
    """The first candidate on ``base``, else one on a table ``base`` references."""
    for col in cols:
        if col.table == base:
            return col
    return next((col for col in cols if reachable(context, base, col.table)), None)


def numbered(cols: list[Col], context: SchemaContext) -> bool:
    """Integer columns with few values (episode 1-10): they number things, they are not amounts to add up."""
    infos = [context.tables[c.table].column(c.column) for c in cols]
    return all(info is not None and info.integer and info.levels is not None for info in infos)


_YES = {"yes", "y", "true", "t", "1"}
_NO = {"no", "n", "false", "f", "0"}


def yes_no(cols: list[Col], previous: str, context: SchemaContext) -> tuple[Col, str] | None:
    """A text column holding only yes/no flags, said as "a tip" (its yes value) or "without tip" (its no value)."""
    for col in cols:
        info = context.tables[col.table].column(col.column)
        values = (info.values if info else None) or ()
        lowered = {v.lower(): v for v in values}
        yes = [v for k, v in lowered.items() if k in _YES]
        no = [v for k, v in lowered.items() if k in _NO]
        if values and len(yes) == 1 and len(no) == 1 and len(lowered) == 2:
            return col, (no[0] if previous == "without" else yes[0])
    return None


def own_year(context: SchemaContext, table: str) -> str | None:
    """An integer ``year`` column of ``table`` itself (a film's release year), when it has one."""
    return next((c.name for c in context.tables[table].columns if c.integer and c.name.lower() == "year"), None)


def role_named(word: str, following: str, context: SchemaContext) -> Col | None:
    """The role column ``word`` (``origin``) when ``following`` names the rows of the table it refers to
    ("origin airport"): one of two columns reaching airports, named, so no join is needed to group by it."""
    table = entity_table(following, context) if following else None
    if table is None:
        return None
    return next(
        (
            Col(fk.table, fk.column)
            for fk in context.foreign_keys
            if fk.column.lower() == word.lstrip("@") and fk.ref_table == table
        ),
        None,
    )
