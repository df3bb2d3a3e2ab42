"""Several ``kerasopt tune`` processes on one study, on Optuna's own machinery.

* **Budget.** Each process stops once the study holds ``--n-trials``
  finished (complete + pruned) trials: :class:`optuna.study.MaxTrialsCallback`.
  It looks after each trial, so workers that are all mid-trial when the count
  is reached finish those trials too: the study may hold up to
  ``workers - 1`` trials more than asked.
* **Dead workers, RDB storages** (SQLite, PostgreSQL, MySQL). The storage
  records a heartbeat of each running trial (``--heartbeat-interval``); a trial
  silent for ``--grace-period`` seconds is failed by the next worker that
  starts a trial and queued again with the same parameters (Optuna's retry
  callback, see :func:`kerasopt.search.resolve_storage`). A worker whose own
  share is done waits up to ``--grace-period`` for the trials still running
  elsewhere (:func:`settle`), so a trial of a worker that died near the end
  is failed and re-run rather than left RUNNING.
* **Dead workers, journal files.** Optuna keeps no heartbeat there: a killed
  process leaves its trial RUNNING. It does not count toward the budget (the
  other workers still finish the study), and ``kerasopt fail-stale`` marks it
  FAILED. Kept simple on purpose: a journal file serves processes of one
  machine, whose owner can see which of them still run.
"""

from __future__ import annotations

import time
import warnings
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from . import _render
from ._common import StorageOpt, StudyArg, open_storage, open_study, parse_duration

__all__ = ["COUNTED", "budget", "fail_running", "fail_stale", "finished", "settle"]


def _states() -> Any:
    from optuna.trial import TrialState

    return TrialState


#: The trial states that count toward ``--n-trials``.
COUNTED = ("COMPLETE", "PRUNED")


def finished(study: Any) -> int:
    """Complete + pruned trials of the whole study (all workers)."""
    states = tuple(getattr(_states(), name) for name in COUNTED)
    return len(study.get_trials(deepcopy=False, states=states))


def budget(n_trials: int | None) -> list[Any]:
    """Study callbacks that stop this worker at ``n_trials`` in the study."""
    if n_trials is None:
        return []
    from optuna.study import MaxTrialsCallback

    states = tuple(getattr(_states(), name) for name in COUNTED)
    return [MaxTrialsCallback(n_trials, states=states)]


def _heartbeat_interval(storage: Any) -> int | None:
    interval = getattr(storage, "get_heartbeat_interval", None)
    return None if interval is None else interval()


def settle(
    study: Any, storage: Any, grace: float, deadline: float | None, poll: float = 0.5
) -> int:
    """Wait for the trials other workers run; return how many wait for a re-run.

    Waits until no trial runs, at most ``grace`` + heartbeat interval
    seconds (a trial of a dead worker is stale by then) or until
    ``deadline``, failing stale trials with
    :func:`optuna.storages.fail_stale_trials`, which queues each again.
    Returns the number of queued (WAITING) trials once there are any, else 0.
    Storages without heartbeat (journal files) return 0 at once.
    """
    interval = _heartbeat_interval(storage)
    if interval is None:
        return 0
    import optuna

    state = _states()
    # A trial is stale once its last beat (at most `interval` old when its
    # worker died) is older than `grace`.
    end = time.time() + grace + interval + poll
    if deadline is not None:
        end = min(end, deadline)
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False, states=(state.RUNNING, state.WAITING))
        waiting = sum(t.state == state.WAITING for t in trials)
        if waiting or not trials or time.time() >= end:
            return waiting
        time.sleep(poll)


def fail_running(study: Any, older_than: float) -> list[int]:
    """Mark FAILED the RUNNING trials started more than ``older_than`` s ago.

    Public Optuna API only (:meth:`optuna.Study.tell`). Returns their numbers.
    """
    state = _states()
    now = datetime.now()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(state.RUNNING,)):
        start = trial.datetime_start
        if start is not None and now - start < timedelta(seconds=older_than):
            continue
        study.tell(trial.number, state=state.FAIL, skip_if_finished=True)
        failed.append(trial.number)
    return failed


def fail_stale(
    study_name: StudyArg,
    older_than: Annotated[
        str,
        typer.Option(
            help="Fail trials running longer than this: 0, 90s, 10m, 2h. Pick more "
            "than your longest trial: a live worker's trial would be failed too.",
        ),
    ],
    storage: StorageOpt = None,
) -> None:
    """Mark FAILED the trials left RUNNING by killed workers.

    RDB storages (SQLite, PostgreSQL, MySQL) do this themselves through
    heartbeats (see `kerasopt tune --grace-period`); a journal file (.log)
    keeps no heartbeat, so a killed process leaves its trial RUNNING until
    this command clears it.

    Examples:

      kerasopt fail-stale penguins-species --storage study.log --older-than 1h
    """
    seconds = parse_duration(older_than, option="--older-than", allow_zero=True)
    store, label = open_storage(storage)
    study = open_study(store, label, study_name)
    numbers = fail_running(study, seconds or 0.0)
    if numbers:
        listed = ", ".join(map(str, numbers))
        _render.note(f"Failed trial(s) {listed} of {study_name!r}.")
    else:
        _render.note(f"No trial of {study_name!r} has been running that long.")
