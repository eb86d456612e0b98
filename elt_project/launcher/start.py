"""Steps 4 to 8 of a start (``elt start``): configuration, login, warehouse, services, browser.

``launch.py`` runs steps 1 to 3 (Python, updates, packages) with the standard library
only, then calls ``elt start --step 4/8`` so the numbering continues on the console.
Everything a service prints goes to its log file under ``logs/``; the console keeps
the numbered steps, each service's state and the one-time messages a user must read.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from dataclasses import dataclass
from typing import TextIO

from elt_project.db.engine import create_warehouse_engine
from elt_project.launcher.configure import Prompter, ensure_login, is_interactive, prepare_env_file
from elt_project.launcher.console import Progress
from elt_project.launcher.keeper import keep_running
from elt_project.launcher.runstate import (
    STOP_COMMAND,
    RunState,
    already_running_message,
    clear_state,
    read_state,
    state_path,
    write_state,
)
from elt_project.launcher.services import DAGSTER, DATA_IMPORTER, plan_services
from elt_project.launcher.setup import (
    create_monitored_folders,
    ensure_first_admin,
    prepare_dagster_home,
    prepare_warehouse,
)
from elt_project.launcher.supervisor import (
    RunningService,
    ServiceError,
    ServiceSpec,
    Stopped,
    StopRequest,
    check_port_free,
    start_service,
    stop_all,
    wait_all_healthy,
)
from elt_project.settings import home_folder, load_settings, project_root


@dataclass(frozen=True)
class StartOptions:
    demo: bool = True
    setup_only: bool = False
    dev: bool = False
    open_browser: bool = True
    first_step: int = 1
    total_steps: int = 5


def run_start(options: StartOptions, out: TextIO | None = None) -> int:
    """Set up and run every service until a stop signal; returns the exit status."""
    out = out or sys.stdout
    progress = Progress(options.first_step, options.total_steps, out)
    interactive = is_interactive()
    root = project_root()
    prompter = _prompter(progress)

    progress.begin("Preparing the configuration")
    lines = prepare_env_file(home_folder(), interactive=interactive, prompter=prompter)
    _report(progress, lines)
    settings = load_settings()
    state_file = state_path(settings)
    recorded = read_state(state_file)
    if recorded is not None and recorded.supervisor.alive():
        out.write(already_running_message(recorded) + "\n")
        out.flush()
        return 0

    progress.begin("Checking the database login")
    _report(progress, ensure_login(settings, interactive=interactive, prompter=prompter))
    settings = load_settings()  # a login stored just now is read back from the keyring

    progress.begin("Preparing the warehouse")
    engine = create_warehouse_engine(settings.warehouse_url(), check=True)
    try:
        lines = prepare_warehouse(engine, settings, demo=options.demo)
        created = create_monitored_folders(engine)
        lines.append(f"monitored folders: {len(created)} created" if created else "monitored folders: all present")
        lines += ensure_first_admin(engine, interactive=interactive, prompter=prompter)
    finally:
        engine.dispose()
    _home, home_line = prepare_dagster_home(settings)
    _report(progress, [*lines, home_line])
    if options.setup_only:
        out.write("Set-up finished; `python3 launch.py` starts the services.\n")
        return 0

    plan = plan_services(settings, root)
    progress.begin("Starting the services")
    for spec in plan.specs:
        _check_port(spec, recorded)
    progress.done(", ".join(spec.name for spec in plan.specs))
    for name, reason in plan.missing:
        progress.detail(f"{name}: not started ({reason})")
    running: list[RunningService] = []
    # One handler from before the first child starts until the last one stopped: a stop
    # signal at any moment in between reaches the services instead of orphaning them.
    with StopRequest() as stop:
        try:
            for spec in plan.specs:
                running.append(start_service(spec))
                progress.detail(f"{spec.name}: starting (log: {_shown(spec.log_file, root)})")
            write_state(state_file, running)
            wait_all_healthy(
                running,
                stop=stop,
                on_ready=lambda s, t: progress.detail(f"{s.spec.name}: ready{_where(s.spec)} ({t:.1f} s)"),
            )
            progress.begin("Opening the browser")
            progress.done(_open_browser(plan, options))
            out.write(
                f"All services are running. Press Ctrl+C or close this window to stop them (or `{STOP_COMMAND}`).\n"
            )
            out.flush()
        except Stopped:
            progress.interrupt()
            out.write("Stopping the services...\n")
            stop_all(running)
            clear_state(state_file)
            out.write("All services stopped.\n")
            return 0
        except ServiceError:
            stop_all(running)
            clear_state(state_file)
            raise
        try:
            status = keep_running(
                running,
                stop=stop,
                out=out,
                log_file=settings.log_dir / "supervisor.log",
                on_restart=lambda services: write_state(state_file, services),
            )
        finally:
            clear_state(state_file)
    out.write("All services stopped.\n")
    return status


def _check_port(spec: ServiceSpec, recorded: RunState | None) -> None:
    """A taken port; when an earlier start of this product left the holder running, say so."""
    try:
        check_port_free(spec)
    except ServiceError:
        left = recorded and spec.url and spec.host_port[1] in recorded.ports()
        if left and any(process.alive() for _url, process in recorded.services.values()):
            raise ServiceError(
                f"Port {spec.host_port[1]}, needed by {spec.name}, is held by this product's own services, "
                f"left running by an earlier start whose launcher has gone; stop them with `{STOP_COMMAND}` "
                "and start again."
            ) from None
        raise


def _open_browser(plan, options: StartOptions) -> str:
    """Open the Data Importer page (``--dev``: the Dagster UI); say what was opened."""
    wanted = DAGSTER if options.dev else DATA_IMPORTER
    spec = plan.find(wanted) or plan.find(DAGSTER)
    if spec is None:
        return "nothing to open"
    if not options.open_browser:
        return f"skipped (--no-browser); {spec.name} is at {spec.url}"
    if not _has_graphical_session():
        return f"no graphical session here; open {spec.url} in a browser"
    try:
        opened = webbrowser.open(spec.url)
    except Exception:  # no browser on this machine is not a reason to stop the services
        opened = False
    return f"{spec.name} at {spec.url}" if opened else f"no browser found; open {spec.url} yourself"


def _has_graphical_session() -> bool:
    """False on a bare Linux console, where ``webbrowser`` would run a text browser in this window."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _prompter(progress: Progress) -> Prompter:
    """Questions that first close the open step line, so each starts on a line of its own."""
    plain = Prompter()

    def ask(prompt: str) -> str:
        progress.interrupt()
        return plain.ask(prompt)

    def ask_secret(prompt: str) -> str:
        progress.interrupt()
        return plain.ask_secret(prompt)

    def say(line: str) -> None:
        progress.interrupt()
        plain.say(line)

    return Prompter(ask=ask, ask_secret=ask_secret, say=say)


def _report(progress: Progress, lines: list[str]) -> None:
    progress.done(lines[0] if lines else "done")
    for line in lines[1:]:
        progress.detail(line)


def _where(spec: ServiceSpec) -> str:
    return f" at {spec.url}" if spec.url else ""


def _shown(path, root) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
