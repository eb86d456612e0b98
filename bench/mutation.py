"""Mutation testing on demand: how many one-line changes to the code do the tests notice?

    python bench/mutation.py                      # pipeline/, ingest/, auth/, analytics/sql_safety.py (hours)
    python bench/mutation.py elt_project/analytics/sql_safety.py --tests tests/security/test_attack_corpus.py

mutmut (``[tool.mutmut]`` in pyproject.toml) copies the project into ``mutants/``, changes one
thing at a time (an operator, a constant, a condition) and runs the tests chosen for it; a mutant
that no test fails on "survives". The run happens in a copy of the working tree in a temporary
folder, so the checkout is never touched, and ends with the survival rate per file. The target is
below 15% on the four targets above. Not part of the test suite: it takes hours on two cores.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_STATUS = re.compile(r"^\s*(?P<name>elt_project\.[\w.]+)__mutmut_\d+: (?P<status>[\w ]+)$")


def _narrow(pyproject: Path, targets: list[str], tests: list[str] | None) -> None:
    """Point [tool.mutmut] at ``targets`` (and ``tests``) in the copy's pyproject.toml."""
    text = pyproject.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^only_mutate = .*$", "only_mutate = " + repr(targets).replace("'", '"'), text)
    if tests:
        text = re.sub(
            r"(?m)^pytest_add_cli_args_test_selection = .*$",
            "pytest_add_cli_args_test_selection = " + repr(tests).replace("'", '"'),
            text,
        )
    pyproject.write_text(text, encoding="utf-8")


def _tested(by_status: collections.Counter[str]) -> int:
    """Mutants a test ran against: killed (a test failed, or it timed out) or survived."""
    return by_status["killed"] + by_status["survived"] + by_status["timeout"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="files or globs to mutate (default: the four in pyproject.toml)")
    parser.add_argument("--tests", nargs="*", help="test paths to run against each mutant")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its mutants/ folder)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="elt-mutation-"))
    try:
        copy = work / "project"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv", "data", "mutants", "__pycache__"))
        if args.targets:
            _narrow(copy / "pyproject.toml", args.targets, args.tests)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the mutated copy must win
        mutmut = [sys.executable, "-m", "mutmut"]
        subprocess.run([*mutmut, "run"], cwd=copy, env=env, check=False)
        results = subprocess.run(
            [*mutmut, "results", "--all", "true"], cwd=copy, env=env, capture_output=True, text=True, check=False
        )
        counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for line in results.stdout.splitlines():
            match = _STATUS.match(line)
            if match:
                module = match["name"].rsplit(".x_", 1)[0].rsplit(".x\u01c1", 1)[0]
                counts[module][match["status"].strip()] += 1
        total = collections.Counter()
        for module, by_status in sorted(counts.items()):
            total.update(by_status)
            tested = _tested(by_status)
            rate = by_status["survived"] / tested if tested else 0.0
            print(f"{module:60} {by_status['survived']:4} of {tested:4} survived ({rate:.0%})")
        tested = _tested(total)
        if tested:
            print(f"{'all':60} {total['survived']:4} of {tested:4} survived ({total['survived'] / tested:.0%})")
        return 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
