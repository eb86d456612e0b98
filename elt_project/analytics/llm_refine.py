"""Letting a configured language model refine what the rules and templates wrote, without trusting it.

Both refinements are optional: with no model configured, or on any failure, the
rule-based result stands and a note says why.

- **A dashboard's charts.** The model sees the table's column names, types, roles
  and counts (no values) and the numbered charts the rules chose. It may keep,
  drop, reorder and re-explain them; it cannot add a chart or touch the data: only
  the numbers of existing charts are taken from its reply.
- **A story's wording.** The template sentences carry aggregates of the data, so
  the model sees them only when an admin lets it see data (the switch Ask uses for
  result rows). A rephrasing is kept only if every number in it was in the
  original and every number of the original is still in it, so a model that
  invents or drops a figure is ignored. Markup and links are refused too: the text
  is shown in the hub and posted to chat channels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from elt_project.analytics import hub_config
from elt_project.analytics.dashboard import Dashboard
from elt_project.analytics.nl2sql import llm_config
from elt_project.analytics.nl2sql.llm import LlmConfig, LlmUnavailable, chat
from elt_project.analytics.story import Story
from elt_project.settings import Settings

MAX_REASON_CHARS = 200
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_MARKUP = re.compile(r"[<>\[\]`*_#|]|://|\bwww\.", re.I)
_JSON_OBJECT = re.compile(r"\{.*\}", re.S)
RULES = "Charts chosen by the profile rules"
TEMPLATES = "Written from the numbers by templates"
#: The model's replies by (server, model, messages): the hub re-renders its pages on every
#: click and must not ask the same question each time. Failures are not kept.
_REPLIES: dict[tuple[str, str, str], str] = {}
_CACHE_SIZE = 256


@dataclass(frozen=True)
class Refinement:
    applied: bool
    note: str


def refinement_model(engine: Engine, settings: Settings | None, *, sees_data: bool) -> LlmConfig | None:
    """The configured model, or None; for text that carries data, only when an admin allowed it."""
    llm = llm_config(settings) if settings is not None else None
    if llm is None or (sees_data and not hub_config.llm_may_see_rows(engine)):
        return None
    return llm


def refine_dashboard(board: Dashboard, llm: LlmConfig | None) -> Refinement:
    """Let the model choose among and re-explain ``board``'s charts, in place; the rules' choice on failure."""
    if llm is None or not board.charts:
        return Refinement(False, f"{RULES}.")
    columns = "\n".join(
        f"- {c.name}: {c.role}, {c.sql_type}, {c.distinct} distinct, {c.null_share:.0%} empty"
        for c in board.profile.columns
    )
    charts = "\n".join(f"{i}. {c.kind}: {c.title} (chosen because: {c.reason})" for i, c in enumerate(board.charts, 1))
    messages = [
        {
            "role": "system",
            "content": "You arrange dashboards for business readers. From the numbered candidate charts, keep the "
            "useful ones, best first, and give each a one-sentence reason a reader would care about. Reply with JSON "
            'only: {"charts": [{"id": <number>, "reason": "<sentence>"}, ...]}. Use only the numbers listed.',
        },
        {
            "role": "user",
            "content": f"Table {board.profile.table}, {board.profile.rows} rows.\nColumns:\n{columns}\n\n"
            f"Candidate charts:\n{charts}",
        },
    ]
    try:
        picks = _chart_picks(_cached_chat(llm, messages), len(board.charts))
    except LlmUnavailable as exc:
        return Refinement(False, f"{RULES}. {exc}")
    except ValueError as exc:
        return Refinement(False, f"{RULES} (the language model's choice was not used: {exc}).")
    board.charts = [
        replace(board.charts[index - 1], reason=reason or board.charts[index - 1].reason) for index, reason in picks
    ]
    return Refinement(True, f"{RULES}, then arranged by the language model.")


def _chart_picks(reply: str, count: int) -> list[tuple[int, str | None]]:
    """(chart number, reason or None) from the model's JSON; ValueError when it is not usable."""
    match = _JSON_OBJECT.search(reply or "")
    if not match:
        raise ValueError("its reply held no JSON")
    try:
        entries = json.loads(match[0]).get("charts")
    except (json.JSONDecodeError, AttributeError):
        raise ValueError("its reply was not the JSON asked for") from None
    if not isinstance(entries, list):
        raise ValueError("its reply had no list of charts")
    picks, seen = [], set()
    for entry in entries:
        index = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= count or index in seen:
            raise ValueError(f"it named a chart that is not on the list ({index!r})")
        seen.add(index)
        reason = entry.get("reason")
        usable = isinstance(reason, str) and reason.strip() and len(reason) <= MAX_REASON_CHARS
        picks.append((index, reason.strip() if usable and not _MARKUP.search(reason) else None))
    if not picks:
        raise ValueError("it kept no chart")
    return picks


def polish_story(story: Story, llm: LlmConfig | None) -> Refinement:
    """Let the model reword ``story`` (kept in ``story.polished``) when no figure changes."""
    if llm is None or not story.sentences:
        return Refinement(False, f"{TEMPLATES}.")
    original = " ".join(story.sentences)
    messages = [
        {
            "role": "system",
            "content": "You edit short data summaries for business readers. Rewrite the text so it reads "
            "naturally. Keep every number and date exactly as written, add no facts, no markup and no links. "
            "Reply with the rewritten text only.",
        },
        {"role": "user", "content": original},
    ]
    try:
        reply = _cached_chat(llm, messages).strip()
    except LlmUnavailable as exc:
        return Refinement(False, f"{TEMPLATES}. {exc}")
    problem = _story_problem(original, reply)
    if problem:
        return Refinement(False, f"{TEMPLATES} (the model's wording was not used: {problem}).")
    story.polished = reply
    return Refinement(True, f"{TEMPLATES}, worded by the language model.")


def _cached_chat(llm: LlmConfig, messages: list[dict]) -> str:
    key = (llm.base_url or "", llm.model, json.dumps(messages, sort_keys=True))
    reply = _REPLIES.get(key)
    if reply is None:
        reply = chat(llm, messages)
        if len(_REPLIES) >= _CACHE_SIZE:
            _REPLIES.clear()
        _REPLIES[key] = reply
    return reply


def _story_problem(original: str, reply: str) -> str | None:
    """Why ``reply`` may not replace ``original``, or None when it may."""
    if not reply:
        return "it was empty"
    if len(reply) > 2 * len(original) + 200:
        return "it was much longer than the facts"
    if set(_MARKUP.findall(reply)) - set(_MARKUP.findall(original)):
        return "it held markup or a link"
    before, after = _numbers(original), _numbers(reply)
    if after - before:
        return f"it changed or added figures ({', '.join(sorted(after - before))})"
    if before - after:
        return f"it left out figures ({', '.join(sorted(before - after))})"
    return None


def _numbers(text: str) -> set[str]:
    """Every figure in ``text``, commas removed ("1,234.50" and "1234.50" are the same figure)."""
    return {match.replace(",", "") for match in _NUMBER.findall(text)}
