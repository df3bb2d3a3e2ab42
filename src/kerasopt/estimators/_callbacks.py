"""Keras callbacks made from the estimators' parameters."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras

__all__ = ["LR_SCHEDULES", "make_callbacks"]


def _cosine(epochs: int) -> Callable[[int, float], float]:
    start: float | None = None

    def schedule(epoch: int, lr: float) -> float:
        nonlocal start
        start = lr if start is None else start
        return 0.5 * start * (1 + math.cos(math.pi * epoch / max(epochs, 1)))

    return schedule


def _exponential(epoch: int, lr: float) -> float:
    return lr if epoch == 0 else lr * 0.96


def _step(epoch: int, lr: float) -> float:
    return lr * 0.5 if epoch and epoch % 10 == 0 else lr


LR_SCHEDULES: tuple[str, ...] = ("cosine", "exponential", "step")


def _schedule(lr_schedule: Any, epochs: int) -> keras.callbacks.Callback:
    if lr_schedule == "cosine":
        fn = _cosine(epochs)
    elif lr_schedule == "exponential":
        fn = _exponential
    elif lr_schedule == "step":
        fn = _step
    elif callable(lr_schedule):
        fn = lr_schedule
    else:
        raise ValueError(
            f"Unknown learning-rate schedule. Received: lr_schedule={lr_schedule!r}. "
            f"Use one of {', '.join(LR_SCHEDULES)}, a callable(epoch, lr) -> lr, or "
            "None."
        )
    return keras.callbacks.LearningRateScheduler(fn)


def make_callbacks(
    *,
    early_stopping: bool,
    patience: int,
    reduce_lr_on_plateau: bool,
    lr_schedule: Any,
    epochs: int,
    monitor: str,
    user: Any,
    extra: Any,
) -> list[keras.callbacks.Callback]:
    """Return the callbacks for one ``fit``: built-in ones first, then the user's.

    Parameters
    ----------
    early_stopping, patience, reduce_lr_on_plateau, lr_schedule, epochs
        The estimator parameters of the same names.
    monitor : str
        Quantity watched by early stopping and plateau detection
        (``"val_loss"`` when there is validation data, else ``"loss"``).
    user : callback, list or dict of callbacks, optional
        The estimator's ``callbacks`` parameter (classes already built).
    extra : callback, list or dict of callbacks, optional
        Callbacks given to ``fit`` (or as ``fit__callbacks``) for one call.
    """
    callbacks: list[keras.callbacks.Callback] = []
    if early_stopping:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=patience, restore_best_weights=True
            )
        )
    if reduce_lr_on_plateau:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(patience // 2, 1)
            )
        )
    if lr_schedule is not None:
        callbacks.append(_schedule(lr_schedule, epochs))
    for cb in _flatten([user, extra]):
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(
                "Each callback must be a keras.callbacks.Callback instance (or a "
                f"Callback class, built with callbacks__* parameters). Received: {cb!r}."
            )
        callbacks.append(cb)
    return callbacks


def _flatten(group: Any) -> list[Any]:
    """Callbacks from None, one callback, or lists / dicts of them, nested."""
    if group is None:
        return []
    if isinstance(group, dict):
        group = list(group.values())
    if isinstance(group, (list, tuple)):
        return [cb for item in group for cb in _flatten(item)]
    return [group]
