"""Tables with planted signals, and a webhook receiver on 127.0.0.1 that answers as scripted (fixture in conftest)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import sqlalchemy as sa

from elt_project.db import schema

REGIONS = ("North", "South", "East", "West")
CHANNELS = ("Online", "Retail", "Partner")


def sales_table(name: str = "sales") -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("order_id", sa.Integer, primary_key=True),
        sa.Column("order_date", sa.Date),
        sa.Column("region", sa.String(20)),
        sa.Column("channel", sa.String(20)),
        sa.Column("amount", sa.Numeric(12, 2)),
    )


def create_sales(engine, rows: list[dict], name: str = "sales") -> sa.Table:
    table = sales_table(name)
    table.create(engine)
    for i, row in enumerate(rows, start=1):
        row.setdefault("order_id", i)
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(table.insert(), rows[start : start + 5000])
    return table


def daily_rows(values: dict[dt.date, float]) -> list[dict]:
    """One row per day carrying that day's value (a series stored as a table)."""
    return [
        {"order_date": day, "region": "North", "channel": "Online", "amount": round(v, 2)}
        for day, v in sorted(values.items())
    ]


def trending_series(days: int = 240, *, seed: int = 3, start: dt.date = dt.date(2025, 1, 1)) -> dict[dt.date, float]:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    y = 200 + 2.0 * t + 20 * np.sin(t * 2 * np.pi / 7) + rng.normal(0, 8, days)
    return {start + dt.timedelta(days=int(i)): float(v) for i, v in zip(t, y)}


def add_analytics_config(engine, **values) -> int:
    row = {"target_table": "sales", "date_column": "order_date", "value_column": "amount", "model_type": "forecast"}
    row.update(values)
    with engine.begin() as conn:
        return conn.execute(schema.analytics_config.insert().values(**row)).inserted_primary_key[0]


class Receiver:
    """Records every POST body; answers with the next scripted status (200 once the script runs out)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.bodies.append(json.loads(body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"
