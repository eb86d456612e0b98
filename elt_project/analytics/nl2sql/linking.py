"""Question phrases linked to columns by meaning, for any schema: no list of business words.

Three rules that hold whatever the warehouse, then the model:

1. Name words: a column's name split on ``_``/case (``arr_delay`` → arr, delay), unit
   suffixes (mm, g, lbs, pct…) optional, each matched by a question word that is the
   same (or its singular), that it starts (``temp`` → temperature, ``precip`` →
   precipitation), or that it abbreviates by dropping letters (``qty`` → quantity,
   ``cst`` → cost, ``dt`` → date, ``amt`` → amount: same first and last letter, in order).
2. Joined words: ``dewp`` ← "dew point" (a word plus the start of the next); ``mpg`` ←
   "miles per gallon" and back (initials).
3. Comments: a column whose warehouse comment holds the phrase.
4. Meaning: a word none of these place is compared with every column's name (and
   comment) by the MiniLM sentence model the search ships (:mod:`..search.minilm`); it
   links only when one column clearly wins (see :func:`semantic_link`).

A linked phrase is rewritten in the question as ``@column`` so the reading steps treat
it as a named column.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from elt_project.analytics.nl2sql import vocabulary
from elt_project.analytics.nl2sql.vocabulary import is_key, name_words, singular
from elt_project.analytics.schema_context import ColumnInfo, SchemaContext

UNITS = {"mm", "cm", "m", "km", "g", "kg", "lb", "lbs", "in", "usd", "eur", "pct", "sec", "ms", "mi", "ft", "hrs"}
#: Words that join the words of a column name and may be left out or kept in a question.
_JOINERS = {"of", "per", "in", "the", "a", "number", "no", "num", "nr"}
_VOWELS = set("aeiou")
#: Words the reading steps give a meaning of their own (aggregates, superlatives, filler): never shortened names.
_GRAMMAR = (
    vocabulary.DESCENDING | vocabulary.ASCENDING
    | {"longest", "shortest", "heaviest", "lightest", "tallest", "latest", "earliest", "oldest", "youngest",
       "hottest", "coldest", "warmest", "coolest", "fewest"}
)  # fmt: skip
#: Aggregate words: they shorten only to another aggregate word (maximum → temp_max), never to a column's word.
_AGGREGATE_NAMES = {"average", "avg", "mean", "total", "tot", "sum", "maximum", "max", "minimum", "min", "count",
                    "cnt", "number", "num"}  # fmt: skip
#: The model's cosine similarity a link needs, and its lead over the next column.
SEMANTIC_MIN = 0.55
SEMANTIC_MARGIN = 0.08
TOKEN = re.compile(r"@?[a-z][a-z0-9_'&-]*")


def _split(name: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name)
    return [w for w in name_words(spaced.replace("-", "_")) if w]


def column_words(column: ColumnInfo) -> list[str]:
    """The words of a column's name a question must say (units optional)."""
    words = _split(column.name)
    kept = [w for w in words if w not in UNITS and w not in _JOINERS]
    return kept or words


def abbreviates(short: str, word: str) -> bool:
    """``short`` (from a column name) is ``word`` (from a question), shortened."""
    if short == word or singular(short) == singular(word):
        return True
    if word in _GRAMMAR:
        return False  # "longest" is a superlative, not the column lon
    if word in _AGGREGATE_NAMES and short not in _AGGREGATE_NAMES:
        return False  # "average" asks for an aggregate; it does not abbreviate to the column age
    if len(short) >= 3 and len(word) > len(short) and word.startswith(short):
        return True  # temp → temperature, precip → precipitation, visib → visibility
    same_ends = len(short) >= 2 and len(word) > len(short) and short[0] == word[0] and short[-1] in word[-2:]
    vowels = sum(c in _VOWELS for c in short[1:])
    # qty, cst, dt, amt: consonants kept, in order; with a vowel kept (dept), more than one letter must be
    # dropped, or "tip" would abbreviate "trip"
    if same_ends and (vowels == 0 or (vowels == 1 and len(singular(word)) - len(short) >= 2)):
        it = iter(word)
        return all(c in it for c in short)
    return False


@dataclass(frozen=True)
class Link:
    start: int  # token positions [start, end)
    end: int
    columns: tuple[tuple[str, str], ...]
    score: float


def _match_at(words: list[str], initials: str, tokens: list[str], i: int) -> tuple[int, float] | None:
    """How many tokens from ``i`` say the column words ``words``, and how exactly; None if they do not."""
    if len(words) > 1 and len(initials) >= 2 and tokens[i] == initials:
        return 1, 2.0 * len(words)  # mpg → miles_per_gallon
    j, score = i, 0.0
    for word in words:
        while j < len(tokens) and tokens[j] in _JOINERS and j > i and not _joined(word, tokens, j):
            j += 1
        if j >= len(tokens):
            return None
        token = tokens[j]
        if token == word or singular(token) == singular(word):
            j, score = j + 1, score + 3
        elif abbreviates(word, token):
            j, score = j + 1, score + 2
        elif _joined(word, tokens, j):
            j, score = j + 2, score + 2  # dewp ← dew point
        elif _initials(word, tokens[j : j + len(word)], len(words) > 1):
            j, score = j + len(word), score + 2  # mpg ← miles per gallon
        else:
            return None
    return j - i, score


