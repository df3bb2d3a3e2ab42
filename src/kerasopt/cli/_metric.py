"""``--metric`` and ``--pos-label``, checked against the target before any trial.

A scorer that cannot score the target (``f1`` on labels 'Y'/'N' without a
positive label, ``roc_auc`` on four classes, ``accuracy`` on a continuous
target) would fail every trial after its training. Here it is tried on a
dummy model of the same target first, so the mistake costs nothing and the
message says what to pass instead.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["resolve_metric"]

#: Scorers whose positive class can be chosen: (metric, response, higher is better).
_POS_LABEL_METRICS: dict[str, tuple[str, Any, bool]] = {
    "f1": ("f1_score", "predict", True),
    "precision": ("precision_score", "predict", True),
    "recall": ("recall_score", "predict", True),
    "jaccard": ("jaccard_score", "predict", True),
    "average_precision": (
        "average_precision_score", ("decision_function", "predict_proba"), True,
    ),  # fmt: skip
    "neg_brier_score": ("brier_score_loss", "predict_proba", False),
}
#: Binary-only names and their multiclass counterparts.
_MULTICLASS = {
    "roc_auc": "roc_auc_ovr",
    "f1": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
    "jaccard": "jaccard_macro",
}


def _scorer(metric: str, pos_label: Any) -> Any:
    import sklearn.metrics

    name, response, greater = _POS_LABEL_METRICS[metric]
    return sklearn.metrics.make_scorer(
        getattr(sklearn.metrics, name), response_method=response,
        greater_is_better=greater, pos_label=pos_label,
    )  # fmt: skip


def _label(labels: list[Any], text: str) -> Any:
    """The label spelt ``text`` (labels may be numbers, --pos-label is text)."""
    from .._naming import did_you_mean

    for label in labels:
        if str(label) == text:
            return label
    shown = [str(label) for label in labels]
    raise ValueError(
        f"--pos-label {text!r} is not a label of the target.{did_you_mean(text, shown)}"
        f" Labels: {', '.join(shown)}."
    )


def _try(scoring: Any, task: str, y: Any) -> None:
    """Score a dummy model of ``y``: raises what every trial would raise."""
    import numpy as np
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.metrics import check_scoring

    dummy = DummyClassifier() if task == "classification" else DummyRegressor()
    X = np.zeros((len(y), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ill-defined scores of a dummy
        check_scoring(dummy, scoring=scoring)(dummy.fit(X, y), X, y)


def resolve_metric(
    metric: str | None, task: str, y: Any, pos_label: str | None
) -> tuple[Any, str]:
    """The ``scoring`` for OptunaSearchCV and the metric's name for the study.

    Parameters
    ----------
    metric : str or None
        ``--metric``: a scikit-learn scorer name; ``None`` means accuracy
        (classification) or R² (regression).
    task : {"classification", "regression"}
    y : pandas.Series
        The target.
    pos_label : str or None
        ``--pos-label``: the positive class of a binary metric.

    Returns
    -------
    scoring : str, callable or None
    name : str

    Raises
    ------
    ValueError
        With the fix, when the metric is unknown, cannot score this target or
        the positive label is missing, unknown or not used by the metric.
    """
    from sklearn.metrics import get_scorer_names

    from .._naming import did_you_mean

    names = get_scorer_names()
    if metric is not None and metric not in names:
        raise ValueError(
            f"Unknown --metric {metric!r}.{did_you_mean(metric, names)} Use a "
            "scikit-learn scorer name, such as accuracy, balanced_accuracy, f1_macro, "
            "roc_auc, r2, neg_mean_absolute_error or neg_root_mean_squared_error."
        )
    name = metric or ("accuracy" if task == "classification" else "r2")
    labels = sorted(y.dropna().unique().tolist(), key=str)
    multiclass = task == "classification" and len(labels) > 2
    if pos_label is not None and (name not in _POS_LABEL_METRICS or multiclass):
        raise ValueError(
            f"--pos-label is for a binary target scored by one of "
            f"{', '.join(_POS_LABEL_METRICS)}; --metric {name} on this target does "
            "not use it. Drop --pos-label."
        )
    if multiclass and name in _MULTICLASS:
        hint = f"use --metric {_MULTICLASS[name]}"
        if name == "roc_auc":  # what users mean: one-vs-rest
            return "roc_auc_ovr", "roc_auc_ovr"
    else:
        hint = "choose another --metric"
    scoring: Any = name
    if pos_label is not None:
        scoring = _scorer(name, _label(labels, pos_label))
    try:
        _try(scoring, task, y)
    except Exception as exc:  # noqa: BLE001 - sklearn's many error types
        if name in _POS_LABEL_METRICS and not multiclass and pos_label is None:
            shown = ", ".join(map(str, labels))
            hint = f"pass --pos-label with the positive class ({shown})"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(
            f"--metric {name} cannot score this {task} target "
            f"({len(labels) if task == 'classification' else 'continuous'} "
            f"{'classes' if task == 'classification' else 'values'}): {reason} "
            f"Fix: {hint}."
        ) from None
    return scoring, name
