"""OptunaSearchCV: sklearn contract, spaces, faults, resume, parallel, Keras."""

from __future__ import annotations

import gc
import os
import pickle
import sys
import tempfile
import threading
import time
import types
import warnings
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_iris, make_regression
from sklearn.decomposition import PCA
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import ShuffleSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from kerasopt.exceptions import InvalidSearchSpaceError, StorageError
from kerasopt.search import LayerSizes, OptunaSearchCV
from kerasopt.search._study import (
    StudyProgress,
    TimeoutReached,
    enqueue_initial,
    observing,
    run_workers,
    worker_count,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

C_SPACE = {"C": FloatDistribution(1e-2, 1e2, log=True)}


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return X[::2], y[::2]  # 75 rows


def _logreg() -> LogisticRegression:
    # newton-cg: 10x faster than lbfgs on tiny data
    return LogisticRegression(solver="newton-cg", max_iter=200)


# --------------------------------------------------------------- contract
def test_classification_attributes(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=3, cv=3, random_state=0)
    search.fit(X, y)
    assert is_classifier(search)
    assert set(search.best_params_) == {"C"}
    assert search.best_estimator_.C == search.best_params_["C"]
    assert search.n_trials_ == 3 and search.n_splits_ == 3
    assert (
        search.best_trial_.number
        == search.cv_results_["trial_number"][search.best_index_]
    )
    results = search.cv_results_
    for key in (
        "params",
        "param_C",
        "split2_test_score",
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "mean_fit_time",
        "std_score_time",
    ):
        assert len(results[key]) == 3, key  # fmt: skip
    best = search.best_index_
    assert results["rank_test_score"][best] == 1
    assert results["mean_test_score"][best] == pytest.approx(search.best_score_)
    splits = [results[f"split{k}_test_score"][best] for k in range(3)]
    assert np.mean(splits) == pytest.approx(search.best_score_)
    assert search.refit_time_ > 0
    assert search.predict(X).shape == (len(X),)
    assert search.predict_proba(X).shape == (len(X), 3)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    assert search.score(X, y) == pytest.approx(search.best_estimator_.score(X, y))
    assert not hasattr(search, "transform")
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))


def test_regression_and_scoring() -> None:
    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
    search = OptunaSearchCV(
        Ridge(), {"alpha": FloatDistribution(1e-3, 10, log=True)},
        n_trials=2, cv=2, scoring="neg_mean_absolute_error", random_state=0,
    )  # fmt: skip
    search.fit(X, y)
    assert is_regressor(search)
    assert search.best_score_ < 0  # a negated error
    assert not hasattr(search, "predict_proba")
    assert search.score(X, y) == pytest.approx(-np.mean(np.abs(search.predict(X) - y)))


def test_params_and_clone() -> None:
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, sampler="random")
    params = search.get_params()
    assert params["estimator__max_iter"] == 200 and params["n_trials"] == 2
    search.set_params(estimator__max_iter=50, n_trials=4)
    cloned = clone(search)
    assert cloned.estimator.max_iter == 50 and cloned.n_trials == 4
    assert cloned.param_distributions == C_SPACE


def test_nested_cv_and_pipeline_step(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, cv=2, random_state=0)
    scores = cross_val_score(search, X, y, cv=2)
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    pipe = make_pipeline(StandardScaler(), search).fit(X, y)
    assert pipe.score(X, y) > 0.8


