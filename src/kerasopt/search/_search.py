"""OptunaSearchCV: a scikit-learn meta-estimator whose search is an Optuna study."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Mapping
from copy import deepcopy
from numbers import Integral, Real
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples, indexable

from ._delegation import BestEstimatorDelegation
from ._ensemble import (
    OutOfFoldStore,
    check_ensemble_scorer,
    ensemble_of_trials,
    make_voting_ensemble,
)
from ._objective import Objective
from ._parallel import effective_n_jobs
from ._params import resolve_param_names, set_params_checked
from ._refit import refit_best
from ._results import cv_results
from ._samplers import make_pruner, make_sampler
from ._space_input import as_space
from ._spaces import SearchSpace, SpaceFn
from ._study import (
    FINISHED,
    create_search_study,
    in_memory_copy,
    optimize,
    search_storage,
)

__all__ = ["OptunaSearchCV"]


class OptunaSearchCV(  # type: ignore[misc]
    BestEstimatorDelegation, MetaEstimatorMixin, BaseEstimator
):
    """Hyper-parameter search with Optuna, as a scikit-learn meta-estimator.

    Each Optuna trial draws parameters from ``param_distributions``, cross-validates
    a clone of ``estimator`` with them and returns the mean score, which the
    study maximizes. Keras estimators report their validation loss every epoch
    so that the pruner can stop unpromising trials early. The best parameters
    are then refitted on all the data.

    Parameters
    ----------
    estimator : estimator
        A kerasopt estimator, a Pipeline ending in one, or any scikit-learn
        estimator (then ``param_distributions`` is required).
    param_distributions : dict, SearchSpace, callable or None, default=None
        * ``None``: :func:`default_search_space` (kerasopt estimators only),
          with the estimator's ``epochs`` as upper bound of ``epochs``;
        * a dict of ``optuna.distributions`` (or :class:`LayerSizes` /
          :class:`Fixed`) keyed by parameter name;
        * the parsed content of a space file (a dict of dicts, see
          :func:`load_search_space`);
        * a callable ``space(trial) -> dict`` for conditional spaces.

        For a Pipeline, names may be written as in GridSearchCV
        (``"kerasclassifier__learning_rate"``) or without the final step's
        prefix (``"learning_rate"``); names whose first segment is not a step
        name go to the final step.
    n_trials : int or None, default=10
        Number of finished trials (complete or pruned) the study should hold:
        **in total, not in addition**. Resuming a study that already holds 6
        such trials with ``n_trials=10`` runs 4 more; running the same code
        again after it finished runs none. Failed trials do not count: one run
        starts at most the missing number of trials, and the next run on the
        same storage and ``study_name`` replaces the ones that failed. ``None``
        runs until ``timeout`` (or Ctrl-C).
    timeout : float or None, default=None
        Stop starting new trials after this many seconds.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: ``None`` is 5-fold, stratified for classifiers.
    scoring : str, callable or None, default=None
        One scikit-learn scorer (greater is better); ``None`` uses the
        estimator's ``score``.
    refit : bool, default=True
        Refit the best parameters on all the data as ``best_estimator_``
        (needed for ``predict`` and friends).
    error_score : "raise" or float, default=np.nan
        A trial whose fit or scoring raises, or whose training loss becomes
        NaN/inf: ``np.nan`` marks the trial FAILED (the reason is in its
        ``fail_reason`` user attribute) and the study goes on; a number is
        used as that fold's score, with a ``FitFailedWarning``; ``"raise"``
        re-raises the error.
    sampler : {"tpe", "random", "cmaes", "qmc"} or optuna sampler, default="tpe"
        Named samplers are seeded from ``random_state``.
    pruner : {"median", "hyperband", "successive_halving", "none"} or optuna \