def _initials(word: str, said: list[str], among_others: bool) -> bool:
    """``word`` is the initials of the words ``said`` ("mpg" ← miles per gallon). Two letters alone are too
    easily the initials of anything ("id" ← "in december"); beside other words of the name they are not
    (``hs_grad`` ← "high school graduation"). The first and last words must be content words."""
    if len(word) < (2 if among_others else 3) or len(said) != len(word) or "".join(t[0] for t in said) != word:
        return False
    return not {said[0], said[-1]} & vocabulary.STOPWORDS


def _joined(word: str, tokens: list[str], j: int) -> bool:
    """``word`` is one question word plus the first letter(s) of the next (``dewp`` ← dew point)."""
    token = tokens[j]
    if j + 1 >= len(tokens) or len(token) < 2 or not word.startswith(token) or len(word) == len(token):
        return False
    return tokens[j + 1].startswith(word[len(token) :])


def find_links(tokens: list[str], context: SchemaContext) -> list[Link]:
    """The best non-overlapping column mentions among ``tokens``, longest first."""
    candidates: dict[tuple[int, int], tuple[float, list[tuple[str, str]]]] = {}
    for table in context.tables.values():
        for column in table.columns:
            words = column_words(column)
            initials = "".join(w[0] for w in _split(column.name))
            comment = value_words_of(column.comment)
            for i, token in enumerate(tokens):
                if token.startswith("@"):
                    continue
                hit = _match_at(words, initials, tokens, i)
                if hit is None and len(words) == 2:  # "minimum temperature" → temp_min (two words, side by side)
                    hit = _match_at(words[::-1], "", tokens, i)
                    hit = (hit[0], hit[1] - 0.5) if hit and hit[0] == 2 else None
                if hit is None and comment and token == comment[0] and tokens[i : i + len(comment)] == comment:
                    hit = (len(comment), 2.5 * len(comment))
                if hit is None:
                    continue
                span = (i, i + hit[0])
                best = candidates.get(span)
                if best is None or hit[1] > best[0]:
                    candidates[span] = (hit[1], [(table.name, column.name)])
                elif hit[1] == best[0]:
                    best[1].append((table.name, column.name))
    chosen: list[Link] = []
    taken: set[int] = set()
    for (start, end), (score, columns) in sorted(candidates.items(), key=lambda kv: (-kv[1][0], kv[0][0] - kv[0][1])):
        if taken & set(range(start, end)):
            continue
        chosen.append(Link(start, end, tuple(dict.fromkeys(columns)), score))
        taken |= set(range(start, end))
    return sorted(chosen, key=lambda link: link.start)


def value_words_of(text: str | None) -> list[str]:
    return re.findall(r"[a-z][a-z0-9]*", text.lower()) if text else []


_AGGREGATE_WORDS = {"maximum": "max", "max": "max", "minimum": "min", "min": "min", "average": "avg", "avg": "avg",
                    "mean": "avg", "total": "sum"}  # fmt: skip


@dataclass
class Rewritten:
    text: str
    said: list[str]
    #: An aggregate word that was part of a column's name ("maximum temperature" → temp_max):
    #: the aggregate to use when the question names no other.
    implied_agg: str | None = None


def rewrite(text: str, context: SchemaContext) -> Rewritten:
    """``text`` with linked phrases replaced by ``@column`` tokens, and what was linked (for the answer).

    A single question word that is already a whole column name is left alone (the
    reading steps know it), and so is a word naming a table ("flights" is the flights
    table, not its ``flight`` number); so is a phrase linking to columns of different
    names, which the reading steps then refuse or resolve by table.
    """
    from elt_project.analytics.nl2sql.vocabulary import entity_name

    text = _counts_as_columns(text, context)
    spans = [(m.start(), m.end(), m[0]) for m in TOKEN.finditer(text)]
    tokens = [t for _, _, t in spans]
    entities = {entity_name(name) for name in context.tables}
    entities |= {singular(w) for name in context.tables for w in name_words(entity_name(name))}  # taxi_trips: trip
    result = Rewritten(text, [])
    out, last = [], 0
    for link in find_links(tokens, context):
        names = {column for _, column in link.columns}
        phrase = " ".join(tokens[link.start : link.end])
        if len(names) != 1:
            continue
        name = next(iter(names))
        if link.end - link.start == 1:
            token = singular(tokens[link.start])
            if [singular(w) for w in _split(name)] == [token] or token in entities:
                continue
        for token in tokens[link.start : link.end]:
            result.implied_agg = result.implied_agg or _AGGREGATE_WORDS.get(token)
        out.append(text[last : spans[link.start][0]])
        out.append(f"@{name.lower()}")
        last = spans[link.end - 1][1]
        result.said.append(f"{phrase!r} = {name}")
    out.append(text[last:])
    result.text = "".join(out)
    return result


