"""Refitting a study's best trial, or an ensemble of its best trials, on all the data.

:func:`refit_best` fits the best trial's parameters again. An ensemble is
chosen by greedy selection over the trials' out-of-fold predictions (Caruana
et al. 2004, "Ensemble selection from libraries of models"): start
from an empty ensemble and, round after round, add (with replacement) the
trial whose out-of-fold predictions most improve the score of the ensemble's
averaged predictions. A trial picked ``c`` times of ``n`` rounds gets weight
``c / n``. The chosen trials are refit on all the data and combined by
weighted soft voting (scikit-learn's ``VotingClassifier`` /
``VotingRegressor``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import check_scoring
# make_scorer's scorers have no public class to recognise them by.
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing

from .._utils import derive_seed, to_seed
from ..exceptions import DataError
from ._spaces import configured_clone, final_estimator_prefix, resolve_param_names

__all__ = [
    "ENSEMBLE_CANDIDATES",
    "ENSEMBLE_ROUNDS",
    "OutOfFoldStore",
    "check_ensemble_scorer",
    "ensemble_of_trials",
    "greedy_ensemble",
    "make_voting_ensemble",
    "oof_response",
    "refit_best",
    "refit_ensemble",
    "seeded_copies",
    "trial_estimator",
]

#: Rounds of greedy selection; weights are multiples of 1 / ENSEMBLE_ROUNDS.
ENSEMBLE_ROUNDS = 25
#: Selection looks at the out-of-fold predictions of at most this many best
#: trials (and at least 4 x ensemble_size): what bounds its memory.
ENSEMBLE_CANDIDATES = 20


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


def _score(
    values: np.ndarray, y: np.ndarray, scorer: Callable[..., float], classes: Any
) -> float:
    """``scorer`` applied to fixed predictions (probabilities renormalized)."""
    values = np.asarray(values, dtype=np.float64)
    if classes is None:
        estimator: _Predictions = _RegressorPredictions(
            values.ravel() if values.shape[1] == 1 else values
        )
    else:  # float32 sums drift from 1, which log_loss warns about
        estimator = _ClassifierPredictions(values / values.sum(axis=1, keepdims=True), classes)
    return float(scorer(estimator, np.zeros((len(y), 1)), y))


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
    y = np.asarray(y)
    counts: dict[int, int] = {}
    total = np.zeros_like(np.asarray(predictions[keys[0]], dtype=np.float64))
    for step in range(1, rounds + 1):
        allowed = keys if len(counts) < size else list(counts)
        best_key, best_score = allowed[0], -np.inf
        for key in allowed:
            candidate = _score((total + predictions[key]) / step, y, scorer, classes)
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


class OutOfFoldStore:
    """Out-of-fold predictions of each trial, one ``.npy`` file per trial.

    Files are named ``trial_<number>_<start time>.npy``.

    Files (float32, ``n_samples x n_columns``) rather than memory, so that
    trials run in other processes contribute too and the search holds only
    the candidates it selects from.

    Parameters
    ----------
    n_samples : int
        Rows of the training data.
    directory : str, optional
        A folder to keep the files in (e.g. next to a persistent study, for
        workers on one machine); it is created if needed and left in place.
        None uses a temporary folder, removed when the store is garbage
        collected (or at exit).
    """

    def __init__(self, n_samples: int, directory: str | None = None) -> None:
        self.n_samples = n_samples
        if directory is None:
            self.directory = tempfile.mkdtemp(prefix="kerasopt-oof-")
            weakref.finalize(self, shutil.rmtree, self.directory, ignore_errors=True)
        else:
            os.makedirs(directory, exist_ok=True)
            self.directory = str(directory)

    def _path(self, trial: Any) -> str:
        # The start time tells apart trials of equal numbers (a study deleted
        # and created again under the same name, with the same folder).
        start = trial.datetime_start
        stamp = "" if start is None else start.strftime("_%Y%m%dT%H%M%S%f")
        return os.path.join(self.directory, f"trial_{trial.number}{stamp}.npy")

    def save(self, trial: Any, folds: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Write ``trial``'s predictions from ``(test_indices, values)`` pairs.

        ``trial`` is an Optuna trial (its ``number`` and ``datetime_start``
        name the file). Rows in no test fold stay NaN; rows in several are
        averaged.
        """
        width = folds[0][1].shape[1]
        total = np.zeros((self.n_samples, width), dtype=np.float64)
        count = np.zeros(self.n_samples)
        for test, values in folds:
            np.add.at(total, test, values)
            np.add.at(count, test, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            oof = (total / count[:, None]).astype(np.float32)
        np.save(self._path(trial), oof)

    def load(self, trial: Any) -> np.ndarray | None:
        """``trial``'s predictions, or None if it saved none.

        A file of another row count (left by a study on other data) is None.
        """
        path = self._path(trial)
        if not os.path.exists(path):
            return None
        values = np.load(path)
        return values if len(values) == self.n_samples else None


def ensemble_of_trials(
    study: optuna.Study,
    store: OutOfFoldStore,
    estimator: BaseEstimator,
    y: Any,
    scorer: Callable[..., float],
    size: int,
    classes: np.ndarray | None,
    seeds: int = 1,
) -> tuple[dict[int, float], float, VotingClassifier | VotingRegressor]:
    """Choose the ensemble of a finished study's trials.

    Parameters
    ----------
    study : optuna.Study
        The search's study (maximized).
    store : OutOfFoldStore
        Where the trials saved their out-of-fold predictions.
    estimator : estimator
        The estimator the search tuned (cloned for each member).
    y : array-like
        The training target.
    scorer : callable
        The search's scorer.
    size : int
        ``ensemble_size``: at most this many distinct members.
    classes : ndarray or None
        Class labels (sorted, the column order of ``predict_proba``) for
        classifiers.
    seeds : int, default=1
        Fits of each chosen trial, with other seeds of its network
        (:func:`seeded_copies`), sharing its weight.

    Returns
    -------
    weights : dict
        Trial number -> weight, best first.
    score : float
        The ensemble's score on the out-of-fold predictions (optimistic: the
        selection saw the same rows).
    ensemble : VotingClassifier or VotingRegressor
        Unfitted (:func:`make_voting_ensemble`): members named
        ``trial_<number>`` (then ``trial_<number>_seed<i>``), configured as in
        their trials, with ``weights``.
    """
    complete = [
        t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.value is not None and np.isfinite(t.value)
    ]  # fmt: skip
    complete.sort(key=lambda t: -float(t.value))
    predictions: dict[int, np.ndarray] = {}
    for trial in complete[: max(ENSEMBLE_CANDIDATES, 4 * size)]:
        values = store.load(trial)
        if values is not None:
            predictions[trial.number] = values
    if len(predictions) < size:
        warnings.warn(
            f"ensemble_size={size}, but only {len(predictions)} trial(s) completed "
            f"with predictions to ensemble: using {len(predictions)}.",
            UserWarning,
            stacklevel=3,
        )
    if not predictions:
        raise DataError(
            f"No complete trial of study {study.study_name!r} left out-of-fold "
            f"predictions for these {store.n_samples} rows in {store.directory!r}. "
            "Run the search with ensemble_size > 1 (and this ensemble_dir) on the "
            "same rows, or refit the best trial alone (refit_best)."
        )
    covered = np.all(np.isfinite(np.stack(list(predictions.values()))), axis=(0, 2))
    rows = np.flatnonzero(covered)
    y_rows = _safe_indexing(y, rows)
    weights = greedy_ensemble(
        {k: v[rows] for k, v in predictions.items()}, y_rows, scorer, size,
        classes=classes,
    )  # fmt: skip
    blend = sum(w * predictions[k][rows] for k, w in weights.items())
    score = _score(blend, np.asarray(y_rows), scorer, classes)
    by_number = {t.number: t for t in complete}
    members, shares = [], []
    for number, weight in weights.items():
        copies = seeded_copies(trial_estimator(estimator, by_number[number]), seeds)
        members += [
            (f"trial_{number}" + (f"_seed{i + 1}" if i else ""), copy)
            for i, copy in enumerate(copies)
        ]
        shares += [weight / len(copies)] * len(copies)
    ensemble = make_voting_ensemble(members, shares, classes is not None)
    return weights, score, ensemble


def seeded_copies(estimator: BaseEstimator, seeds: int) -> list[BaseEstimator]:
    """``estimator`` and ``seeds - 1`` clones whose final step has other seeds.

    The clones' ``random_state`` values are derived from the estimator's own
    (independent ``SeedSequence`` streams; unseeded stays unseeded, and each
    fit then differs anyway). A final step without a ``random_state``
    parameter fits the same way every time: ``estimator`` alone.
    """
    prefix, final = final_estimator_prefix(estimator)
    own = final.get_params(deep=False)
    if seeds <= 1 or "random_state" not in own:
        return [estimator]
    seed = to_seed(own["random_state"])
    copies = [clone(estimator) for _ in range(1, seeds)]
    for i, copy in enumerate(copies, start=1):
        copy.set_params(**{prefix + "random_state": derive_seed(seed, i)})
    return [estimator, *copies]


def trial_estimator(
    estimator: BaseEstimator,
    trial: optuna.trial.FrozenTrial,
    params: Mapping[str, Any] | None = None,
) -> BaseEstimator:
    """An unfitted clone of ``estimator`` configured as in ``trial``.

    ``params`` default to the trial's ``params`` user attribute (names
    resolved, layer sizes assembled), else Optuna's raw ``trial.params`` for
    studies made elsewhere; the trial's ``random_state`` user attribute, when
    present, goes to the final step, as during the search.
    """
    if params is None:
        params = resolve_param_names(
            trial.user_attrs.get("params", trial.params), estimator
        )
    return configured_clone(estimator, params, trial.user_attrs.get("random_state"))


def refit_best(
    estimator: BaseEstimator,
    best: optuna.Study | optuna.trial.FrozenTrial,
    X: Any,
    y: Any = None,
    *,
    params: Mapping[str, Any] | None = None,
    **fit_params: Any,
) -> BaseEstimator:
    """Fit a clone of ``estimator`` with the best trial's parameters on all the data.

    Parameters
    ----------
    estimator : estimator
        The estimator (or Pipeline) the study tuned; it is cloned, not changed.
    best : optuna.Study or optuna.trial.FrozenTrial
        A study (its ``best_trial`` is used) or the trial to refit.
    X, y : array-like
        All the training data.
    params : mapping, default=None
        The estimator parameters to set. ``None`` reads the ``params`` user
        attribute that :class:`OptunaSearchCV` records on each trial (names
        resolved, layer sizes assembled), falling back to Optuna's raw
        ``trial.params`` for studies made elsewhere.
    **fit_params : dict
        Passed to ``fit``.

    Returns
    -------
    estimator
        The fitted clone. The trial's ``random_state`` user attribute, when
        present, is given to the final step, as during the search.

    Examples
    --------
    >>> import optuna
    >>> from sklearn.linear_model import LogisticRegression
    >>> study = optuna.create_study(direction="maximize")
    >>> study.add_trial(optuna.trial.create_trial(
    ...     params={"C": 0.5}, value=0.9,
    ...     distributions={"C": optuna.distributions.FloatDistribution(0.1, 1)}))
    >>> model = refit_best(LogisticRegression(), study, [[0], [1]], [0, 1])
    >>> model.C
    0.5
    """
    trial = best.best_trial if isinstance(best, optuna.Study) else best
    return trial_estimator(estimator, trial, params).fit(X, y, **fit_params)


def refit_ensemble(
    estimator: BaseEstimator,
    study: optuna.Study,
    X: Any,
    y: Any,
    *,
    ensemble_dir: str | os.PathLike[str],
    ensemble_size: int = 5,
    ensemble_seeds: int = 3,
    scoring: str | Callable[..., float] | None = None,
    **fit_params: Any,
) -> VotingClassifier | VotingRegressor:
    """Choose an ensemble of a stored study's trials and fit it on all the data.

    What ``OptunaSearchCV(ensemble_size=k, ensemble_dir=...)`` does after its
    study, for a study run earlier: greedy selection (Caruana et al. 2004)
    over the out-of-fold predictions the trials left in ``ensemble_dir``.

    Parameters
    ----------
    estimator : estimator
        The estimator (or Pipeline) the study tuned; cloned for each member.
    study : optuna.Study
        The study (maximized).
    X, y : array-like
        All the training data: the rows the trials' predictions were made on.
    ensemble_dir : str or path-like
        The search's ``ensemble_dir``.
    ensemble_size : int, default=5
        At most this many distinct members (fewer, with a warning, when fewer
        trials left predictions).
    ensemble_seeds : int, default=3
        Fits of each member, with other seeds of its network, sharing its
        weight (as ``OptunaSearchCV(ensemble_seeds=...)``).
    scoring : str, callable or None, default=None
        The search's ``scoring``.
    **fit_params : dict
        Passed to each member's ``fit``.

    Returns
    -------
    VotingClassifier or VotingRegressor
        Fitted, weighted soft voting; members are named ``trial_<number>``
        (its other seeds ``trial_<number>_seed<i>``).

    Raises
    ------
    kerasopt.exceptions.DataError
        If no complete trial left predictions for these rows in ``ensemble_dir``.
    """
    store = OutOfFoldStore(len(y), os.fspath(ensemble_dir))
    classes = np.unique(np.asarray(y)) if is_classifier(estimator) else None
    _, _, ensemble = ensemble_of_trials(
        study, store, estimator, y, check_scoring(estimator, scoring=scoring),
        ensemble_size, classes, ensemble_seeds,
    )  # fmt: skip
    return ensemble.fit(X, y, **fit_params)
