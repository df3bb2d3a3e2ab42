"""OptunaSearchCV: a scikit-learn meta-estimator whose search is an Optuna study.

Its parameters (documentation and the checks whose messages say how to fix
them), ``fit`` (rows, folds, scorer, objective, then the study of
:mod:`._study`), its results in scikit-learn's format (``cv_results_``,
``best_*``) and the members it delegates to ``best_estimator_`` and
``study_``.
"""

from __future__ import annotations

import functools
import inspect
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from copy import deepcopy
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing, check_random_state, get_tags
from sklearn.utils.metaestimators import available_if

# scikit-learn's declarative parameter checks (read by BaseEstimator's
# _validate_params) have no public module; they give the messages sklearn's
# own searches give.
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.validation import _num_samples, check_is_fitted, indexable

from .._utils import did_you_mean, to_seed
from ..preprocessing._columns import check_rows
from ._ensemble import (
    OutOfFoldStore,
    check_ensemble_scorer,
    ensemble_of_trials,
    refit_best,
)
from ._objective import Objective, cv_splits, fold_params, subsample_indices
from ._scoring import check_scoring_target
from ._spaces import (
    INITIAL_TRIALS,
    SearchSpace,
    SpaceFn,
    as_space,
    check_space_names,
    final_estimator_prefix,
    initial_params,
    is_empty,
    is_keras_estimator,
)
from ._study import (
    FINISHED,
    check_sampler,
    log_level,
    make_pruner,
    optuna_log_level,
    run_study,
    worker_count,
)

__all__ = ["OptunaSearchCV"]



