"""Quality: kerasopt defaults and a tuned kerasopt model vs scikit-learn.

Same CV folds for every model (5-fold, stratified for classifiers). kerasopt
defaults run inside a StandardScaler pipeline (penguins, which has
categorical columns and missing values, through make_tabular_pipeline);
scikit-learn's MLP gets the same scaling and HistGradientBoosting* the raw
features (penguins: one-hot encoded by the same preprocessor). The tuned
model is the best of a small OptunaSearchCV (2 trials of the default space,
epochs <= 30: the time budget of a shared 2-core machine) whose trials are
scored on the same folds, so its score carries the usual optimism of
selecting on the evaluation folds. The foundation issue asks for
kerasopt defaults within 0.02 of scikit-learn's MLP defaults (accuracy; R^2
for diabetes).
"""

from __future__ import annotations

import warnings
from typing import Any

from _common import Row, clear_keras, row

NAME = "quality"


def _datasets(quick: bool) -> dict[str, tuple[Any, Any, bool]]:
    from palmerpenguins import load_penguins
    from sklearn import datasets

    found: dict[str, tuple[Any, Any, bool]] = {}
    for name in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        found[name] = (X, y, name != "diabetes")
    penguins = load_penguins().dropna(subset=["species"])
    found["penguins"] = (penguins.drop(columns="species"), penguins["species"], True)
    if quick:
        return {k: found[k] for k in ("iris", "penguins")}
    return found


def _models(classifier: bool, tabular: bool) -> dict[str, Any]:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline

    keras_model = (
        KerasClassifier(random_state=0)
        if classifier
        else KerasRegressor(random_state=0)
    )
    mlp = MLPClassifier(random_state=0) if classifier else MLPRegressor(random_state=0)
    hgb = (
        HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
    )(random_state=0)
    if tabular:
        return {
            "kerasopt defaults": make_tabular_pipeline(keras_model),
            "sklearn MLP defaults": make_tabular_pipeline(mlp),
            "HistGradientBoosting": make_tabular_pipeline(hgb, scaler="none"),
        }
    return {
        "kerasopt defaults": make_pipeline(StandardScaler(), keras_model),
        "sklearn MLP defaults": make_pipeline(StandardScaler(), mlp),
        "HistGradientBoosting": hgb,
    }


def _tuned(estimator: Any, X: Any, y: Any, cv: Any, n_trials: int) -> float:
    from kerasopt import OptunaSearchCV

    estimator = estimator.set_params(**{estimator.steps[-1][0] + "__epochs": 30})
    search = OptunaSearchCV(
        estimator, n_trials=n_trials, cv=cv, refit=False, random_state=0
    ).fit(X, y)
    return float(search.best_score_)


def run(quick: bool = False) -> list[Row]:
    """Cross-validate every model on every data set with the same folds."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    n_trials = 2
    rows: list[Row] = []
    for name, (X, y, classifier) in _datasets(quick).items():
        folds = (StratifiedKFold if classifier else KFold)(
            5, shuffle=True, random_state=0
        )
        cv = list(folds.split(X, y))
        scoring = "accuracy" if classifier else "r2"
        models = _models(classifier, tabular=name == "penguins")
        scores: dict[str, float] = {}
        for label, model in models.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # MLP ConvergenceWarning
                scores[label] = float(
                    cross_val_score(model, X, y, cv=cv, scoring=scoring).mean()
                )
            clear_keras()
        scores["kerasopt tuned"] = _tuned(
            models["kerasopt defaults"], X, y, cv, n_trials
        )
        clear_keras()
        gap = scores["kerasopt defaults"] - scores["sklearn MLP defaults"]
        rows.append(
            row(
                NAME,
                f"{name}: defaults ({scoring})",
                baseline_name="sklearn MLP defaults",
                baseline=scores["sklearn MLP defaults"],
                kerasopt=scores["kerasopt defaults"],
                unit=scoring,
                ratio=gap,
                target=">= -0.02 (difference)",
                passed=gap >= -0.02,
            )  # fmt: skip
        )
        best_rival = max(scores["sklearn MLP defaults"], scores["HistGradientBoosting"])
        rows.append(
            row(
                NAME,
                f"{name}: tuned ({n_trials} trials) vs best of MLP/HGB",
                baseline_name="best sklearn",
                baseline=best_rival,
                kerasopt=scores["kerasopt tuned"],
                unit=scoring,
                ratio=scores["kerasopt tuned"] - best_rival,
                note=f"HistGradientBoosting {scores['HistGradientBoosting']:.4f}",
            )  # fmt: skip
        )
    return rows
