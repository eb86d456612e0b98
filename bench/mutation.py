"""Mutation testing on demand: how many one-line changes to the code do the tests notice?

    python bench/mutation.py --list                    # the modules with a test selection of their own
    python bench/mutation.py sql_safety auth_roles     # those modules, each with its own tests
    python bench/mutation.py elt_project/auth/roles.py --tests tests/auth/test_auth.py
    python bench/mutation.py --all                     # the whole [tool.mutmut] target (hours)
    python bench/mutation.py quality --keep            # keep the copy, then after writing tests:
    python bench/mutation.py --recheck /tmp/elt-mutation-XXXX   # its survivors against the new tests

mutmut (``[tool.mutmut]`` in pyproject.toml) copies the project into ``mutants/``, changes one
thing at a time (an operator, a constant, a condition) and runs the tests that reach the changed
function; a mutant that no test fails on "survives". A whole-package run takes hours on two
cores, so bench/mutation_plan.toml names, per module, the few test files that cover it: each
mutant then runs in seconds. Each module runs in its own copy of the working tree in a temporary
folder (the checkout is never touched) and the run ends with, per module, how many mutants were
killed, survived, timed out or reached no test, and the survival rate.

Some survivors cannot be killed because the change does not alter behaviour (an equivalent
mutant). The plan lists each with the line mutmut writes and a one-line reason; the rate is
given with and without them, and an entry whose line no longer matches is reported as stale
and counted as a survivor. The target is below 15% on pipeline/, ingest/, auth/ and
analytics/sql_safety.py. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = Path(__file__).with_name("mutation_plan.toml")
_STATUS = re.compile(r"^\s*(?P<name>elt_project\.[\w.\u01c1]+__mutmut_\d+): (?P<status>[\w ]+)$")
#: mutmut's statuses, grouped as the report shows them.
_COLUMNS = ("killed", "survived", "timeout", "no tests")
TARGET = 0.15


@dataclass
class Outcome:
    """What one mutmut run found for one source module."""

    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    survivors: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)

    @property
    def tested(self) -> int:
        """Mutants a test ran against: killed (a test failed or it timed out) or survived."""
        return self.counts["killed"] + self.counts["survived"] + self.counts["timeout"]

    def rate(self, *, without_equivalent: bool) -> float:
        survived = self.counts["survived"] - (len(self.equivalent) if without_equivalent else 0)
        tested = self.tested - (len(self.equivalent) if without_equivalent else 0)
        return survived / tested if tested else 0.0


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join('"' + value + '"' for value in values) + "]"


def _narrow(pyproject: Path, targets: list[str], tests: list[str] | None) -> None:
    """Point [tool.mutmut] at ``targets`` (and ``tests``) in the copy's pyproject.toml."""
    text = pyproject.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^only_mutate = .*$", lambda _: "only_mutate = " + _toml_list(targets), text)
    if tests:
        line = "pytest_add_cli_args_test_selection = " + _toml_list(tests)
        text = re.sub(r"(?m)^pytest_add_cli_args_test_selection = .*$", lambda _: line, text)
    pyproject.write_text(text, encoding="utf-8")


def _module_of(mutant: str) -> str:
    """``elt_project.auth.roles.x_has_role__mutmut_3`` -> ``elt_project.auth.roles`` (methods use ``xǁ``)."""
    return mutant.rsplit(".x_", 1)[0].rsplit(".x\u01c1", 1)[0]


def _mutated_line(mutmut: list[str], copy: Path, env: dict[str, str], mutant: str) -> str:
    """The first line mutmut's diff adds for ``mutant``, stripped (what an equivalent entry records)."""
    shown = subprocess.run([*mutmut, "show", mutant], cwd=copy, env=env, capture_output=True, text=True, check=False)
    added = [line[1:].strip() for line in shown.stdout.splitlines() if line.startswith("+") and line[1:].strip()]
    return next((line for line in added if not line.startswith("++")), "")


