"""Per-iteration pruning: trials trained by ``partial_fit``, scored every step.

With ``enable_pruning=True``, each fold's estimator is trained one
``partial_fit`` call at a time (one epoch for SGD, MLP and kerasopt
estimators), for up to ``max_iter`` steps. After every step all folds are
scored and their mean, in the search's own metric, is reported to the trial,
so a pruned trial's value (Optuna keeps the last reported one) is a score
like any other.
"""

from __future__ import annotations

import inspect
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.utils.validation import _num_samples

from ._folds import FoldFailure, FoldRecord, fold_params

if TYPE_CHECKING:
    from ._objective import Objective

__all__ = ["partial_fit_cv"]


def _extra_kwargs(estimator: BaseEstimator, y: Any) -> dict[str, Any]:
    """``classes=`` for classifiers whose ``partial_fit`` needs them up front."""
    if y is None or not is_classifier(estimator):
        return {}
    if "classes" not in inspect.signature(estimator.partial_fit).parameters:
        return {}
    return {"classes": np.unique(np.asarray(y))}


def partial_fit_cv(
    objective: Objective,
    trial: optuna.trial.Trial,
    estimator: BaseEstimator,
    record: FoldRecord,
) -> None:
    """Train every fold step by step, report the mean CV score, prune.

    ``record`` ends with the scores of the last step and the times summed
    over the steps.

    Raises
    ------
    FoldFailure
        If a ``partial_fit`` or a scoring fails, or a score is not finite.
    optuna.TrialPruned
        When the trial's pruner says so after a step.
    """
    n_samples = _num_samples(objective.X)
    splits = objective.splits
    models = [clone(estimator) for _ in splits]
    extra = _extra_kwargs(estimator, objective.y)
    record.fit_times = [0.0] * len(splits)
    record.score_times = [0.0] * len(splits)
    for step in range(int(objective.max_iter or 0)):
        step_record = FoldRecord()
        for fold, (train, test) in enumerate(splits):
            params = {**fold_params(objective.fit_params, train, n_samples), **extra}
            start = time.perf_counter()
            try:
                models[fold].partial_fit(*objective.rows(train), **params)
            except Exception as exc:
                raise FoldFailure(exc, f"partial_fit of fold {fold}, step {step}") from exc
            finally:
                record.fit_times[fold] += time.perf_counter() - start
            score = objective.score_fold(models[fold], fold, train, test, step_record)
            record.score_times[fold] += step_record.score_times[-1]
            if not math.isfinite(score):
                raise FoldFailure(
                    ValueError(f"the score is {score}"), f"fold {fold}, step {step}"
                )
            step_record.scores.append(score)
        record.scores = step_record.scores
        record.train_scores = step_record.train_scores
        record.oof = step_record.oof
        trial.report(float(np.mean(record.scores)), step=step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"Trial {trial.number} pruned after step {step}.")
