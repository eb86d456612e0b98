"""The statsforecast peer, run in its own environment (statsforecast pins pandas < 3; this project uses 3).

Reads ``[{"key", "values", "season", "horizon"}]`` as JSON on stdin and writes, per key,
AutoETS's and SeasonalNaive's point forecasts and 90% intervals as JSON on stdout.
Set it up once: ``python -m venv /tmp/sfenv && /tmp/sfenv/bin/pip install statsforecast``.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
from statsforecast.models import AutoETS, SeasonalNaive


def main() -> None:
    jobs = json.load(sys.stdin)
    out = {}
    for job in jobs:
        y = np.asarray(job["values"], dtype=float)
        m, h = job["season"], job["horizon"]
        answers = {}
        for name, model in (("AutoETS", AutoETS(season_length=m)), ("SeasonalNaive", SeasonalNaive(season_length=m))):
            started = time.perf_counter()
            try:
                f = model.forecast(y=y, h=h, level=[90])
                answers[name] = {
                    "point": f["mean"].tolist(),
                    "lower": f["lo-90"].tolist(),
                    "upper": f["hi-90"].tolist(),
                    "seconds": time.perf_counter() - started,
                }
            except Exception as exc:  # a peer failing on a series is a result worth reporting
                answers[name] = {"error": f"{type(exc).__name__}: {exc}"}
        out[job["key"]] = answers
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
