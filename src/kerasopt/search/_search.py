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
from sklearn.base import BaseEstimator, MetaEstimatorMixin
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.validation import _num_samples, indexable

from ._delegation import BestEstimatorDelegation, StudyDelegation
from ._folds import cv_splits, fold_params, subsample_indices
from ._objective import Objective, search_seed
from ._parallel import effective_n_jobs
from ._progress import optuna_log_level
from ._refit import refit_best
from ._results import best_trial, cv_results, trial_params
from ._samplers import make_pruner, make_sampler
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
    study : optuna.Study or None, default=None
        An existing study to add the trials to; its storage, name, sampler
        and pruner are used (``storage`` and ``study_name`` must then be
        None). It must maximize, as scikit-learn scores are maximized.
    catch : exception type or tuple of them, default=()
        Exceptions that fail a trial (its ``fail_reason`` user attribute
        says why) instead of stopping the search, as in ``study.optimize``.
    return_train_score : bool, default=False
        Also score each fold's training rows (``split<k>_train_score``,
        ``mean_train_score`` and ``std_train_score`` in ``cv_results_``).
    verbose : int, default=0
        ``0``: quiet (warnings only); ``1``: a progress bar with the best
        score so far, the trials done and the time left (``n_jobs=1``);
        ``2``: also Optuna's log line per trial.
    subsample : float or int, default=1.0
        Trials use a random subset of the rows (``sample_indices_``): a share
        (float in (0, 1]) or a number of rows (int). The refit uses all rows.
    enable_pruning : bool, default=False
        Train estimators that have ``partial_fit`` (``SGDClassifier``,
        ``MLPClassifier``, ...) one call at a time for up to ``max_iter``
        steps, report the mean CV score after each step and let ``pruner``
        stop unpromising trials. (Keras estimators are pruned per epoch
        whenever ``pruner`` is not ``"none"``.)
    max_iter : int, default=1000
        Number of ``partial_fit`` steps of a trial with ``enable_pruning``.

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
        Index of the best trial in ``cv_results_`` (scikit-learn's meaning;
        optuna-integration gives the trial number, ``best_trial_.number``).
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
    trials_ : list of optuna.trial.FrozenTrial
        All trials of the study.
    user_attrs_ : dict
        The study's user attributes (see :meth:`set_user_attr`).
    sample_indices_ : ndarray of int
        Rows of ``X`` the trials used (see ``subsample``).
    n_splits_ : int
        Number of CV folds.
    n_iter_ : int
        Steps the best trial reported to the pruner (``partial_fit`` steps,
        or epochs of a Keras estimator's first fold), at least 1.
    refit_time_ : float
        Seconds spent refitting the best estimator.
    scorer_ : callable
        The scorer.
    interrupted_ : bool
        Whether Ctrl-C stopped the search. Completed trials are kept and
        ``best_*`` come from them.

    See Also
    --------
    default_search_space, load_search_space, resolve_storage

    Notes
    -----
    An empty space (``{}``) has one point: it is fitted as a single trial.
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
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        self.n_splits_ = len(splits)
        partial = self.enable_pruning and hasattr(self.estimator, "partial_fit")
        objective = Objective(
            self.estimator, space, rows[0], rows[1], splits,
            fold_params(fit_params, self.sample_indices_, n), self.scorer_,
            self.error_score, seed,
            prune=not isinstance(make_pruner(self.pruner), optuna.pruners.NopPruner),
            return_train_score=self.return_train_score,
            catch=check_catch(self.catch), max_iter=self.max_iter if partial else None,
        )  # fmt: skip
        with optuna_log_level(self.verbose):
            self.study_, self.interrupted_ = run_study(
                self, objective, n_workers=n_workers, seed=seed,
                n_trials=1 if is_empty(space) else self.n_trials,
                show_progress_bar=self.verbose >= 1 and n_workers == 1,
            )  # fmt: skip
        self._store_results(objective)
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = refit_best(
                self.estimator, self.best_trial_, X, y,
                params=self.best_params_, **fit_params,
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
