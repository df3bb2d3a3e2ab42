"""OptunaSearchCV: a scikit-learn meta-estimator whose search is an Optuna study."""

from __future__ import annotations

import contextlib
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
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, indexable

from ..exceptions import InvalidSearchSpaceError, StorageError
from ._objective import Objective, is_keras_estimator, set_params_checked
from ._parallel import effective_n_jobs, run_workers
from ._samplers import make_pruner, make_sampler
from ._spaces import (
    SearchSpace,
    SpaceFn,
    default_search_space,
    final_estimator_prefix,
    load_search_space,
    resolve_param_names,
)
from ._storage import mask_password, resolve_storage, temporary_journal_storage

__all__ = ["OptunaSearchCV"]

#: Trials that count towards ``n_trials`` when a study is resumed.
_COUNTED = (TrialState.COMPLETE, TrialState.PRUNED)
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def _search_estimator_has(attr: str) -> Callable[[OptunaSearchCV], bool]:
    """``available_if`` check: the refitted (or unfitted) estimator has ``attr``."""

    def check(self: OptunaSearchCV) -> bool:
        if not self.refit:
            raise AttributeError(
                f"This {type(self).__name__} was created with refit=False: {attr} is "
                "available only after refitting on the best parameters."
            )
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
        else:
            getattr(self.estimator, attr)
        return True

    return check


def _as_space(space: Any, estimator: BaseEstimator) -> SpaceFn:
    """Turn ``param_distributions`` into a callable ``space(trial) -> params``."""
    if space is None:
        _, final = final_estimator_prefix(estimator)
        if not is_keras_estimator(final):
            raise InvalidSearchSpaceError(
                "param_distributions=None uses the default space of kerasopt "
                "estimators, but "
                f"the estimator to tune is {type(final).__name__}. Pass a dict of "
                "optuna.distributions or a callable(trial) -> dict of parameters."
            )
        return default_search_space(max_epochs=int(final.get_params()["epochs"]))
    if isinstance(space, SearchSpace):
        return space
    if isinstance(space, Mapping):
        if space and all(isinstance(v, Mapping) for v in space.values()):
            return load_search_space(space)
        return SearchSpace(space)
    if callable(space):
        return space  # type: ignore[no-any-return]
    raise InvalidSearchSpaceError(
        "param_distributions must be None, a dict of optuna distributions, a "
        "parsed space file (dict of dicts) or a callable(trial) -> dict, but got "
        f"{type(space).__name__} ({space!r})."
    )