# ----------------------------------------------------------------- parameters
PARAMETERS = """\
    estimator : estimator
        A kerasopt estimator, a Pipeline ending in one, or any scikit-learn
        estimator (then ``param_distributions`` is required).
    param_distributions : dict, SearchSpace, callable or None, default=None
        * ``None``: :func:`default_search_space` (kerasopt estimators only),
          with the estimator's ``epochs`` as upper bound of ``epochs``;
        * a dict of ``optuna.distributions`` (or :class:`LayerSizes`,
          :class:`Toggle`, :class:`Fixed`) keyed by parameter name;
        * the parsed content of a space file (a dict of dicts, see
          :func:`load_search_space`);
        * a callable ``space(trial) -> dict`` for conditional spaces.

        For a Pipeline, names may be written as in GridSearchCV
        (``"kerasclassifier__learning_rate"``) or without the final step's
        prefix (``"learning_rate"``); names whose first segment is not a step
        name go to the final step.
    initial_trials : {"portfolio", "estimator"} or None, default="portfolio"
        Trials a new study runs first, before the sampler draws any (queued
        with ``study.enqueue_trial``, each run once however many workers):

        * ``"estimator"``: the estimator's own configuration, the current
          values of the searched parameters on the estimator (the final step
          of a Pipeline). A number outside its range takes the nearest bound
          (``l2=0`` becomes the range's lowest value); a value the space
          cannot express (``batch_size=None``, a choice it does not list) is
          left to the sampler;
        * ``"portfolio"``: that, then, with the default space
          (``param_distributions=None``), strong configurations from the
          literature (RealMLP-TD-like, TabM-like, the estimator's own with
          periodic numeric embeddings, and with quantile knots only), skipping
          repeats. A space of your own gets the estimator's configuration
          only;
        * ``None``: nothing; the sampler chooses every trial.

        A callable space gets none (it cannot say which Optuna parameters give
        which values), nor does a resumed study that already holds trials. At
        most ``n_trials`` are queued.
    n_trials : int or None, default=10
        Number of finished trials (complete or pruned) the study should hold:
        **in total, not in addition**. Resuming a study that already holds 6
        such trials with ``n_trials=10`` runs 4 more; running the same code
        again after it finished runs none; processes sharing the study stop
        once it holds ``n_trials``. Failed trials do not count: one run
        starts at most the missing number of trials, and the next run on the
        same storage and ``study_name`` replaces the ones that failed. ``None``
        runs until ``timeout`` (or Ctrl-C).
    timeout : float or None, default=None
        Stop the search after this many seconds: no trial starts later, and
        a trial still running then stops at the end of its epoch (Keras
        estimators), its ``partial_fit`` step (``enable_pruning``) or its
        fold (other estimators), recorded as PRUNED with the user attribute
        ``stopped="timeout"``. A ``UserWarning`` says when the timeout, not
        ``n_trials``, ended the search. (The refit comes on top.)
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: ``None`` is 5-fold, stratified for classifiers,
        and an int does **not shuffle** the rows (as ``GridSearchCV``): each
        fold tests on a block of consecutive rows. On rows sorted by date or
        by target, pass a shuffled splitter, such as
        ``StratifiedKFold(5, shuffle=True, random_state=0)`` (``KFold`` for
        regression). The folds are made once, the same for every trial.
    scoring : str, callable or None, default=None
        One scikit-learn scorer (greater is better); ``None`` uses the
        estimator's ``score``. A name is tried on a dummy model of the target
        before the first trial, so one that cannot score it (``"f1"`` on
        labels 'N'/'Y', ``"f1"`` on three classes, ``"accuracy"`` on a
        continuous target) is an error that says what to pass instead, such
        as ``make_scorer(f1_score, pos_label="Y")`` or ``"f1_macro"``.
        ``"roc_auc"`` on more than two classes means one-vs-rest
        (``"roc_auc_ovr"``).
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
        stops training at the end of that epoch and is recorded as PRUNED,
        without a value (Optuna would copy its last reported one, and
        ``-val_loss`` is not a score).
        When a pruner is active and a Keras estimator has no validation split
        (``validation_fraction`` 0/None without early stopping), 20% of each
        training fold is held out for it. Other estimators are pruned with
        ``enable_pruning``.
    storage : str, path-like, optuna storage or None, default=None
        Where the study lives (see :func:`resolve_storage`): ``None`` keeps it
        in memory, ``"sqlite:///studies.db"``, ``"postgresql://..."``, a
        ``.db`` or ``.log`` (journal) path or a storage object. With a storage
        that records heartbeats (``resolve_storage(url,
        heartbeat_interval=...)``), ``fit`` also waits for the trials other
        processes are running, up to the grace period, and runs again those
        of processes that died.
    study_name : str or None, default=None
        With a persistent ``storage``, the same name continues the same study
        (see ``n_trials``). ``None`` creates a new study each time.
    n_jobs : int or None, default=1
        Number of processes running trials (TensorFlow does not scale with
        threads); ``-1`` uses all cores; ``None`` means 1, or the ``n_jobs``
        of an enclosing ``joblib.parallel_config``. With ``n_jobs > 1`` and no
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
        best parameters. A resumed study's sampler is seeded from
        ``random_state`` and the number of trials the study holds, so that
        it draws new parameters rather than its first ones again.
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
        ``0``: silent while it runs (warnings only), however long the search;
        ``1``: a progress bar with the best score so far, the trials done and
        the time left; ``2``: also Optuna's log line per trial.
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
    ensemble_seeds : int, default=3
        With ``ensemble_size > 1``: each chosen trial is refit this many
        times, with other seeds of its network (derived from its own), and
        its weight is shared among the fits: seed averaging, which on the
        quality benchmark's held-out rows took the ensemble's lead over the
        single best configuration from +0.007 to +0.009 on average, for
        ``ensemble_seeds`` times the ensemble's refit time. ``1`` refits
        each trial once.
    ensemble_dir : str or path-like, default=None
        With ``ensemble_size > 1``: a folder to keep the trials' out-of-fold
        predictions in (``trial_<number>.npy``), created if needed and left
        in place, so that a resumed study (``storage=`` / ``study=``) chooses
        its ensemble among the earlier runs' trials too; with a process
        backend the workers must reach it. Files whose row count differs
        from this ``fit``'s data are ignored. Use one folder per study.
        ``None``: a temporary folder, removed after ``fit``.
"""

