"""Asking an OpenAI-compatible model for SQL: schema context and saved examples in, one query out.

The model sees table and column names, types, keys and profiled values of the
relevant tables only (schema pruning: the tables the question's words link to, by the
same linking as the built-in parser — column names and abbreviations, data values of
any column, the join paths between them), what was linked, the admins' glossary, plus
curated question→SQL examples; it never sees result rows
unless an admin allowed it (then only for the explanation). Its SQL goes through
the same two safety layers as any other; on a refusal or a database error it gets
one more try with the error message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from elt_project.analytics.hub_config import Example
from elt_project.analytics.nl2sql.vocabulary import name_words, singular, words
from elt_project.analytics.schema_context import SchemaContext
from elt_project.errors import EltError

MAX_EXAMPLES = 8
_FENCE = re.compile(r"```(?:sql)?\s*(.*?)```", re.S | re.I)


class LlmUnavailable(EltError):
    """The model could not be reached or gave no usable reply."""

    resolution = "Check OPENAI_API_KEY / OPENAI_BASE_URL, or unset them to use the built-in parser."


@dataclass(frozen=True)
class LlmConfig:
    api_key: str
    model: str
    base_url: str | None = None
    timeout_s: float = 30.0


def question_links(question: str, schema: SchemaContext) -> tuple[list[str], list[str]]:
    """Tables the question's words link to, and lines saying what linked (columns, values, joins)."""
    from elt_project.analytics.nl2sql.grammar import normalize
    from elt_project.analytics.nl2sql.linking import TOKEN, find_links
    from elt_project.analytics.nl2sql.vocabulary import find_values

    text = normalize(question)
    tokens = [m[0] for m in TOKEN.finditer(text)]
    tables, notes = [], []
    for link in find_links(tokens, schema):
        phrase = " ".join(tokens[link.start : link.end])
        notes.append(f"'{phrase}' -> " + " or ".join(f"{t}.{c}" for t, c in link.columns))
        tables += [t for t, _ in link.columns]
    try:
        matches = find_values(text, schema, question)
    except sa.exc.SQLAlchemyError:  # the warehouse could not be read: the prompt goes without the values
        matches = []
    for match in matches:
        notes.append(f"'{match.value}' is a value of {match.table}.{match.column}")
        tables.append(match.table)
    for name in list(dict.fromkeys(tables)):
        for fk in schema.references(name):
            how = "declared" if not fk.inferred else "inferred"
            how += f", {fk.overlap:.0%} of values match" if fk.overlap is not None else ""
            notes.append(f"join {fk.table}.{fk.column} = {fk.ref_table}.{fk.ref_column} ({how})")
    return list(dict.fromkeys(tables)), list(dict.fromkeys(notes))


def relevant_tables(question: str, schema: SchemaContext, hints: Sequence[str] = ()) -> list[str]:
    """Tables linked to the question (:func:`question_links`), sharing a word with it or found by the
    semantic search (``hints``), plus the tables they reference; all when none match."""
    asked = {singular(w) for w in words(question)}
    chosen = [name for name in hints if name in schema.tables]
    chosen += [name for name in question_links(question, schema)[0] if name not in chosen]
    for name, info in schema.tables.items():
        vocabulary = {singular(w) for w in name_words(name)}
        for column in info.columns:
            vocabulary |= {singular(w) for w in name_words(column.name)}
            vocabulary |= {singular(w) for v in column.values or () for w in words(v)}
        if asked & vocabulary and name not in chosen:
            chosen.append(name)
    for name in list(chosen):
        chosen += [fk.ref_table for fk in schema.references(name) if fk.ref_table not in chosen]
    return sorted(chosen) or sorted(schema.tables)


def pick_examples(question: str, examples: list[Example]) -> list[Example]:
    """The saved examples sharing most words with the question."""
    asked = set(words(question))
    scored = sorted(examples, key=lambda e: -len(asked & set(words(e.question))))
    return scored[:MAX_EXAMPLES]


def system_prompt(
    schema: SchemaContext, tables: list[str], dialect_label: str, links: Sequence[str] = (), glossary: str = ""
) -> str:
    text = (
        f"You translate analysts' questions into ONE read-only SQL query for {dialect_label}.\n"
        "Use only the tables and columns below. Never modify data. Reply with the SQL in a ```sql block "
        "and nothing else. Text values must match the listed values exactly.\n\n" + schema.describe(tables)
    )
    if links:
        text += "\n\nWhat the question's words link to:\n" + "\n".join(f"- {line}" for line in links)
    if glossary:
        text += "\n\nBusiness glossary (use these meanings):\n" + glossary
    return text


def messages_for(
    question: str, schema: SchemaContext, examples: list[Example], dialect_label: str, hints: Sequence[str] = (),
    *, glossary: Sequence = (),
) -> list[dict]:  # fmt: skip
    from elt_project.analytics.glossary import describe

    tables = relevant_tables(question, schema, hints)
    tables += sorted({t.table for t in glossary if t.table in schema.tables} - set(tables))
    links = question_links(question, schema)[1]
    prompt = system_prompt(schema, tables, dialect_label, links, describe(list(glossary)))
    messages = [{"role": "system", "content": prompt}]
    for example in pick_examples(question, examples):
        messages.append({"role": "user", "content": example.question})
        messages.append({"role": "assistant", "content": f"```sql\n{example.sql}\n```"})
    messages.append({"role": "user", "content": question})
    return messages


def extract_sql(reply: str) -> str:
    """The SQL of a reply: the first fenced block, else the whole text."""
    match = _FENCE.search(reply or "")
    return (match[1] if match else reply or "").strip().rstrip(";").strip()


def chat(config: LlmConfig, messages: list[dict]) -> str:
    """One chat completion; every failure becomes :class:`LlmUnavailable`."""
    import openai

    client = openai.OpenAI(api_key=config.api_key, base_url=config.base_url, timeout=config.timeout_s, max_retries=0)
    try:
        response = client.chat.completions.create(model=config.model, messages=messages, temperature=0)
        content = response.choices[0].message.content
    except Exception as exc:
        raise LlmUnavailable(f"The language model did not answer ({type(exc).__name__}).") from exc
    if not content:
        raise LlmUnavailable("The language model gave an empty reply.")
    return content
