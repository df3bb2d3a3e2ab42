"""Search efficiency: best score against wall time, and what pruning saves.

On two bundled data sets, the same space (one hidden layer of 16-128 units,
learning rate, batch size, dropout; fixed epochs) is searched by
OptunaSearchCV (TPE sampler + median pruner) and by scikit-learn's
RandomizedSearchCV, with the same folds and number of trials. The figure of
merit is the wall time kerasopt needs to reach the best score that
RandomizedSearchCV reaches, divided by the time RandomizedSearchCV needs for
it (target: <= 0.5). OptunaSearchCV with and without pruning are compared too
(same best score, less wall time). KerasTuner is not compared: it is not a
dependency of kerasopt.
"""

from __future__ import annotations

import time
from typing import Any

from _common import Row, clear_keras, fmt, row

NAME = "search"

UNITS = [16, 32, 64, 128]
BATCH_SIZES = [16, 32, 64]


def _optuna_space(trial: Any) -> dict[str, Any]:
    return {
        "hidden_layer_sizes": (trial.suggest_categorical("units", UNITS),),
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", BATCH_SIZES),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
    }


def _sklearn_space() -> dict[str, Any]:
    from scipy.stats import loguniform, uniform

    return {
        "kerasclassifier__hidden_layer_sizes": [(u,) for u in UNITS],
        "kerasclassifier__learning_rate": loguniform(1e-4, 1e-1),
        "kerasclassifier__batch_size": BATCH_SIZES,
        "kerasclassifier__dropout": uniform(0.0, 0.5),
    }


def _estimator(epochs: int) -> Any:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from kerasopt import KerasClassifier

    return make_pipeline(
        StandardScaler(), KerasClassifier(epochs=epochs, random_state=0)
    )


def _curve_optuna(
    X: Any, y: Any, cv: Any, n_trials: int, epochs: int, pruner: str
) -> list:
    """(elapsed seconds, best score so far) after each trial of an OptunaSearchCV."""
    from kerasopt import OptunaSearchCV

    points: list[tuple[float, float]] = []
    start = time.perf_counter()

    def watch(study: Any, trial: Any) -> None:
        best = max(
            (
                t.value
                for t in study.trials
                if t.value is not None and t.state.name == "COMPLETE"
            ),
            default=float("nan"),
        )
        points.append((time.perf_counter() - start, best))

    OptunaSearchCV(
        _estimator(epochs), _optuna_space, n_trials=n_trials, cv=cv,
        scoring="accuracy", pruner=pruner, refit=False, random_state=0,
        callbacks=[watch],
    ).fit(X, y)  # fmt: skip
    clear_keras()
    return points


def _curve_random(X: Any, y: Any, cv: Any, n_trials: int, epochs: int) -> list:
    """The same for RandomizedSearchCV, from its per-candidate fit and score times."""
    import numpy as np
    from sklearn.model_selection import RandomizedSearchCV

    start = time.perf_counter()
    search = RandomizedSearchCV(
        _estimator(epochs), _sklearn_space(), n_iter=n_trials, cv=cv,
        scoring="accuracy", refit=False, random_state=0,
    ).fit(X, y)  # fmt: skip
    wall = time.perf_counter() - start
    clear_keras()
    res = search.cv_results_
    cost = np.cumsum(res["mean_fit_time"] + res["mean_score_time"])
    elapsed = cost / cost[-1] * wall  # spread the measured wall time by candidate cost
    best = np.maximum.accumulate(res["mean_test_score"])
    return list(zip(elapsed.tolist(), best.tolist(), strict=True))


def _time_to(points: list, score: float) -> float:
    return next((t for t, best in points if best >= score - 1e-9), float("inf"))


def run(quick: bool = False) -> list[Row]:
    """Compare the searches on wine and breast_cancer."""
    from sklearn.datasets import load_breast_cancer, load_wine
    from sklearn.model_selection import StratifiedKFold

    n_trials, epochs = (3, 3) if quick else (8, 10)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    datasets = {"wine": load_wine, "breast_cancer": load_breast_cancer}
    if quick:
        datasets = {"wine": load_wine}
    rows: list[Row] = []
    for name, loader in datasets.items():
        X, y = loader(return_X_y=True)
        random = _curve_random(X, y, cv, n_trials, epochs)
        pruned = _curve_optuna(X, y, cv, n_trials, epochs, "median")
        unpruned = _curve_optuna(X, y, cv, n_trials, epochs, "none")
        target_score = random[-1][1]
        t_random = _time_to(random, target_score)
        t_kerasopt = _time_to(pruned, target_score)
        ratio = t_kerasopt / t_random
        rows.append(
            row(
                NAME,
                f"{name}: time to RandomizedSearchCV's best ({target_score:.3f})",
                baseline_name="RandomizedSearchCV",
                baseline=t_random,
                kerasopt=t_kerasopt,
                unit="s",
                ratio=ratio,
                target="<= 0.5x",
                passed=ratio <= 0.5,
                note=(
                    f"{n_trials} trials, 3-fold, {epochs} epochs; best score "
                    f"OptunaSearchCV {fmt(pruned[-1][1])} in {fmt(pruned[-1][0])} s, "
                    f"RandomizedSearchCV {fmt(random[-1][1])} in {fmt(random[-1][0])} s"
                ),
            )  # fmt: skip
        )
        ratio = pruned[-1][0] / unpruned[-1][0]
        same = pruned[-1][1] >= unpruned[-1][1] - 0.01
        rows.append(
            row(
                NAME,
                f"{name}: OptunaSearchCV with vs without pruning",
                baseline_name="no pruning",
                baseline=unpruned[-1][0],
                kerasopt=pruned[-1][0],
                unit="s",
                ratio=ratio,
                target="< 1.0x, same best score",
                passed=ratio < 1.0 and same,
                note=(
                    f"best score {fmt(pruned[-1][1])} with pruning, "
                    f"{fmt(unpruned[-1][1])} without"
                ),
            )  # fmt: skip
        )
    return rows
