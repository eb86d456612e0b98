"""The first question after start, timed twice: with nothing kept (``cold_s``) and after a restart that
follows a load (``first_question_s``: the load kept Ask's profiles and values in ``ask_cache``, as the
transform asset does with :func:`elt_project.analytics.nl2sql.warm_up`). A restart is simulated by
forgetting every in-memory cache; the sentence model, once loaded, stays (the questions timed need none).
"""

from __future__ import annotations

import contextlib
import time
from datetime import date
from pathlib import Path

from elt_project.analytics.context_cache import ProfileStore
from elt_project.analytics.glossary import list_terms
from elt_project.analytics.nl2sql import AskContext, answer_offline
from elt_project.analytics.nl2sql.values import value_index
from elt_project.analytics.schema_context import forget_cached, get_context
from elt_project.errors import EltError


def _ask(engine, allowed: set[str], question: str, today: date, store) -> tuple[float, AskContext]:
    started = time.perf_counter()
    glossary = [t for t in list_terms(engine) if t.table in allowed]
    context = AskContext(engine, allowed, get_context(engine, allowed, store=store), today, glossary=glossary)
    with contextlib.suppress(EltError):
        answer_offline(question, context)
    return time.perf_counter() - started, context


def first_question_times(engine, allowed: set[str], question: str, today: date, cache_dir: Path) -> tuple[float, float]:
    """(cold_s, first_question_s) for ``question``."""
    forget_cached()
    cold, context = _ask(engine, allowed, question, today, None)
    value_index(context.schema, wait=True)  # let the cold start's background reads end before timing again
    store = ProfileStore(cache_dir)
    forget_cached()
    value_index(get_context(engine, allowed, store=store), wait=True)  # the data landed: what warm_up does
    forget_cached()
    after_start, _ = _ask(engine, allowed, question, today, store)
    return cold, after_start
