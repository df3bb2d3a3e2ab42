"""One Optuna trial: draw parameters, cross-validate on fixed folds, report, record why.

``subsample`` picks the rows and ``cv`` the folds, the same for every trial;
per-sample fit parameters are indexed per fold; each fold's scores and times
end up in the trial's user attributes. A Keras estimator reports each epoch
of its first fold to the pruner; with ``enable_pruning``, an estimator with
``partial_fit`` is trained one step at a time and the mean CV score is
reported after each step.

:class:`Objective` is what travels to worker processes: a plain picklable
object holding the data, the splits and the rules, with no reference to the
search object itself.
"""

from __future__ import annotations

import gc
import inspect
import json
import math
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from numbers import Integral
from typing import Any

import numpy as np
import optuna
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, resample
from sklearn.utils.validation import _num_samples

from .._backend import clear_compiled
from .._utils import derive_seed
from ..exceptions import InvalidSearchSpaceError
from ._ensemble import OutOfFoldStore, oof_response
from ._spaces import (
    SpaceFn,
    configured_clone,
    final_estimator_prefix,
    is_keras_estimator,
    resolve_param_names,
)

__all__ = [
    "FoldFailure",
    "FoldRecord",
    "NonFiniteLossError",
    "Objective",
    "cv_splits",
    "fold_params",
    "release_memory",
    "report_cv_scores",
    "subsample_indices",
]



# ------------------------------------------------------------- rows and folds
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
    rows = resample(
        np.arange(n_samples), replace=False, n_samples=size, random_state=random_state
    )
    return np.sort(rows)


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


# ------------------------------------------------------------------ one trial
#: Share of the training data held out for per-epoch pruning when the Keras
#: estimator has no validation split of its own.
PRUNING_VALIDATION_FRACTION = 0.2

#: What Optuna's ``check_distribution_compatibility`` says when a trial draws a
#: parameter from another distribution than the study's earlier trials did.
_OTHER_SPACE = ("dynamic value space", "to the same parameter name")


def _other_space(trial: optuna.trial.Trial, exc: ValueError) -> InvalidSearchSpaceError:
    return InvalidSearchSpaceError(
        f"Trial {trial.number} of study {trial.study.study_name!r} draws a parameter "
        "from another range or set of choices than the study's earlier trials "
        f"({exc}): this search space is not the one the study was made with, or "
        "it changes a parameter's range or choices from trial to trial (Optuna "
        "needs one per parameter name). Resume it with the same space (the "
        "default space holds the estimator's own layer width, so use the same "
        "estimator too), or start a new study with another study name. The "
        "study's trials are kept."
    )


class NonFiniteLossError(FloatingPointError):
    """The training loss of a trial became NaN or infinite."""


CLEAR_COMPILED_EVERY = 10  # trials between full collections (release_memory)


def release_memory(full: bool = False) -> None:
    """Free what the last trial left behind: Keras' state and garbage.

    With ``full``, also the backend's compiled functions, in a full
    collection: it costs ~0.4 s with JAX loaded, more than a tiny trial, so a
    search asks for it only before every ``CLEAR_COMPILED_EVERY``-th trial,
    never after its last one, whose compiled steps the refit of the best
    trial may reuse. Memory stays flat (benchmarks/bench_trial.py).
    """
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session(free_memory=False)
    if full:
        clear_compiled()
    gc.collect(2 if full else 1)


def report_cv_scores(trial: optuna.trial.Trial, scores: Sequence[float]) -> None:
    """Record the fold scores where Optuna's Terminator reads them.

    ``optuna.terminator.report_cross_validation_scores`` (the
    ``terminator:cv_scores`` attribute); skipped for a single fold and once
    Optuna no longer ships the (deprecated) module.
    """
    if len(scores) < 2:
        return
    try:
        from optuna.terminator import report_cross_validation_scores
    except ImportError:  # pragma: no cover - removed in Optuna 6
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in 4.9
        report_cross_validation_scores(trial, [float(v) for v in scores])


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _extra_kwargs(estimator: BaseEstimator, y: Any) -> dict[str, Any]:
    """``classes=`` for classifiers whose ``partial_fit`` needs them up front."""
    if y is None or not is_classifier(estimator):
        return {}
    if "classes" not in inspect.signature(estimator.partial_fit).parameters:
        return {}
    return {"classes": np.unique(np.asarray(y))}


