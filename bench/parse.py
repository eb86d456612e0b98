"""Parse throughput: read_batches vs pandas.read_csv on the same generated CSV.

Run: ``.venv/bin/python bench/parse.py [--rows 1000000] [--keep FILE]``.
Both readers see the same file in one run; pandas reads every column as text
too (``dtype=str``, ``keep_default_na=False``) so both do the same work. The last
line is ``parse_ratio_vs_pandas=X.XX``: the faster of the two pandas timings divided
by read_batches' time (>1 means read_batches is faster). Best of 5 interleaved runs each.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from elt_project.ingest.reader import read_batches

COLUMNS = [
    "id",
    "order_date",
    "customer",
    "region",
    "product",
    "quantity",
    "unit_price",
    "discount",
    "total",
    "status",
    "note",
    "updated_at",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write ``rows`` rows × 12 columns (~85 bytes a row) with a quoted text field."""
    rnd = random.Random(seed)
    regions = ["North", "South", "East", "West"]
    statuses = ["open", "shipped", "paid", "void"]
    with open(path, "w", newline="") as out:
        out.write(",".join(COLUMNS) + "\n")
        lines = []
        for i in range(rows):
            qty = rnd.randint(1, 50)
            price = rnd.randint(100, 99999) / 100
            lines.append(
                f"{i},2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d},C{rnd.randint(1, 99999):05d},"
                f"{rnd.choice(regions)},P{rnd.randint(1, 999):03d},{qty},{price},{rnd.randint(0, 30)},"
                f'{qty * price:.2f},{rnd.choice(statuses)},"n, {i % 97}",2024-06-01 10:{i % 60:02d}:00\n'
            )
            if len(lines) == 10_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)


ARROW_PEAK = [0]


def time_read_batches(path: Path) -> tuple[float, int]:
    """Time the stream; also note the most Arrow memory alive at once (it should not grow with the file)."""
    base = pa.total_allocated_bytes()
    start = time.perf_counter()
    rows = 0
    for batch in read_batches(path, file_type="csv"):
        rows += batch.num_rows
        ARROW_PEAK[0] = max(ARROW_PEAK[0], pa.total_allocated_bytes() - base)
    return time.perf_counter() - start, rows


def time_pandas_text(path: Path) -> tuple[float, int]:
    """Like for like: every column as text, only empty fields null."""
    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    return time.perf_counter() - start, len(frame)


def time_pandas_default(path: Path) -> tuple[float, int]:
    """pandas as people call it: type inference on (often faster than dtype=str)."""
    start = time.perf_counter()
    frame = pd.read_csv(path)
    return time.perf_counter() - start, len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the CSV here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench.csv"
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        # warm the page cache so neither reader pays for the first disk read
        path.read_bytes()
        timings: dict[str, list[tuple[float, int]]] = {"ours": [], "text": [], "default": []}
        for _ in range(5):  # interleaved, so a busy moment on a shared machine hits all three
            timings["ours"].append(time_read_batches(path))
            timings["text"].append(time_pandas_text(path))
            timings["default"].append(time_pandas_default(path))
        (ours, ours_rows), (text, text_rows), (default, default_rows) = (
            min(timings[key]) for key in ("ours", "text", "default")
        )
    assert ours_rows == text_rows == default_rows == args.rows, (ours_rows, text_rows, default_rows)
    theirs = min(text, default)  # the ratio is taken against pandas' faster variant
    print(f"file: {args.rows:,} rows x {len(COLUMNS)} columns, {size_mb:.1f} MB")
    print(f"{'read_batches':16s}{ours:7.3f} s  {args.rows / ours:12,.0f} rows/s  {size_mb / ours:7.1f} MB/s")
    for label, seconds in (("pandas dtype=str", text), ("pandas inferred", default)):
        print(f"{label:16s}{seconds:7.3f} s  {args.rows / seconds:12,.0f} rows/s  {size_mb / seconds:7.1f} MB/s")
    print(f"read_batches live Arrow memory at most {ARROW_PEAK[0] / 1e6:.0f} MB")
    print(f"parse_ratio_vs_pandas={theirs / ours:.2f}")


if __name__ == "__main__":
    main()