ATTRIBUTES = """\
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
    ensemble_weights_ : dict
        With ``ensemble_size > 1``: trial number -> weight of each member
        (summing to 1), best first.
    ensemble_score_ : float
        With ``ensemble_size > 1``: the ensemble's score on the out-of-fold
        predictions it was selected on (optimistic, as ``best_score_`` is).
"""

#: Parameters of ``optuna_integration.OptunaSearchCV`` (4.x), all accepted here.
OPTUNA_INTEGRATION_PARAMS: frozenset[str] = frozenset(
    {
        "estimator", "param_distributions", "cv", "enable_pruning", "error_score",
        "max_iter", "n_jobs", "n_trials", "random_state", "refit",
        "return_train_score", "scoring", "study", "subsample", "timeout",
        "verbose", "callbacks", "catch",
    }
)  # fmt: skip

#: Names other searches use for a parameter that has another name here.
_ALIASES = {
    "n_iter": "n_trials",  # RandomizedSearchCV
    "param_grid": "param_distributions",  # GridSearchCV
    "search_space": "param_distributions",
    "seed": "random_state",
    "direction": "scoring",
    "show_progress_bar": "verbose",
}

Init = TypeVar("Init", bound=Callable[..., None])


def reject_unknown_keywords(init: Init) -> Init:
    """Wrap ``__init__`` so that an unknown keyword gets a did-you-mean error.

    The signature is kept (``inspect.signature`` follows ``__wrapped__``), so
    ``get_params`` and ``clone`` see the real parameters.
    """
    names = [
        p.name
        for p in inspect.signature(init).parameters.values()
        if p.name != "self"
    ]

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        for key in kwargs:
            if key not in names:
                raise TypeError(_unknown_keyword(type(self).__name__, key, names))
        init(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _unknown_keyword(cls: str, key: str, names: list[str]) -> str:
    hint = did_you_mean(key, names)
    if key in _ALIASES:
        hint = f" Did you mean {_ALIASES[key]!r}?"
    match = hint[len(" Did you mean '") : -2] if hint else ""
    if match in OPTUNA_INTEGRATION_PARAMS:
        hint += " (as in optuna-integration's OptunaSearchCV)"
    return (
        f"{cls}.__init__() got an unexpected keyword argument {key!r}.{hint} "
        f"Parameters: {', '.join(names)}."
    )


def check_catch(catch: Any) -> tuple[type[BaseException], ...]:
    """``catch`` as a tuple of exception types (a single type is accepted)."""
    items = (catch,) if isinstance(catch, type) else catch
    try:
        items = tuple(items)
    except TypeError:
        items = (catch,)
    for item in items:
        if not (isinstance(item, type) and issubclass(item, Exception)):
            raise ValueError(
                "catch must be an exception type or a tuple of them (e.g. "
                f"catch=(ValueError,)), but got {catch!r}."
            )
    return items  # type: ignore[return-value]


def _check_study(study: Any, search: Any) -> None:
    if not isinstance(study, optuna.Study):
        raise ValueError(
            f"study must be an optuna.Study or None, but got {type(study).__name__} "
            f"({study!r})."
        )
    for name in ("storage", "study_name"):
        if getattr(search, name) is not None:
            raise ValueError(
                f"study= and {name}= were both given, but the study already has "
                f"its {name} ({study.study_name!r}). Pass one of them."
            )
    directions = [d.name.lower() for d in study.directions]
    if directions != ["maximize"]:
        raise ValueError(
            f"The direction of study must be 'maximize', but study "
            f"{study.study_name!r} has directions={directions} while "
            f"scoring={search.scoring!r} is a scikit-learn score, which "
            "OptunaSearchCV maximizes (greater is better; losses are negated, as "
            "in 'neg_log_loss'). Create the study with "
            "optuna.create_study(direction='maximize')."
        )


def check_search_params(search: Any) -> None:
    """Check what ``_parameter_constraints`` would report less clearly.

    Raises
    ------
    ValueError
        Naming the parameter, the value received and the fix (scikit-learn's
        ``InvalidParameterError`` for a value of the wrong kind).
    """
    estimator = search.estimator
    if not hasattr(estimator, "fit"):
        raise InvalidParameterError(
            "estimator must be a scikit-learn estimator (an object with a fit "
            f"method), but got {type(estimator).__name__} ({estimator!r})."
        )
    error_score = search.error_score
    if error_score != "raise" and (
        isinstance(error_score, bool) or not isinstance(error_score, Real)
    ):
        raise InvalidParameterError(
            f"error_score must be 'raise' or numeric, but got {error_score!r}."
        )
    max_iter = search.max_iter
    if isinstance(max_iter, bool) or not isinstance(max_iter, Integral) or max_iter < 1:
        raise InvalidParameterError(
            f"max_iter must be > 0, but got max_iter={max_iter!r} (the number of "
            "partial_fit steps of a trial with enable_pruning=True)."
        )
    if search.enable_pruning:
        _, final = final_estimator_prefix(estimator)
        if not (hasattr(estimator, "partial_fit") or is_keras_estimator(final)):
            raise ValueError(
                "enable_pruning=True: the estimator must support partial_fit, but "
                f"{type(estimator).__name__} has no partial_fit method. Set "
                "enable_pruning=False, or tune an estimator with partial_fit "
                "(SGDClassifier, MLPClassifier, a kerasopt estimator)."
            )
    if search.study is not None:
        _check_study(search.study, search)
    check_catch(search.catch)


# -------------------------------------------------------------------- results
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


def _why_not_complete(trial: FrozenTrial) -> str:
    if "fail_reason" in trial.user_attrs:
        return str(trial.user_attrs["fail_reason"])
    if trial.user_attrs.get("stopped") == "timeout":
        return "stopped at the timeout (raise timeout)"
    return trial.state.name


def best_trial(study: optuna.Study, trials: Sequence[FrozenTrial]) -> FrozenTrial:
    """The study's best trial, as one of ``trials``.

    Raises
    ------
    ValueError
        If no trial completed; the message gives the first failure reasons.
    """
    if not any(t.state == TrialState.COMPLETE for t in trials):
        reasons = sorted({_why_not_complete(t) for t in trials})
        raise ValueError(
            f"No trial of study {study.study_name!r} completed "
            f"({len(trials)} finished, none COMPLETE). Reasons: "
            f"{'; '.join(reasons[:3]) or 'none'}. Fix the estimator or the "
            "search space, or use error_score='raise' to see the traceback."
        )
    number = study.best_trial.number
    return next(t for t in trials if t.number == number)


# ----------------------------------------------------------------- delegation
def _best_has(attr: str) -> Callable[[Any], bool]:
    """``available_if`` check: the refitted (or unfitted) estimator has ``attr``."""

    def check(self: Any) -> bool:
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


def _delegated(name: str, doc: str) -> Any:
    """The method ``name(X)`` that calls the best estimator's own."""

    def method(self: Any, X: Any) -> Any:
        check_is_fitted(self)
        return getattr(self.best_estimator_, name)(X)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return available_if(_best_has(name))(method)


class BestEstimatorDelegation:
    """Mixin: ``predict`` and friends call ``self.best_estimator_``.

    The host has ``estimator``, ``refit``, and after ``fit``
    ``best_estimator_`` and ``scorer_``. A method exists only when the
    estimator has it (``available_if``), as in scikit-learn's searches.
    """

    estimator: Any
    refit: bool
    best_estimator_: Any
    scorer_: Callable[..., float]

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

    predict = _delegated("predict", "Predict with the best estimator.")
    predict_proba = _delegated(
        "predict_proba", "Class probabilities from the best estimator."
    )
    predict_log_proba = _delegated(
        "predict_log_proba", "Log class probabilities from the best estimator."
    )
    decision_function = _delegated(
        "decision_function", "Decision function of the best estimator."
    )
    score_samples = _delegated(
        "score_samples", "``score_samples`` of the best estimator."
    )
    transform = _delegated("transform", "Transform with the best estimator.")
    inverse_transform = _delegated(
        "inverse_transform", "Inverse-transform with the best estimator."
    )

    @available_if(_best_has("score"))
    def score(self, X: Any, y: Any = None) -> float:
        """Score of the best estimator on ``(X, y)`` with the search's scorer."""
        check_is_fitted(self)
        return float(self.scorer_(self.best_estimator_, X, y))


class StudyDelegation:
    """Mixin: the study's trials and user attributes, as optuna-integration has them."""

    study_: optuna.Study

    @property
    def trials_(self) -> list[FrozenTrial]:
        """All trials of the study (``study_.trials``)."""
        check_is_fitted(self, "study_")
        return self.study_.trials

    @property
    def user_attrs_(self) -> dict[str, Any]:
        """The study's user attributes (``study_.user_attrs``)."""
        check_is_fitted(self, "study_")
        return self.study_.user_attrs

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute of the study (``study_.set_user_attr``)."""
        check_is_fitted(self, "study_")
        self.study_.set_user_attr(key, value)

    def trials_dataframe(self, **kwargs: Any) -> Any:
        """The study's trials as a DataFrame (``study_.trials_dataframe``)."""
        check_is_fitted(self, "study_")
        return self.study_.trials_dataframe(**kwargs)

    def _check_is_fitted(self) -> None:
        # optuna-integration's name, kept for code that calls it.
        check_is_fitted(self, ["study_", "scorer_"])


# ----------------------------------------------------------------- the search
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
        "initial_trials": [StrOptions(set(INITIAL_TRIALS)), None],
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
        "ensemble_seeds": [Interval(Integral, 1, None, closed="left")],
        "ensemble_dir": [str, os.PathLike, None],
    }

    @reject_unknown_keywords
    def __init__(
        self,
        estimator: BaseEstimator,
        param_distributions: Mapping[str, Any] | SearchSpace | SpaceFn | None = None,
        *,
        initial_trials: str | None = "portfolio",
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
        ensemble_seeds: int = 3,
        ensemble_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.initial_trials = initial_trials
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
        self.ensemble_seeds = ensemble_seeds
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
        n_workers = worker_count(self.n_jobs)
        space = as_space(self.param_distributions, self.estimator)
        check_space_names(space, self.estimator)
        check_sampler(self.sampler)  # name errors before any storage is touched
        # Built once: the study's pruner (a given study= keeps its own).
        pruner = make_pruner(self.pruner)
        X, y, groups = indexable(X, y, groups)
        check_rows(X)  # said with the width the user passed
        seed = to_seed(self.random_state)
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
        deadline = None if self.timeout is None else time.time() + self.timeout
        objective = Objective(
            self.estimator, space, rows[0], rows[1], splits,
            fold_params(fit_params, self.sample_indices_, n), self.scorer_,
            self.error_score, seed,
            prune=not isinstance(pruner, optuna.pruners.NopPruner),
            return_train_score=self.return_train_score,
            catch=check_catch(self.catch), max_iter=self.max_iter if partial else None,
            oof_store=store, log_level=log_level(self.verbose), deadline=deadline,
        )  # fmt: skip
        with optuna_log_level(self.verbose):
            self.study_, self.interrupted_ = run_study(
                objective, storage=self.storage, study=self.study,
                study_name=self.study_name, sampler=self.sampler, pruner=pruner,
                seed=seed, n_trials=1 if is_empty(space) else self.n_trials,
                deadline=deadline, n_jobs=self.n_jobs, n_workers=n_workers,
                callbacks=self.callbacks, show_progress_bar=self.verbose >= 1,
                initial=initial_params(
                    self.initial_trials, space, self.estimator,
                    default_space=self.param_distributions is None,
                    n_samples=min(len(train) for train, _ in splits),
                ),
            )  # fmt: skip
        self._store_results(objective)
        ensemble = None
        if store is not None:
            classes = np.unique(np.asarray(y)) if is_classifier(self) else None
            self.ensemble_weights_, self.ensemble_score_, ensemble = ensemble_of_trials(
                self.study_, store, self.estimator, rows[1], self.scorer_,
                self.ensemble_size, classes, self.ensemble_seeds,
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
