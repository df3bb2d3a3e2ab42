"""The scorer, checked against the target before the first trial.

A scorer that cannot score the target (``f1`` on labels 'Y'/'N' without a
positive label, ``roc_auc`` on four classes, ``accuracy`` on a continuous
target) would fail every trial after its training. Here it is tried on a
dummy model of the same target first, so the mistake costs nothing and the
message says what to pass instead. ``roc_auc`` on more than two classes means
one-vs-rest (``roc_auc_ovr``), as users expect.

:func:`check_scoring_target` serves :class:`OptunaSearchCV` (``scoring=``)
and the CLI (``--metric`` / ``--pos-label``): the names in its messages are
those of the caller.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._utils import did_you_mean

__all__ = ["POS_LABEL_METRICS", "check_scoring_target", "constant_score"]

#: Scorers whose positive class can be chosen: (metric, response, higher is better).
POS_LABEL_METRICS: dict[str, tuple[str, Any, bool]] = {
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


def _named(name: str, value: Any, *, quote: bool = False) -> str:
    """``--metric f1`` for a CLI flag, ``scoring='f1'`` for a parameter."""
    if name.startswith("-"):
        return f"{name} {value!r}" if quote else f"{name} {value}"
    return f"{name}={value!r}"


def _pos_label_scorer(metric: str, pos_label: Any) -> Any:
    import sklearn.metrics

    name, response, greater = POS_LABEL_METRICS[metric]
    return sklearn.metrics.make_scorer(
        getattr(sklearn.metrics, name), response_method=response,
        greater_is_better=greater, pos_label=pos_label,
    )  # fmt: skip


def _label(labels: list[Any], value: Any, name: str) -> Any:
    """The label ``value`` names (labels may be numbers, a CLI gives text)."""
    for label in labels:
        if label == value or str(label) == str(value):
            return label
    shown = [str(label) for label in labels]
    raise ValueError(
        f"{_named(name, value, quote=True)} is not a label of the target."
        f"{did_you_mean(str(value), shown)} Labels: {', '.join(shown)}."
    )


def constant_score(scoring: Any, y: Any, *, classification: bool) -> float:
    """The score of a constant prediction of ``y`` (class frequencies, or the mean).

    What a model must beat to have learned anything: the majority rate for
    ``accuracy``, 0.5 for ``roc_auc``, 0 for ``r2``. Raises what every trial
    would raise when ``scoring`` cannot score ``y``.
    """
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.metrics import check_scoring

    dummy = DummyClassifier() if classification else DummyRegressor()
    X = np.zeros((len(y), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ill-defined scores of a dummy
        return float(check_scoring(dummy, scoring=scoring)(dummy.fit(X, y), X, y))


def _fix_for_pos_label(metric: str, labels: list[Any], pos_label_name: str | None) -> str:
    shown = ", ".join(map(str, labels))
    if pos_label_name is not None and pos_label_name.startswith("-"):
        return f"pass {pos_label_name} with the positive class ({shown})"
    function = POS_LABEL_METRICS[metric][0]
    return (
        f"pass scoring=make_scorer({function}, pos_label={labels[-1]!r}) (from "
        f"sklearn.metrics) with the positive class, one of {shown}"
    )


def check_scoring_target(
    scoring: Any,
    y: Any,
    *,
    classification: bool | None,
    pos_label: Any = None,
    scoring_name: str = "scoring",
    pos_label_name: str | None = None,
) -> Any:
    """The scoring to use on target ``y``, or an error saying what to pass.

    Parameters
    ----------
    scoring : str, callable or None
        A scikit-learn scorer name, a scorer (returned as is: it cannot be
        checked without the estimator) or None (the estimator's ``score``).
    y : array-like
        The target.
    classification : bool or None
        Whether the estimator is a classifier or a regressor; ``None`` (other
        estimators, or no ``y``) checks the name only.
    pos_label : object, default=None
        The positive class of a binary metric (``f1``, ``precision``, ...):
        then a scorer with that ``pos_label`` is returned.
    scoring_name, pos_label_name : str
        How the caller names these parameters in messages (``"--metric"``,
        ``"--pos-label"`` for the CLI). ``pos_label_name=None``: the caller
        has no such parameter, and messages suggest ``make_scorer``.

    Returns
    -------
    str, callable or None
        ``scoring``, ``"roc_auc_ovr"`` for ``"roc_auc"`` on more than two
        classes, or a scorer with ``pos_label``.

    Raises
    ------
    ValueError
        When the name is unknown, the scorer cannot score this target, or
        ``pos_label`` is not a label or not used by the metric; the message
        gives the fix.
    """
    if scoring is None or callable(scoring):
        return scoring
    from sklearn.metrics import get_scorer_names

    names = get_scorer_names()
    if scoring not in names:
        raise ValueError(
            f"Unknown {_named(scoring_name, scoring, quote=True)}."
            f"{did_you_mean(scoring, names)} "
            "Use a scikit-learn scorer name, such as accuracy, balanced_accuracy, "
            "f1_macro, roc_auc, r2, neg_mean_absolute_error or "
            "neg_root_mean_squared_error."
        )
    if classification is None:
        return scoring
    values = np.asarray(y)
    labels = (
        sorted({v for v in values.ravel().tolist() if v == v}, key=str)  # no NaN
        if classification
        else []
    )
    multiclass = classification and values.ndim == 1 and len(labels) > 2
    pos_name = pos_label_name or "pos_label"
    if pos_label is not None and (scoring not in POS_LABEL_METRICS or multiclass):
        raise ValueError(
            f"{pos_name} is for a binary target scored by one of "
            f"{', '.join(POS_LABEL_METRICS)}; {_named(scoring_name, scoring)} on "
            f"this target does not use it. Drop {pos_name}."
        )
    hint = f"choose another {scoring_name}"
    if multiclass and scoring in _MULTICLASS:
        if scoring == "roc_auc":  # what users mean: one-vs-rest
            return "roc_auc_ovr"
        hint = f"use {_named(scoring_name, _MULTICLASS[scoring])}"
    checked: Any = scoring
    if pos_label is not None:
        checked = _pos_label_scorer(scoring, _label(labels, pos_label, pos_name))
    try:
        constant_score(checked, y, classification=classification)
    except Exception as exc:  # noqa: BLE001 - sklearn's many error types
        if scoring in POS_LABEL_METRICS and not multiclass and pos_label is None:
            hint = _fix_for_pos_label(scoring, labels, pos_label_name)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = "classification" if classification else "regression"
        amount = f"{len(labels)} classes" if classification else "continuous values"
        raise ValueError(
            f"{_named(scoring_name, scoring)} cannot score this {kind} target "
            f"({amount}): {reason} Fix: {hint}."
        ) from None
    return checked
