"""Plain-English questions answered with safe SQL: ``answer(question, context) -> Answer``.

With no LLM configured (the default, and air-gapped sites) the built-in parser
answers; with ``OPENAI_API_KEY`` the model writes the SQL, and if it cannot be
reached the built-in parser answers instead. Every statement, whoever wrote it,
passes :mod:`~elt_project.analytics.sql_safety` and runs on the read-only
connection of :mod:`~elt_project.analytics.readonly`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.engine import Engine

from elt_project.analytics import hub_config
from elt_project.analytics.access import readable_tables
from elt_project.analytics.context_cache import ProfileStore
from elt_project.analytics.glossary import Term, list_terms
from elt_project.analytics.hub_config import Example
from elt_project.analytics.nl2sql.llm import LlmConfig, LlmUnavailable, chat, extract_sql, messages_for
from elt_project.analytics.nl2sql.parser import NotUnderstood, parse
from elt_project.analytics.nl2sql.sqlbuild import build_sql
from elt_project.analytics.readonly import QueryFailed, run_readonly
from elt_project.analytics.result_bounds import DEFAULT_MAX_ANSWER_BYTES, DEFAULT_MAX_VALUE_BYTES, ResultLimits
from elt_project.analytics.schema_context import SchemaContext, get_context
from elt_project.analytics.sql_safety import DEFAULT_ROW_LIMIT, UnsafeQuery, check_query
from elt_project.auth.accounts import Account
from elt_project.db.dialect_traits import known_traits
from elt_project.settings import Settings


@dataclass(frozen=True)
class Answer:
    sql: str
    engine: str  # offline | llm | sql
    columns: list[str]
    rows: list[list]
    explanation: str


@dataclass
class AskContext:
    """Everything an answer needs, built once per request by :func:`ask_context`."""

    engine: Engine
    allowed_tables: set[str]
    schema: SchemaContext
    today: date = field(default_factory=date.today)
    llm: LlmConfig | None = None
    examples: list[Example] = field(default_factory=list)
    llm_sees_rows: bool = False
    row_limit: int = DEFAULT_ROW_LIMIT
    validate: bool = True  # only the attack tests switch the first layer off, to prove the second
    #: Byte bounds of one answer (settings HUB_MAX_VALUE_BYTES, HUB_MAX_ANSWER_BYTES).
    max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    #: PostgreSQL role the queries run as (setting HUB_READER_ROLE; None: the default name).
    reader_role: str | None = None
    #: Tables the semantic search finds for a question (its index, when one was built), for the LLM's context.
    table_hints: Callable[[str], list[str]] | None = None
    #: The admins' business terms (:mod:`~elt_project.analytics.glossary`), for both engines.
    glossary: list[Term] = field(default_factory=list)


def llm_config(settings: Settings) -> LlmConfig | None:
    if settings.openai_api_key is None:
        return None
    return LlmConfig(settings.openai_api_key.get_secret_value(), settings.openai_model, settings.openai_base_url)


def ask_context(
    engine: Engine,
    settings: Settings | None = None,
    *,
    today: date | None = None,
    account: Account | None = None,
) -> AskContext:
    """The tables ``account`` may read, their cached schema context, saved examples and the LLM settings.

    The same table set goes to the validator, the offline parser's schema and the
    LLM's prompt, so nothing outside the person's grants is named, guessed or read.
    ``account=None`` is the warehouse owner (the command line without ``--as``).
    """
    allowed = readable_tables(engine, account)
    llm = llm_config(settings) if settings is not None else None
    store = ProfileStore(settings.data_dir / "ask_cache") if settings is not None else None
    return AskContext(
        engine=engine,
        allowed_tables=allowed,
        schema=get_context(engine, allowed, store=store),
        today=today or date.today(),
        llm=llm,
        examples=hub_config.list_examples(engine) if llm else [],
        llm_sees_rows=hub_config.llm_may_see_rows(engine) if llm else False,
        table_hints=_search_hints(engine, settings, account) if llm else None,
        **(_bounds(settings) if settings is not None else {}),
        glossary=[t for t in list_terms(engine) if t.table in allowed],
    )


def warm_up(engine: Engine, settings: Settings, loaded: Iterable[str] = ()) -> None:
    """Profile every table Ask may read and read its values in full, keeping both in the ELT home's
    ``data/ask_cache``: called when data lands, so the first question after the next start reads
    them instead of scanning the tables. The ``loaded`` tables are read again whatever their row
    count says (a replace may keep it); the others only if their columns or row count changed."""
    from elt_project.analytics.nl2sql.values import value_index
    from elt_project.analytics.schema_context import forget_cached

    store = ProfileStore(settings.data_dir / "ask_cache")
    url = engine.url.render_as_string(hide_password=True)
    for table in loaded:
        store.drop(url, table)
    forget_cached()
    context = ask_context(engine, settings)
    value_index(context.schema, wait=True)


def _bounds(settings: Settings) -> dict:
    return {
        "max_value_bytes": settings.hub_max_value_bytes,
        "max_answer_bytes": settings.hub_max_answer_bytes,
        "reader_role": settings.hub_reader_role,
    }


def _search_hints(engine: Engine, settings: Settings, account: Account | None) -> Callable[[str], list[str]]:
    def hints(question: str) -> list[str]:
        from elt_project.analytics.search import schema_hints

        found = schema_hints(engine, settings, question, account=account)
        return list(dict.fromkeys(hit.table for hit in found))

    return hints


def run_sql(sql: str, context: AskContext, *, engine_label: str = "sql", explanation: str = "") -> Answer:
    """Check and run one statement through both safety layers."""
    text = sql
    if context.validate:
        text = check_query(
            sql,
            dialect_name=context.engine.dialect.name,
            allowed_tables=context.allowed_tables,
            row_limit=context.row_limit,
        ).sql
    limits = ResultLimits(context.row_limit, context.max_value_bytes, context.max_answer_bytes)
    result = run_readonly(context.engine, text, limits=limits, reader_role=context.reader_role)
    return Answer(
        text, engine_label, result.columns, result.rows, explanation or "Your SQL, checked and run read-only."
    )


def answer_offline(question: str, context: AskContext) -> Answer:
    """The built-in parser's answer, or :class:`NotUnderstood` saying what it understood."""
    plan = parse(question, context.schema, today=context.today, glossary=context.glossary)
    from elt_project.analytics.nl2sql.planning import last_understood

    sql = build_sql(plan, context.schema, context.engine.dialect)
    return run_sql(sql, context, engine_label="offline", explanation=last_understood(plan))


