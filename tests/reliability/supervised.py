"""The real supervisor over real HTTP services, in a process of its own, for the kill tests.

``python -m tests.reliability.supervised PORTS_JSON LOG_DIR POLICY_JSON`` starts one
``http.server`` per name in ``PORTS_JSON``, waits until they answer, records them in
``LOG_DIR/launcher.json`` (as ``elt start`` does) and keeps them running until a stop
signal, exactly as the launcher does after its start.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from elt_project.launcher.keeper import RestartPolicy, keep_running
from elt_project.launcher.runstate import write_state
from elt_project.launcher.supervisor import ServiceSpec, StopRequest, start_service, wait_all_healthy


def http_spec(name: str, port: int, log_dir: Path) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        url=f"http://127.0.0.1:{port}",
        cwd=log_dir,
        log_file=log_dir / f"{name}.log",
    )


def main(argv: list[str]) -> int:
    ports, log_dir, policy = json.loads(argv[0]), Path(argv[1]), RestartPolicy(**json.loads(argv[2]))
    with StopRequest() as stop:  # caught before any child starts, as `elt start` does
        services = [start_service(http_spec(name, port, log_dir)) for name, port in ports.items()]
        wait_all_healthy(services, timeout_s=60, stop=stop)
        state = log_dir / "launcher.json"
        write_state(state, services)
        print("ready", flush=True)
        return keep_running(
            services,
            stop=stop,
            out=sys.stdout,
            policy=policy,
            log_file=log_dir / "supervisor.log",
            poll_s=0.1,
            on_restart=lambda current: write_state(state, current),
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
