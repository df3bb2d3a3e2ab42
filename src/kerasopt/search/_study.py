"""The study a search runs: its storage, its creation or resumption, its budget."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..exceptions import StorageError
from ._parallel import run_workers
from ._progress import worker_progress
from ._samplers import make_pruner, make_sampler
from ._storages import mask_password, resolve_storage, temporary_journal_storage

__all__ = [
    "COUNTED",
    "FINISHED",
    "create_search_study",
    "in_memory_copy",
    "optimize",
    "remaining_trials",
    "run_study",
    "search_storage",
]

#: Trials that count towards ``n_trials`` when a study is resumed.
COUNTED = (TrialState.COMPLETE, TrialState.PRUNED)
#: Trials reported in ``cv_results_``.
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


@contextlib.contextmanager
def search_storage(
    storage: Any, n_jobs: int | None, n_workers: int
) -> Iterator[tuple[optuna.storages.BaseStorage, Any, bool]]:
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


def create_search_study(
    storage: optuna.storages.BaseStorage | None,
    *,
    sampler: str | optuna.samplers.BaseSampler | None,
    pruner: str | optuna.pruners.BasePruner | None,
    study_name: str | None,
    seed: int | None,
    storage_param: str | os.PathLike[str] | Any = None,
    n_trials: int | None = None,
) -> optuna.Study:
    """Create (or load, same name) the maximizing study of a search.

    Raises
    ------
    StorageError
        If a study of that name exists and minimizes.
    """
    study = optuna.create_study(
        storage=storage,
        sampler=make_sampler(sampler, seed, n_trials),
        pruner=make_pruner(pruner),
        study_name=study_name,
        direction="maximize",
        load_if_exists=True,
    )
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise StorageError(
            f"Study {study.study_name!r} in storage="
            f"{mask_password(str(storage_param))!r} minimizes, but OptunaSearchCV "
            "maximizes a scikit-learn score. Choose another study_name."
        )
    return study


def in_memory_copy(study: optuna.Study, storage: optuna.storages.BaseStorage) -> Any:
    """Copy ``study`` out of ``storage`` (a temporary file about to be deleted)."""
    memory = optuna.storages.InMemoryStorage()
    optuna.copy_study(
        from_study_name=study.study_name, from_storage=storage, to_storage=memory
    )
    return optuna.load_study(study_name=study.study_name, storage=memory)


def remaining_trials(study: optuna.Study, n_trials: int | None) -> int | None:
    """Trials still to run so that ``study`` holds ``n_trials`` counted ones."""
    if n_trials is None:
        return None
    done = len(study.get_trials(deepcopy=False, states=COUNTED))
    return max(0, n_trials - done)


def optimize(
    study: optuna.Study,
    objective: Callable[[optuna.trial.Trial], float],
    *,
    n_trials: int | None,
    timeout: float | None,
    callbacks: Sequence[Callable[[optuna.Study, FrozenTrial], None]] | None,
    n_workers: int,
    worker_storage: Any,
    sampler: Any,
    pruner: Any,
    seed: int | None,
    show_progress_bar: bool = False,
) -> None:
    """Run the trials still missing from ``n_trials``, here or in workers."""
    remaining = remaining_trials(study, n_trials)
    if remaining == 0:
        return
    if n_workers == 1:
        study.optimize(
            objective, n_trials=remaining, timeout=timeout,
            callbacks=None if callbacks is None else list(callbacks),
            show_progress_bar=show_progress_bar
            and (remaining is not None or timeout is not None),
        )  # fmt: skip
        return
    run_workers(
        storage=worker_storage, study_name=study.study_name, objective=objective,
        n_trials=remaining, n_workers=n_workers, timeout=timeout,
        sampler=sampler, pruner=pruner, seed=seed,
        callbacks=None if callbacks is None else list(callbacks),
    )  # fmt: skip


def _given_study(study: optuna.Study, n_jobs: int | None, n_workers: int) -> Any:
    """What workers open to share a user's ``study=``: the study itself.

    (An in-memory one cannot reach worker processes: run_workers says so.)
    """
    return study


def run_study(
    search: Any,
    objective: Callable[[optuna.trial.Trial], float],
    *,
    n_trials: int | None,
    n_workers: int,
    seed: int | None,
    show_progress_bar: bool,
) -> tuple[optuna.Study, bool]:
    """Open or create the study of ``search``, run its missing trials.

    Returns ``(study, interrupted)``: the study (an in-memory copy when it
    lived in a temporary journal file) and whether Ctrl-C stopped it after
    at least one trial completed.
    """
    interrupted = False
    given = search.study
    with contextlib.ExitStack() as stack:
        if given is not None:
            study, temporary = given, False
            worker_storage = _given_study(given, search.n_jobs, n_workers)
        else:
            storage, worker_storage, temporary = stack.enter_context(
                search_storage(search.storage, search.n_jobs, n_workers)
            )
            study = create_search_study(
                storage, sampler=search.sampler, pruner=search.pruner,
                study_name=search.study_name, seed=seed, storage_param=search.storage,
                n_trials=n_trials,
            )  # fmt: skip
        progress = worker_progress(
            study, remaining_trials(study, n_trials),
            enabled=show_progress_bar and n_workers > 1,
        )  # fmt: skip
        try:
            with progress:
                optimize(
                    study, objective, n_trials=n_trials, timeout=search.timeout,
                    callbacks=search.callbacks, n_workers=n_workers,
                    worker_storage=worker_storage,
                    sampler=study.sampler if given is not None else search.sampler,
                    pruner=study.pruner if given is not None else search.pruner,
                    seed=seed, show_progress_bar=show_progress_bar,
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
        if temporary:  # the journal file is about to be deleted: copy it out
            study = in_memory_copy(study, storage)
    return study, interrupted
