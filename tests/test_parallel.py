"""Parallel trials through joblib: reseeded samplers, any backend, one budget."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import joblib
import optuna
import pytest

from kerasopt.exceptions import StorageError
from kerasopt.search import journal_storage
from kerasopt.search._study import run_workers, worker_sampler

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _tagged(trial: optuna.trial.Trial) -> float:
    """Objective recording which worker ran the trial; slow enough to overlap."""
    trial.set_user_attr("worker", f"{os.getpid()}-{threading.get_ident()}")
    x = trial.suggest_float("x", 0, 1)
    time.sleep(0.2)
    return x


def _run(path: Path, sampler: object, n_trials: int = 4) -> optuna.Study:
    storage = journal_storage(path)
    study = optuna.create_study(storage=storage, study_name="p", direction="maximize")
    run_workers(
        study, _tagged, storage=str(path), n_trials=n_trials, n_workers=2,
        timeout=None, sampler=sampler, seed=0, callbacks=None,
    )  # fmt: skip
    return optuna.load_study(study_name="p", storage=storage)


def _first_trial_of_each_worker(study: optuna.Study) -> dict[str, float]:
    first: dict[str, float] = {}
    for trial in sorted(study.trials, key=lambda t: t.number):
        first.setdefault(trial.user_attrs["worker"], trial.params["x"])
    return first


def test_worker_samplers_draw_differently() -> None:
    # A sampler object reaches every worker with the same RNG state: each
    # worker's copy is reseeded. Names get seeds derived from the worker index.
    def first_draw(sampler: optuna.samplers.BaseSampler) -> float:
        study = optuna.create_study(sampler=sampler)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
        return study.trials[0].params["x"]

    given = optuna.samplers.RandomSampler(seed=0)
    objects = {first_draw(worker_sampler(given, 0, i)) for i in range(2)}
    names = [first_draw(worker_sampler("random", 0, i)) for i in range(2)]
    assert len(objects) == 2 and len(set(names)) == 2
    assert names == [first_draw(worker_sampler("random", 0, i)) for i in range(2)]


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_two_workers_never_propose_the_same_first_trial(
    tmp_path: Path, backend: str
) -> None:
    with joblib.parallel_config(backend=backend):
        study = _run(tmp_path / "s.log", optuna.samplers.RandomSampler(seed=0))
    first = _first_trial_of_each_worker(study)
    assert len(first) == 2, first  # both workers ran trials
    assert len(set(first.values())) == 2, first
    if backend == "loky":
        assert str(os.getpid()) not in {w.split("-")[0] for w in first}
    # The budget holds: 4 trials, or one more if both workers ended together.
    assert 4 <= len(study.trials) <= 5
    assert {t.state.name for t in study.trials} == {"COMPLETE"}


def test_an_error_in_a_worker_reaches_the_caller(tmp_path: Path) -> None:
    def boom(trial: optuna.trial.Trial) -> float:
        raise ValueError("boom in a worker")

    study = optuna.create_study(storage=journal_storage(tmp_path / "e.log"))
    with pytest.raises(ValueError, match="boom in a worker"):
        run_workers(
            study, boom, storage=str(tmp_path / "e.log"), n_trials=2, n_workers=2,
            timeout=None, sampler="random", seed=0, callbacks=None,
        )  # fmt: skip


def _quick(trial: optuna.trial.Trial) -> float:
    return trial.suggest_float("x", 0, 1)


def _run_given(study: optuna.Study) -> None:
    run_workers(
        study, _quick, storage=study, n_trials=4, n_workers=2, timeout=None,
        sampler="random", seed=0, callbacks=None,
    )  # fmt: skip


def test_a_given_in_memory_study_is_shared_by_threads() -> None:
    study = optuna.create_study()
    with joblib.parallel_config(backend="threading"):
        _run_given(study)
    assert 4 <= len(study.trials) <= 5


def test_a_given_in_memory_study_cannot_reach_processes() -> None:
    study = optuna.create_study()
    with pytest.raises(StorageError, match="cannot share an in-memory study"):
        _run_given(study)