def _counts_as_columns(text: str, context: SchemaContext) -> str:
    """ "engine count" or "number of engines" held in a number column (``engines``, ``engine_count``…)."""

    def replace(match: re.Match) -> str:
        noun = singular(match[1] or match[2])
        names = {f"{noun}s", f"{noun}_count", f"num_{noun}s", f"n_{noun}s", f"{noun}_cnt", f"nbr_{noun}s"}
        for table in context.tables.values():
            if any(c.integer and c.name.lower() in (noun, f"{noun}_id", f"{noun}id") for c in table.columns):
                continue  # episode numbers beside an episode_count: its rows may be what is counted
            for column in table.columns:
                if column.kind == "number" and column.name.lower() in names:
                    return f"@{column.name.lower()}"
        return match[0]

    return re.sub(r"\b([a-z]+) count\b|\bnumber of ([a-z]+)\b", replace, text)


# --- meaning, by the local sentence model -----------------------------------------------------------------------

_vectors: dict[str, tuple[list[tuple[str, str]], np.ndarray]] = {}
_lock = threading.Lock()


def column_vectors(context: SchemaContext):
    """The model's vector of every non-key column (name words and comment), kept per schema."""
    from elt_project.analytics.search.encoders import MiniLMEncoder

    key = f"{context.fingerprint}|{sorted(context.tables)}"
    with _lock:
        if key in _vectors:
            return _vectors[key]
    columns, texts = [], []
    for table in context.tables.values():
        for column in table.columns:
            if column.kind in ("number", "text", "date") and not is_key(table, column, context):
                columns.append((table.name, column.name))
                texts.append(" ".join(column_words(column)) + (f": {column.comment}" if column.comment else ""))
    found = (columns, MiniLMEncoder().encode(texts) if texts else np.zeros((0, 384), dtype=np.float32))
    with _lock:
        _vectors[key] = found
    return found


def encode(phrase: str) -> np.ndarray:
    """One phrase's vector by the local model."""
    from elt_project.analytics.search.encoders import MiniLMEncoder

    return MiniLMEncoder().encode([phrase])[0]


def semantic_link(phrase: str, context: SchemaContext, allowed: set[tuple[str, str]] | None = None):
    """(column name, candidates) for ``phrase`` by meaning: a name when one column clearly wins.

    Returns ``(None, [])`` when the model package is missing. Candidates are the columns
    close enough to be worth naming in a refusal.
    """
    from elt_project.analytics.search import minilm

    if not minilm.available():
        return None, []
    columns, matrix = column_vectors(context)
    if not columns:
        return None, []
    scores = matrix @ encode(phrase)
    order = [i for i in np.argsort(-scores) if allowed is None or columns[i] in allowed]
    by_name: list[tuple[str, float]] = []
    for i in order:
        if columns[i][1] not in (name for name, _ in by_name):
            by_name.append((columns[i][1], float(scores[i])))
    if not by_name:
        return None, []
    candidates = [name for name, score in by_name[:3] if score >= SEMANTIC_MIN - 0.1]
    best, runner_up = by_name[0], (by_name[1][1] if len(by_name) > 1 else 0.0)
    if best[1] >= SEMANTIC_MIN and best[1] - runner_up >= SEMANTIC_MARGIN:
        return best[0], candidates
    return None, candidates


#: A plural noun names a table's rows by meaning ("episodes" of a ratings table holding one row per episode)
#: when the model scores it this close to the table's description, this far ahead of the next table.
TABLE_MIN = 0.4
TABLE_MARGIN = 0.15
_table_vectors: dict[str, tuple[list[str], np.ndarray]] = {}


def table_link(noun: str, context: SchemaContext) -> str | None:
    """The table whose rows ``noun`` names by meaning, compared with each table's name and column words."""
    from elt_project.analytics.search import minilm
    from elt_project.analytics.search.encoders import MiniLMEncoder

    if not minilm.available() or len(context.tables) < 1:
        return None
    key = f"{context.fingerprint}|{sorted(context.tables)}"
    with _lock:
        found = _table_vectors.get(key)
    if found is None:
        names = sorted(context.tables)
        texts = [
            f"{vocabulary.entity_name(name)}: "
            + ", ".join(
                " ".join(column_words(c))
                for c in context.tables[name].columns
                if not is_key(context.tables[name], c, context)
            )  # fmt: skip
            for name in names
        ]
        found = (names, MiniLMEncoder().encode(texts))
        with _lock:
            _table_vectors[key] = found
    names, matrix = found
    scores = sorted(zip((matrix @ encode(noun)).tolist(), names, strict=True), reverse=True)
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    return scores[0][1] if scores[0][0] >= TABLE_MIN and scores[0][0] - runner_up >= TABLE_MARGIN else None
