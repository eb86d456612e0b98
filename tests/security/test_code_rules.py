"""Project rules ruff cannot express, checked on the syntax tree of elt_project/ and launch.py.

Why a test and not review: SQL built from pasted strings, a shell between us and a command, and an
SSH client that trusts any host key each turn one careless line into a hole, and each is easy to
spot mechanically. Every rule has a tiny sample below that it must flag, so a checker that stopped
seeing anything would fail too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from elt_project.settings import project_root

ROOT = project_root()
SQL_SINKS = {"execute", "executemany", "exec_driver_sql", "text"}
TRUST_ANY_HOST = {"AutoAddPolicy", "WarningPolicy"}

# SQL built from strings on purpose: (file, function) -> why it is safe. Each builds identifiers with the
# dialect's quoting (or from a checked list), and values are constants, ints or bound parameters.
SQL_BUILD_ALLOWED = {
    ("elt_project/db/dialects.py", "truncate"): "TRUNCATE with a dialect-quoted table name",
    ("elt_project/db/dialects.py", "delete_run"): "LOCK TABLE with a dialect-quoted table name",
    ("elt_project/db/dialects.py", "call_transform"): "EXEC/CALL of a dialect-quoted procedure; values bound",
    ("elt_project/db/engine.py", "_sqlite_on_connect"): "PRAGMA value is an int constant of the module",
    ("elt_project/db/reader_role.py", "_grant"): "role, schema and table names quoted by the dialect",
    ("elt_project/db/reader_role.py", "drop_reader_role"): "role name quoted by the dialect",
    ("elt_project/analytics/readonly.py", "_postgres_run"): "SET LOCAL of an int and of module constants",
    ("elt_project/analytics/readonly.py", "_use_reader_role"): "SET LOCAL ROLE of a dialect-quoted role",
    ("elt_project/analytics/readonly.py", "_mssql_run"): "user passed checked_role_name (letters, digits, _)",
    ("elt_project/analytics/search/index.py", "_write_documents"): "joins only '?' placeholders; values bound",
    ("elt_project/db/sqlite_scratch.py", "fill"): "ALTER TABLE of dialect-quoted table and column names",
    ("elt_project/db/sqlite_scratch.py", "_attach"): "ATTACH of a bound path as a dialect-quoted constant alias",
    ("elt_project/db/sqlite_scratch.py", "_detach"): "DETACH of the dialect-quoted aliases _attach made",
    ("elt_project/pipeline/schema_drift.py", "undo_staging"): "DROP COLUMN of dialect-quoted table and column names",
    # Glossary conditions an admin saved: checked by the SQL validator when saved (glossary.py), and the
    # whole question's SQL passes the validator again before it runs (analytics/nl2sql run_sql).
    ("elt_project/analytics/nl2sql/sqlbuild.py", "build_sql"): "validated glossary conditions, see above",
}


def sql_build_findings(source: str) -> list[tuple[str, int]]:
    """(function, line) of every SQL sink handed a string built by f-string, `%`, `+` or .format().

    The argument counts as built when it is such an expression itself, or a name the same function
    assigned from one (the usual `sql = f"..."; conn.execute(sa.text(sql))`).
    """
    findings = []
    for scope in _scopes(ast.parse(source)):
        built_names = {
            target.id
            for node in _walk_scope(scope)
            if isinstance(node, ast.Assign | ast.AugAssign) and _is_built(node.value)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        for node in _walk_scope(scope):
            if isinstance(node, ast.Call) and _call_name(node) in SQL_SINKS and node.args:
                first = node.args[0]
                if _is_built(first) or (isinstance(first, ast.Name) and first.id in built_names):
                    findings.append((getattr(scope, "name", "<module>"), node.lineno))
    return sorted(findings)


def shell_true_findings(source: str) -> list[int]:
    """Lines of every call passing ``shell=`` anything but a literal False."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
    ]


