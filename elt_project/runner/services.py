"""The parts the page talks to, made once per app: settings, the warehouse engine, the Dagster client."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine

from elt_project.db.engine import create_warehouse_engine
from elt_project.errors import ConfigurationError, WarehouseUnavailable
from elt_project.orchestration.dagster_client import DagsterClient
from elt_project.settings import Settings

WAREHOUSE_DOWN = (
    "The warehouse cannot be reached right now, so your imports cannot be listed; "
    "check that the database server is running (or ask an administrator), then reload this page."
)


@dataclass
class Services:
    settings: Settings
    engine: Engine | None
    dagster: DagsterClient
    #: The same webserver with a short timeout, for the page's "is Dagster there?" check.
    dagster_probe: DagsterClient
    dagster_public_url: str
    engine_problem: str | None = None

    @classmethod
    def build(cls, settings: Settings, *, dagster_url: str | None = None) -> Services:
        """Everything from ``settings``; a warehouse URL that cannot even be parsed is kept as a message."""
        base = dagster_url or settings.dagster_url
        engine, problem = None, None
        try:
            engine = create_warehouse_engine(settings.warehouse_url())
        except ConfigurationError as exc:
            problem = str(exc)
        return cls(
            settings=settings,
            engine=engine,
            dagster=DagsterClient(base, timeout_s=15),
            dagster_probe=DagsterClient(base, timeout_s=3),
            dagster_public_url=(settings.dagster_public_url or base).rstrip("/"),
            engine_problem=problem,
        )

    def warehouse(self) -> Engine:
        """The engine, or :class:`WarehouseUnavailable` with the page's one sentence."""
        if self.engine is None:
            raise WarehouseUnavailable(self.engine_problem or WAREHOUSE_DOWN)
        return self.engine

    def hub_url(self, request_host: str) -> str:
        """The Analytics Hub: ANALYTICS_PUBLIC_URL, else the hub's port on the host the browser used."""
        if self.settings.analytics_public_url:
            return self.settings.analytics_public_url
        host = self.settings.bind_host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 — compares the configured bind host, binds nothing
            host = request_host.rsplit(":", 1)[0] if request_host.count(":") == 1 else "127.0.0.1"
        return f"http://{host}:{self.settings.hub_port}"


def services() -> Services:
    return current_app.extensions["elt_services"]


def reading_warehouse(call, *args, **kwargs):
    """Run ``call(engine, ...)``; a database that cannot be reached becomes :class:`WarehouseUnavailable`."""
    engine = services().warehouse()
    try:
        return call(engine, *args, **kwargs)
    except sa.exc.SQLAlchemyError as exc:
        current_app.logger.warning("Warehouse call %s failed: %s", getattr(call, "__name__", call), exc)
        raise WarehouseUnavailable(WAREHOUSE_DOWN) from exc
