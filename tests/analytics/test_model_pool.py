"""Series fitted on real worker processes: same answers as in this process, and no run lost to a dead worker."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import sqlalchemy as sa

from elt_project.analytics import model_pool, models
from elt_project.analytics.forecasting import ForecastOptions
from elt_project.analytics.model_pool import FitJob, run_job, run_jobs
from elt_project.analytics.predictive import run_predictive_analytics
from elt_project.db import schema
from tests.analytics.signals import add_analytics_config, create_sales, daily_rows, trending_series

HW = ForecastOptions(horizon=10, engine="holt_winters")


@pytest.fixture
def test_models(monkeypatch):
    """The models of tests/analytics/pool_models.py, registered for this test only, on fresh workers."""
    monkeypatch.setattr(models, "_REGISTRY", dict(models._REGISTRY))
    monkeypatch.setenv("POOL_TEST_PARENT_PID", str(os.getpid()))
    import importlib

    import tests.analytics.pool_models as pool_models

    importlib.reload(pool_models)  # registers into this test's copy of the registry
    model_pool.stop_workers()  # workers started now inherit the variable above
    yield pool_models
    model_pool.stop_workers()


def _series(seed: int) -> pd.Series:
    values = trending_series(90, seed=seed)
    return pd.Series(list(values.values()), index=pd.DatetimeIndex(list(values)), name=f"s{seed}", dtype=float)


@pytest.mark.slow
def test_workers_give_the_same_frames_as_this_process(test_models):
    jobs = [FitJob(_series(seed), ("forecast", "anomaly_detection", "worker_pid"), HW) for seed in range(8)]
    pooled = list(run_jobs(jobs, workers=2))
    assert model_pool._POOL.running() == 2
    pids = {result[2][1]["predicted"].iloc[0] for result in pooled}
    assert len(pids) == 2 and os.getpid() not in pids  # both workers did some of the work
    for job, result in zip(jobs, pooled):
        local = run_job(job)
        assert [name for name, _frame, _error in result] == list(job.model_types)
        for (_name, frame, error), (_same, expected, _none) in list(zip(result, local))[:2]:
            assert error is None
            pd.testing.assert_frame_equal(frame, expected)


def test_small_batches_stay_in_this_process_until_workers_are_running(test_models):
    few = [FitJob(_series(seed), ("worker_pid",), HW) for seed in range(model_pool.MIN_JOBS_FOR_POOL - 1)]
    assert {r[0][1]["predicted"].iloc[0] for r in run_jobs(few, workers=2)} == {os.getpid()}
    assert model_pool._POOL.running() == 0
    list(run_jobs(few + few[:1], workers=2))  # enough to start them
    assert {r[0][1]["predicted"].iloc[0] for r in run_jobs(few, workers=2)} - {os.getpid()}


def test_a_dead_worker_costs_time_not_results(test_models, caplog):
    jobs = [FitJob(_series(seed), ("forecast", "dies_in_worker"), HW) for seed in range(8)]
    results = list(run_jobs(jobs, workers=2))
    assert len(results) == 8
    for job, result in zip(jobs, results):
        assert [error for _name, _frame, error in result] == [None, None]
        assert result[1][1]["predicted"].iloc[0] == os.getpid()  # refitted here after the worker died
        pd.testing.assert_frame_equal(result[0][1], run_job(job)[0][1])
    assert "A model worker stopped" in caplog.text and "exited with code 3" in caplog.text
    assert model_pool._POOL.running() == 0


def test_a_failing_model_stops_its_own_config_only(test_models):
    jobs = [FitJob(_series(seed), ("raises", "forecast"), HW) for seed in range(8)]
    for result in run_jobs(jobs, workers=2):
        (_, none, error), (_, frame, ok) = result
        assert none is None and error == "model 'raises' failed: ZeroDivisionError: division by zero"
        assert ok is None and len(frame) == 100


@pytest.mark.slow
def test_workers_stop_when_asked_and_when_idle(test_models, monkeypatch):
    list(run_jobs([FitJob(_series(seed), ("forecast",), HW) for seed in range(8)], workers=2))
    processes = [w.process for w in model_pool._POOL._workers]
    model_pool.stop_workers()
    assert [p.returncode for p in processes] == [0, 0]  # each left its loop when its input closed

    monkeypatch.setattr(model_pool, "IDLE_SECONDS", 0.2)
    list(run_jobs([FitJob(_series(seed), ("forecast",), HW) for seed in range(8)], workers=2))
    processes = [w.process for w in model_pool._POOL._workers]
    assert [p.wait(timeout=30) for p in processes] == [0, 0]


@pytest.mark.slow
def test_the_batch_on_workers_writes_what_the_batch_in_this_process_writes(engine, settings, test_models):
    for n in range(8):
        create_sales(engine, daily_rows(trending_series(60, seed=n)), name=f"sales_{n}")
        for model_type in ("forecast", "anomaly_detection"):
            add_analytics_config(engine, target_table=f"sales_{n}", model_type=model_type)
    p = schema.analytics_predictions
    query = sa.select(
        p.c.config_id,
        p.c.prediction_date,
        p.c.actual_value,
        p.c.predicted_value,
        p.c.lower_bound,
        p.c.upper_bound,
        p.c.is_anomaly,
    ).order_by(p.c.config_id, p.c.prediction_date)

    def written(workers: int):
        report = run_predictive_analytics(engine, settings, options=HW, workers=workers, attach_story=False)
        assert not report.failed and len(report.outcomes) == 16
        with engine.connect() as conn:
            return conn.execute(query).all()

    alone = written(1)
    pooled = written(2)
    assert model_pool._POOL.running() == 2
    assert len(alone) == 8 * (60 + 10 + 60) and pooled == alone


def test_two_batches_at_once_share_the_workers_without_mixing_their_jobs(test_models):
    from concurrent.futures import ThreadPoolExecutor

    batches = [[FitJob(_series(10 * b + seed), ("forecast",), HW) for seed in range(8)] for b in range(2)]
    with ThreadPoolExecutor(2) as threads:
        results = list(threads.map(lambda jobs: list(run_jobs(jobs, workers=2)), batches))
    assert model_pool._POOL.running() == 2
    for jobs, pooled in zip(batches, results):
        for job, result in zip(jobs, pooled):
            pd.testing.assert_frame_equal(result[0][1], run_job(job)[0][1])
