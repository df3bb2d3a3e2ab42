"""``cv_results_``: finished trials of a study as scikit-learn's results table."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState
from scipy.stats import rankdata

__all__ = ["best_trial", "cv_results", "trial_params"]


def _times(trials: Sequence[FrozenTrial], results: dict[str, Any]) -> None:
    for name in ("fit_times", "score_times"):
        times = [t.user_attrs.get(name) or [np.nan] for t in trials]
        key = name[:-1]
        results[f"mean_{key}"] = np.array([np.mean(v) for v in times])
        results[f"std_{key}"] = np.array([np.std(v) for v in times])


def _param_columns(
    params: Sequence[Mapping[str, Any]], results: dict[str, Any]
) -> None:
    n = len(params)
    for name in sorted({k for p in params for k in p}):
        column = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
        for i, p in enumerate(params):
            if name in p:
                column[i] = p[name]
        results[f"param_{name}"] = column
    results["params"] = list(params)


def _score_columns(
    trials: Sequence[FrozenTrial],
    n_splits: int,
    kind: str,
    mean: np.ndarray | None,
    results: dict[str, Any],
) -> None:
    """``split<k>_<kind>_score``, ``mean_<kind>_score``, ``std_<kind>_score``.

    Only COMPLETE trials have scores; ``mean`` (the trial values) replaces the
    mean of the splits when given.
    """
    splits = np.full((len(trials), n_splits), np.nan)
    for i, t in enumerate(trials):
        if t.state == TrialState.COMPLETE:
            scores = list(t.user_attrs.get(f"split_{kind}_scores", []))[:n_splits]
            splits[i, : len(scores)] = scores
    for k in range(n_splits):
        results[f"split{k}_{kind}_score"] = splits[:, k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        if mean is None:
            mean = np.nanmean(splits, axis=1) if len(trials) else np.array([])
        std = np.nanstd(splits, axis=1) if len(trials) else np.array([])
    results[f"mean_{kind}_score"] = mean
    results[f"std_{kind}_score"] = np.where(np.isnan(mean), np.nan, std)


def cv_results(
    trials: Sequence[FrozenTrial],
    params: Sequence[Mapping[str, Any]],
    n_splits: int,
) -> dict[str, Any]:
    """Build ``cv_results_`` from finished trials.

    Parameters
    ----------
    trials : sequence of FrozenTrial
        COMPLETE, PRUNED and FAIL trials, in study order.
    params : sequence of dict
        The estimator parameters of each trial.
    n_splits : int
        Number of CV folds.

    Returns
    -------
    dict of numpy arrays
        scikit-learn's keys (``params``, ``param_<name>``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, ``mean_fit_time``, ..., and the ``*_train_score``
        ones when trials recorded them) plus ``trial_number`` and ``state``.
        Pruned and failed trials have NaN scores.
    """
    results: dict[str, Any] = {
        "trial_number": np.array([t.number for t in trials], dtype=int),
        "state": np.array([t.state.name for t in trials], dtype=object),
    }
    _times(trials, results)
    _param_columns(params, results)
    mean = np.array(
        [t.value if t.state == TrialState.COMPLETE else np.nan for t in trials],
        dtype=float,
    )
    _score_columns(trials, n_splits, "test", mean, results)
    if any("split_train_scores" in t.user_attrs for t in trials):
        _score_columns(trials, n_splits, "train", None, results)
    results["rank_test_score"] = rankdata(
        -np.where(np.isnan(mean), -np.inf, mean), method="min"
    ).astype(np.int32)
    return results


def trial_params(
    space_params: Callable[[optuna.trial.BaseTrial], dict[str, Any]],
    trial: FrozenTrial,
) -> dict[str, Any]:
    """The estimator parameters of ``trial``: the space replayed on its draws."""
    try:
        return space_params(optuna.trial.FixedTrial(trial.params, number=trial.number))
    except Exception:  # a failed trial may not have drawn everything
        return dict(trial.user_attrs.get("params", {}))


def best_trial(study: optuna.Study, trials: Sequence[FrozenTrial]) -> FrozenTrial:
    """The study's best trial, as one of ``trials``.

    Raises
    ------
    ValueError
        If no trial completed; the message gives the first failure reasons.
    """
    if not any(t.state == TrialState.COMPLETE for t in trials):
        reasons = sorted(
            {str(t.user_attrs.get("fail_reason", t.state.name)) for t in trials}
        )
        raise ValueError(
            f"No trial of study {study.study_name!r} completed "
            f"({len(trials)} finished, none COMPLETE). Reasons: "
            f"{'; '.join(reasons[:3]) or 'none'}. Fix the estimator or the "
            "search space, or use error_score='raise' to see the traceback."
        )
    number = study.best_trial.number
    return next(t for t in trials if t.number == number)