class OptunaSearchCV(MetaEstimatorMixin, BaseEstimator):
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

    def _create_study(
        self, storage: optuna.storages.BaseStorage | None, seed: int | None
    ) -> optuna.Study:
        study = optuna.create_study(
            storage=storage,
            sampler=make_sampler(self.sampler, seed),
            pruner=make_pruner(self.pruner),
            study_name=self.study_name,
            direction="maximize",
            load_if_exists=True,
        )
        if study.direction != optuna.study.StudyDirection.MAXIMIZE:
            raise StorageError(
                f"Study {study.study_name!r} in storage="
                f"{mask_password(str(self.storage))!r} minimizes, but OptunaSearchCV "
                "maximizes a scikit-learn score. Choose another study_name."
            )
        return study

    def _remaining(self, study: optuna.Study) -> int | None:
        if self.n_trials is None:
            return None
        done = len(study.get_trials(deepcopy=False, states=_COUNTED))
        return max(0, self.n_trials - done)

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
        space = _as_space(self.param_distributions, self.estimator)
        self._check_names(space)
        make_sampler(self.sampler)  # name errors before any storage is touched
        make_pruner(self.pruner)
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        self.n_splits_ = len(splits)
        seed = self._seed()
        objective = Objective(
            self.estimator, space, X, y, splits, fit_params, self.scorer_,
            self.error_score, seed,
            prune=not isinstance(make_pruner(self.pruner), optuna.pruners.NopPruner),
        )  # fmt: skip
        self.interrupted_ = False
        with contextlib.ExitStack() as stack:
            temporary = n_workers > 1 and self.storage is None
            if temporary:
                storage, worker_storage = stack.enter_context(
                    temporary_journal_storage()
                )
            else:
                storage = resolve_storage(self.storage)
                worker_storage = self.storage
                if n_workers > 1 and isinstance(
                    storage, optuna.storages.InMemoryStorage
                ):
                    raise StorageError(
                        f"n_jobs={self.n_jobs} runs trials in separate processes, "
                        "which cannot share an in-memory storage. Pass storage=None "
                        "(a temporary journal file), a journal file path, or a "
                        "database URL."
                    )
            study = self._create_study(storage, seed)
            try:
                self._optimize(study, objective, worker_storage, n_workers, seed)
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
                memory = optuna.storages.InMemoryStorage()
                optuna.copy_study(
                    from_study_name=study.study_name,
                    from_storage=storage,
                    to_storage=memory,
                )
                study = optuna.load_study(study_name=study.study_name, storage=memory)
        self.study_ = study
        self._store_results(objective)
        if self.refit:
            self._refit(objective, X, y, fit_params)
        return self

    def _optimize(
        self,
        study: optuna.Study,
        objective: Objective,
        worker_storage: Any,
        n_workers: int,
        seed: int | None,
    ) -> None:
        n_trials = self._remaining(study)
        if n_trials == 0:
            return
        if n_workers == 1:
            study.optimize(
                objective, n_trials=n_trials, timeout=self.timeout,
                callbacks=self.callbacks,
            )  # fmt: skip
            return
        run_workers(
            storage=worker_storage, study_name=study.study_name, objective=objective,
            n_trials=n_trials, n_workers=n_workers, timeout=self.timeout,
            sampler=self.sampler, pruner=self.pruner, seed=seed,
            callbacks=self.callbacks,
        )  # fmt: skip

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
        trials = self.study_.get_trials(deepcopy=False, states=_FINISHED)
        self.n_trials_ = len(trials)
        params = [self._trial_params(objective, t) for t in trials]
        n = len(trials)
        results: dict[str, Any] = {
            "trial_number": np.array([t.number for t in trials], dtype=int),
            "state": np.array([t.state.name for t in trials], dtype=object),
        }
        for name in ("fit_times", "score_times"):
            times = [t.user_attrs.get(name) or [np.nan] for t in trials]
            key = name[:-1]
            results[f"mean_{key}"] = np.array([np.mean(v) for v in times])
            results[f"std_{key}"] = np.array([np.std(v) for v in times])
        names = sorted({k for p in params for k in p})
        for name in names:
            column = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
            for i, p in enumerate(params):
                if name in p:
                    column[i] = p[name]
            results[f"param_{name}"] = column
        results["params"] = params
        splits = np.full((n, self.n_splits_), np.nan)
        for i, t in enumerate(trials):
            if t.state == TrialState.COMPLETE:
                scores = list(t.user_attrs.get("split_test_scores", []))[
                    : self.n_splits_
                ]
                splits[i, : len(scores)] = scores
        for k in range(self.n_splits_):
            results[f"split{k}_test_score"] = splits[:, k]
        mean = np.array(
            [t.value if t.state == TrialState.COMPLETE else np.nan for t in trials],
            dtype=float,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
            std = np.nanstd(splits, axis=1) if n else np.array([])
        results["mean_test_score"] = mean
        results["std_test_score"] = np.where(np.isnan(mean), np.nan, std)
        results["rank_test_score"] = rankdata(
            -np.where(np.isnan(mean), -np.inf, mean), method="min"
        ).astype(np.int32)
        self.cv_results_ = results
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

    def _refit(
        self, objective: Objective, X: Any, y: Any, fit_params: dict[str, Any]
    ) -> None:
        estimator = objective.make_estimator(
            self.best_params_, self.best_trial_.user_attrs.get("random_state")
        )
        start = time.perf_counter()
        estimator.fit(X, y, **fit_params)
        self.refit_time_ = time.perf_counter() - start
        self.best_estimator_ = estimator

    # ------------------------------------------------------------ delegation
    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the best estimator (classifiers)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_  # type: ignore[no-any-return]

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the best estimator."""
        check_is_fitted(self, "best_estimator_")
        return int(self.best_estimator_.n_features_in_)

    @available_if(_search_estimator_has("predict"))
    def predict(self, X: Any) -> np.ndarray:
        """Predict with the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.predict(X)  # type: ignore[no-any-return]

    @available_if(_search_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)  # type: ignore[no-any-return]

    @available_if(_search_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log class probabilities from the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.predict_log_proba(X)  # type: ignore[no-any-return]

    @available_if(_search_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """Decision function of the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.decision_function(X)  # type: ignore[no-any-return]

    @available_if(_search_estimator_has("transform"))
    def transform(self, X: Any) -> Any:
        """Transform with the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.transform(X)

    @available_if(_search_estimator_has("inverse_transform"))
    def inverse_transform(self, X: Any) -> Any:
        """Inverse-transform with the best estimator."""
        check_is_fitted(self)
        return self.best_estimator_.inverse_transform(X)

    @available_if(_search_estimator_has("score"))
    def score(self, X: Any, y: Any = None) -> float:
        """Score of the best estimator on ``(X, y)`` with the search's scorer."""
        check_is_fitted(self)
        return float(self.scorer_(self.best_estimator_, X, y))
