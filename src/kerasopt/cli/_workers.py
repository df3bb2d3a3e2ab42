"""Several ``kerasopt tune`` processes on one study: exact trial count, heartbeats.

Optuna's own heartbeat exists for RDB storages only, and ``OptunaSearchCV``
counts the trials left when it starts, so N processes started together would
each run the full count. This module adds, for any storage (SQLite,
PostgreSQL, MySQL, journal file):

* :class:`HeartbeatSampler` - wraps the sampler; when a trial starts it
  records which worker runs it and a thread refreshes a timestamp in the
  trial's system attributes every ``interval`` seconds while it runs;
* :class:`TrialBudget` - a study callback run after each trial: it marks the
  trials of dead workers (timestamp older than ``grace`` seconds) FAILED,
  queues a retry with the same parameters, and stops this worker once the
  study holds ``n_trials`` complete + pruned trials. While the trials still
  running elsewhere would fill the budget, it waits for them instead of
  starting one more. Two workers finishing in the same few milliseconds can
  still both start one: the trial whose number comes after ``n_trials`` live
  trials then fails at once as a surplus trial (not counted), so the count of
  finished trials is met exactly.

Clocks of the machines sharing a study must agree to well within ``grace``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.exceptions import UpdateFinishedTrialError
from optuna.trial import FrozenTrial, TrialState

__all__ = [
    "HEARTBEAT_KEY",
    "SurplusTrialError",
    "WORKER_KEY",
    "HeartbeatSampler",
    "TrialBudget",
    "fail_stale_trials",
]

HEARTBEAT_KEY = "kerasopt:heartbeat"
WORKER_KEY = "kerasopt:worker"
STALE_REASON = "no heartbeat"
SURPLUS_REASON = "surplus trial"
_COUNTED = (TrialState.COMPLETE, TrialState.PRUNED)
_LIVE = (*_COUNTED, TrialState.RUNNING)


class SurplusTrialError(RuntimeError):
    """A trial started when the study's budget was already taken."""


