"""Keras callback that reports each epoch to an Optuna trial and stops pruned ones."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import keras

if TYPE_CHECKING:
    import optuna

__all__ = ["KerasPruningCallback"]


class KerasPruningCallback(keras.callbacks.Callback):
    """Report a validation metric to an Optuna trial after every epoch.

    When the trial's pruner says so, or when the loss becomes NaN/inf, the
    callback stops training at the end of the epoch (raising inside Keras'
    training loop would leave it half-done). The caller then reads
    :attr:`pruned_epoch_` / :attr:`nonfinite_epoch_` and raises
    :class:`optuna.TrialPruned` or records the failure.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial to report to.
    monitor : str, default="val_loss"
        The key of Keras' epoch ``logs`` to report.
    mode : {"min", "max"}, default="min"
        Whether lower (a loss) or higher (an accuracy) values of ``monitor``
        are better. The value is negated when it points the other way than
        the study's direction, so pruners compare like with like.
    step_offset : int, default=0
        Added to the 0-based epoch to give the reported step.
    report : bool, default=True
        If False, only watch for NaN/inf (used on CV folds after the first).
    deadline : float or None, default=None
        ``time.time()`` after which training stops at the end of the epoch
        (the search's ``timeout``); :attr:`stopped_epoch_` says when.

    Attributes
    ----------
    pruned_epoch_ : int or None
        The epoch after which the pruner stopped training.
    nonfinite_epoch_ : int or None
        The epoch whose loss (or monitored value) was NaN or infinite.
    nonfinite_value_ : float or None
        That value.
    last_step_ : int or None
        The last step reported.
    stopped_epoch_ : int or None
        The epoch after which ``deadline`` had passed.
    """

    def __init__(
        self,
        trial: optuna.trial.Trial,
        monitor: str = "val_loss",
        *,
        mode: str = "min",
        step_offset: int = 0,
        report: bool = True,
        deadline: float | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"`mode` must be 'min' or 'max', but got {mode!r}.")
        self.trial = trial
        self.monitor = monitor
        self.mode = mode
        self.step_offset = step_offset
        self.report = report
        self.deadline = deadline
        self.stopped_epoch_: int | None = None
        self.pruned_epoch_: int | None = None
        self.nonfinite_epoch_: int | None = None
        self.nonfinite_value_: float | None = None
        self.last_step_: int | None = None

    def _sign(self) -> float:
        maximize = self.trial.study.direction.name == "MAXIMIZE"
        return -1.0 if maximize == (self.mode == "min") else 1.0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Report ``logs[monitor]``; stop training if pruned or diverged."""
        logs = logs or {}
        for key in ("loss", self.monitor):
            if key in logs and not math.isfinite(float(logs[key])):
                self.nonfinite_epoch_ = epoch
                self.nonfinite_value_ = float(logs[key])
                self.model.stop_training = True
                return
        if self.deadline is not None and time.time() >= self.deadline:
            self.stopped_epoch_ = epoch
            self.model.stop_training = True
        if not self.report or self.monitor not in logs:
            return
        step = self.step_offset + epoch
        self.trial.report(self._sign() * float(logs[self.monitor]), step=step)
        self.last_step_ = step
        if self.trial.should_prune():
            self.pruned_epoch_ = epoch
            self.model.stop_training = True