def test_pipeline_names_without_prefix(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    pipe = make_pipeline(StandardScaler(), _logreg())
    space = {
        "C": FloatDistribution(1e-2, 1e2, log=True),
        "standardscaler__with_mean": CategoricalDistribution([True, False]),
    }
    search = OptunaSearchCV(pipe, space, n_trials=2, cv=2, random_state=0).fit(X, y)
    assert set(search.best_params_) == {
        "logisticregression__C",
        "standardscaler__with_mean",
    }
    assert "param_logisticregression__C" in search.cv_results_


def test_transform_of_best_estimator(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = iris
    search = OptunaSearchCV(
        PCA(), {"n_components": IntDistribution(1, 3)}, n_trials=2, cv=2, random_state=0
    ).fit(X)
    assert search.transform(X).shape == (len(X), search.best_params_["n_components"])
    assert not hasattr(search, "predict")


def test_refit_false(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, cv=2, refit=False).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    assert "C" in search.best_params_
    with pytest.raises(AttributeError) as info:
        search.predict(X)
    assert "refit=False" in str(info.value.__cause__)


def _conditional_space(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    if trial.suggest_categorical("regularize", [True, False]):
        return {"C": trial.suggest_float("C", 1e-2, 1.0, log=True)}
    return {"C": 1e6}


def test_callable_space(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(
        _logreg(),
        _conditional_space,
        n_trials=6,
        cv=2,
        sampler="random",
        random_state=1,
    ).fit(X, y)
    draws = search.cv_results_["params"]
    assert {d["C"] == 1e6 for d in draws} == {True, False}
    for trial, params in zip(search.study_.trials, draws, strict=True):
        assert ("C" in trial.params) == (params["C"] != 1e6)


# ----------------------------------------------------------------- errors
def test_unknown_parameter_fails_before_any_trial(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    X, y = iris
    storage = f"sqlite:///{tmp_path / 's.db'}"
    search = OptunaSearchCV(
        _logreg(), {"CC": FloatDistribution(0.1, 1)}, storage=storage
    )
    with pytest.raises(InvalidSearchSpaceError, match=r"'CC'.*Did you mean 'C'\?"):
        search.fit(X, y)
    assert not os.path.exists(tmp_path / "s.db")  # nothing half-written


def test_default_space_needs_a_kerasopt_estimator(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    with pytest.raises(
        InvalidSearchSpaceError, match="param_distributions=None.*LogisticRegression"
    ):
        OptunaSearchCV(_logreg()).fit(*iris)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"n_trials": 0}, InvalidParameterError, "'n_trials' parameter"),
        ({"initial_trials": "none"}, InvalidParameterError,
         "'initial_trials' parameter.*'estimator'"),
        ({"error_score": "ignore"}, InvalidParameterError,
         "error_score must be 'raise' or numeric, but got 'ignore'"),
        ({"sampler": "tpee"}, ValueError, r"Did you mean 'tpe'\?"),
        ({"pruner": "hyperbad"}, ValueError, r"Did you mean 'hyperband'\?"),
        ({"n_jobs": 0}, ValueError, "n_jobs must be a positive int"),
        ({"param_distributions": 3}, InvalidSearchSpaceError,
         "param_distributions must be None"),
    ],
)  # fmt: skip
def test_invalid_parameters(
    iris: tuple[np.ndarray, np.ndarray], params: dict[str, Any], error: type, match: str
) -> None:
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=1, cv=2).set_params(**params)
    with pytest.raises(error, match=match):
        search.fit(*iris)


def _every_other_invalid(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    c = trial.suggest_float("C", 0.1, 1.0)
    return {"C": -1.0 if trial.number % 2 else c}  # C < 0: LogisticRegression raises


def test_failed_trials_are_recorded_and_search_goes_on(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    search = OptunaSearchCV(_logreg(), _every_other_invalid, n_trials=4, cv=2).fit(X, y)
    states = list(search.cv_results_["state"])
    assert states == ["COMPLETE", "FAIL", "COMPLETE", "FAIL"]
    failed = search.study_.trials[1]
    assert "fit of fold 0" in failed.user_attrs["fail_reason"]
    assert "'C'" in failed.user_attrs["fail_reason"]
    assert np.isnan(search.cv_results_["mean_test_score"][1])
    assert search.cv_results_["rank_test_score"][1] > 2
    assert search.best_params_["C"] > 0


def test_error_score_raise_and_number(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(_logreg(), _every_other_invalid, n_trials=2, cv=2,
                            error_score="raise")  # fmt: skip
    with pytest.raises(InvalidParameterError, match="'C' parameter"):
        search.fit(X, y)
    search.set_params(error_score=-1.0)
    with pytest.warns(FitFailedWarning, match=r"Trial 1 failed.*error_score=-1.0"):
        search.fit(X, y)
    assert list(search.cv_results_["mean_test_score"])[1] == -1.0
    assert list(search.cv_results_["state"]) == ["COMPLETE", "COMPLETE"]


def test_all_trials_failing_is_a_clear_error(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    search = OptunaSearchCV(
        _logreg(), {"C": FloatDistribution(-2, -1)}, n_trials=2, cv=2
    )
    with pytest.raises(ValueError, match=r"No trial .* completed .*'C' parameter"):
        search.fit(*iris)


def _interrupt_at_trial_2(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    if trial.number == 2 and isinstance(trial, optuna.trial.Trial):
        raise KeyboardInterrupt
    return {"C": trial.suggest_float("C", 0.1, 1.0)}


def _interrupt_at_once(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_completed_trials(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    search = OptunaSearchCV(_logreg(), _interrupt_at_trial_2, n_trials=5, cv=2)
    with pytest.warns(UserWarning, match="interrupted"):
        search.fit(X, y)
    assert search.interrupted_
    assert list(search.cv_results_["state"]) == ["COMPLETE", "COMPLETE", "FAIL"]
    assert search.predict(X).shape == (len(X),)
    with pytest.raises(KeyboardInterrupt):
        OptunaSearchCV(_logreg(), _interrupt_at_once, n_trials=2, cv=2).fit(X, y)


def test_reproducible_with_random_state(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris

    def run(seed: int) -> list[dict[str, Any]]:
        search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=3, cv=2, refit=False,
                                random_state=seed).fit(X, y)  # fmt: skip
        return [t.params for t in search.study_.trials]

    assert run(0) == run(0)
    assert run(0) != run(1)


def test_an_interrupted_trial_is_stored_with_its_reason(
    iris: tuple[np.ndarray, np.ndarray]
) -> None:
    class Interrupted(LogisticRegression):
        def fit(self, X, y, **kwargs):
            raise KeyboardInterrupt  # Ctrl-C in the middle of a trial

    study = optuna.create_study(direction="maximize")
    with pytest.raises(KeyboardInterrupt):
        OptunaSearchCV(Interrupted(), C_SPACE, n_trials=2, cv=2, study=study).fit(*iris)
    (trial,) = study.trials
    assert trial.state.name == "FAIL"
    assert trial.user_attrs["fail_reason"] == "interrupted (Ctrl-C)"


_SEEN_RUNNING = threading.Event()


class _WaitsForProgress(LogisticRegression):
    def fit(self, X, y, **kwargs):
        # Ends once the search's progress has shown this trial running.
        assert _SEEN_RUNNING.wait(timeout=60), "no refresh during the trial"
        return super().fit(X, y, **kwargs)


def test_progress_is_refreshed_during_a_trial(
    iris: tuple[np.ndarray, np.ndarray]
) -> None:
    _SEEN_RUNNING.clear()
    states: list[StudyProgress] = []

    class Observer:
        def opened(self, study: optuna.Study) -> None:
            pass

        def progress(self, progress: StudyProgress) -> None:
            states.append(progress)
            if progress.counts["RUNNING"]:
                _SEEN_RUNNING.set()

    with observing(Observer()):
        OptunaSearchCV(
            _WaitsForProgress(), C_SPACE, n_trials=1, cv=2, timeout=600
        ).fit(*iris)
    running = [s for s in states if s.counts["RUNNING"] == 1]
    assert running and running[0].seconds_left is not None
    assert states[-1].done == 1 and states[-1].counts["RUNNING"] == 0


class _SlowSecondTrial(LogisticRegression):
    calls = 0

    def fit(self, X, y, **kwargs):
        type(self).calls += 1
        if type(self).calls == 3:  # the first fold of the second trial
            time.sleep(2.2)  # past the 2-second timeout
        return super().fit(X, y, **kwargs)


def test_the_timeout_stops_the_running_trial_and_says_so(
    iris: tuple[np.ndarray, np.ndarray]
) -> None:
    _SlowSecondTrial.calls = 0
    search = OptunaSearchCV(
        _SlowSecondTrial(), C_SPACE, n_trials=5, cv=2, timeout=2, refit=False
    )
    with pytest.warns(TimeoutReached) as caught:
        search.fit(*iris)
    (warning,) = [w.message for w in caught if isinstance(w.message, TimeoutReached)]
    assert (warning.finished, warning.asked, warning.stopped) == (2, 5, 1)
    assert "2 finished trials of the 5 asked (1 stopped at the deadline" in str(warning)
    first, second = search.trials_
    assert first.state.name == "COMPLETE"
    assert second.state.name == "PRUNED" and second.value is None
    assert second.user_attrs["stopped"] == "timeout"
    assert _SlowSecondTrial.calls == 3  # its second fold never started


@pytest.mark.slow
def test_the_timeout_stops_a_keras_trial_at_the_end_of_an_epoch(
    iris: tuple[np.ndarray, np.ndarray]
) -> None:
    from kerasopt import KerasClassifier

    study = optuna.create_study(direction="maximize")
    search = OptunaSearchCV(
        KerasClassifier(hidden_layer_sizes=(4,), epochs=100_000, random_state=0),
        {"learning_rate": FloatDistribution(1e-3, 1e-2)},
        n_trials=1, cv=2, timeout=3, pruner="none", study=study,
    )  # fmt: skip
    with pytest.raises(ValueError, match="stopped at the timeout"):
        with pytest.warns(TimeoutReached):
            search.fit(*iris)
    (trial,) = study.trials
    assert trial.state.name == "PRUNED" and trial.user_attrs["stopped"] == "timeout"
    assert 0 < trial.user_attrs["epochs_trained"] < 100_000


def test_no_rows_is_said_with_the_width_passed() -> None:
    X = pd.DataFrame({f"c{i}": pd.Series([], dtype=float) for i in range(22)})
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=1)
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 22\)\)"):
        search.fit(X, pd.Series([], dtype=int))


# ------------------------------------------------------- storage & resume
def test_resume_counts_trials_in_total(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    X, y = iris
    kwargs = {"storage": f"sqlite:///{tmp_path / 'study.db'}", "study_name": "iris",
              "cv": 2, "random_state": 0}  # fmt: skip
    first = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, **kwargs).fit(X, y)
    first_params = [t.params for t in first.study_.trials]
    second = OptunaSearchCV(_logreg(), C_SPACE, n_trials=5, **kwargs).fit(X, y)
    assert second.n_trials_ == 5
    assert [t.params for t in second.study_.trials[:2]] == first_params
    third = OptunaSearchCV(_logreg(), C_SPACE, n_trials=5, **kwargs).fit(X, y)
    assert third.n_trials_ == 5  # already done: no new trial
    assert third.best_params_ == second.best_params_


def test_resuming_with_a_fixed_random_state_draws_new_parameters(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    def draws(storage: str) -> list[float]:
        for n_trials in (1, 2, 3):  # a stored study, resumed twice
            search = OptunaSearchCV(
                _logreg(), C_SPACE, n_trials=n_trials, cv=2, random_state=0,
                storage=storage, study_name="again",
            ).fit(*iris)  # fmt: skip
        return [t.params["C"] for t in search.trials_]

    first = draws(f"sqlite:///{tmp_path / 'a.db'}")
    assert len(set(first)) == 3, first
    assert draws(f"sqlite:///{tmp_path / 'b.db'}") == first  # still reproducible


def test_the_budget_counts_trials_of_other_processes(
    iris: tuple[np.ndarray, np.ndarray]
) -> None:
    study = optuna.create_study(direction="maximize")

    def other_process(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        # Another worker on the same storage finishes a trial meanwhile.
        study.add_trial(optuna.trial.create_trial(
            params={"C": 1.0}, distributions=C_SPACE, value=0.5))  # fmt: skip

    search = OptunaSearchCV(
        _logreg(), C_SPACE, n_trials=6, cv=2, study=study, callbacks=[other_process]
    ).fit(*iris)
    assert search.n_trials_ == 6  # 3 here, 3 elsewhere: the total is met
    assert sum("split_test_scores" in t.user_attrs for t in study.trials) == 3


def test_resuming_with_another_space_is_refused_and_keeps_the_study(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    kwargs = {"storage": storage, "study_name": "solver", "cv": 2, "refit": False}
    space = {"solver": CategoricalDistribution(["lbfgs", "newton-cg"])}
    OptunaSearchCV(_logreg(), space, n_trials=2, **kwargs).fit(*iris)
    other = {"solver": CategoricalDistribution(["lbfgs", "saga"])}
    with pytest.raises(InvalidSearchSpaceError,
                       match="not the one the study was made with.*another study name"):
        OptunaSearchCV(_logreg(), other, n_trials=4, **kwargs).fit(*iris)
    study = optuna.load_study(study_name="solver", storage=storage)
    assert [t.state.name for t in study.trials][:2] == ["COMPLETE", "COMPLETE"]


def test_resume_refuses_a_minimizing_study(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    optuna.create_study(storage=storage, study_name="loss", direction="minimize")
    search = OptunaSearchCV(_logreg(), C_SPACE, storage=storage, study_name="loss")
    with pytest.raises(StorageError, match="'loss'.*minimizes.*another study_name"):
        search.fit(*iris)


# --------------------------------------------------------- initial trials
def test_the_first_trial_is_the_estimators_own_and_a_resume_queues_none(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    X, y = iris
    kwargs = {"storage": f"sqlite:///{tmp_path / 'study.db'}", "study_name": "own",
              "cv": 2, "random_state": 0, "refit": False}  # fmt: skip
    first = OptunaSearchCV(_logreg().set_params(C=3.0), C_SPACE, n_trials=2, **kwargs)
    trials = first.fit(X, y).trials_
    assert trials[0].params == {"C": 3.0}
    assert trials[0].user_attrs["initial"] == "estimator"
    assert "initial" not in trials[1].user_attrs  # a space of one's own: no portfolio
    second = OptunaSearchCV(_logreg().set_params(C=3.0), C_SPACE, n_trials=4, **kwargs)
    trials = second.fit(X, y).trials_
    assert len(trials) == 4
    assert [t.params["C"] for t in trials].count(3.0) == 1
    assert [t.number for t in trials if "initial" in t.user_attrs] == [0]


def test_initial_trials_none_leaves_every_trial_to_the_sampler(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    search = OptunaSearchCV(_logreg().set_params(C=3.0), C_SPACE, n_trials=2,
                            cv=2, initial_trials=None, random_state=0)  # fmt: skip
    for trial in search.fit(*iris).trials_:
        assert trial.params["C"] != 3.0 and "initial" not in trial.user_attrs


def test_queued_trials_fit_the_budget_and_each_runs_once() -> None:
    study = optuna.create_study(direction="maximize")
    queued = [(label, {"x": x}) for label, x in (("a", 1), ("b", 2), ("c", 3))]
    assert enqueue_initial(study, queued, n_trials=2) == 2  # not more than the budget

    def objective(trial: optuna.trial.Trial) -> float:
        time.sleep(0.05)  # both workers take queued trials
        return trial.suggest_int("x", 0, 10)

    with joblib.parallel_config(backend="threading"):
        run_workers(study, objective, storage=study, n_trials=4, n_workers=2,
                    timeout=None, sampler="random", seed=0, callbacks=None)  # fmt: skip
    labels = [t.user_attrs.get("initial") for t in study.trials]
    assert sorted(filter(None, labels)) == ["a", "b"]
    assert sorted(t.params["x"] for t in study.trials if "initial" in t.user_attrs) == [
        1, 2]  # fmt: skip
    assert enqueue_initial(study, queued, n_trials=8) == 0  # the study has trials


# --------------------------------------------------------------- parallel
def test_n_jobs_counts_as_joblib_does() -> None:
    assert worker_count(-1) == joblib.cpu_count()
    assert worker_count(None) == 1
    with joblib.parallel_config(n_jobs=3):  # honoured, as joblib's own searches do
        assert worker_count(None) == 3


def _pid_space(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    if isinstance(trial, optuna.trial.Trial):
        trial.set_user_attr("pid", os.getpid())
    return {"C": trial.suggest_float("C", 1e-2, 1e2, log=True)}


def test_parallel_processes_share_a_temporary_journal(
    iris: tuple[np.ndarray, np.ndarray], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    X, y = iris
    search = OptunaSearchCV(_logreg(), _pid_space, n_trials=4, cv=2, n_jobs=2,
                            random_state=0).fit(X, y)  # fmt: skip
    # Two racing workers may finish one trial more than asked (documented).
    assert search.n_trials_ in (4, 5)
    assert set(search.cv_results_["state"]) == {"COMPLETE"}
    # Which worker runs how many trials depends on how fast each one starts.
    pids = {t.user_attrs["pid"] for t in search.study_.trials}
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids
    assert search.predict(X).shape == (len(X),)
    assert list(tmp_path.iterdir()) == []  # temporary journal removed


def test_parallel_refuses_an_in_memory_storage(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    memory = optuna.storages.InMemoryStorage()
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, n_jobs=2, storage=memory)
    with pytest.raises(StorageError, match="cannot share an in-memory storage"):
        search.fit(*iris)


# ----------------------------------------------------------------- memory
def test_keras_state_released_after_each_trial(
    iris: tuple[np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"clear_session": 0, "gc": 0}
    collect = gc.collect

    def clear_session(*args: Any, **kwargs: Any) -> None:
        calls["clear_session"] += 1

    def gc_collect(*args: Any) -> int:
        calls["gc"] += 1
        return collect(*args)

    # A stand-in for an imported Keras (importing the real one costs seconds;
    # the Keras tests below run with the real one).
    fake_keras = types.SimpleNamespace(
        backend=types.SimpleNamespace(clear_session=clear_session)
    )
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    monkeypatch.setattr(gc, "collect", gc_collect)
    OptunaSearchCV(_logreg(), C_SPACE, n_trials=3, cv=2, refit=False).fit(*iris)
    assert calls["clear_session"] == 3
    assert calls["gc"] >= 3


# ------------------------------------------------------------------ Keras
# One train/test split instead of k folds: each Keras fit costs a graph trace.
HOLDOUT = ShuffleSplit(n_splits=1, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def table() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    n = 60
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": rng.normal(size=n),
        "color": rng.choice(["red", "green", "blue"], n),
    })  # fmt: skip
    y = np.where(X["a"] + (X["color"] == "red") > 0.3, "yes", "no")
    return X, y


@pytest.mark.slow
def test_keras_pipeline_with_categoricals_default_space(
    table: tuple[pd.DataFrame, np.ndarray],
) -> None:
    from kerasopt.estimators import KerasClassifier
    from kerasopt.preprocessing import make_tabular_pipeline

    X, y = table
    pipe = make_tabular_pipeline(KerasClassifier(epochs=2))
    search = OptunaSearchCV(pipe, n_trials=2, cv=HOLDOUT, random_state=0).fit(X, y)
    assert is_classifier(search)
    assert all(k.startswith("kerasclassifier__") for k in search.best_params_)
    sizes = search.best_params_["kerasclassifier__hidden_layer_sizes"]
    assert isinstance(sizes, tuple) and 1 <= len(sizes) <= 4
    assert search.best_params_["kerasclassifier__epochs"] <= 2
    assert set(search.predict(X)) <= {"yes", "no"}
    assert search.predict_proba(X).shape == (len(X), 2)
    random_state = search.best_trial_.user_attrs["random_state"]
    assert search.best_estimator_[-1].random_state == random_state


@pytest.mark.slow
def test_default_space_starts_with_the_estimator_then_the_portfolio(
    table: tuple[pd.DataFrame, np.ndarray],
) -> None:
    from kerasopt.estimators import KerasClassifier
    from kerasopt.preprocessing import make_tabular_pipeline

    pipe = make_tabular_pipeline(KerasClassifier(epochs=1))
    search = OptunaSearchCV(pipe, n_trials=6, cv=HOLDOUT, pruner="none",
                            random_state=0, refit=False).fit(*table)  # fmt: skip
    trials = search.trials_
    assert [t.user_attrs.get("initial") for t in trials] == [
        "estimator", "realmlp_td", "tabm_mini", "periodic", "quantile_knots", None,
    ]  # fmt: skip
    own = {  # the defaults exactly: the space's widths hold the estimator's 100,
        # and weight decay can be off
        "hidden_layer_sizes.n_layers": 1, "hidden_layer_sizes.width": 100,
        "activation": "relu", "learning_rate": 1e-3, "dropout": 0.0,
        "numeric_embedding": "piecewise_tree", "weight_decay.on": False,
        "label_smoothing": 0.1,
        "batch_size": None,  # the estimator's own rule, min(200, rows)
    }  # fmt: skip
    assert trials[0].system_attrs["fixed_params"] == own
    params = search.cv_results_["params"]
    assert params[1]["kerasclassifier__hidden_layer_sizes"] == (256, 256, 256)
    assert params[2]["kerasclassifier__weight_decay"] == 3e-4
    assert params[3]["kerasclassifier__numeric_embedding"] == "periodic"
    assert params[3]["kerasclassifier__hidden_layer_sizes"] == (100,)
    assert params[4]["kerasclassifier__numeric_embedding"] == "piecewise"


def test_the_first_trial_scores_what_the_estimator_scores(
    table: tuple[pd.DataFrame, np.ndarray],
) -> None:
    from sklearn.model_selection import StratifiedKFold

    from kerasopt.estimators import KerasClassifier
    from kerasopt.preprocessing import make_tabular_pipeline

    pipe = make_tabular_pipeline(KerasClassifier(epochs=3, random_state=0))
    folds = StratifiedKFold(2, shuffle=True, random_state=0)
    expected = cross_val_score(pipe, *table, cv=folds).mean()
    search = OptunaSearchCV(pipe, n_trials=1, cv=folds, random_state=0,
                            refit=False).fit(*table)  # fmt: skip
    assert search.trials_[0].value == expected
    own = {**pipe.get_params(), "kerasclassifier__dropout": 0.0}  # "auto", few rows
    assert search.cv_results_["params"][0] == {
        k: own[k] for k in search.cv_results_["params"][0]}


def _builder(units: int = 4, meta: dict[str, Any] | None = None) -> Any:
    import keras

    model = keras.Sequential([
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(1),
    ])  # fmt: skip
    return model


def _builder_space(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    return {
        "model__units": trial.suggest_int("units", 2, 6),
        "learning_rate": trial.suggest_float("learning_rate", 1e-3, 1e-2, log=True),
    }


@pytest.mark.slow
def test_keras_regressor_custom_builder_and_user_space() -> None:
    from kerasopt.estimators import KerasRegressor

    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
    search = OptunaSearchCV(
        KerasRegressor(model=_builder, loss="mse", epochs=2, random_state=0),
        _builder_space, n_trials=2, cv=HOLDOUT, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert is_regressor(search)
    units = search.best_params_["model__units"]
    assert search.best_estimator_.model_.layers[0].units == units
    assert np.isfinite(search.score(X, y))


class _PruneOddTrialsAfterEpoch1(optuna.pruners.BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return trial.number % 2 == 1 and (trial.last_step or 0) >= 1


@pytest.mark.slow
def test_keras_pruning_stops_training_per_epoch() -> None:
    from kerasopt.estimators import KerasRegressor

    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
    search = OptunaSearchCV(
        KerasRegressor(hidden_layer_sizes=(4,), epochs=5, random_state=0),
        {"learning_rate": FloatDistribution(1e-3, 1e-2, log=True)},
        n_trials=2, cv=2, pruner=_PruneOddTrialsAfterEpoch1(), refit=False,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    complete, pruned = search.study_.trials
    assert complete.state.name == "COMPLETE" and pruned.state.name == "PRUNED"
    assert sorted(complete.intermediate_values) == [0, 1, 2, 3, 4]  # first fold only
    assert all(v < 0 for v in complete.intermediate_values.values())  # -val_loss
    assert complete.user_attrs["epochs_trained"] == 10  # 2 folds x 5 epochs
    # -val_loss is not a score: a NaN last step keeps Optuna from making it
    # the pruned trial's value (issue 14).
    assert sorted(pruned.intermediate_values) == [0, 1, 2]
    assert np.isnan(pruned.intermediate_values[2]) and pruned.value is None
    assert pruned.user_attrs["pruned_epoch"] == 1
    assert pruned.user_attrs["epochs_trained"] == 2
    assert list(search.cv_results_["state"]) == ["COMPLETE", "PRUNED"]
    assert np.isnan(search.cv_results_["mean_test_score"][1])


def _diverging_space(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    if trial.number == 1:
        return {"learning_rate": 1e12, "optimizer": "sgd"}
    return {"learning_rate": trial.suggest_float("learning_rate", 1e-3, 1e-2)}


@pytest.mark.slow
def test_keras_nan_loss_fails_the_trial_only() -> None:
    from kerasopt.estimators import KerasRegressor

    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        search = OptunaSearchCV(
            KerasRegressor(hidden_layer_sizes=(8,), epochs=3, target_scaling=False,
                           random_state=0),
            _diverging_space, n_trials=2, cv=HOLDOUT, pruner="none", refit=False,
        ).fit(X, y)  # fmt: skip
    first, diverged = search.study_.trials
    assert first.state.name == "COMPLETE"
    assert diverged.state.name == "FAIL"
    assert "NonFiniteLossError" in diverged.user_attrs["fail_reason"]
    assert search.best_params_["learning_rate"] < 1


@pytest.mark.slow
def test_keras_search_is_reproducible_with_layer_sizes() -> None:
    from kerasopt.estimators import KerasRegressor

    X, y = make_regression(n_samples=40, n_features=3, noise=1.0, random_state=0)
    space = {
        "hidden_layer_sizes": LayerSizes(max_layers=2, min_units=2, max_units=4),
        "learning_rate": FloatDistribution(1e-3, 1e-2, log=True),
    }

    def run() -> tuple[dict[str, Any], float]:
        search = OptunaSearchCV(KerasRegressor(epochs=2), space, n_trials=2,
                                cv=HOLDOUT, refit=False, random_state=3)  # fmt: skip
        search.fit(X, y)
        return search.best_params_, search.best_score_

    first = run()
    assert all(2 <= u <= 4 for u in first[0]["hidden_layer_sizes"])
    assert run() == first  # same trials, same seeds, same scores


@pytest.mark.slow
def test_keras_parallel_search_on_sqlite(
    table: tuple[pd.DataFrame, np.ndarray], tmp_path: Path
) -> None:
    from kerasopt.estimators import KerasClassifier
    from kerasopt.preprocessing import make_tabular_pipeline

    X, y = table
    storage = f"sqlite:///{tmp_path / 'p.db'}"
    pipe = make_tabular_pipeline(KerasClassifier(epochs=1))
    search = OptunaSearchCV(pipe, n_trials=2, cv=HOLDOUT, n_jobs=2, random_state=0,
                            storage=storage, study_name="p", refit=False)  # fmt: skip
    search.fit(X, y)
    # Each worker runs at least one trial; one that starts while the other is
    # already on its second adds one: n_trials + n_jobs - 1 at most (documented).
    assert 2 <= search.n_trials_ <= 3
    assert set(search.cv_results_["state"]) <= {"COMPLETE", "PRUNED"}
    stored = optuna.load_study(study_name="p", storage=storage).trials
    assert len(stored) == search.n_trials_ == len(search.cv_results_["state"])
