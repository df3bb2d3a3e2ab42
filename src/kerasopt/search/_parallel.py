"""Trials in separate processes sharing one Optuna storage.

TensorFlow does not scale with Python threads and is not fork-safe once
imported, so each worker is a fresh ``spawn`` process that opens the shared
storage and runs ``study.optimize`` for its share of the trials.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
import optuna

from ._samplers import make_pruner, make_sampler
from ._storage import resolve_storage

__all__ = ["effective_n_jobs", "run_workers", "split_trials", "worker_seeds"]


def effective_n_jobs(n_jobs: int | None) -> int:
    """``None`` -> 1, ``-1`` -> all cores, ``-2`` -> all but one, ..."""
    if n_jobs is None:
        return 1
    cores = os.cpu_count() or 1
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return n_jobs


def split_trials(n_trials: int | None, n_workers: int) -> list[int | None]:
    """Shares of ``n_trials`` for ``n_workers`` (each ``None`` without a limit)."""
    if n_trials is None:
        return [None] * n_workers
    n_workers = max(1, min(n_workers, n_trials))
    return [
        n_trials // n_workers + (i < n_trials % n_workers) for i in range(n_workers)
    ]


def worker_seeds(seed: int | None, n_workers: int) -> list[int | None]:
    """Distinct sampler seeds so that workers do not propose the same trials."""
    if seed is None:
        return [None] * n_workers
    states = np.random.SeedSequence(seed).spawn(n_workers)
    return [int(s.generate_state(1)[0] % (2**31 - 1)) for s in states]


def _init_worker(threads: int) -> None:
    # Before TensorFlow is imported by unpickling the objective: share the
    # cores instead of every worker starting one thread per core.
    for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _work(
    storage: Any,
    study_name: str,
    objective: Callable[[optuna.trial.Trial], float],
    n_trials: int | None,
    timeout: float | None,
    sampler: Any,
    pruner: Any,
    seed: int | None,
    callbacks: Sequence[Callable[..., None]] | None,
) -> None:
    study = optuna.load_study(
        study_name=study_name,
        storage=resolve_storage(storage),
        sampler=make_sampler(sampler, seed),
        pruner=make_pruner(pruner),
    )
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
    """Run the study ``study_name`` in ``n_workers`` spawned processes.

    Parameters
    ----------
    storage : str, path-like or optuna.storages.BaseStorage
        What each worker passes to :func:`resolve_storage`; must be shared
        between processes (not in-memory) and picklable.
    study_name : str
        The existing study to continue.
    objective : callable
        Picklable objective.
    n_trials : int or None
        Trials to run in all; split between workers.
    n_workers : int
        Number of processes (fewer when there are fewer trials).
    timeout : float or None
        Per-worker time limit in seconds.
    sampler, pruner : str or Optuna object
        Names are built in each worker, samplers with distinct seeds.
    seed : int or None
        Seed from which the workers' sampler seeds are derived.
    callbacks : list of callable or None
        Study callbacks run in the workers (must be picklable).

    Raises
    ------
    Exception
        The first exception raised in a worker, once the other workers have
        finished their share (study.optimize cannot be stopped from outside).
    """
    shares = split_trials(n_trials, n_workers)
    seeds = worker_seeds(seed, len(shares))
    threads = max(1, (os.cpu_count() or 1) // len(shares))
    context = multiprocessing.get_context("spawn")
    # One process per share: otherwise a worker that finishes its share before
    # the next process has started (spawn takes seconds) would also run the
    # queued share, one after the other. (Python 3.10 lacks the option.)
    one_each = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}
    with ProcessPoolExecutor(
        max_workers=len(shares),
        mp_context=context,
        initializer=_init_worker,
        initargs=(threads,),
        **one_each,
    ) as pool:
        futures = [
            pool.submit(
                _work,
                storage,
                study_name,
                objective,
                share,
                timeout,
                sampler,
                pruner,
                worker_seed,
                callbacks,
            )  # fmt: skip
            for share, worker_seed in zip(shares, seeds, strict=True)
        ]
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        for future in done:
            error = future.exception()
            if error is None:
                continue
            pool.shutdown(wait=True, cancel_futures=True)
            if isinstance(error, BrokenProcessPool):
                raise RuntimeError(
                    f"A worker process of n_jobs={n_workers} died. In a script, call "
                    "fit under `if __name__ == '__main__':` (worker processes import "
                    "the main module); if memory ran out, lower n_jobs."
                ) from error
            raise error
        for future in futures:
            future.result()