pruner, default="median"
        Keras trials report ``-val_loss`` after every epoch of their first CV
        fold (step = epoch; later folds only watch for NaN). A pruned trial
        stops training at the end of that epoch and is recorded as PRUNED.
        When a pruner is active and a Keras estimator has no validation split
        (``validation_fraction`` 0/None without early stopping), 20% of each
        training fold is held out for it. Trials of other estimators are not
        pruned.
    storage : str, path-like, optuna storage or None, default=None
        Where the study lives (see :func:`resolve_storage`): ``None`` keeps it
        in memory, ``"sqlite:///studies.db"``, ``"postgresql://..."``, a
        ``.db`` or ``.log`` (journal) path or a storage object.
    study_name : str or None, default=None
        With a persistent ``storage``, the same name continues the same study
        (see ``n_trials``). ``None`` creates a new study each time.
    n_jobs : int or None, default=1
        Number of processes running trials (TensorFlow does not scale with
        threads); ``-1`` uses all cores. With ``n_jobs > 1`` and no
        ``storage``, the processes share a journal file in a temporary folder,
        removed afterwards (``study_`` is then an in-memory copy); an
        in-memory storage object cannot be shared. Workers are started with
        ``spawn`` and import the main module: in a script, call ``fit`` under
        ``if __name__ == "__main__":``, and define callable spaces and model
        builders at module level so that they can be pickled.
    random_state : int, RandomState or None, default=None
        Seeds the sampler and, when the final estimator has a ``random_state``
        left to None, gives each trial a ``random_state`` derived from it and
        the trial number (kept in the trial's ``random_state`` user attribute
        and reused by the refit, but not part of ``best_params_``). With
        ``n_jobs=1``, two searches then run the same trials and find the same
        best parameters.
    callbacks : list of callable or None, default=None
        Optuna study callbacks ``callback(study, frozen_trial)``, called after
        each trial (in the worker processes when ``n_jobs > 1``).
    ensemble_size : int, default=1
        With ``k > 1``, after the study a greedy ensemble selection (Caruana
        et al. 2004, with replacement, 25 rounds) over the completed trials'
        out-of-fold predictions (probabilities for classifiers) chooses up to
        ``k`` trials and their weights; ``best_estimator_`` is then their
        weighted soft-voting ensemble (``VotingClassifier`` /
        ``VotingRegressor``), each member refit on all the data. Each trial
        keeps its out-of-fold predictions in a temporary folder (float32,
        ``n_samples x n_classes`` per trial; removed after ``fit``), and the
        selection loads those of the best ``max(20, 4 k)`` trials only: its
        memory is ``max(20, 4 k) x n_samples x n_classes x 4`` bytes. Needs a
        ``scoring`` that sklearn can apply to averaged predictions (a name or
        ``make_scorer``). ``1`` keeps the single best trial.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the best trial, as passed to ``set_params``.
    best_score_ : float
        Its mean cross-validated score.
    best_estimator_ : estimator
        Refitted on all the data (only with ``refit=True``).
    best_trial_ : optuna.trial.FrozenTrial
        The best trial.
    best_index_ : int
        Index of the best trial in ``cv_results_``.
    study_ : optuna.study.Study
        The study, including trials of earlier runs when resumed.
    cv_results_ : dict of numpy arrays
        One entry per finished trial (COMPLETE, PRUNED or FAIL), in
        scikit-learn's format (``params``, ``param_<name>``,
        ``split<k>_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, ``mean_fit_time``, ...), plus ``trial_number``
        and ``state``. Pruned and failed trials have NaN scores.
    n_trials_ : int
        Number of finished trials in the study.
    n_splits_ : int
        Number of CV folds.
    refit_time_ : float
        Seconds spent refitting the best estimator.
    scorer_ : callable
        The scorer.
    interrupted_ : bool
        Whether Ctrl-C stopped the search. Completed trials are kept and
        ``best_*`` come from them.
    ensemble_weights_ : dict
        With ``ensemble_size > 1``: trial number -> weight of each member
        (summing to 1), best first.
    ensemble_score_ : float
        With ``ensemble_size > 1``: the ensemble's score on the out-of-fold
        predictions it was selected on (optimistic, as ``best_score_`` is).

    See Also
    --------
    default_search_space, load_search_space, resolve_storage

    Notes
    -----
    Keras' global state is cleared (``keras.backend.clear_session()``) and
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
    ...     {"C": FloatDistribution(1e-2, 1e2, log=True)},
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
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "refit": ["boolean"],
        "error_score": [StrOptions({"raise"}), Real],
        "sampler": [str, HasMethods(["sample_independent"]), None],
        "pruner": [str, HasMethods(["prune"]), None],
        "storage": [str, os.PathLike, HasMethods(["create_new_study"]), None],
        "study_name": [str, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "callbacks": [list, None],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
    }

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
        ensemble_size: int = 1,
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
        self.ensemble_size = ensemble_size

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

    # ------------------------------------------------------------------- fit
    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _check_names(self, space: SpaceFn) -> None:
        """Fail before training when a dict space names an unknown parameter."""
        if isinstance(space, SearchSpace):
            params = resolve_param_names(space.representative_params(), self.estimator)
            set_params_checked(clone(self.estimator), params)

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
            If no trial completed (the message gives the first failure).
        """
        self._validate_params()
        n_workers = effective_n_jobs(self.n_jobs)
        if n_workers < 1:
            raise ValueError(
                f"n_jobs must be a positive int, -1 (all cores) or None, but got "
                f"n_jobs={self.n_jobs}."
            )
        space = as_space(self.param_distributions, self.estimator)
        self._check_names(space)
        make_sampler(self.sampler)  # name errors before any storage is touched
        make_pruner(self.pruner)
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        check_ensemble_scorer(self.scoring, self.ensemble_size)
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        self.n_splits_ = len(splits)
        seed = self._seed()
        store = OutOfFoldStore(_num_samples(X)) if self.ensemble_size > 1 else None
        objective = Objective(
            self.estimator, space, X, y, splits, fit_params, self.scorer_,
            self.error_score, seed,
            prune=not isinstance(make_pruner(self.pruner), optuna.pruners.NopPruner),
            oof_store=store,
        )  # fmt: skip
        self.interrupted_ = False
        with search_storage(self.storage, self.n_jobs, n_workers) as opened:
            storage, worker_storage, temporary = opened
            study = create_search_study(
                storage, sampler=self.sampler, pruner=self.pruner,
                study_name=self.study_name, seed=seed, storage_param=self.storage,
            )  # fmt: skip
            try:
                optimize(
                    study, objective, n_trials=self.n_trials, timeout=self.timeout,
                    callbacks=self.callbacks, n_workers=n_workers,
                    worker_storage=worker_storage, sampler=self.sampler,
                    pruner=self.pruner, seed=seed,
                )  # fmt: skip
            except KeyboardInterrupt:
                if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
                    raise
                self.interrupted_ = True
                warnings.warn(
                    "The search was interrupted: keeping the completed trials of "
                    f"study {study.study_name!r}.",
                    UserWarning,
                    stacklevel=2,
                )
            if temporary:  # the journal file is about to be deleted: copy it out
                study = in_memory_copy(study, storage)
        self.study_ = study
        self._store_results(objective)
        if self.refit and store is None:
            start = time.perf_counter()
            self.best_estimator_ = refit_best(
                self.estimator, self.best_trial_, X, y,
                params=self.best_params_, **fit_params,
            )  # fmt: skip
            self.refit_time_ = time.perf_counter() - start
        elif store is not None:
            self._fit_ensemble(store, X, y, fit_params)
        return self

    def _fit_ensemble(
        self, store: OutOfFoldStore, X: Any, y: Any, fit_params: Mapping[str, Any]
    ) -> None:
        """Choose the ensemble of the best trials; refit it if ``refit``."""
        classifier = is_classifier(self.estimator)
        classes = np.unique(np.asarray(y)) if classifier else None
        self.ensemble_weights_, self.ensemble_score_, members = ensemble_of_trials(
            self.study_, store, self.estimator, y, self.scorer_, self.ensemble_size,
            classes,
        )  # fmt: skip
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = make_voting_ensemble(
                members, list(self.ensemble_weights_.values()), classifier
            ).fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start

    # --------------------------------------------------------------- results
    @staticmethod
    def _trial_params(objective: Objective, trial: FrozenTrial) -> dict[str, Any]:
        """Replay the space on the trial's draws to get estimator parameters."""
        try:
            return objective.params(
                optuna.trial.FixedTrial(trial.params, number=trial.number)
            )
        except Exception:  # a failed trial may not have drawn everything
            return dict(trial.user_attrs.get("params", {}))

    def _store_results(self, objective: Objective) -> None:
        trials = self.study_.get_trials(deepcopy=False, states=FINISHED)
        self.n_trials_ = len(trials)
        params = [self._trial_params(objective, t) for t in trials]
        self.cv_results_ = cv_results(trials, params, self.n_splits_)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        if not complete:
            reasons = sorted(
                {str(t.user_attrs.get("fail_reason", t.state.name)) for t in trials}
            )
            raise ValueError(
                f"No trial of study {self.study_.study_name!r} completed "
                f"({len(trials)} finished, none COMPLETE). Reasons: "
                f"{'; '.join(reasons[:3]) or 'none'}. Fix the estimator or the "
                "search space, or use error_score='raise' to see the traceback."
            )
        self.best_trial_ = self.study_.best_trial
        self.best_index_ = next(
            i for i, t in enumerate(trials) if t.number == self.best_trial_.number
        )
        self.best_params_ = params[self.best_index_]
        self.best_score_ = float(self.best_trial_.value)