def answer_llm(question: str, context: AskContext) -> Answer:
    """The model's SQL, with one retry carrying the error when it is refused or fails."""
    facts = known_traits(context.engine.dialect)
    label = facts.label if facts is not None else context.engine.dialect.name
    hints = context.table_hints(question) if context.table_hints else []
    messages = messages_for(question, context.schema, context.examples, label, hints, glossary=context.glossary)
    last_error: Exception | None = None
    for _attempt in range(2):
        reply = chat(context.llm, messages)
        sql = extract_sql(reply)
        try:
            result = run_sql(
                sql,
                context,
                engine_label="llm",
                explanation="Written by the language model, checked and run read-only.",
            )
        except (UnsafeQuery, QueryFailed) as exc:
            last_error = exc
            messages += [
                {"role": "assistant", "content": reply},
                {"role": "user", "content": f"That query failed: {exc} Reply with a corrected query only."},
            ]
            continue
        if context.llm_sees_rows:
            result = _explained(result, question, context)
        return result
    raise last_error


def _explained(result: Answer, question: str, context: AskContext) -> Answer:
    shown = "\n".join(", ".join(str(v) for v in row) for row in result.rows[:20])
    try:
        text = chat(
            context.llm,
            [
                {"role": "system", "content": "Explain this query result to a business user in two sentences."},
                {"role": "user", "content": f"Question: {question}\nColumns: {result.columns}\nRows:\n{shown}"},
            ],
        )
    except LlmUnavailable:
        return result
    return Answer(result.sql, result.engine, result.columns, result.rows, text.strip())


def answer(question: str, context: AskContext) -> Answer:
    """Answer ``question``: by the LLM when configured and reachable, else by the built-in parser."""
    if not question or not question.strip():
        raise NotUnderstood("the question is empty.", [])
    if context.llm is not None:
        try:
            return answer_llm(question, context)
        except LlmUnavailable:
            pass
    return answer_offline(question, context)


__all__ = [
    "Answer", "AskContext", "NotUnderstood", "answer", "answer_offline", "answer_llm", "ask_context", "run_sql",
    "warm_up",
]  # fmt: skip
