"""Benchmark: a second start (nothing to install) until every service is healthy, vs ``dagster dev``.

Run: ``.venv/bin/python bench/launcher.py [--runs 3]`` (a few minutes). Target: all
services healthy in under 1.5x the time ``dagster dev`` alone takes to answer.

Both run in the same throw-away copy of the project, on the same Dagster home and
workspace, alternately, after one unmeasured first start that installs the demo:

- launcher: ``python3 launch.py --no-browser``, from spawn until every declared service
  answers its health check (steps 1 to 8 included: Python, git, packages, .env, login,
  migrations, folders, then the services started in parallel);
- floor: ``python -m dagster dev -w workspace.yaml``, from spawn until ``/server_info`` answers.

Services whose entry file is not in this copy are not started, and are listed.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.launcher.project_copy import copy_env, copy_project  # noqa: E402

HEALTH = {
    "Dagster": ("DAGSTER_PORT", "/server_info", "workspace.yaml"),
    "Data Importer": ("RUNNER_PORT", "/healthz", "simple_ui.py"),
    "Analytics Hub": ("HUB_PORT", "/_stcore/health", "analytics_ui.py"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 400
    except OSError:
        return False


def _timed(argv: list[str], cwd: Path, env: dict, urls: list[str], log: Path, timeout_s: float = 600) -> float:
    """Seconds from spawn until every URL answers; then the process group is stopped (SIGINT)."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        waiting = list(urls)
        try:
            while waiting:
                if process.poll() is not None:
                    raise SystemExit(f"{argv[:3]} exited early; see {log}")
                if time.perf_counter() - started > timeout_s:
                    raise SystemExit(f"{argv[:3]} not healthy within {timeout_s} s; see {log}")
                waiting = [url for url in waiting if not _answers(url)]
                if waiting:
                    time.sleep(0.1)
            elapsed = time.perf_counter() - started
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    time.sleep(1.0)  # let the ports close before the next start
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-launcher-") as tmp_name:
        tmp = Path(tmp_name)
        root = copy_project(tmp / "app")
        ports = {name: _free_port() for name in ("DAGSTER_PORT", "RUNNER_PORT", "HUB_PORT")}
        env = copy_env(root, **{k: str(v) for k, v in ports.items()})
        present = {name: spec for name, spec in HEALTH.items() if (root / spec[2]).is_file()}
        missing = sorted(set(HEALTH) - set(present))
        urls = [f"http://127.0.0.1:{ports[port]}{path}" for port, path, _entry in present.values()]
        launcher = [sys.executable, "launch.py", "--no-browser"]
        python = str(root / ".venv" / "bin" / "python")
        dagster_dev = [python, "-m", "dagster", "dev", "-w", "workspace.yaml", "-p", str(ports["DAGSTER_PORT"])]
        dev_env = {**env, "DAGSTER_HOME": str(root / "data" / "dagster_home")}
        dagster_url = [f"http://127.0.0.1:{ports['DAGSTER_PORT']}/server_info"]
        first = _timed(launcher, root, env, urls, tmp / "first.log")
        print(f"first start (demo install, not counted): {first:.1f} s", flush=True)
        times: dict[str, list[float]] = {"launcher": [], "dagster dev": []}
        for run in range(args.runs):
            times["launcher"].append(_timed(launcher, root, env, urls, tmp / f"launcher{run}.log"))
            times["dagster dev"].append(_timed(dagster_dev, root, dev_env, dagster_url, tmp / f"dev{run}.log"))
            print(
                f"run {run + 1}: launcher {times['launcher'][-1]:.1f} s, dagster dev {times['dagster dev'][-1]:.1f} s",
                flush=True,
            )
        ours, floor = statistics.median(times["launcher"]), statistics.median(times["dagster dev"])
        print(
            f"services measured: {', '.join(present)}"
            + (f" (not in this copy: {', '.join(missing)})" if missing else "")
        )
        print(f"median launcher, second start until all healthy: {ours:.1f} s")
        print(f"median dagster dev alone until it answers:       {floor:.1f} s")
        print(f"ratio: {ours / floor:.2f}x (target < 1.5x)")


if __name__ == "__main__":
    main()
