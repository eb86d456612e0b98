"""Which role column joins a dimension the base table reaches twice: "flights to Chicago" goes through ``dest``.

A fact table often points at one dimension from two columns (origin and destination
airports, sender and receiver accounts). The question says which by a preposition or a
role word right before the value or the column ("to Chicago", "from Newark",
"destination state"); the column's own name says which role it plays (``dest``,
``origin``, ``src``, ``to_account``). When the cues agree on one column it is used and
said in the answer; otherwise :func:`~.guards.check_join_roles` refuses as before.
"""

from __future__ import annotations

import re

from elt_project.analytics.nl2sql.grammar import Reading
from elt_project.analytics.nl2sql.sqlbuild import Plan
from elt_project.analytics.nl2sql.vocabulary import ValueMatch, name_words
from elt_project.analytics.schema_context import SchemaContext

#: Words before a value or a column that say its role, and the words of a column name that play it.
_SAID = {
    "to": {"to", "into", "toward", "towards", "destination", "destinations", "arriving", "arrival", "arrivals",
           "inbound", "reaching", "@dest", "@destination"},
    "from": {"from", "origin", "origins", "departing", "departure", "leaving", "outbound", "@origin", "@orig",
             "@source"},
}  # fmt: skip
_NAMED = {
    "to": {"dest", "destination", "to", "arr", "arrival", "target", "recipient", "receiver", "dst", "inbound"},
    "from": {"origin", "orig", "from", "source", "src", "dep", "departure", "sender", "outbound"},
}


def _side(column: str) -> str | None:
    words = set(name_words(re.sub(r"(?<=[a-z])(?=[A-Z])", "_", column)))
    sides = [side for side, names in _NAMED.items() if words & names]
    return sides[0] if len(sides) == 1 else None


def choose_roles(plan: Plan, values: list[ValueMatch], context: SchemaContext, reading: Reading) -> None:
    """Set ``plan.roles`` for each dimension reached by several columns when the question's cues pick one."""
    for table in {f.col.table for f in plan.filters} - {plan.base} - set(plan.roles):
        refs = [fk.column for fk in context.references(plan.base) if fk.ref_table == table]
        if len(refs) < 2:
            continue
        cues = set()
        for match in (m for m in values if m.table == table):
            before = re.findall(r"@?[a-z]+", reading.text[: match.span[0]])
            said = next((w for w in reversed(before) if w not in ("the", "a", "an")), "")
            cues |= {side for side, words in _SAID.items() if said in words}
        chosen = [ref for ref in refs if _side(ref) in cues]
        if len(cues) == 1 and len(chosen) == 1:
            plan.roles[table] = chosen[0]
            reading.understood.append(f"{table} through {plan.base}.{chosen[0]}")
