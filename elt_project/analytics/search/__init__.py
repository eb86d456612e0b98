"""Semantic search over the warehouse: tables, columns and rows found by meaning.

- :mod:`.minilm`: the local sentence-embedding model in NumPy (no PyTorch, no network);
- :mod:`.encoders`: local model, OpenAI, or TF-IDF as the last resort;
- :mod:`.index`: the on-disk index and its incremental refresh;
- :mod:`.freshness`: when it is refreshed (as data lands; a query only checks);
- :mod:`.lexical`: BM25 over cell values, the exact-word half of a meaning search;
- :mod:`.query`: ranking, and what each person may see.

:func:`encoder_for` and :func:`search_warehouse` are what the CLI and the hub call;
:func:`schema_hints` gives an NL→SQL prompt the tables and columns a question is about.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from elt_project.analytics.search.encoders import choose_encoder
from elt_project.analytics.search.index import RefreshReport
from elt_project.analytics.search.query import Hit, run_search
from elt_project.auth.accounts import Account
from elt_project.settings import Settings

__all__ = ["Hit", "RefreshReport", "encoder_for", "schema_hints", "search_warehouse"]


def encoder_for(settings: Settings):
    """The encoder the settings choose (``ELT_SEARCH_ENGINE``), falling back as :mod:`.encoders` says."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return choose_encoder(settings.search_engine, openai_api_key=key, openai_base_url=settings.openai_base_url)


def search_warehouse(
    engine: Engine,
    settings: Settings,
    query: str,
    *,
    account: Account | None = None,
    limit: int = 10,
    refresh_first: bool = False,
    encoder=None,
    collapse: bool = True,
) -> tuple[str, list[Hit], RefreshReport | None]:
    """(engine name, best hits, refresh report): search the index as the last load left it.

    ``collapse`` (the page's and the command's way): rows identical in every value the
    ranking reads are one hit with a count (see :func:`.query.search`).

    The index is kept fresh by :func:`.freshness.refresh_when_landed` when data lands, so a
    query costs the landing-mark check and the ranking; an index that is missing or behind
    the mark is brought up to date first (see :mod:`.freshness`). ``refresh_first``
    compares every table whatever the mark says (slow on a big warehouse).
    """
    from elt_project.analytics.search.freshness import ensure_fresh

    encoder = encoder or encoder_for(settings)
    report = ensure_fresh(engine, encoder, settings.data_dir, force=refresh_first)
    hits = run_search(engine, encoder, settings.data_dir, query, account=account, limit=limit, collapse=collapse)
    if report is not None and account is not None:  # the refresh covers every table; name only theirs
        from elt_project.analytics.search.query import visible_tables

        visible = visible_tables(engine, account)
        report.partial_tables = [name for name in report.partial_tables if name in visible]
    return encoder.name, hits, report


def schema_hints(engine: Engine, settings: Settings, question: str, *, account: Account | None = None, limit: int = 8):
    """The tables and columns most related to ``question`` (for the schema context of an LLM prompt)."""
    from elt_project.analytics.search.index import index_path
    from elt_project.analytics.search.query import load_index, search, visible_tables

    encoder = encoder_for(settings)
    loaded = load_index(index_path(settings.data_dir, encoder), encoder)
    visible = visible_tables(engine, account)
    return search(loaded, encoder, question, visible=visible, limit=limit, kinds={"table", "column"})
