"""The rows and folds a trial scores on, and what it records per fold.

``subsample`` picks the rows, ``cv`` the folds (the same for every trial);
per-sample fit parameters are indexed per fold; each fold's scores and times
end up in the trial's user attributes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np
import optuna
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing

__all__ = [
    "FoldFailure",
    "FoldRecord",
    "cv_splits",
    "fold_params",
    "subsample_indices",
]


def subsample_indices(
    n_samples: int, subsample: float, random_state: np.random.RandomState
) -> np.ndarray:
    """Sorted indices of the rows the trials use.

    Parameters
    ----------
    n_samples : int
        Rows of ``X``.
    subsample : float or int
        A float in (0, 1] is a share of the rows, an int a number of rows
        (all rows when it is larger), as in optuna-integration.
    random_state : RandomState
        Draws the rows, without replacement.

    Returns
    -------
    ndarray of int
    """
    if isinstance(subsample, Integral) and not isinstance(subsample, bool):
        size = int(subsample)
    else:
        size = int(float(subsample) * n_samples)
    if size >= n_samples:
        return np.arange(n_samples)
    if size < 1:
        raise ValueError(
            f"subsample={subsample!r} keeps no row of the {n_samples} rows of X. "
            "Pass a larger share (float in (0, 1]) or number of rows (int >= 1)."
        )
    return np.sort(random_state.choice(n_samples, size, replace=False))


def cv_splits(
    cv: Any, X: Any, y: Any, groups: Any, estimator: BaseEstimator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, test) folds of ``cv``, the same for every trial.

    A single fold gets a ``UserWarning``: the spread of the fold scores, which
    Optuna's Terminator (``optuna.terminator``) needs, cannot be measured.
    """
    splitter = check_cv(cv, y, classifier=is_classifier(estimator))
    splits = list(splitter.split(X, y, groups))
    if len(splits) == 1:
        warnings.warn(
            "cv gives a single split: each trial has one score, so Optuna's "
            "Terminator cannot estimate the cross-validation error (no "
            "'terminator:cv_scores' are reported). Use cv >= 2 folds for it.",
            UserWarning,
            stacklevel=3,
        )
    return splits


def _is_per_sample(value: Any, n: int) -> bool:
    if hasattr(value, "shape"):
        return len(value.shape) >= 1 and value.shape[0] == n
    # Plain lists of numbers (sample_weight=[...]); lists of callbacks stay whole.
    return (
        isinstance(value, (list, tuple))
        and len(value) == n
        and all(isinstance(v, (int, float, np.number)) for v in value)
    )


def fold_params(
    params: Mapping[str, Any], indices: np.ndarray, n: int
) -> dict[str, Any]:
    """Index the per-sample fit parameters (``sample_weight``) by ``indices``."""
    return {
        key: _safe_indexing(value, indices) if _is_per_sample(value, n) else value
        for key, value in params.items()
    }


class FoldFailure(Exception):
    """A fold's fit or scoring failed: ``error`` is what the user should see."""

    def __init__(self, error: Exception, where: str) -> None:
        super().__init__(where)
        self.error = error
        self.where = where


@dataclass
class FoldRecord:
    """Per-fold measurements of one trial, saved as the trial's user attributes."""

    scores: list[float] = field(default_factory=list)
    train_scores: list[float] = field(default_factory=list)
    fit_times: list[float] = field(default_factory=list)
    score_times: list[float] = field(default_factory=list)
    epochs: int = 0
    #: ``(test_indices, predictions)`` per fold, for ensemble selection.
    oof: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def save(self, trial: optuna.trial.Trial, keras: bool) -> None:
        """Store the record as user attributes of ``trial``."""
        trial.set_user_attr("split_test_scores", self.scores)
        if self.train_scores:
            trial.set_user_attr("split_train_scores", self.train_scores)
        trial.set_user_attr("fit_times", self.fit_times)
        trial.set_user_attr("score_times", self.score_times)
        if keras:
            trial.set_user_attr("epochs_trained", self.epochs)
