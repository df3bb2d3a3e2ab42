"""OptunaSearchCV: a scikit-learn meta-estimator whose search is an Optuna study."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from copy import deepcopy
from numbers import Integral, Real
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.validation import _num_samples, indexable

from ._delegation import BestEstimatorDelegation, StudyDelegation
from ._docs import ATTRIBUTES, PARAMETERS
from ._ensemble import (
    OutOfFoldStore,
    check_ensemble_scorer,
    ensemble_of_trials,
)
from ._folds import cv_splits, fold_params, subsample_indices
from ._objective import Objective, search_seed
from ._parallel import effective_n_jobs
from ._progress import log_level, optuna_log_level
from ._refit import refit_best
from ._results import best_trial, cv_results, trial_params
from ._samplers import make_pruner, make_sampler
from ._scoring import check_scoring_target
from ._space_input import as_space, check_space_names, is_empty
from ._spaces import SearchSpace, SpaceFn
from ._study import FINISHED, run_study
from ._validation import check_catch, check_search_params, reject_unknown_keywords

__all__ = ["OptunaSearchCV"]


def _rows(data: Any, indices: np.ndarray) -> Any:
    return None if data is None else _safe_indexing(data, indices)


class OptunaSearchCV(  # type: ignore[misc]
    BestEstimatorDelegation, StudyDelegation, MetaEstimatorMixin, BaseEstimator
):
    __doc__ = f"""Hyper-parameter search with Optuna, as a scikit-learn meta-estimator.

    Each Optuna trial draws parameters from ``param_distributions``, cross-validates
    a clone of ``estimator`` with them and returns the mean score, which the
    study maximizes. Keras estimators report their validation loss every epoch
    so that the pruner can stop unpromising trials early. The best parameters
    are then refitted on all the data.

    Parameters
    ----------
{PARAMETERS}
    Attributes
    ----------
{ATTRIBUTES}
    See Also
    --------
    default_search_space, load_search_space, resolve_storage

    Notes
    -----
    An empty space (``{{}}``) has one point: it is fitted as a single trial.
    Each trial records its fold scores where Optuna's Terminator reads them
    (``terminator:cv_scores``). Keras' global state is cleared (``keras.backend.clear_session()``) and
    garbage collected after every trial. Reproducibility is promised for
    ``n_jobs=1`` only: parallel workers interleave trials in a different
    order every time.

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_iris(return_X_y=True)
    >>> search = OptunaSearchCV(
    ...     LogisticRegression(max_iter=500),
    ...     {{"C": FloatDistribution(1e-2, 1e2, log=True)}},
    ...     n_trials=3, cv=3, random_state=0)
    >>> search.fit(X, y).best_score_ > 0.8
    True
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "estimator": [HasMethods(["fit"])],
        "param_distributions": "no_validation",
        "n_trials": [Interval(Integral, 1, None, closed="left"), None],
        "timeout": [Interval(Real, 0, None, closed="neither"), None],
        "cv": ["cv_object"],
        "scoring": [str, callable, None],  # names: check_scoring_target
        "refit": ["boolean"],
        "error_score": [StrOptions({"raise"}), Real],
        "sampler": [str, HasMethods(["sample_independent"]), None],
        "pruner": [str, HasMethods(["prune"]), None],
        "storage": [str, os.PathLike, HasMethods(["create_new_study"]), None],
        "study_name": [str, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "callbacks": [list, None],
        "study": [HasMethods(["optimize"]), None],
        "catch": "no_validation",  # check_catch
        "return_train_score": ["boolean"],
        "verbose": ["verbose"],
        "subsample": [
            Interval(RealNotInt, 0, 1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "enable_pruning": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "ensemble_dir": [str, os.PathLike, None],
    }

    @reject_unknown_keywords
    def __init__(
        self,
        estimator: BaseEstimator,
        param_distributions: Mapping[str, Any] | SearchSpace | SpaceFn | None = None,
        *,
        n_trials: int | None = 10,
        timeout: float | None = None,
        cv: int | Any = None,
        scoring: str | Callable[..., float] | None = None,
        refit: bool = True,
        error_score: str | float = np.nan,
        sampler: str | optuna.samplers.BaseSampler | None = "tpe",
        pruner: str | optuna.pruners.BasePruner | None = "median",
        storage: str | os.PathLike[str] | optuna.storages.BaseStorage | None = None,
        study_name: str | None = None,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        callbacks: list[Callable[[optuna.Study, FrozenTrial], None]] | None = None,
        study: optuna.Study | None = None,
        catch: type[Exception] | tuple[type[Exception], ...] = (),
        return_train_score: bool = False,
        verbose: int = 0,
        subsample: float | int = 1.0,
        enable_pruning: bool = False,
        max_iter: int = 1000,
        ensemble_size: int = 1,
        ensemble_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.timeout = timeout
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.error_score = error_score
        self.sampler = sampler
        self.pruner = pruner
        self.storage = storage
        self.study_name = study_name
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.callbacks = callbacks
        self.study = study
        self.catch = catch
        self.return_train_score = return_train_score
        self.verbose = verbose
        self.subsample = subsample
        self.enable_pruning = enable_pruning
        self.max_iter = max_iter
        self.ensemble_size = ensemble_size
        self.ensemble_dir = ensemble_dir

    # ------------------------------------------------------------------ tags
    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        tags.input_tags = deepcopy(sub.input_tags)
        tags.target_tags = deepcopy(sub.target_tags)
        tags.non_deterministic = sub.non_deterministic
        return tags

    @property
    def _estimator_type(self) -> str | None:
        # Read by code written for scikit-learn < 1.6 and optuna-integration.
        return get_tags(self).estimator_type

    # ------------------------------------------------------------------- fit
    def fit(
        self, X: Any, y: Any = None, *, groups: Any = None, **fit_params: Any
    ) -> OptunaSearchCV:
        """Run the search, then refit the best parameters on all the data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Target.
        groups : array-like of shape (n_samples,), default=None
            Group labels for group-aware ``cv`` splitters.
        **fit_params : dict
            Passed to the estimator's ``fit`` (per-sample ones, such as
            ``sample_weight``, are indexed per fold).

        Returns
        -------
        self

        Raises
        ------
        InvalidSearchSpaceError
            If the space is malformed or names an unknown parameter.
        StorageError
            If the storage cannot be opened or shared with ``n_jobs > 1``.
        ValueError
            If a parameter is invalid, or no trial completed (the message
            gives the first failures). When one and the same error failed
            every trial, that error is raised instead, as the estimator's own
            ``fit`` would raise it.
        """
        check_search_params(self)
        self._validate_params()
        n_workers = effective_n_jobs(self.n_jobs)
        if n_workers < 1:
            raise ValueError(
                f"n_jobs must be a positive int, -1 (all cores) or None, but got "
                f"n_jobs={self.n_jobs}."
            )
        space = as_space(self.param_distributions, self.estimator)
        check_space_names(space, self.estimator)
        make_sampler(self.sampler)  # name errors before any storage is touched
        make_pruner(self.pruner)
        X, y, groups = indexable(X, y, groups)
        seed = search_seed(self.random_state)
        self.sample_indices_ = subsample_indices(
            _num_samples(X), self.subsample, check_random_state(seed)
        )
        n = _num_samples(X)
        rows = [X, y, groups]
        if len(self.sample_indices_) < n:
            rows = [_rows(a, self.sample_indices_) for a in rows]
        splits = cv_splits(self.cv, *rows, self.estimator)
        check_ensemble_scorer(self.scoring, self.ensemble_size)
        kind = get_tags(self.estimator).estimator_type
        scoring = check_scoring_target(
            self.scoring, rows[1],
            classification=None if rows[1] is None or kind not in (
                "classifier", "regressor") else kind == "classifier",
        )  # fmt: skip
        self.scorer_ = check_scoring(self.estimator, scoring=scoring)
        self.n_splits_ = len(splits)
        store = (
            OutOfFoldStore(len(self.sample_indices_), self.ensemble_dir)
            if self.ensemble_size > 1
            else None
        )
        partial = self.enable_pruning and hasattr(self.estimator, "partial_fit")
        objective = Objective(
            self.estimator, space, rows[0], rows[1], splits,
            fold_params(fit_params, self.sample_indices_, n), self.scorer_,
            self.error_score, seed,
            prune=not isinstance(make_pruner(self.pruner), optuna.pruners.NopPruner),
            return_train_score=self.return_train_score,
            catch=check_catch(self.catch), max_iter=self.max_iter if partial else None,
            oof_store=store, log_level=log_level(self.verbose),
        )  # fmt: skip
        with optuna_log_level(self.verbose):
            self.study_, self.interrupted_ = run_study(
                self, objective, n_workers=n_workers, seed=seed,
                n_trials=1 if is_empty(space) else self.n_trials,
                show_progress_bar=self.verbose >= 1,
            )  # fmt: skip
        self._store_results(objective)
        ensemble = None
        if store is not None:
            classes = np.unique(np.asarray(y)) if is_classifier(self) else None
            self.ensemble_weights_, self.ensemble_score_, ensemble = ensemble_of_trials(
                self.study_, store, self.estimator, rows[1], self.scorer_,
                self.ensemble_size, classes,
            )  # fmt: skip
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = (
                refit_best(
                    self.estimator, self.best_trial_, X, y,
                    params=self.best_params_, **fit_params,
                )
                if ensemble is None
                else ensemble.fit(X, y, **fit_params)
            )  # fmt: skip
            self.refit_time_ = time.perf_counter() - start
        return self

    def _store_results(self, objective: Objective) -> None:
        trials = self.study_.get_trials(deepcopy=False, states=FINISHED)
        self.n_trials_ = len(trials)
        params = [trial_params(objective.params, t) for t in trials]
        self.cv_results_ = cv_results(trials, params, self.n_splits_)
        try:
            self.best_trial_ = best_trial(self.study_, trials)
        except ValueError as none_completed:
            error = objective.first_error
            if error is None or objective.other_errors:
                raise
            raise error from none_completed  # as GridSearchCV's refit would
        self.n_iter_ = max(1, len(self.best_trial_.intermediate_values))
        self.best_index_ = trials.index(self.best_trial_)
        self.best_params_ = params[self.best_index_]
        self.best_score_ = float(self.best_trial_.value)
