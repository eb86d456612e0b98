"""Ask on a schema with undeclared integer keys: the joins it finds, and the readings it must refuse.

Built here, not the demo: ``visits`` records one animal per row with a ``site_no`` that
refers to ``sites`` (numbered 1…12, no key declared, each with the year it opened) and a ``month`` whose values 1…12 lie
inside that numbering by chance; ``loans`` refer to ``books`` by ``item`` (sparse ids, no
name in common) and carry a ``member`` number inside the books' dense low ids; ``staff``
is a wide table with CamelCase columns; ``shows`` numbers its episodes 1…8 per season and flags the finale 0/1;
``moves`` reach ``depots`` by two role columns, ``origin`` and ``dest``.
Every expected figure is computed in Python from the rows inserted, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from elt_project.analytics.nl2sql import AskContext, NotUnderstood, answer_offline
from elt_project.analytics.search import minilm
from tests.analytics.unseen_schema import ask_over

TODAY = date(2026, 6, 15)
TEXT, INT, REAL = sa.String(40), sa.Integer, sa.Float
COLUMNS = {
    "visits": [("site_no", INT), ("month", INT), ("kind", TEXT), ("weight", INT), ("seen_on", sa.Date)],
    "sites": [("site_no", INT), ("site_type", TEXT), ("year", INT)],
    "kinds": [("kind", TEXT), ("genus", TEXT), ("taxa", TEXT)],
    "loans": [("item", INT), ("member", INT), ("days", INT)],
    "books": [("book_no", INT), ("title", TEXT), ("year", INT)],
    "staff": [("Age", INT), ("MonthlyIncome", INT), ("Department", TEXT)],
    "moves": [("origin", TEXT), ("dest", TEXT), ("minutes", INT)],
    "depots": [("code", TEXT), ("name", TEXT)],
    "shows": [("season", INT), ("episode", INT), ("viewers", REAL), ("finale", INT)],
}
KINDS = [("DM", "Dipodomys", "Rodent"), ("NL", "Neotoma", "Rodent"), ("RO", "Rodent", "Rodent"),
         ("SP", "Sparrow", "Bird")]  # fmt: skip


def _rows() -> dict[str, list[dict]]:
    rng = random.Random(7)
    sites = [{"site_no": n, "site_type": "Control" if n % 3 else "Exclosure", "year": 2000 + n} for n in range(1, 13)]
    visits = [
        {"site_no": rng.randrange(1, 13), "month": rng.randrange(1, 13), "kind": rng.choice(KINDS)[0],
         "weight": rng.randrange(5, 250), "seen_on": date(2012, 1, 1) + timedelta(days=rng.randrange(900))}
        for _ in range(300)
    ]  # fmt: skip
    book_ids = list(range(1, 41)) + [1000 + 497 * n for n in range(40)]  # dense at the low end, sparse above
    books = [{"book_no": b, "title": f"Title {b}", "year": 1995 + b % 25} for b in book_ids]
    loans = [{"item": rng.choice(book_ids), "member": rng.randrange(1, 31), "days": rng.randrange(1, 60)}
             for _ in range(200)]  # fmt: skip
    staff = [{"Age": rng.randrange(20, 65), "MonthlyIncome": rng.randrange(1500, 20000),
              "Department": rng.choice(["Sales", "Research"])} for _ in range(120)]  # fmt: skip
    shows = [
        {"season": s, "episode": e, "viewers": round(rng.uniform(2, 12), 2), "finale": int(e == 8)}
        for s in (1, 2, 3)
        for e in range(1, 9)
    ]
    kinds = [{"kind": k, "genus": g, "taxa": t} for k, g, t in KINDS]
    depots = [{"code": c, "name": name} for c, name in (("LDN", "London"), ("MAN", "Manchester"), ("LDS", "Leeds"))]
    moves = [{"origin": rng.choice(["LDN", "MAN"]), "dest": rng.choice(["LDN", "MAN", "LDS"]),
              "minutes": rng.randrange(30, 300)} for _ in range(90)]  # fmt: skip
    return {"visits": visits, "sites": sites, "kinds": kinds, "loans": loans, "books": books, "staff": staff,
            "shows": shows, "moves": moves, "depots": depots}  # fmt: skip


@pytest.fixture
def rows():
    return _rows()


@pytest.fixture
def ctx(bare_engine, rows) -> AskContext:
    return ask_over(bare_engine, COLUMNS, rows, COLUMNS, TODAY)


def _refused(question: str, ctx: AskContext) -> str:
    with pytest.raises(NotUnderstood) as caught:
        answer_offline(question, ctx)
    return caught.value.reason


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def test_integer_keys_are_found_from_values_and_chance_containment_is_not(ctx, rows):
    refs = {(fk.table, fk.column): (fk.ref_table, fk.ref_column, fk.overlap) for fk in ctx.schema.foreign_keys}
    assert refs[("visits", "site_no")] == ("sites", "site_no", 1.0)  # no key declared: names and values agree
    assert "100% of values match" in ctx.schema.describe()
    assert refs[("loans", "item")][:2] == ("books", "book_no")  # sparse ids, all found: the values alone suffice
    assert ("visits", "month") not in refs  # 1…12 inside sites 1…12, but the names do not agree
    assert ("loans", "member") not in refs  # 1…30 inside the books' dense low ids
    control = {s["site_no"] for s in rows["sites"] if s["site_type"] == "Control"}
    result = answer_offline("Average weight on Control sites", ctx)
    assert float(result.rows[0][0]) == pytest.approx(
        _mean(v["weight"] for v in rows["visits"] if v["site_no"] in control)
    )


def test_readings_that_would_be_a_wrong_number_are_refused(ctx):
    reason = _refused("Average weight of Rodent visits", ctx)  # a genus and a taxa of the kind a visit refers to
    assert "kinds.genus = 'Rodent'" in reason and "kinds.taxa = 'Rodent'" in reason
    assert "'50'" in _refused("How many staff are wiser than 50?", ctx)  # a number nothing placed is not dropped
    assert "distinct episode" in _refused("How many episodes are there?", ctx)  # episode numbers are not summed
    assert "viewers or finale" in _refused("Average viewers of finale shows", ctx)  # a 0/1 flag is not dropped
    assert "not a category" in _refused("Number of visits by weight", ctx)  # no SUM(weight) for a count by it
    assert "sites.year or the dates of visits" in _refused("How many sites after 2010?", ctx)  # two times


def test_aggregate_words_and_comparative_adjectives_on_camel_case_columns(ctx, rows):
    staff = rows["staff"]
    result = answer_offline("Average monthly income by department", ctx)  # "average" is not the column Age
    expected = {d: _mean(s["MonthlyIncome"] for s in staff if s["Department"] == d) for d in ("Sales", "Research")}
    assert {r[0]: pytest.approx(float(r[1])) for r in result.rows} == expected
    result = answer_offline("How many staff are older than 50?", ctx)
    assert result.rows == [[sum(s["Age"] > 50 for s in staff)]]
    result = answer_offline("Average monthly income of staff younger than 30", ctx)
    assert float(result.rows[0][0]) == pytest.approx(_mean(s["MonthlyIncome"] for s in staff if s["Age"] < 30))


def test_after_or_before_a_year_on_an_integer_year_column(ctx, rows):
    result = answer_offline("How many books came out after 2010?", ctx)
    assert result.rows == [[sum(b["year"] > 2010 for b in rows["books"])]]
    result = answer_offline("How many books came out before 2000?", ctx)
    assert result.rows == [[sum(b["year"] < 2000 for b in rows["books"])]]


@pytest.mark.skipif(not minilm.available(), reason="the sentence model package is not installed")
def test_a_noun_naming_a_tables_rows_by_meaning_counts_them_and_says_so(ctx, rows):
    result = answer_offline("How many employees are there?", ctx)  # the rows of staff, by meaning
    assert result.rows == [[len(rows["staff"])]]
    assert "rows of staff" in result.explanation


def test_a_role_column_named_before_its_tables_rows_groups_by_that_role(ctx, rows):
    result = answer_offline("Number of moves by origin depot", ctx)  # origin, not dest: no guess between the two
    counts: dict[str, int] = {}
    for move in rows["moves"]:
        counts[move["origin"]] = counts.get(move["origin"], 0) + 1
    assert {r[0]: r[1] for r in result.rows} == counts
