"""Parallel trials: OptunaSearchCV with n_jobs=1 vs n_jobs=2 processes.

The same search (trials of a Keras MLP on a synthetic 4,000-row table, 2-fold
CV, 150 epochs: about 1.5 s a trial on the reference machine)
run with one and with two worker processes. Every trial does the same work:
only the learning rate and weight decay are searched, pruning and early
stopping are off. Wall time includes starting the workers (a fixed cost of
about one ``import keras`` per worker, reported in the note). Target: at
least 1.8x the trials per minute on a 2-core machine.

The note says how many cores ``n_jobs=1`` already keeps busy (process CPU
time / wall time: JAX dispatches asynchronously and XLA runs each step on its
own thread pool), and so the most two processes can gain on ``cores`` CPUs.
"""

from __future__ import annotations

import time
from typing import Any

from _common import Row, clear_keras, row

NAME = "parallel"


def _trials_per_minute(
    X: Any, y: Any, n_trials: int, epochs: int, n_jobs: int
) -> tuple[float, float]:
    """Trials per minute, and this process's CPU seconds per wall second."""
    from optuna.distributions import FloatDistribution
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from kerasopt import KerasClassifier, OptunaSearchCV

    space = {
        "learning_rate": FloatDistribution(1e-3, 1e-2, log=True),
        "weight_decay": FloatDistribution(1e-5, 1e-2, log=True),
    }
    classifier = KerasClassifier(
        hidden_layer_sizes=(64, 64), epochs=epochs,
        early_stopping=False, random_state=0,
    )  # fmt: skip
    estimator = make_pipeline(StandardScaler(), classifier)
    start, cpu = time.perf_counter(), time.process_time()
    OptunaSearchCV(
        estimator, space, n_trials=n_trials, cv=2, pruner="none", refit=False,
        n_jobs=n_jobs, random_state=0,
    ).fit(X, y)  # fmt: skip
    wall = time.perf_counter() - start
    cores = (time.process_time() - cpu) / wall
    clear_keras()
    return n_trials / wall * 60, cores


def run(quick: bool = False) -> list[Row]:
    """Trials per minute with one and two processes."""
    import os

    from sklearn.datasets import make_classification

    X, y = make_classification(4000, 20, n_informative=10, random_state=0)
    n_trials, epochs = (4, 5) if quick else (40, 150)
    serial, cores = _trials_per_minute(X, y, n_trials, epochs, n_jobs=1)
    parallel, _ = _trials_per_minute(X, y, n_trials, epochs, n_jobs=2)
    ratio = parallel / serial
    cpus = os.cpu_count() or 1
    return [
        row(
            NAME,
            f"{n_trials} trials, n_jobs=2 vs n_jobs=1 ({os.cpu_count()} CPUs)",
            baseline_name="n_jobs=1",
            baseline=serial,
            kerasopt=parallel,
            unit="trials/min",
            ratio=ratio,
            target=">= 1.8x",
            passed=ratio >= 1.8,
            note=f"n_jobs=1 kept {cores:.2f} cores busy, so {cpus} CPUs allow "
            f"at most {cpus / cores:.2f}x; load average during the run: "
            + ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        )  # fmt: skip
    ]
