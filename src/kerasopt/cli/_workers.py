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

from typing import Annotated, Any

import typer

from . import _render
from ._common import StorageOpt, StudyArg, open_storage, open_study, parse_duration

__all__ = ["COUNTED", "budget", "fail_stale", "finished"]


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
    from ..search._study import fail_running_trials

    numbers = fail_running_trials(study, seconds or 0.0)
    if numbers:
        listed = ", ".join(map(str, numbers))
        _render.note(f"Failed trial(s) {listed} of {study_name!r}.")
    else:
        _render.note(f"No trial of {study_name!r} has been running that long.")
