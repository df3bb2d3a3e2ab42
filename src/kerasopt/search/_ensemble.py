"""Ensembles of the best trials: greedy selection over out-of-fold predictions.

Caruana et al. (2004), "Ensemble selection from libraries of models": start
from an empty ensemble and, round after round, add (with replacement) the
trial whose out-of-fold predictions most improve the score of the ensemble's
averaged predictions. A trial picked ``c`` times of ``n`` rounds gets weight
``c / n``. The chosen trials are refit on all the data and combined by
weighted soft voting (scikit-learn's ``VotingClassifier`` /
``VotingRegressor``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics._scorer import _BaseScorer

__all__ = [
    "ENSEMBLE_ROUNDS",
    "check_ensemble_scorer",
    "greedy_ensemble",
    "make_voting_ensemble",
    "oof_response",
]

#: Rounds of greedy selection; weights are multiples of 1 / ENSEMBLE_ROUNDS.
ENSEMBLE_ROUNDS = 25


class _Predictions(BaseEstimator):
    """An "estimator" that returns fixed predictions, so sklearn scorers apply."""

    def __init__(self, values: np.ndarray, classes: np.ndarray | None = None) -> None:
        self.values = values
        self.classes = classes

    def predict(self, X: Any) -> np.ndarray:
        if self.classes is None:
            return self.values
        return self.classes[np.argmax(self.values, axis=1)]

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.values


class _ClassifierPredictions(ClassifierMixin, _Predictions):
    @property
    def classes_(self) -> np.ndarray:
        return self.classes


class _RegressorPredictions(RegressorMixin, _Predictions):
    pass


def check_ensemble_scorer(scoring: Any, ensemble_size: int) -> None:
    """Refuse a ``scoring`` that cannot score averaged predictions.

    Parameters
    ----------
    scoring : None, str, scorer or callable
        The search's ``scoring`` parameter.
    ensemble_size : int
        The search's ``ensemble_size``; nothing is checked when it is 1.

    Raises
    ------
    ValueError
        For a plain callable (it may need the real estimator) or a dict /
        list of metrics.
    """
    if ensemble_size <= 1 or scoring is None or isinstance(scoring, (str, _BaseScorer)):
        return
    raise ValueError(
        f"ensemble_size={ensemble_size} needs a scoring that can score averaged "
        "predictions (probabilities for classifiers): a metric name such as "
        "'accuracy', 'roc_auc' or 'neg_log_loss', or sklearn.metrics.make_scorer(...). "
        f"Received: scoring={scoring!r}. Use such a scoring, or ensemble_size=1."
    )


def oof_response(estimator: Any, X: Any) -> np.ndarray:
    """What a fitted trial contributes to an ensemble: probabilities or values.

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like
        The fold's held-out rows.

    Returns
    -------
    ndarray of float32, shape (n_samples, n_classes) or (n_samples, n_outputs)
    """
    if hasattr(estimator, "predict_proba") and hasattr(estimator, "classes_"):
        values = estimator.predict_proba(X)
    else:
        values = estimator.predict(X)
    values = np.asarray(values, dtype=np.float32)
    return values.reshape(len(values), -1)


def greedy_ensemble(
    predictions: Mapping[int, np.ndarray],
    y: Any,
    scorer: Callable[..., float],
    size: int,
    *,
    classes: np.ndarray | None = None,
    rounds: int = ENSEMBLE_ROUNDS,
) -> dict[int, float]:
    """Greedy ensemble selection with replacement (Caruana et al., 2004).

    Parameters
    ----------
    predictions : mapping of trial number -> ndarray
        Out-of-fold predictions of each candidate on all rows of ``y``
        (:func:`oof_response`), in the same row order.
    y : array-like of shape (n_samples,)
        The true targets.
    scorer : callable
        ``scorer(estimator, X, y)``, greater is better (a sklearn scorer).
    size : int
        At most this many distinct members.
    classes : ndarray, optional
        Class labels, in the column order of the predictions (classifiers).
    rounds : int, default=25
        Selection rounds; weights are multiples of ``1 / rounds``.

    Returns
    -------
    dict
        Trial number -> weight (summing to 1), best first.
    """
    if not predictions:
        raise ValueError("greedy_ensemble needs at least one candidate's predictions.")
    keys = list(predictions)
    make = _RegressorPredictions if classes is None else _ClassifierPredictions
    y = np.asarray(y)
    dummy = np.zeros((len(y), 1))

    def score(values: np.ndarray) -> float:
        values = values if classes is not None or values.shape[1] > 1 else values.ravel()
        return float(scorer(make(values, classes), dummy, y))

    counts: dict[int, int] = {}
    total = np.zeros_like(np.asarray(predictions[keys[0]], dtype=np.float64))
    for step in range(1, rounds + 1):
        allowed = keys if len(counts) < size else list(counts)
        best_key, best_score = allowed[0], -np.inf
        for key in allowed:
            candidate = score((total + predictions[key]) / step)
            if candidate > best_score:
                best_key, best_score = key, candidate
        counts[best_key] = counts.get(best_key, 0) + 1
        total += predictions[best_key]
    ordered = sorted(counts, key=lambda k: -counts[k])
    return {key: counts[key] / rounds for key in ordered}


def make_voting_ensemble(
    members: Sequence[tuple[str, Any]], weights: Sequence[float], classifier: bool
) -> VotingClassifier | VotingRegressor:
    """The unfitted weighted soft-voting ensemble of ``members``.

    Parameters
    ----------
    members : sequence of (name, estimator)
        Unfitted estimators (e.g. ``("trial_12", pipeline)``).
    weights : sequence of float
        One weight per member.
    classifier : bool
        Soft-voting ``VotingClassifier`` (averaged ``predict_proba``) or
        ``VotingRegressor`` (averaged ``predict``).

    Returns
    -------
    VotingClassifier or VotingRegressor
    """
    if classifier:
        return VotingClassifier(list(members), voting="soft", weights=list(weights))
    return VotingRegressor(list(members), weights=list(weights))