@dataclass(eq=False)
class Objective:
    """The function Optuna optimizes: mean cross-validated score of one trial.

    Parameters
    ----------
    estimator : estimator
        The estimator to clone for each fold.
    space : callable
        ``space(trial) -> dict`` of parameters (names not yet resolved).
    X, y : array-like
        All the training data.
    splits : list of (train, test) index arrays
        The CV folds, the same for every trial.
    fit_params : dict
        Extra ``fit`` arguments; per-sample ones are indexed by fold.
    scorer : callable
        ``scorer(estimator, X, y) -> float``, greater is better.
    error_score : "raise" or float
        What a failing fit becomes (see :class:`OptunaSearchCV`).
    seed : int or None
        Seed from which each trial's ``random_state`` is derived.
    prune : bool
        Whether a pruner is active: report per-epoch values of the first fold
        and give Keras estimators a validation split if they have none.
    return_train_score : bool, default=False
        Also score each fold's training rows.
    catch : tuple of exception types, default=()
        Exceptions that fail the trial (recorded in ``fail_reason``) instead
        of stopping the search.
    max_iter : int or None, default=None
        With a number, trials train by ``partial_fit`` for up to ``max_iter``
        steps and report the mean CV score after each (``enable_pruning``).
    oof_store : OutOfFoldStore, optional
        Where a completed trial saves its out-of-fold predictions (for
        ``ensemble_size > 1``).
    log_level : int, optional
        Optuna's log level in the process running the trial (worker
        processes start with Optuna's default, INFO).
    deadline : float, optional
        ``time.time()`` at which the search's ``timeout`` ends: a trial still
        running then stops at the next epoch, step or fold, and is recorded
        as PRUNED with the user attribute ``stopped="timeout"``.
    """

    estimator: BaseEstimator
    space: SpaceFn
    X: Any
    y: Any
    splits: Sequence[tuple[np.ndarray, np.ndarray]]
    fit_params: Mapping[str, Any]
    scorer: Callable[..., float]
    error_score: str | float
    seed: int | None
    prune: bool
    _: KW_ONLY
    return_train_score: bool = False
    catch: tuple[type[BaseException], ...] = ()
    max_iter: int | None = None
    oof_store: OutOfFoldStore | None = None
    log_level: int | None = None
    deadline: float | None = None
    #: The first error that failed a trial in this process, and whether a
    #: different one failed another: one error failing every trial does not
    #: depend on the parameters, and is re-raised as the user's own.
    first_error: BaseException | None = field(default=None, init=False)
    other_errors: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.splits = list(self.splits)
        self.fit_params = dict(self.fit_params)

    def params(self, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        """Draw the trial's parameters, with names resolved for the estimator."""
        return resolve_param_names(self.space(trial), self.estimator)

    def make_estimator(
        self, params: Mapping[str, Any], random_state: int | None
    ) -> BaseEstimator:
        """Clone the estimator with ``params`` (and a derived ``random_state``)."""
        return configured_clone(self.estimator, params, random_state)

    def trial_random_state(self, params: Mapping[str, Any], number: int) -> int | None:
        """The ``random_state`` to give trial ``number``'s estimator, if any.

        Only when the search has a seed, the final estimator has a
        ``random_state`` parameter left to None, and the space does not set it.
        """
        prefix, final = final_estimator_prefix(self.estimator)
        own = final.get_params(deep=False)
        if (
            prefix + "random_state" in params
            or "random_state" not in own
            or own["random_state"] is not None
        ):
            return None
        return derive_seed(self.seed, number)

    def __call__(self, trial: optuna.trial.Trial) -> float:
        """Run one trial; return its mean CV score (NaN marks it failed)."""
        if self.log_level is not None:
            optuna.logging.set_verbosity(self.log_level)
        if trial.number and trial.number % CLEAR_COMPILED_EVERY == 0:
            release_memory(full=True)
        try:
            return self._run(trial)
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt:  # Optuna records the trial as FAIL
            trial.set_user_attr("fail_reason", "interrupted (Ctrl-C)")
            raise
        except self.catch as exc:
            self._remember(exc)
            trial.set_user_attr("fail_reason", f"{type(exc).__name__}: {exc}")
            return math.nan
        finally:
            release_memory()

    def _remember(self, exc: BaseException) -> None:
        if self.first_error is None:
            self.first_error = exc
        elif (type(exc), str(exc)) != (type(self.first_error), str(self.first_error)):
            self.other_errors = True

    def _fail(self, trial: optuna.trial.Trial, exc: BaseException, where: str) -> float:
        if self.error_score == "raise":
            raise exc
        self._remember(exc)
        reason = f"{where}: {type(exc).__name__}: {exc}"
        trial.set_user_attr("fail_reason", reason)
        if isinstance(self.error_score, float) and math.isnan(self.error_score):
            return math.nan
        warnings.warn(
            f"Trial {trial.number} failed ({reason}); its score is set to "
            f"error_score={self.error_score}.",
            FitFailedWarning,
            stacklevel=2,
        )
        return float(self.error_score)

    def _run(self, trial: optuna.trial.Trial) -> float:
        try:
            params = self.params(trial)
            if _jsonable(params):
                trial.set_user_attr("params", params)
            random_state = self.trial_random_state(params, trial.number)
            if random_state is not None:
                trial.set_user_attr("random_state", random_state)
            estimator = self.make_estimator(params, random_state)
        except (optuna.TrialPruned, InvalidSearchSpaceError):
            raise
        except Exception as exc:  # a user's space callable: a failed trial
            if isinstance(exc, ValueError) and any(t in str(exc) for t in _OTHER_SPACE):
                raise _other_space(trial, exc) from None
            return self._fail(trial, exc, "search space")
        prefix, final = final_estimator_prefix(estimator)
        keras = is_keras_estimator(final)
        if keras and self.prune:
            own = final.get_params(deep=False)
            if not own.get("validation_fraction") and not own.get("early_stopping"):
                estimator.set_params(
                    **{prefix + "validation_fraction": PRUNING_VALIDATION_FRACTION}
                )
        record = FoldRecord()
        try:
            if self.max_iter is not None:
                self._partial_fit_cv(trial, estimator, record)
            else:
                self._fit_cv(trial, estimator, record)
        except FoldFailure as failure:  # partial_fit: the trial's value
            return self._fail(trial, failure.error, failure.where)
        finally:
            record.save(trial, keras)
        if any(math.isnan(score) for score in record.scores):
            return math.nan
        report_cv_scores(trial, record.scores)
        if self.oof_store is not None and record.oof:
            self.oof_store.save(trial, record.oof)
        return float(np.mean(record.scores))

    def _fit_cv(
        self, trial: optuna.trial.Trial, estimator: BaseEstimator, record: FoldRecord
    ) -> None:
        """Fit and score every fold in ``record``; stop at the first NaN."""
        for fold in range(len(self.splits)):
            if fold:
                self._stop_at_deadline(trial, f"fold {fold - 1}")
            try:
                score = self._fold(trial, estimator, fold, record)
            except FoldFailure as failure:
                score = self._fail(trial, failure.error, failure.where)
            else:
                if not math.isfinite(score):
                    trial.set_user_attr("fail_reason", f"fold {fold}: score is {score}")
                    score = math.nan
            record.scores.append(score)
            if math.isnan(score):
                return

    def _partial_fit_cv(
        self,
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
        n_samples = _num_samples(self.X)
        splits = self.splits
        models = [clone(estimator) for _ in splits]
        extra = _extra_kwargs(estimator, self.y)
        record.fit_times = [0.0] * len(splits)
        record.score_times = [0.0] * len(splits)
        for step in range(int(self.max_iter or 0)):
            step_record = FoldRecord()
            for fold, (train, _) in enumerate(splits):
                params = {**fold_params(self.fit_params, train, n_samples), **extra}
                start = time.perf_counter()
                try:
                    models[fold].partial_fit(*self.rows(train), **params)
                except Exception as exc:
                    where = f"partial_fit of fold {fold}, step {step}"
                    raise FoldFailure(exc, where) from exc
                finally:
                    record.fit_times[fold] += time.perf_counter() - start
                score = self.score_fold(models[fold], fold, step_record)
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
                raise optuna.TrialPruned(
                    f"Trial {trial.number} pruned after step {step}."
                )
            self._stop_at_deadline(trial, f"step {step}")

    def _fold(
        self,
        trial: optuna.trial.Trial,
        estimator: BaseEstimator,
        fold: int,
        record: FoldRecord,
    ) -> float:
        """Fit and score one fold; raise ``FoldFailure`` or ``TrialPruned``."""
        train = self.splits[fold][0]
        estimator = clone(estimator)
        prefix, final = final_estimator_prefix(estimator)
        fit_params = fold_params(self.fit_params, train, _num_samples(self.X))
        callback = None
        if is_keras_estimator(final):
            from ._pruning import KerasPruningCallback

            callback = KerasPruningCallback(
                trial, report=self.prune and fold == 0, deadline=self.deadline
            )
            key = prefix + "callbacks"
            fit_params[key] = [*(fit_params.get(key) or []), callback]
        start = time.perf_counter()
        try:
            estimator.fit(*self.rows(train), **fit_params)
        except Exception as exc:
            raise FoldFailure(exc, f"fit of fold {fold}") from exc
        finally:
            record.fit_times.append(time.perf_counter() - start)
        if callback is not None:
            fitted = final_estimator_prefix(estimator)[1]
            record.epochs += len(getattr(fitted, "history_", {}).get("loss", []))
            if callback.nonfinite_epoch_ is not None:
                error = NonFiniteLossError(
                    f"the training loss became {callback.nonfinite_value_} at epoch "
                    f"{callback.nonfinite_epoch_}. Lower learning_rate, scale the "
                    "inputs or add l2/dropout."
                )
                raise FoldFailure(error, f"fold {fold}")
            if callback.pruned_epoch_ is not None:
                trial.set_user_attr("pruned_epoch", callback.pruned_epoch_)
                # Optuna gives a pruned trial its last reported value, here
                # -val_loss, which is not a score: a NaN last step leaves none.
                trial.report(math.nan, step=callback.last_step_ + 1)
                raise optuna.TrialPruned(
                    f"Trial {trial.number} pruned after epoch {callback.pruned_epoch_}."
                )
            if callback.stopped_epoch_ is not None:
                self._stop_at_deadline(
                    trial, f"epoch {callback.stopped_epoch_} of fold {fold}"
                )
        return self.score_fold(estimator, fold, record)

    def _stop_at_deadline(self, trial: optuna.trial.Trial, after: str) -> None:
        """Prune ``trial`` if the search's timeout has passed (after ``after``)."""
        if self.deadline is None or time.time() < self.deadline:
            return
        trial.set_user_attr("stopped", "timeout")
        # As for a pruned trial: a NaN last step leaves the trial without a value.
        trials = trial.study.get_trials(deepcopy=False)
        (frozen,) = [t for t in trials if t.number == trial.number]
        if frozen.intermediate_values:
            trial.report(math.nan, step=max(frozen.intermediate_values) + 1)
        raise optuna.TrialPruned(
            f"Trial {trial.number} stopped at the timeout, after {after}."
        )

    def score_fold(
        self, estimator: BaseEstimator, fold: int, record: FoldRecord
    ) -> float:
        """Score a fitted fold (and its training rows with ``return_train_score``)."""
        train, test = self.splits[fold]
        start = time.perf_counter()
        X_test, y_test = self.rows(test)
        try:
            score = float(self.scorer(estimator, X_test, y_test))
            if self.oof_store is not None:
                record.oof.append((test, oof_response(estimator, X_test)))
            if self.return_train_score:
                record.train_scores.append(
                    float(self.scorer(estimator, *self.rows(train)))
                )
        except Exception as exc:
            raise FoldFailure(exc, f"scoring of fold {fold}") from exc
        finally:
            record.score_times.append(time.perf_counter() - start)
        return score

    def rows(self, indices: np.ndarray) -> tuple[Any, Any]:
        """``(X, y)`` restricted to ``indices``."""
        y = None if self.y is None else _safe_indexing(self.y, indices)
        return _safe_indexing(self.X, indices), y
