"""Models registered from outside elt_project, for the worker-pool tests.

A worker imports this module by name to find them. ``worker_pid`` reports where
it ran; ``dies_in_worker`` ends any process but the test's own (the test sets
POOL_TEST_PARENT_PID before it starts the workers), as a worker killed for memory would.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from elt_project.analytics import models

PARENT_PID_VARIABLE = "POOL_TEST_PARENT_PID"


def _frame(series: pd.Series, predicted: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": series.index,
            "actual": series.to_numpy(),
            "predicted": predicted,
            "lower": np.nan,
            "upper": np.nan,
            "is_anomaly": False,
            "score": np.nan,
            "is_forecast": False,
        }
    )


@models.register_model("worker_pid", "Test model: the id of the process that ran it, as the prediction.")
def worker_pid(series, context):
    return _frame(series, float(os.getpid()))


@models.register_model("dies_in_worker", "Test model: ends a worker process, works in the parent.")
def dies_in_worker(series, context):
    if os.getpid() != int(os.environ[PARENT_PID_VARIABLE]):
        os._exit(3)
    return _frame(series, float(os.getpid()))


@models.register_model("raises", "Test model: fails with an error no check foresaw.")
def raises(series, context):
    raise ZeroDivisionError("division by zero")
