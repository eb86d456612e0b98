"""The checks that make Ask refuse rather than guess, and the second reading by meaning.

Each raises :class:`~.parser.NotUnderstood` naming the candidates, so the user can
rephrase: a common word that is also a data value typed in lower case, a column found
only by meaning competing with a named measure, a dimension reached by two role
columns. :func:`by_meaning` is the last linking step (see :mod:`.linking`).
"""

from __future__ import annotations

import re

from elt_project.analytics.nl2sql import linking
from elt_project.analytics.nl2sql import vocabulary as vocab
from elt_project.analytics.nl2sql.grammar import NotUnderstood, Reading
from elt_project.analytics.nl2sql.reading import Words
from elt_project.analytics.nl2sql.sqlbuild import Plan, plan_columns
from elt_project.analytics.schema_context import SchemaContext


def refuse_guessed_second_measure(words: Words, reading: Reading) -> None:
    """Two numbers named where one is measured: neither is guessed, whether found by meaning ("flew … distance")
    or by name ("average age of series winners", where series_winner is a 0/1 column)."""
    named = {cols[0].column: word for cols, word, _ in words.candidates if cols}
    if len(named) > 1:  # one would be taken and the other dropped without a word ("age of series winners")
        shown = " or ".join(named)
        raise NotUnderstood(f"I could not tell which number you mean: {shown}.", reading.understood)


def by_meaning(text: str, unknown: list[str], context: SchemaContext, reading: Reading) -> str | None:
    """``text`` with each unknown word replaced by the one column it means, or None (noting candidates)."""
    for word in dict.fromkeys(unknown):
        name, candidates = linking.semantic_link(word, context)
        plural = vocab.singular(word) != word and not word.startswith("@")
        if name is None and plural and (table := linking.table_link(word, context)):
            text = re.sub(rf"(?<![\w@]){re.escape(word)}(?![\w-])", table.lower(), text)  # "episodes": its rows
            reading.understood.append(f"{word!r} read as the rows of {table} (closest in meaning)")
            reading.notes.append(f"{word!r} read as the rows of {table}")
            continue
        if name is None:
            if candidates:
                reading.understood.append(f"{word!r} might be {' or '.join(candidates)}")
            return None
        text = re.sub(rf"(?<![\w@]){re.escape(word)}(?![\w-])", f"@{name.lower()}", text)
        reading.by_meaning.add(f"@{name.lower()}")
        reading.said_as[f"@{name.lower()}"] = word
        reading.understood.append(f"{word!r} read as {name} (closest in meaning)")
    return text


#: Common words a data value may be written as: such a value counts only when written as the data writes it.
_FUNCTION_WORDS = {
    "a", "an", "the", "of", "to", "by", "and", "or", "is", "are", "was", "what", "which", "how", "me", "show",
    "with", "for", "on", "at", "from", "in", "per", "each", "many", "much", "total", "number",
}  # fmt: skip


def refuse_unwritten_values(reading: Reading, context: SchemaContext) -> None:
    """A common word that is also a data value, typed in lower case ("employees in it"), is not guessed at."""
    from elt_project.analytics.nl2sql.values import value_index

    index = value_index(context)
    for word in re.findall(r"[a-z]+", reading.text):
        if word in vocab.STOPWORDS and word not in _FUNCTION_WORDS and (entries := index.lookup((word,))):
            shown = " or ".join(f"{e.column} = {e.value!r}" for e in entries[:3])
            raise NotUnderstood(
                f"{word!r} could be {shown}; I could not place it "
                f"(write it as the data does, e.g. {entries[0].value!r}).",
                reading.understood,
            )


def check_join_roles(plan: Plan, context: SchemaContext, reading: Reading) -> None:
    """A table the base reaches by two columns (origin and dest both pointing at airports) is not guessed at."""

    for table in {c.table for c in plan_columns(plan)} - {plan.base} - set(plan.roles):
        roles = [fk.column for fk in context.references(plan.base) if fk.ref_table == table]
        if len(roles) > 1:
            raise NotUnderstood(
                f"{table} is linked to {plan.base} by {' and by '.join(roles)}; I cannot tell which you mean.",
                reading.understood,
            )


def refuse_unmatched_value(dropped: list[str], context: SchemaContext, reading: Reading) -> None:
    """A column word said where a value belongs ("airports in california", read as state) with no value matched.

    The word names the column only by meaning or by its name; the value it stands for is
    not in the data as written, so answering without it would drop a filter silently.
    """
    from elt_project.analytics.nl2sql.columns import dimension_columns

    word = dropped[0]
    cols = dimension_columns(word, context)
    shown = cols[0].column if cols else word.lstrip("@")
    said = f"{reading.said_as[word]!r}" if word in reading.said_as else "a word"
    columns = (c for t in context.tables.values() for c in t.columns if c.name == shown and c.values)
    examples: tuple[str, ...] = next((c.values[:3] for c in columns if c.values), ())
    hint = f" (e.g. {', '.join(repr(v) for v in examples)})" if examples else ""
    raise NotUnderstood(
        f"I read {said} as a {shown} but found no {shown} value it names; write the value as the data does{hint}.",
        reading.understood,
    )


_WHICH = re.compile(r"^(?:which|what)\s+(?!is\b|was\b|are\b|were\b|the\b|a\b|an\b)([a-z]+)")


def refuse_which_without_names(plan: Plan, reading: Reading) -> None:
    """ "Which pizza brought in the most revenue?" asks for names: one figure with no grouping is another answer."""
    asked = _WHICH.match(reading.original.lower().strip())
    if asked and not plan.dims:
        raise NotUnderstood(
            f"'which {asked[1]}' asks for names, but I found no column to name each {asked[1]} by.",
            reading.understood,
        )


_NUMBER = re.compile(r"(?<![\w@.])\d[\d,]*(?:\.\d+)?(?![\w])")


def refuse_unplaced_numbers(reading: Reading) -> None:
    """A number left over once time, top-N, comparisons and numbered values have taken theirs is a condition
    the reading did not understand ("older than 50"): answering without it would be another question."""
    if m := _NUMBER.search(reading.text):
        raise NotUnderstood(
            f"I could not tell what {m[0]!r} refers to; say it as a comparison (e.g. 'weight over {m[0]}').",
            reading.understood,
        )
