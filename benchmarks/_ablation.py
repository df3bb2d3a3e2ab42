"""Ablation of the default recipe: what each ingredient buys, cumulatively.

Starting from the simple MLP of kerasopt 0.1, each step adds one ingredient
(estimator or preprocessing parameter) on top of the previous ones; the
table gives the mean score over the tables (accuracy, R^2) and the fit time
relative to the simple MLP. Same 3 folds for every step.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from _common import clear_keras
from _tables import load_table

ABLATION_TABLES = ("churn", "chile", "penguins", "wage", "gapminder")
QUICK_ABLATION_TABLES = ("penguins", "diabetes")

#: (label, estimator parameters, embed_categories), cumulative.
STEPS: list[tuple[str, dict[str, Any], int | None]] = [
    ("simple MLP (kerasopt 0.1 defaults)", {
        "numeric_embedding": None, "early_stopping": False, "weight_decay": 0.0,
        "label_smoothing": 0.0, "batch_size": 200}, None),
    ("+ early stopping, best epoch restored", {"early_stopping": True}, None),
    ("+ weight decay 1e-2 (AdamW-style)", {"weight_decay": 1e-2}, None),
    ("+ embeddings of categoricals with >= 10 levels", {}, 10),
    ("+ periodic numeric embeddings (PBLD)", {"numeric_embedding": "periodic"}, 10),
    ("+ label smoothing 0.1 (classifiers)", {"label_smoothing": 0.1}, 10),
    ("+ 8 ensemble heads (TabM-mini)", {"ensemble_heads": 8}, 10),
]


def _fit_score(params: dict[str, Any], embed: int | None, name: str, folds: int) -> tuple[float, float]:
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold

    from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline

    X, y, task = load_table(name)
    classifier = task != "regression"
    if not classifier:
        params = {k: v for k, v in params.items() if k != "label_smoothing"}
    estimator = (KerasClassifier if classifier else KerasRegressor)(random_state=0, **params)
    model = make_tabular_pipeline(estimator, embed_categories=embed)
    splitter = StratifiedKFold if classifier else KFold
    scorer = get_scorer("accuracy" if classifier else "r2")
    scores = []
    start = time.perf_counter()
    for train, test in splitter(folds, shuffle=True, random_state=0).split(X, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X.iloc[train], y.iloc[train])
            scores.append(scorer(model, X.iloc[test], y.iloc[test]))
        clear_keras()
    return sum(scores) / len(scores), time.perf_counter() - start


def ablation(quick: bool = False, folds: int = 3) -> list[dict[str, Any]]:
    """Run the cumulative steps on each table; print a markdown table."""
    tables = QUICK_ABLATION_TABLES if quick else ABLATION_TABLES
    params: dict[str, Any] = {}
    results = []
    base_time: dict[str, float] = {}
    for label, step, embed in STEPS:
        params = {**params, **step}
        scores, ratios = {}, []
        for name in tables:
            score, seconds = _fit_score(params, embed, name, folds)
            scores[name] = score
            base_time.setdefault(name, seconds)
            ratios.append(seconds / base_time[name])
            print(f"{label} | {name}: {score:.4f} in {seconds:.1f} s", flush=True)
        results.append({"step": label, "scores": scores,
                        "time_ratio": sum(ratios) / len(ratios)})  # fmt: skip
    header = "| Step | " + " | ".join(tables) + " | mean | fit time |"
    print(header)
    print("|---" * (len(tables) + 3) + "|")
    for result in results:
        values = list(result["scores"].values())
        print(
            f"| {result['step']} | " + " | ".join(f"{v:.4f}" for v in values)
            + f" | {sum(values) / len(values):.4f} | {result['time_ratio']:.2f}x |"
        )
    return results
