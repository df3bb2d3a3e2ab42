"""Parallel trials: OptunaSearchCV with n_jobs=1 vs n_jobs=2 processes.

The same search (trials of a small Keras MLP on breast_cancer, 2-fold CV,
pruning off so every trial does the same work) run with one and with two
worker processes. Wall time includes starting the workers. Target: at least
1.8x the trials per minute on a 2-core machine.
"""

from __future__ import annotations

import time
from typing import Any

from _common import Row, clear_keras, row

NAME = "parallel"


def _trials_per_minute(
    X: Any, y: Any, n_trials: int, epochs: int, n_jobs: int
) -> float:
    from optuna.distributions import FloatDistribution, IntDistribution
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from kerasopt import KerasClassifier, OptunaSearchCV

    space = {
        "hidden_layer_sizes": IntDistribution(16, 64, log=True),
        "learning_rate": FloatDistribution(1e-3, 1e-2, log=True),
    }
    estimator = make_pipeline(
        StandardScaler(), KerasClassifier(epochs=epochs, batch_size=32, random_state=0)
    )
    start = time.perf_counter()
    OptunaSearchCV(
        estimator, space, n_trials=n_trials, cv=2, pruner="none", refit=False,
        n_jobs=n_jobs, random_state=0,
    ).fit(X, y)  # fmt: skip
    wall = time.perf_counter() - start
    clear_keras()
    return n_trials / wall * 60


def run(quick: bool = False) -> list[Row]:
    """Trials per minute with one and two processes."""
    import os

    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    n_trials, epochs = (4, 2) if quick else (12, 10)
    serial = _trials_per_minute(X, y, n_trials, epochs, n_jobs=1)
    parallel = _trials_per_minute(X, y, n_trials, epochs, n_jobs=2)
    ratio = parallel / serial
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
            note="load average during the run: "
            + ", ".join(f"{v:.1f}" for v in os.getloadavg()),
        )  # fmt: skip
    ]
