"""Asking an OpenAI-compatible model for SQL: schema context and saved examples in, one query out.

The model sees table and column names, types, keys and profiled values of the
relevant tables, plus curated question→SQL examples; it never sees result rows
unless an admin allowed it (then only for the explanation). Its SQL goes through
the same two safety layers as any other; on a refusal or a database error it gets
one more try with the error message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def relevant_tables(question: str, schema: SchemaContext) -> list[str]:
    """Tables sharing a word with the question, plus the tables they reference; all when none match."""
    asked = {singular(w) for w in words(question)}
    chosen = []
    for name, info in schema.tables.items():
        vocabulary = {singular(w) for w in name_words(name)}
        for column in info.columns:
            vocabulary |= {singular(w) for w in name_words(column.name)}
            vocabulary |= {singular(w) for v in column.values or () for w in words(v)}
        if asked & vocabulary:
            chosen.append(name)
    for name in list(chosen):
        chosen += [fk.ref_table for fk in schema.references(name) if fk.ref_table not in chosen]
    return sorted(chosen) or sorted(schema.tables)


def pick_examples(question: str, examples: list[Example]) -> list[Example]:
    """The saved examples sharing most words with the question."""
    asked = set(words(question))
    scored = sorted(examples, key=lambda e: -len(asked & set(words(e.question))))
    return scored[:MAX_EXAMPLES]


def system_prompt(schema: SchemaContext, tables: list[str], dialect_label: str) -> str:
    return (
        f"You translate analysts' questions into ONE read-only SQL query for {dialect_label}.\n"
        "Use only the tables and columns below. Never modify data. Reply with the SQL in a ```sql block "
        "and nothing else. Text values must match the listed values exactly.\n\n" + schema.describe(tables)
    )


def messages_for(question: str, schema: SchemaContext, examples: list[Example], dialect_label: str) -> list[dict]:
    tables = relevant_tables(question, schema)
    messages = [{"role": "system", "content": system_prompt(schema, tables, dialect_label)}]
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