_MUTMUT = [sys.executable, "-m", "mutmut"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the mutated copy must win


def run_mutmut(targets: list[str], tests: list[str] | None, args: argparse.Namespace, plan: dict) -> dict[str, Outcome]:
    """One mutmut run over ``targets`` with ``tests``, in a throwaway copy of the tree; outcome per module."""
    work = Path(tempfile.mkdtemp(prefix="elt-mutation-"))
    try:
        copy = work / "project"
        ignore = shutil.ignore_patterns(".git", ".venv", "data", "mutants", "__pycache__", "*cache*", "logs")
        shutil.copytree(ROOT, copy, ignore=ignore)
        if targets:
            _narrow(copy / "pyproject.toml", targets, tests)
        subprocess.run(
            [*_MUTMUT, "run", "--max-children", str(args.max_children)],
            cwd=copy,
            env=_env(),
            check=False,
            stdout=None if args.verbose else subprocess.DEVNULL,
        )
        return collect(copy, args, plan)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def recheck(work: Path, args: argparse.Namespace, plan: dict) -> dict[str, Outcome]:
    """Run a kept copy's survivors again against the checkout's current tests, then report the whole copy.

    For the loop of writing tests against survivors: the mutants and every earlier result stay, only
    the survivors are tested again, after the tests are mapped to functions afresh. The mutated source is the
    one the copy was made from, so use it only while that source is unchanged.
    """
    copy = work / "project"
    for target in (copy / "tests", copy / "mutants" / "tests"):
        shutil.copytree(ROOT / "tests", target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    # mutmut re-maps only NEW tests to the functions they reach; a changed test may reach new ones too
    (copy / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    results = subprocess.run([*_MUTMUT, "results"], cwd=copy, env=_env(), capture_output=True, text=True, check=False)
    survivors = [m["name"] for m in map(_STATUS.match, results.stdout.splitlines()) if m and m["status"] == "survived"]
    if survivors:
        subprocess.run(
            [*_MUTMUT, "run", "--max-children", str(args.max_children), *survivors],
            cwd=copy,
            env=_env(),
            check=False,
            stdout=None if args.verbose else subprocess.DEVNULL,
        )
    return collect(copy, args, plan)


def collect(copy: Path, args: argparse.Namespace, plan: dict) -> dict[str, Outcome]:
    """The outcome per module of the mutants in ``copy``, equivalent survivors told apart."""
    env = _env()
    results = subprocess.run(
        [*_MUTMUT, "results", "--all", "true"], cwd=copy, env=env, capture_output=True, text=True, check=False
    )
    equivalents = plan.get("equivalent", {})
    outcomes: dict[str, Outcome] = collections.defaultdict(Outcome)
    for line in results.stdout.splitlines():
        match = _STATUS.match(line)
        if not match:
            continue
        name, status = match["name"], match["status"].strip()
        outcome = outcomes[_module_of(name)]
        outcome.counts[status] += 1
        if status != "survived":
            continue
        known = equivalents.get(name)
        if known and _mutated_line(_MUTMUT, copy, env, name) == known["line"]:
            outcome.equivalent.append(name)
        else:
            outcome.survivors.append(name)
            if known:
                print(f"stale equivalent entry (its line changed): {name}")
            if args.diff:
                shown = subprocess.run([*_MUTMUT, "show", name], cwd=copy, env=env, capture_output=True, text=True)
                print(shown.stdout)
    return outcomes


def report(outcomes: dict[str, Outcome]) -> None:
    """Per module: the four counts, equivalent survivors, and the survival rate without and with them."""
    header = f"{'module':42} {'killed':>6} {'survived':>8} {'timeout':>7} {'no tests':>8} {'equiv':>5}  rate (raw)"
    print(header)
    total = Outcome()
    for module, outcome in sorted(outcomes.items()):
        total.counts.update(outcome.counts)
        total.equivalent += outcome.equivalent
        total.survivors += outcome.survivors
        cells = " ".join(f"{outcome.counts[c]:>{max(6, len(c))}}" for c in _COLUMNS)
        rate, raw = outcome.rate(without_equivalent=True), outcome.rate(without_equivalent=False)
        print(f"{module.removeprefix('elt_project.'):42} {cells} {len(outcome.equivalent):>5}  {rate:4.0%} ({raw:.0%})")
    if len(outcomes) > 1:
        cells = " ".join(f"{total.counts[c]:>{max(6, len(c))}}" for c in _COLUMNS)
        rate, raw = total.rate(without_equivalent=True), total.rate(without_equivalent=False)
        print(f"{'all':42} {cells} {len(total.equivalent):>5}  {rate:4.0%} ({raw:.0%})")
    for name in total.survivors:
        print(f"  survived: {name}")
    print(f"target: below {TARGET:.0%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="module names from the plan, or files/globs to mutate")
    parser.add_argument("--tests", nargs="*", help="test paths for files given directly (the plan names its own)")
    parser.add_argument("--all", action="store_true", help="the whole [tool.mutmut] target in one run (hours)")
    parser.add_argument("--list", action="store_true", help="print the plan's modules and their tests")
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--diff", action="store_true", help="print the diff of each surviving mutant")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its mutants/ folder)")
    parser.add_argument("--verbose", action="store_true", help="show mutmut's own progress")
    parser.add_argument(
        "--recheck", metavar="DIR", help="a --keep copy: test its survivors again with the current tests"
    )
    args = parser.parse_args()
    plan = tomllib.loads(PLAN.read_text(encoding="utf-8"))
    if args.recheck:
        report(recheck(Path(args.recheck), args, plan))
        return 0
    modules = plan["modules"]
    if args.list:
        for name, entry in modules.items():
            print(f"{name:24} {' '.join(entry['mutate'])}\n{'':24} tests: {' '.join(entry['tests'])}")
        return 0
    if args.all:
        report(run_mutmut([], None, args, plan))
        return 0
    if not args.targets:
        parser.error("name modules from the plan (see --list), files with --tests, or --all")
    outcomes: dict[str, Outcome] = {}
    planned = [t for t in args.targets if t in modules]
    files = [t for t in args.targets if t not in modules]
    for name in planned:
        outcomes.update(run_mutmut(modules[name]["mutate"], modules[name]["tests"], args, plan))
    if files:
        outcomes.update(run_mutmut(files, args.tests, args, plan))
    report(outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
