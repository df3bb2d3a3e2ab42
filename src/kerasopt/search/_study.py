"""The study of a search: who creates it, who runs its trials, who counts the budget.

Everything between "these are the trials to run" and "here is the study" is
here, for :class:`OptunaSearchCV` and ``kerasopt tune`` alike:

* **Trial states**: which trials count toward ``n_trials`` (:data:`COUNTED`),
  which ended (:data:`FINISHED`), which a run's workers count (:data:`STARTED`).
* **Storage and study**: the storage is opened (a temporary journal file when
  processes share an unnamed study), the study is created or resumed, always
  maximizing, with its sampler and pruner built once from their names.
* **Seeds**: a named sampler is seeded from ``random_state``; a resumed study's
  sampler from ``random_state`` and the number of trials the study holds, so
  that a resumed search does not draw its first trials again; each worker
  process from those and its index.
* **Budget**: ``n_trials`` counts the COMPLETE and PRUNED trials of the whole
  study, in total (:class:`optuna.study.MaxTrialsCallback`), so processes and
  machines sharing the study stop together. Workers of one run share the
  trials still missing. With a storage that records heartbeats, a run waits
  at the end for the trials running elsewhere and runs again those of
  workers that died (:func:`settle`).
* **Workers**: ``n_jobs > 1`` runs trials in :func:`joblib.Parallel` tasks
  (loky processes unless ``joblib.parallel_config`` says otherwise: threads,
  Dask, Ray), each with its own sampler.
* **Progress**: one polling thread reads the study every second and feeds
  the progress displays: the search's own bar with workers, and an observer
  such as the CLI's (:func:`observing`).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import importlib.util
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import joblib
import optuna
from joblib.externals.loky.process_executor import TerminatedWorkerError
from optuna.trial import FrozenTrial, TrialState

from .._utils import derive_seed, did_you_mean, native_stderr_silenced
from ..exceptions import StorageError
from ._storages import (
    mask_password,
    requeued_here,
    resolve_storage,
    stale_trial_callback,
    temporary_journal_storage,
)

try:  # joblib >= 1.5 depends on cloudpickle; older ones ship it inside
    import cloudpickle
except ImportError:  # pragma: no cover
    from joblib.externals import cloudpickle  # type: ignore[no-redef]

__all__ = [
    "COUNTED",
    "FINISHED",
    "PRUNER_NAMES",
    "SAMPLER_NAMES",
    "STARTED",
    "SearchObserver",
    "StudyProgress",
    "TimeoutReached",
    "check_sampler",
    "enqueue_initial",
    "fail_running_trials",
    "fail_trials_that_never_beat",
    "log_level",
    "make_pruner",
    "make_sampler",
    "observing",
    "optuna_log_level",
    "run_study",
    "run_workers",
    "settle",
    "startup_trials",
    "watching",
    "worker_count",
    "worker_sampler",
]

# ------------------------------------------------------------- trial states
#: Trials that count toward ``n_trials``: a failed trial is run again.
COUNTED = (TrialState.COMPLETE, TrialState.PRUNED)
#: Trials that ended: the rows of ``cv_results_``.
FINISHED = (*COUNTED, TrialState.FAIL)
#: What the workers of one run count toward their share, as ``study.optimize``
#: counts (failed trials too), with those running now so that none starts twice.
STARTED = (*FINISHED, TrialState.RUNNING)


# -------------------------------------------------------- samplers, pruners
def startup_trials(n_trials: int | None) -> int:
    """Random trials before TPE models the results: ``min(10, max(3, n // 3))``.

    Optuna's 10 would make every trial of a budget of 10 or fewer random. On
    two test functions (Branin, and a 5-parameter tuning-like surface), 40
    seeds each, a third of the budget (at least 3) found better or equal
    best values than 10 at 8 and 16 trials and the same at 30; at 4 trials
    all rules are within noise.
    """
    if n_trials is None:
        return 10
    return min(10, max(3, n_trials // 3))


def _tpe(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=startup_trials(n_trials)
    )


def _random(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.RandomSampler(seed=seed)


def _cmaes(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    # CMA-ES only handles float/int parameters; the categorical ones of the
    # default space go to a seeded random sampler without a warning per trial.
    return optuna.samplers.CmaEsSampler(
        seed=seed,
        independent_sampler=optuna.samplers.RandomSampler(seed=seed),
        warn_independent_sampling=False,
    )


def _qmc(seed: int | None, n_trials: int | None) -> optuna.samplers.BaseSampler:
    return optuna.samplers.QMCSampler(
        seed=seed,
        scramble=True,
        independent_sampler=optuna.samplers.RandomSampler(seed=seed),
        warn_independent_sampling=False,
        warn_asynchronous_seeding=False,
    )


_SAMPLERS: dict[
    str, Callable[[int | None, int | None], optuna.samplers.BaseSampler]
] = {
    "tpe": _tpe,
    "random": _random,
    "cmaes": _cmaes,
    "qmc": _qmc,
}

_PRUNERS: dict[str, Callable[[], optuna.pruners.BasePruner]] = {
    # Five complete trials before pruning starts, and never before epoch 5:
    # the first epochs of a network say little about where it ends up.
    "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
    "hyperband": lambda: optuna.pruners.HyperbandPruner(min_resource=1),
    "successive_halving": lambda: optuna.pruners.SuccessiveHalvingPruner(),
    "none": lambda: optuna.pruners.NopPruner(),
}

SAMPLER_NAMES: tuple[str, ...] = tuple(_SAMPLERS)
PRUNER_NAMES: tuple[str, ...] = tuple(_PRUNERS)


def _by_name(kind: str, value: Any, table: dict[str, Any], base: str) -> Any:
    """The entry of ``table`` named ``value`` (case-insensitive), or a clear error."""
    if not isinstance(value, str):
        raise TypeError(
            f"`{kind}` must be a name or an {base}, but got "
            f"{type(value).__name__} ({value!r})."
        )
    key = value.lower()
    if key not in table:
        raise ValueError(
            f"Unknown {kind}={value!r}.{did_you_mean(key, table)} Valid names: "
            f"{', '.join(table)}; or pass an {base}."
        )
    return table[key]


def check_sampler(sampler: str | optuna.samplers.BaseSampler | None) -> None:
    """Fail on what :func:`make_sampler` would refuse, without building a sampler.

    Raises
    ------
    ValueError, TypeError, ImportError
        As :func:`make_sampler`.
    """
    if sampler is None or isinstance(sampler, optuna.samplers.BaseSampler):
        return
    factory = _by_name("sampler", sampler, _SAMPLERS, "optuna.samplers.BaseSampler")
    if factory is _cmaes and importlib.util.find_spec("cmaes") is None:
        raise ImportError(
            "sampler='cmaes' needs the `cmaes` package, which is not installed. "
            "Install it with `pip install cmaes`, or choose another sampler."
        )


def make_sampler(
    sampler: str | optuna.samplers.BaseSampler | None,
    seed: int | None = None,
    n_trials: int | None = None,
) -> optuna.samplers.BaseSampler:
    """Return an Optuna sampler from a name or an Optuna sampler.

    Parameters
    ----------
    sampler : {"tpe", "random", "cmaes", "qmc"}, optuna sampler or None
        A name (case-insensitive) or a ready sampler, returned unchanged.
        ``None`` means ``"tpe"``.
    seed : int or None, default=None
        Seed of a sampler built from a name.
    n_trials : int or None, default=None
        The study's trial budget: ``"tpe"`` then starts with
        ``min(10, max(3, n_trials // 3))`` random trials instead of Optuna's
        10, so that small budgets are not all random.

    Returns
    -------
    optuna.samplers.BaseSampler

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    ImportError
        For ``"cmaes"`` when the optional ``cmaes`` package is missing.
    TypeError
        If ``sampler`` is neither a string nor an Optuna sampler.
    """
    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler
    check_sampler(sampler)
    return _SAMPLERS[(sampler or "tpe").lower()](seed, n_trials)


def make_pruner(
    pruner: str | optuna.pruners.BasePruner | None,
) -> optuna.pruners.BasePruner:
    """Return an Optuna pruner from a name or an Optuna pruner.

    Parameters
    ----------
    pruner : {"median", "hyperband", "successive_halving", "none"}, optuna \
pruner or None
        A name (case-insensitive) or a ready pruner, returned unchanged.
        ``None`` and ``"none"`` mean no pruning (:class:`optuna.pruners.NopPruner`).
        ``"median"`` is ``MedianPruner(n_startup_trials=5, n_warmup_steps=5)``.

    Returns
    -------
    optuna.pruners.BasePruner

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    TypeError
        If ``pruner`` is neither a string nor an Optuna pruner.
    """
    if isinstance(pruner, optuna.pruners.BasePruner):
        return pruner
    return _by_name("pruner", pruner or "none", _PRUNERS, "optuna.pruners.BasePruner")()


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
    return make_sampler(sampler, derive_seed(seed, index))


# --------------------------------------------------------- storage and study
@contextlib.contextmanager
def _search_storage(
    storage: Any, n_jobs: int | None, n_workers: int
) -> Iterator[tuple[optuna.storages.BaseStorage | None, Any, bool]]:
    """Open the storage of a search.

    Yields ``(storage, worker_storage, temporary)``: the storage to create the
    study in, what worker processes open again, and whether the storage is a
    temporary journal file (``n_workers > 1`` without ``storage``) removed on
    exit.

    Raises
    ------
    StorageError
        If several workers would have to share an in-memory storage.
    """
    if n_workers > 1 and storage is None:
        with temporary_journal_storage() as (journal, path):
            yield journal, path, True
        return
    opened = resolve_storage(storage)
    if n_workers > 1 and isinstance(opened, optuna.storages.InMemoryStorage):
        raise StorageError(
            f"n_jobs={n_jobs} runs trials in separate processes, which cannot "
            "share an in-memory storage. Pass storage=None (a temporary journal "
            "file), a journal file path, or a database URL."
        )
    yield opened, storage, False


def _trials_held(
    storage: optuna.storages.BaseStorage | None, study_name: str | None
) -> int:
    """How many trials the stored study ``study_name`` holds (0 if none)."""
    if storage is None or study_name is None:
        return 0
    try:
        study_id = storage.get_study_id_from_name(study_name)
    except KeyError:
        return 0
    return storage.get_n_trials(study_id)


def _create_study(
    storage: optuna.storages.BaseStorage | None,
    *,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    study_name: str | None,
) -> optuna.Study:
    """Create (or load, same name) the maximizing study of a search."""
    return optuna.create_study(
        storage=storage,
        sampler=sampler,
        pruner=pruner,
        study_name=study_name,
        direction="maximize",
        load_if_exists=True,
    )


def _check_maximizes(study: optuna.Study, storage: Any) -> None:
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise StorageError(
            f"Study {study.study_name!r} in storage="
            f"{mask_password(str(storage))!r} minimizes, but OptunaSearchCV "
            "maximizes a scikit-learn score. Choose another study_name."
        )


def _in_memory_copy(study: optuna.Study, storage: optuna.storages.BaseStorage) -> Any:
    """Copy ``study`` out of ``storage`` (a temporary file about to be deleted)."""
    memory = optuna.storages.InMemoryStorage()
    optuna.copy_study(
        from_study_name=study.study_name, from_storage=storage, to_storage=memory
    )
    return optuna.load_study(study_name=study.study_name, storage=memory)


def _running_since(study: optuna.Study, seconds: float) -> list[FrozenTrial]:
    """The RUNNING trials of ``study`` started ``seconds`` or more ago."""
    since = datetime.now() - timedelta(seconds=seconds)
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    return [t for t in running if t.datetime_start is None or t.datetime_start <= since]


def fail_running_trials(study: optuna.Study, older_than: float) -> list[int]:
    """Mark FAILED the RUNNING trials started more than ``older_than`` s ago.

    For storages without heartbeat (journal files, Redis), where a killed
    worker leaves its trial RUNNING. Public Optuna API only
    (:meth:`optuna.Study.tell`). Returns their numbers.
    """
    failed = []
    for trial in _running_since(study, older_than):
        study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
        failed.append(trial.number)
    return failed


def fail_trials_that_never_beat(study: optuna.Study, storage: Any) -> list[int]:
    """Fail the running trials of ``study`` that never recorded a heartbeat.

    Optuna fails a trial whose last heartbeat is older than the grace period
    (:func:`optuna.storages.fail_stale_trials`) but never one without a
    heartbeat, and a trial's first beat comes from a thread started once the
    sampler has drawn its parameters: a worker that died before (a database
    restart can do it) left its trial RUNNING for good, and every later run
    waited for it. Such a trial is failed here once it started longer ago
    than the grace period (by this machine's clock), and queued again by the
    storage's callback, as Optuna does with stale trials. Only for RDB
    storages with heartbeats; returns the numbers of the trials failed.
    """
    import sqlalchemy

    rdb = isinstance(storage, optuna.storages.RDBStorage)
    if not rdb or not storage.heartbeat_interval:
        return []
    grace = storage.grace_period or 2 * storage.heartbeat_interval
    old = [t.number for t in _running_since(study, grace)]
    if not old:
        return []
    study_id = storage.get_study_id_from_name(study.study_name)
    numbers = {
        storage.get_trial_id_from_study_id_trial_number(study_id, n): n for n in old
    }
    query = sqlalchemy.text(
        "SELECT trial_id FROM trial_heartbeats WHERE trial_id IN :ids"
    ).bindparams(sqlalchemy.bindparam("ids", expanding=True))
    with storage.engine.connect() as connection:
        beating = {row[0] for row in connection.execute(query, {"ids": list(numbers)})}
    callback = stale_trial_callback(storage)
    failed = []
    for trial_id, number in numbers.items():
        try:
            if trial_id in beating or not storage.set_trial_state_values(
                trial_id, TrialState.FAIL
            ):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker failed it first
        if callback is not None:
            callback(study, storage.get_trial(trial_id))
        failed.append(number)
    return failed


def enqueue_initial(
    study: optuna.Study,
    trials: Sequence[tuple[str, dict[str, Any]]],
    n_trials: int | None,
) -> int:
    """Queue ``trials`` as the first trials of ``study``, if it has none yet.

    A resumed study (or one another process has started) gets nothing: its
    first trials were queued by the run that created it. At most
    ``n_trials`` are queued, so that a small budget is not exceeded by
    waiting trials. Each WAITING trial is taken by one worker; its user
    attribute ``initial`` is its label.

    Parameters
    ----------
    study : optuna.Study
        The study, just created or loaded.
    trials : sequence of (str, dict)
        Labels and Optuna parameters (see :func:`initial_params`).
    n_trials : int or None
        The budget of the study.

    Returns
    -------
    int
        The number of trials queued.
    """
    if not trials or study.get_trials(deepcopy=False):
        return 0
    queued = list(trials)[:n_trials]
    for label, params in queued:
        # skip_if_exists: two processes starting one study at the same moment.
        study.enqueue_trial(params, user_attrs={"initial": label}, skip_if_exists=True)
    return len(queued)


# ------------------------------------------------------------------ workers
def worker_count(n_jobs: int | None) -> int:
    """joblib's count of ``n_jobs`` (``-1``: all cores; ``None``: as
    ``joblib.parallel_config`` says, else 1), refusing 0."""
    if n_jobs == 0:
        raise ValueError(
            "n_jobs must be a positive int, -1 (all cores) or None, but got "
            "n_jobs=0."
        )
    return int(joblib.effective_n_jobs(n_jobs))


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


def _open(
    storage: Any,
    study_name: str,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
) -> optuna.Study:
    """The study as this worker sees it, with its own sampler."""
    if isinstance(storage, optuna.Study):  # a user's study object
        study = copy.copy(storage)  # the same storage, this worker's sampler
        study.sampler = sampler
        study.pruner = pruner
        return study
    return optuna.load_study(
        study_name=study_name,
        storage=resolve_storage(storage),
        sampler=sampler,
        pruner=pruner,
    )


def _work(
    parent: int,
    storage: Any,
    payload: bytes,
    study_name: str,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    n_trials: int | None,
    timeout: float | None,
) -> None:
    if os.getpid() == parent:  # a thread of the calling process
        objective, callbacks = cloudpickle.loads(payload)
    else:  # a fresh process imports Keras here: without its C++ chatter
        with native_stderr_silenced():
            objective, callbacks = cloudpickle.loads(payload)
    study = _open(storage, study_name, sampler, pruner)
    _optimize_tolerating_takeovers(
        study, objective, n_trials=n_trials, timeout=timeout, callbacks=callbacks
    )


def _taken_over(error: Exception) -> bool:
    """Whether ``error`` is Optuna's for telling a trial another process ended.

    Another worker failed the trial for lack of heartbeats (and queued it
    again): :class:`optuna.exceptions.UpdateFinishedTrialError`; or, on SQLite,
    which cannot lock a row, two workers both took it from the queue and the
    second to finish gets "Cannot tell a COMPLETE trial."
    """
    return isinstance(error, optuna.exceptions.UpdateFinishedTrialError) or (
        isinstance(error, ValueError) and str(error).startswith("Cannot tell")
    )


def _optimize_tolerating_takeovers(
    study: optuna.Study,
    objective: Callable[[optuna.trial.Trial], float],
    *,
    n_trials: int | None,
    timeout: float | None,
    callbacks: Sequence[Callable[[optuna.Study, FrozenTrial], None]],
    show_progress_bar: bool = False,
) -> None:
    """``study.optimize``, going on when another worker ended this one's trial.

    The other worker's result stands; this one warns and optimizes on, within
    what is left of ``timeout``. ``n_trials`` counts again from there, so the
    budget of the whole study must be held by ``callbacks`` (the callers'
    :class:`optuna.study.MaxTrialsCallback`). Done in each worker, not by
    the caller of :func:`joblib.Parallel`: an error leaving a worker stops
    the others, killing worker processes in the middle of their trials, which
    then stay RUNNING for good in a storage without heartbeats.
    """
    end = None if timeout is None else time.time() + timeout
    while True:
        left = None if end is None else max(0.0, end - time.time())
        try:
            study.optimize(
                objective, n_trials=n_trials, timeout=left, callbacks=callbacks,
                show_progress_bar=show_progress_bar,
            )  # fmt: skip
            return
        except Exception as error:
            if not _taken_over(error):
                raise
            warnings.warn(
                "Another worker ended a trial this one was running (failed for lack "
                "of heartbeats, or run twice from the queue); its result stands. "
                "Going on.",
                UserWarning,
                stacklevel=2,
            )


def run_workers(
    study: optuna.Study,
    objective: Callable[[optuna.trial.Trial], float],
    *,
    storage: Any,
    n_trials: int | None,
    n_workers: int,
    timeout: float | None,
    sampler: Any,
    seed: int | None,
    callbacks: Sequence[Callable[..., None]] | None,
) -> None:
    """Run ``n_trials`` more trials of ``study`` in ``n_workers`` joblib tasks.

    Parameters
    ----------
    study : optuna.Study
        The study, as this process opened it; its pruner goes to the workers.
    objective : callable
        The objective (pickled with cloudpickle for process backends).
    storage : str, path-like, optuna.storages.BaseStorage or optuna.Study
        What the workers open: the study's storage, as :func:`resolve_storage`
        takes it, or the study itself. It must be shared by the workers: any
        storage with the threading backend, a journal file or a database with
        processes, a database all machines reach with Dask or Ray.
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
        Each worker gets its own (see :func:`worker_sampler`).
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
    # Queued (WAITING) trials are not counted: a worker runs them in place.
    before = len(study.get_trials(deepcopy=False, states=STARTED))
    callbacks = list(callbacks or [])
    if n_trials is not None:
        n_workers = max(1, min(n_workers, n_trials))
        callbacks.append(optuna.study.MaxTrialsCallback(before + n_trials, STARTED))
    threads = max(1, (os.cpu_count() or 1) // n_workers)
    # Pickled here, unpickled by each worker once its output is quiet.
    payload = cloudpickle.dumps((objective, callbacks))
    task = joblib.delayed(_work)
    try:
        with _worker_threads(threads):
            joblib.Parallel(n_jobs=n_workers)(
                task(
                    os.getpid(), storage, payload, study.study_name,
                    worker_sampler(sampler, seed, index), study.pruner, n_trials,
                    timeout,
                )  # fmt: skip
                for index in range(n_workers)
            )
    except TerminatedWorkerError as error:
        raise RuntimeError(
            f"A worker process of n_jobs={n_workers} died (killed, or out of "
            "memory: lower n_jobs). Trials it finished are kept in the study."
        ) from error
    if n_trials and len(study.get_trials(deepcopy=False, states=STARTED)) == before:
        raise StorageError(
            f"The {n_workers} workers ran their trials, but none reached study "
            f"{study.study_name!r}: worker processes cannot share an in-memory "
            "study. Create the study with a storage (optuna.create_study(storage="
            "'sqlite:///studies.db', direction='maximize')), use n_jobs=1, or "
            'run the workers as threads (joblib.parallel_config(backend="threading")).'
        )


def settle(
    study: optuna.Study,
    storage: Any,
    deadline: float | None,
    poll: float = 0.5,
) -> int:
    """Wait for the trials other workers run; return how many wait for a re-run.

    Only for storages that record heartbeats (RDB storages opened with a
    ``heartbeat_interval``): waits until no trial runs, at most the grace
    period + heartbeat interval (a trial of a dead worker is stale by then)
    or until ``deadline``, failing stale trials with
    :func:`optuna.storages.fail_stale_trials` and
    :func:`fail_trials_that_never_beat`, which queue each again.
    Returns the number of re-queued (WAITING) trials this process owns once
    there are any (:func:`requeued_here`: only the process that failed a trial
    runs it again, so two workers never both top up the budget for one), else 0.
    Other storages return 0 at once.
    """
    get_interval = getattr(storage, "get_heartbeat_interval", None)
    interval = None if get_interval is None else get_interval()
    if interval is None:
        return 0
    # A trial is stale once its last beat (at most `interval` old when its
    # worker died) is older than the grace period (Optuna's default: 2 beats).
    grace = getattr(storage, "grace_period", None) or 2 * interval
    end = time.time() + grace + interval + poll
    if deadline is not None:
        end = min(end, deadline)
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        fail_trials_that_never_beat(study, storage)
        trials = study.get_trials(
            deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)
        )
        queued = [t for t in trials if t.state == TrialState.WAITING]
        waiting = len(requeued_here(study, storage, queued))
        if waiting or len(queued) == len(trials) or time.time() >= end:
            return waiting
        time.sleep(poll)


# ----------------------------------------------------------------- progress
def log_level(verbose: int) -> int:
    """Optuna's log level for ``verbose``: INFO from 2, WARNING below."""
    return optuna.logging.INFO if verbose >= 2 else optuna.logging.WARNING


@contextlib.contextmanager
def optuna_log_level(verbose: int) -> Iterator[None]:
    """Set Optuna's log level for the search (see :func:`log_level`), then restore it."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(log_level(verbose))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


@dataclass(frozen=True)
class StudyProgress:
    """Where a study stands, as a progress display shows it.

    Attributes
    ----------
    counts : mapping of str to int
        Trials of the whole study by state name (``"COMPLETE"``, ``"PRUNED"``,
        ``"FAIL"``, ``"RUNNING"``, ``"WAITING"``), other workers' included.
    best_value : float or None
        The best value so far.
    n_trials : int or None
        The budget: COMPLETE + PRUNED trials the study should hold in total.
    seconds_left : float or None
        Until the search's ``timeout``.
    """

    counts: Mapping[str, int]
    best_value: float | None
    n_trials: int | None
    seconds_left: float | None

    @property
    def done(self) -> int:
        """Trials that count toward the budget (:data:`COUNTED`)."""
        return sum(self.counts[state.name] for state in COUNTED)

    @property
    def finished(self) -> int:
        """Trials that ended (:data:`FINISHED`)."""
        return sum(self.counts[state.name] for state in FINISHED)

    @classmethod
    def of(
        cls, study: optuna.Study, n_trials: int | None, deadline: float | None
    ) -> StudyProgress:
        """Read ``study`` now."""
        counts = dict.fromkeys((state.name for state in TrialState), 0)
        best = None
        for trial in study.get_trials(deepcopy=False):
            counts[trial.state.name] += 1
            if trial.state == TrialState.COMPLETE and trial.value is not None:
                best = trial.value if best is None else max(best, trial.value)
        left = None if deadline is None else max(0.0, deadline - time.time())
        return cls(counts, best, n_trials, left)


class SearchObserver(Protocol):
    """What a caller of :class:`OptunaSearchCV` may watch (see :func:`observing`)."""

    def opened(self, study: optuna.Study) -> None:
        """Called once the study is created or loaded, before any trial.

        Raising here stops the search before any trial runs.
        """

    def progress(self, progress: StudyProgress) -> None:
        """Called once the study is open, every second while trials run, at the end."""


_OBSERVER: contextvars.ContextVar[SearchObserver | None] = contextvars.ContextVar(
    "kerasopt_search_observer", default=None
)


@contextlib.contextmanager
def observing(observer: SearchObserver) -> Iterator[None]:
    """Let ``observer`` see the study of each search fitted inside the block.

    A context rather than a parameter of :class:`OptunaSearchCV`: a display
    (the CLI's rich progress bar, its study annotations) is not an estimator
    parameter, and could neither be cloned nor reach worker processes.
    """
    token = _OBSERVER.set(observer)
    try:
        yield
    finally:
        _OBSERVER.reset(token)


@contextlib.contextmanager
def watching(
    study: optuna.Study,
    views: Sequence[Callable[[StudyProgress], None]],
    *,
    n_trials: int | None,
    deadline: float | None,
    interval: float = 1.0,
) -> Iterator[None]:
    """Show ``study``'s progress to ``views``: now, every ``interval`` s, at the end.

    One thread reads the study (which worker processes may be filling) and
    calls every view; an error in a refresh (a storage hiccup) skips that
    refresh only.
    """
    if not views:
        yield
        return

    def refresh() -> None:
        progress = StudyProgress.of(study, n_trials, deadline)
        for view in views:
            view(progress)

    refresh()
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            with contextlib.suppress(Exception):
                refresh()

    thread = threading.Thread(target=watch, name="kerasopt-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        with contextlib.suppress(Exception):
            refresh()


class _WorkerBar:
    """The search's progress bar (``verbose=1``) while workers run the trials.

    Optuna's own bar lives in the process that runs the trials; with
    ``n_jobs > 1`` this one counts the trials finished since the start.
    """

    def __init__(self, start: int, total: int | None) -> None:
        from tqdm.auto import tqdm

        self.start = start
        self.total = total
        self.bar = tqdm(total=total, initial=0, unit="trial")

    def __call__(self, progress: StudyProgress) -> None:
        done = max(0, progress.finished - self.start)
        self.bar.n = done if self.total is None else min(done, self.total)
        if progress.best_value is not None:
            self.bar.set_postfix_str(
                f"best value: {progress.best_value:.4g}", refresh=False
            )
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


# -------------------------------------------------------------- the run
def _remaining(study: optuna.Study, n_trials: int | None) -> int | None:
    """Trials still to run so that ``study`` holds ``n_trials`` counted ones."""
    if n_trials is None:
        return None
    return max(0, n_trials - len(study.get_trials(deepcopy=False, states=COUNTED)))


def _optimize(
    study: optuna.Study,
    objective: Callable[[optuna.trial.Trial], float],
    *,
    n_trials: int | None,
    timeout: float | None,
    callbacks: list[Callable[[optuna.Study, FrozenTrial], None]],
    n_workers: int,
    worker_storage: Any,
    sampler: Any,
    seed: int | None,
    show_progress_bar: bool,
) -> None:
    """Run the trials still missing from ``n_trials``, here or in workers."""
    remaining = _remaining(study, n_trials)
    if remaining == 0:
        return
    if n_trials is not None:  # other processes sharing the study count too
        callbacks = [*callbacks, optuna.study.MaxTrialsCallback(n_trials, COUNTED)]
    if n_workers == 1:
        _optimize_tolerating_takeovers(
            study, objective, n_trials=remaining, timeout=timeout, callbacks=callbacks,
            show_progress_bar=show_progress_bar
            and (remaining is not None or timeout is not None),
        )  # fmt: skip
        return
    run_workers(
        study, objective, storage=worker_storage, n_trials=remaining,
        n_workers=n_workers, timeout=timeout, sampler=sampler, seed=seed,
        callbacks=callbacks,
    )  # fmt: skip


def run_study(
    objective: Callable[[optuna.trial.Trial], float],
    *,
    storage: Any,
    study: optuna.Study | None,
    study_name: str | None,
    sampler: str | optuna.samplers.BaseSampler | None,
    pruner: optuna.pruners.BasePruner,
    seed: int | None,
    n_trials: int | None,
    deadline: float | None,
    n_jobs: int | None,
    n_workers: int,
    callbacks: Sequence[Callable[[optuna.Study, FrozenTrial], None]] | None,
    show_progress_bar: bool,
    initial: Sequence[tuple[str, dict[str, Any]]] = (),
) -> tuple[optuna.Study, bool]:
    """Open or create the study, run its missing trials, return it.

    The parameters are :class:`OptunaSearchCV`'s (``pruner`` already built,
    ``study`` a user's study or None, ``n_workers`` the :func:`worker_count`
    of ``n_jobs``, ``deadline`` the ``time.time()`` at which ``timeout``
    ends). No trial starts after the deadline, and the objective stops the
    trials running then (see :class:`Objective`). An observer set with :func:`observing`
    sees the study once it is open and its progress while trials run.
    ``initial`` are the first trials of a new study (:func:`enqueue_initial`).

    Returns
    -------
    study : optuna.Study
        An in-memory copy when it lived in a temporary journal file.
    interrupted : bool
        Whether Ctrl-C stopped the search after at least one trial completed
        (before that, ``KeyboardInterrupt`` propagates).
    """
    workers = n_workers
    observer = _OBSERVER.get()
    since = datetime.now()
    with contextlib.ExitStack() as stack:
        if study is not None:
            opened, worker_storage, temporary = None, study, False
            worker_sampler_spec: Any = study.sampler
        else:
            opened, worker_storage, temporary = stack.enter_context(
                _search_storage(storage, n_jobs, workers)
            )
            held = _trials_held(opened, study_name)
            # A resumed study must not replay the first run's start-up draws.
            seed = seed if held == 0 else derive_seed(seed, held)
            worker_sampler_spec = sampler
            study = _create_study(
                opened, study_name=study_name, pruner=pruner,
                sampler=make_sampler(sampler, seed, n_trials),
            )  # fmt: skip
        if observer is not None:
            observer.opened(study)
        if opened is not None:
            _check_maximizes(study, storage)
        enqueue_initial(study, initial, n_trials)
        views: list[Callable[[StudyProgress], None]] = []
        if observer is not None:
            views.append(observer.progress)
        if show_progress_bar and workers > 1:
            bar = _WorkerBar(
                len(study.get_trials(deepcopy=False, states=FINISHED)),
                _remaining(study, n_trials),
            )
            stack.callback(bar.close)
            views.append(bar)
        interrupted = False
        try:
            with watching(study, views, n_trials=n_trials, deadline=deadline):
                _run_until_settled(
                    study, objective, n_trials=n_trials, deadline=deadline,
                    callbacks=list(callbacks or []), n_workers=workers,
                    storage=opened, worker_storage=worker_storage,
                    sampler=worker_sampler_spec, seed=seed,
                    show_progress_bar=show_progress_bar,
                )  # fmt: skip
        except KeyboardInterrupt:
            if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
                raise
            interrupted = True
            warnings.warn(
                "The search was interrupted: keeping the completed trials of "
                f"study {study.study_name!r}.",
                UserWarning,
                stacklevel=3,
            )
        if not interrupted:
            _warn_if_timed_out(study, n_trials, deadline, since)
        if temporary:  # the journal file is about to be deleted: copy it out
            study = _in_memory_copy(study, opened)
    return study, interrupted


class TimeoutReached(UserWarning):
    """The timeout, not ``n_trials``, ended a search.

    Attributes
    ----------
    finished : int
        COMPLETE + PRUNED trials the study holds.
    asked : int or None
        ``n_trials``.
    stopped : int
        Of those, the trials stopped at the deadline (PRUNED).
    """

    def __init__(self, finished: int, asked: int | None, stopped: int) -> None:
        self.finished, self.asked, self.stopped = finished, asked, stopped
        super().__init__(
            f"The timeout ended the search: the study holds {self.count()}. Fit "
            "again to continue it."
        )

    def count(self) -> str:
        """``"3 finished trials of the 40 asked (1 stopped at the deadline...)"``."""
        asked = "" if self.asked is None else f" of the {self.asked} asked"
        cut = (
            f" ({self.stopped} stopped at the deadline, recorded as PRUNED)"
            if self.stopped
            else ""
        )
        trials = "trial" if self.finished == 1 else "trials"
        return f"{self.finished} finished {trials}{asked}{cut}"


def _warn_if_timed_out(
    study: optuna.Study, n_trials: int | None, deadline: float | None, since: datetime
) -> None:
    """Say so when the timeout ended the run (since ``since``) before its budget."""
    if deadline is None or time.time() < deadline:
        return
    finished = study.get_trials(deepcopy=False, states=COUNTED)
    stopped = sum(
        t.user_attrs.get("stopped") == "timeout"
        and t.datetime_start is not None
        and t.datetime_start >= since
        for t in finished
    )
    if stopped or n_trials is None or len(finished) < n_trials:
        warnings.warn(TimeoutReached(len(finished), n_trials, stopped), stacklevel=4)


def _run_until_settled(
    study: optuna.Study,
    objective: Callable[[optuna.trial.Trial], float],
    *,
    n_trials: int | None,
    deadline: float | None,
    storage: Any,
    **run: Any,
) -> None:
    """Run the missing trials; with heartbeats, also those of workers that died."""
    while True:
        timeout = None if deadline is None else deadline - time.time()
        _optimize(study, objective, n_trials=n_trials, timeout=timeout, **run)
        waiting = settle(study, storage, deadline)
        if not waiting or (deadline is not None and deadline <= time.time()):
            return
        counted = len(study.get_trials(deepcopy=False, states=COUNTED))
        n_trials = counted + waiting
