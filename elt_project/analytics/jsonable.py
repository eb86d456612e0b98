"""Result values as JSON: decimals to numbers, dates to ISO text, bytes to hex."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal


def json_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def json_rows(rows: list[list]) -> list[list]:
    return [[json_value(v) for v in row] for row in rows]
