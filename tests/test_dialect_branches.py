"""Dialect differences live in ``db/`` (DESIGN.md): nothing outside it branches on a dialect's name.

Code elsewhere asks a named fact of :mod:`elt_project.db.dialect_traits` or calls a
per-dialect function of ``db/``. This test reads the package's syntax trees and fails on
the three shapes such a branch takes: a comparison with a dialect's name
(``dialect.name == "sqlite"``, ``name in ("sqlite", "postgresql")``), a table keyed by
dialect names, and a SQLAlchemy type variant for one dialect (``with_variant``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "elt_project"
DIALECT_NAMES = frozenset({"sqlite", "postgresql", "postgres", "mssql", "tsql", "mysql", "oracle"})

#: (file, line text) -> why the name may appear there. Each entry must still match something.
EXEMPT = {
    ("elt_project/settings_urls.py", 'url.get_backend_name() not in ("postgresql", "postgres")'): (
        "Dagster's own run storage must be PostgreSQL; this is not the warehouse"
    ),
    ("elt_project/settings_urls.py", 'url.drivername in ("postgresql", "postgres")'): (
        "the same Dagster storage URL gets the driver dagster-postgres brings"
    ),
    ("elt_project/analytics/sql_functions.py", "_BY_DIALECT = {"): (
        "the hub's allow-list of SQL functions is keyed by sqlglot's language names "
        "(DialectTraits.sqlglot) and stays beside the reasons for each entry"
    ),
}


def _names_a_dialect(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in DIALECT_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_dialect(element) for element in node.elts)
    return False


def dialect_branches(source: str) -> list[tuple[int, str]]:
    """(line, kind) of every place ``source`` branches on a dialect's name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(_names_a_dialect(x) for x in (node.left, *node.comparators)):
            found.append((node.lineno, "comparison with a dialect name"))
        elif isinstance(node, ast.Dict) and any(_names_a_dialect(key) for key in node.keys):
            found.append((node.lineno, "table keyed by dialect names"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "with_variant":
            found.append((node.lineno, "type variant for one dialect"))
        elif isinstance(node, ast.match_case) and _names_a_dialect(getattr(node.pattern, "value", None)):
            found.append((node.pattern.lineno, "match on a dialect name"))
    return sorted(found)


def _outside_db() -> list[tuple[str, int, str, str]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("elt_project/db/"):
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for line, kind in dialect_branches(source):
            found.append((relative, line, kind, lines[line - 1].strip()))
    return found


def _exemption(relative: str, text: str) -> tuple[str, str] | None:
    return next((key for key in EXEMPT if key[0] == relative and key[1] in text), None)


def test_nothing_outside_db_branches_on_the_dialect_name():
    found = _outside_db()
    branches = [f"{path}:{line}: {kind}: {text}" for path, line, kind, text in found if not _exemption(path, text)]
    assert not branches, (
        "Ask a named fact of elt_project/db/dialect_traits.py (or move the per-dialect code into db/) instead of:\n"
        + "\n".join(branches)
    )
    used = {_exemption(path, text) for path, _line, _kind, text in found}
    assert not set(EXEMPT) - used, f"exemptions that no longer match anything: {set(EXEMPT) - used}"


def test_each_shape_of_a_dialect_branch_is_found():
    source = (
        "def f(engine, dialect_name, column):\n"
        "    if engine.dialect.name == 'sqlite':\n"
        "        return 1\n"
        "    if dialect_name not in ('sqlite', 'postgresql'):\n"
        "        return 2\n"
        "    now = {'mssql': 'SYSUTCDATETIME()'}.get(engine.dialect.name)\n"
        "    kind = sa.String().with_variant(NVARCHAR(), 'mssql')\n"
        "    match engine.dialect.name:\n"
        "        case 'postgresql':\n"
        "            return 3\n"
        "    if traits(engine.dialect).embedded and column.name == 'sqlite_sequence':\n"
        "        return 4\n"
    )
    assert [line for line, _kind in dialect_branches(source)] == [2, 4, 6, 7, 9]