def worker_id() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class HeartbeatSampler(optuna.samplers.BaseSampler):
    """A sampler that keeps a heartbeat on the trial this process runs.

    Every method but :meth:`before_trial` / :meth:`after_trial` is the wrapped
    sampler's.

    Parameters
    ----------
    sampler : optuna.samplers.BaseSampler
        The sampler that proposes parameters.
    interval : float
        Seconds between two heartbeats.
    """

    def __init__(
        self,
        sampler: optuna.samplers.BaseSampler,
        interval: float,
        n_trials: int | None = None,
    ) -> None:
        self.sampler = sampler
        self.interval = interval
        self.n_trials = n_trials
        self.surplus = False
        self._current: tuple[Any, int] | None = None
        self.last_trial_id: int | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def infer_relative_search_space(self, study: Any, trial: Any) -> Any:
        return self.sampler.infer_relative_search_space(study, trial)

    def sample_relative(self, study: Any, trial: Any, search_space: Any) -> Any:
        return self.sampler.sample_relative(study, trial, search_space)

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        if self.surplus:
            # Raised inside the objective, so Optuna records the trial FAILED
            # (not counted) instead of running a trial beyond the budget.
            raise SurplusTrialError(
                f"{SURPLUS_REASON}: the study already holds or runs "
                f"{self.n_trials} trials"
            )
        return self.sampler.sample_independent(study, trial, name, dist)

    def reseed_rng(self) -> None:
        self.sampler.reseed_rng()

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        # study._storage: Optuna offers no public way to write a system
        # attribute of a trial other than through the Trial object being built.
        storage = study._storage
        storage.set_trial_system_attr(trial._trial_id, WORKER_KEY, worker_id())
        storage.set_trial_system_attr(trial._trial_id, HEARTBEAT_KEY, time.time())
        # Two workers may create a trial at the same moment, both thinking the
        # budget has room. Trial numbers are handed out by the storage, so the
        # one whose budget is already taken by lower-numbered live trials
        # gives way: the count of finished trials is then met exactly.
        self.surplus = self.n_trials is not None and (
            sum(
                t.number < trial.number
                for t in study.get_trials(deepcopy=False, states=_LIVE)
            )
            >= self.n_trials
        )
        with self._lock:
            self._current = (storage, trial._trial_id)
            self.last_trial_id = trial._trial_id
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._beat, name="kerasopt-heartbeat", daemon=True
                )
                self._thread.start()
        self.sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        with self._lock:
            self._current = None
        self.sampler.after_trial(study, trial, state, values)

    def lost_trial(self, study: optuna.Study) -> bool:
        """Whether another worker failed this worker's last trial as stale.

        That happens when this process could not send heartbeats for
        ``grace`` seconds (an overloaded machine, a long pause); Optuna then
        fails when it records the trial's result, and the trial has been
        queued again elsewhere, so the worker may go on. A trial is reported
        once: asking again before the next trial starts returns False.
        """
        if self.last_trial_id is None:
            return False
        trial = study._storage.get_trial(self.last_trial_id)
        self.last_trial_id = None
        reason = str(trial.user_attrs.get("fail_reason", ""))
        return trial.state == TrialState.FAIL and reason.startswith(STALE_REASON)

    def _beat(self) -> None:
        while True:
            time.sleep(self.interval)
            with self._lock:
                current = self._current
                if current is None:
                    continue
                storage, trial_id = current
                try:
                    storage.set_trial_system_attr(trial_id, HEARTBEAT_KEY, time.time())
                except UpdateFinishedTrialError:
                    self._current = None
                except Exception:  # noqa: BLE001 - a lost connection: retry next beat
                    pass

    def __getstate__(self) -> dict[str, Any]:
        return {
            "sampler": self.sampler,
            "interval": self.interval,
            "n_trials": self.n_trials,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A copy in a worker process (n_jobs > 1) gets its own lock and thread,
        # and fresh randomness: copies with one seed would propose the same
        # parameters in every worker.
        self.__init__(  # type: ignore[misc]
            state["sampler"], state["interval"], state["n_trials"]
        )
        self.sampler.reseed_rng()


def fail_stale_trials(study: optuna.Study, grace: float) -> list[int]:
    """Mark FAILED the running trials whose heartbeat is older than ``grace`` s.

    Each trial failed here is queued again with the same parameters, so the
    work of a killed worker is redone by a live one. A trial without any
    heartbeat (its worker died between creating it and the first beat, e.g.
    when the database restarted then) counts from its start.

    Returns
    -------
    list of int
        Numbers of the trials this call failed.
    """
    now = time.time()
    failed = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        beat = trial.system_attrs.get(HEARTBEAT_KEY)
        if beat is None and trial.datetime_start is not None:
            beat = trial.datetime_start.timestamp()
        if beat is None or now - float(beat) <= grace:
            continue
        # The reason first: a finished trial's attributes can no longer change.
        try:
            study._storage.set_trial_user_attr(
                trial._trial_id,
                "fail_reason",
                f"{STALE_REASON}: worker {trial.system_attrs.get(WORKER_KEY)} sent "
                f"none for {now - float(beat):.0f} s",
            )
            changed = study._storage.set_trial_state_values(
                trial._trial_id, state=TrialState.FAIL
            )
        except UpdateFinishedTrialError:  # another worker got there first
            continue
        if not changed:
            continue
        study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
        failed.append(trial.number)
    return failed


class TrialBudget:
    """Study callback: stop at ``n_trials`` finished trials in the whole study.

    Parameters
    ----------
    n_trials : int or None
        Complete + pruned trials the study should hold; ``None`` never stops.
    grace : float
        Seconds without heartbeat after which a running trial is failed.
    deadline : float or None
        ``time.time()`` after which the worker stops waiting for others.
    poll : float, default=1.0
        Seconds between two looks at the study while waiting.
    """

    def __init__(
        self,
        n_trials: int | None,
        grace: float,
        deadline: float | None = None,
        poll: float = 1.0,
    ) -> None:
        self.n_trials = n_trials
        self.grace = grace
        self.deadline = deadline
        self.poll = poll

    def settle(self, study: optuna.Study) -> bool:
        """Wait until this worker may start a trial (True) or must stop (False).

        Fails stale trials on the way. Returns False once the study holds
        ``n_trials`` finished trials or the deadline has passed.
        """
        while True:
            fail_stale_trials(study, self.grace)
            if self.n_trials is None:
                return True
            trials = study.get_trials(deepcopy=False)
            finished = sum(t.state in _COUNTED for t in trials)
            running = sum(t.state == TrialState.RUNNING for t in trials)
            if finished >= self.n_trials:
                return False
            if finished + running < self.n_trials:
                return True
            if self.deadline is not None and time.time() > self.deadline:
                return False
            time.sleep(self.poll)

    def __call__(self, study: optuna.Study, trial: FrozenTrial | None) -> None:
        """Optuna callback: stop the study's ``optimize`` loop when settled."""
        if not self.settle(study):
            study.stop()