def trust_any_host_findings(source: str) -> list[int]:
    """Lines naming paramiko's AutoAddPolicy or WarningPolicy (any unknown host key accepted)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if (isinstance(node, ast.Attribute) and node.attr in TRUST_ANY_HOST)
        or (isinstance(node, ast.Name) and node.id in TRUST_ANY_HOST)
        or (isinstance(node, ast.alias) and node.name in TRUST_ANY_HOST)
    ]


def _scopes(tree: ast.Module):
    yield tree
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def _walk_scope(scope):
    """The nodes of one scope, not descending into nested functions (they are scopes of their own)."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend(ast.iter_child_nodes(node))


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _is_built(node: ast.AST | None) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    if isinstance(node, ast.IfExp):
        return _is_built(node.body) or _is_built(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_is_built(value) for value in node.values)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _sources() -> list[Path]:
    return sorted((ROOT / "elt_project").rglob("*.py")) + [ROOT / "launch.py"]


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- each rule flags its sample ---------------------------------------------------------------------

BAD_SQL = """
def load(conn, name, table):
    conn.execute(sa.text(f"SELECT * FROM t WHERE name = '{name}'"))
    conn.exec_driver_sql("DELETE FROM " + table)
    conn.execute("SELECT %s" % name)
    sql = "SELECT {}".format(name)
    conn.execute(sql)
    conn.execute(sa.text("SELECT :name"), {"name": name})
"""


def test_sql_rule_flags_strings_built_for_a_sink():
    assert sql_build_findings(BAD_SQL) == [("load", 3), ("load", 4), ("load", 5), ("load", 7)]


def test_shell_rule_flags_shell_true():
    assert shell_true_findings("subprocess.run(cmd, shell=True)\nsubprocess.run(['ls'], shell=False)") == [1]


def test_host_key_rule_flags_trusting_policies():
    sample = "from paramiko import WarningPolicy\nclient.set_missing_host_key_policy(paramiko.AutoAddPolicy())"
    assert trust_any_host_findings(sample) == [1, 2]


# --- the code base follows them ----------------------------------------------------------------------


def test_no_sql_built_from_strings_outside_the_allow_list():
    found = {}
    for path in _sources():
        for function, line in sql_build_findings(path.read_text(encoding="utf-8")):
            if (_relative(path), function) not in SQL_BUILD_ALLOWED:
                found.setdefault(f"{_relative(path)}:{line} in {function}", None)
    assert not found, "SQL built from strings (bind values, quote identifiers with the dialect):\n" + "\n".join(found)


def test_allow_list_has_no_stale_entries():
    used = {
        (_relative(path), function)
        for path in _sources()
        for function, _ in sql_build_findings(path.read_text(encoding="utf-8"))
    }
    assert set(SQL_BUILD_ALLOWED) <= used, f"remove stale entries: {sorted(set(SQL_BUILD_ALLOWED) - used)}"


@pytest.mark.parametrize(
    ("rule", "what"),
    [(shell_true_findings, "shell=True"), (trust_any_host_findings, "a paramiko policy trusting any host key")],
)
def test_no_shell_and_no_trust_any_host(rule, what):
    found = [f"{_relative(path)}:{line}" for path in _sources() for line in rule(path.read_text(encoding="utf-8"))]
    assert not found, f"{what} at: {', '.join(found)}"


# --- every security suppression says why ------------------------------------------------------------

NOQA_S = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)(?P<rest>.*)$")
REASON = re.compile(r"^\s*(?:—|--|-|:)\s*\S.{8,}")


def unexplained_security_noqa(source: str) -> list[int]:
    """Lines whose ``# noqa`` names an S rule with no reason after the codes (`# noqa: S603 — why`)."""
    lines = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = NOQA_S.search(line)
        if match and re.search(r"\bS\d+", match["codes"]) and not REASON.match(match["rest"]):
            lines.append(number)
    return lines


def test_noqa_rule_flags_a_bare_suppression():
    sample = "run(x)  # noqa: S603\nrun(y)  # noqa: S603 — argument list, no shell\nrun(z)  # noqa: E501, S608"
    assert unexplained_security_noqa(sample) == [1, 3]


def test_every_security_noqa_carries_a_reason():
    found = [
        f"{_relative(path)}:{line}"
        for path in _sources()
        for line in unexplained_security_noqa(path.read_text(encoding="utf-8"))
    ]
    assert not found, "add `— <why>` after the codes of: " + ", ".join(found)
