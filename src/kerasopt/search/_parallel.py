"""Trials in parallel workers sharing one Optuna storage, through joblib.

Each worker is one :func:`joblib.Parallel` task that opens the shared study
and runs ``study.optimize``; workers draw trials from the study until the
asked number has run (:class:`optuna.study.MaxTrialsCallback`), so a fast
worker simply runs more of them. The default backend is loky
(separate processes, as Keras backends do not scale with Python threads);
``joblib.parallel_config(backend=...)`` picks another one: ``"threading"``,
or Dask / Ray, whose workers may sit on other machines when the storage is a
database they all reach (PostgreSQL, MySQL).

Every worker reseeds its sampler: a sampler given by name gets a seed derived
from ``random_state`` and the worker's index; a sampler *object* is copied and
reseeded with :meth:`optuna.samplers.BaseSampler.reseed_rng`, so workers never
propose the same start-up trials.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import joblib
import numpy as np
import optuna
from joblib.externals.loky.process_executor import TerminatedWorkerError

from .._utils import native_stderr_silenced

try:  # joblib >= 1.5 depends on cloudpickle; older ones ship it inside
    import cloudpickle
except ImportError:  # pragma: no cover
    from joblib.externals import cloudpickle  # type: ignore[no-redef]

from ..exceptions import StorageError
from ._samplers import make_pruner, make_sampler
from ._storages import resolve_storage

__all__ = ["effective_n_jobs", "run_workers", "worker_sampler"]

#: What the budget counts: every trial run here, as with ``study.optimize``, and
#: those other workers run now (so that they are not started twice).
_STARTED = tuple(
    getattr(optuna.trial.TrialState, name)
    for name in ("COMPLETE", "PRUNED", "FAIL", "RUNNING")
)


def effective_n_jobs(n_jobs: int | None) -> int:
    """``None`` -> 1, ``-1`` -> all cores, ``-2`` -> all but one, ..."""
    if n_jobs is None:
        return 1
    cores = os.cpu_count() or 1
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return n_jobs


def worker_sampler(sampler: Any, seed: int | None, index: int) -> Any:
    """The sampler of worker ``index``: never the same draws as another worker.

    Parameters
    ----------
    sampler : str, optuna.samplers.BaseSampler or None
        A name for :func:`make_sampler`, or an object (copied, then reseeded).
    seed : int or None
        With a name: the seed the workers' seeds are derived from.
    index : int
        The worker's position.

    Returns
    -------
    optuna.samplers.BaseSampler
    """
    if isinstance(sampler, optuna.samplers.BaseSampler):
        sampler = copy.deepcopy(sampler)  # threads would otherwise share one
        sampler.reseed_rng()
        return sampler
    if seed is not None:
        state = np.random.SeedSequence([seed, index]).generate_state(1)[0]
        seed = int(state % (2**31 - 1))
    return make_sampler(sampler, seed)


@contextlib.contextmanager
def _worker_threads(threads: int) -> Iterator[None]:
    """Thread limits for the worker processes started meanwhile.

    Keras backends size their thread pools from these variables when they
    start, in the worker; this process's own pools are already sized, and
    variables the user set are kept.
    """
    limits = {
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": str(threads),
    }
    if threads == 1:
        limits["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    added = [name for name in limits if name not in os.environ]
    os.environ.update({name: limits[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def _open(storage: Any, study_name: str, sampler: Any, pruner: Any) -> optuna.Study:
    """The study as this worker sees it, with its own sampler."""
    if isinstance(storage, optuna.Study):  # a user's study object
        study = copy.copy(storage)  # the same storage, this worker's sampler
        study.sampler = sampler
        study.pruner = make_pruner(pruner)
        return study
    return optuna.load_study(
        study_name=study_name,
        storage=resolve_storage(storage),
        sampler=sampler,
        pruner=make_pruner(pruner),
    )


def _work(
    parent: int,
    storage: Any,
    payload: bytes,
    study_name: str,
    sampler: Any,
    pruner: Any,
    n_trials: int | None,
    timeout: float | None,
) -> None:
    if os.getpid() == parent:  # a thread of the calling process
        objective, callbacks = cloudpickle.loads(payload)
    else:  # a fresh process imports Keras here: without its C++ chatter
        with native_stderr_silenced():
            objective, callbacks = cloudpickle.loads(payload)
    study = _open(storage, study_name, sampler, pruner)
    study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=callbacks)


def run_workers(
    *,
    storage: Any,
    study_name: str,
    objective: Callable[[optuna.trial.Trial], float],
    n_trials: int | None,
    n_workers: int,
    timeout: float | None,
    sampler: Any,
    pruner: Any,
    seed: int | None,
    callbacks: Sequence[Callable[..., None]] | None,
) -> None:
    """Run ``n_trials`` more trials of the study ``study_name`` in ``n_workers``.

    Parameters
    ----------
    storage : str, path-like, optuna.storages.BaseStorage or optuna.Study
        The study's storage, as :func:`resolve_storage` takes it, or the
        study itself. It must be shared by the workers: any storage with the
        threading backend, a journal file or a database with processes, a
        database all machines reach with Dask or Ray.
    study_name : str
        The existing study to continue.
    objective : callable
        The objective (pickled with cloudpickle for process backends).
    n_trials : int or None
        Trials to run, all workers together (counted as ``study.optimize``
        counts them: failed ones too). A worker stops after a trial once the
        trials run or running since the start reach ``n_trials``; two workers
        finishing at the same moment may both start one more, so up to
        ``n_workers - 1`` extra trials can run. ``None``: until ``timeout``.
    n_workers : int
        Number of joblib tasks, each running trials one after the other.
    timeout : float or None
        Per-worker time limit in seconds.
    sampler : str, optuna.samplers.BaseSampler or None
        Each worker's is reseeded (see :func:`worker_sampler`).
    pruner : str, optuna.pruners.BasePruner or None
        As :func:`make_pruner` takes it.
    seed : int or None
        Seed from which the workers' sampler seeds are derived.
    callbacks : list of callable or None
        Study callbacks run in the workers (each worker, threads included,
        gets its own copy).

    Raises
    ------
    StorageError
        If the workers' trials did not reach the study: an in-memory study
        given to worker processes.
    Exception
        The first exception raised in a worker (the other workers are then
        stopped by joblib).
    """
    study = _open(storage, study_name, None, None)
    before = len(study.get_trials(deepcopy=False))
    callbacks = list(callbacks or [])
    if n_trials is not None:
        n_workers = max(1, min(n_workers, n_trials))
        done = len(study.get_trials(deepcopy=False, states=_STARTED))
        callbacks.append(optuna.study.MaxTrialsCallback(done + n_trials, _STARTED))
    threads = max(1, (os.cpu_count() or 1) // n_workers)
    # Pickled here, unpickled by each worker once its output is quiet.
    payload = cloudpickle.dumps((objective, callbacks))
    task = joblib.delayed(_work)
    try:
        with _worker_threads(threads):
            joblib.Parallel(n_jobs=n_workers)(
                task(
                    os.getpid(), storage, payload, study_name,
                    worker_sampler(sampler, seed, index), pruner, n_trials,
                    timeout,
                )  # fmt: skip
                for index in range(n_workers)
            )
    except TerminatedWorkerError as error:
        raise RuntimeError(
            f"A worker process of n_jobs={n_workers} died (killed, or out of "
            "memory: lower n_jobs). Trials it finished are kept in the study."
        ) from error
    if n_trials and len(study.get_trials(deepcopy=False)) == before:
        raise StorageError(
            f"The {n_workers} workers ran their trials, but none reached study "
            f"{study_name!r}: worker processes cannot share an in-memory study. "
            "Create the study with a storage (optuna.create_study(storage="
            "'sqlite:///studies.db', direction='maximize')), use n_jobs=1, or "
            'run the workers as threads (joblib.parallel_config(backend="threading")).'
        )
