"""A model's outputs and the target's columns: one output, or one per column block."""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["check_outputs", "join_outputs", "output_widths", "split_columns"]


def output_widths(model: keras.Model) -> list[int | None]:
    """Width of each output of ``model``; ``[None]`` for a subclassed model not built yet."""
    try:
        return [out.shape[-1] for out in model.outputs]
    except (AttributeError, ValueError):
        return [None]


def split_columns(y: np.ndarray, widths: list[int | None]) -> list[np.ndarray] | None:
    """``y`` cut into one array per output: a column each, or blocks of ``widths``.

    Returns None when ``y``'s columns fit neither.
    """
    columns = y.shape[1] if y.ndim > 1 else 1
    if columns == len(widths):
        return [y[:, i] for i in range(columns)]
    if None not in widths and sum(widths) == columns:  # type: ignore[arg-type]
        return np.split(y, np.cumsum(widths)[:-1], axis=1)  # type: ignore[arg-type]
    return None


def check_outputs(model: keras.Model, y: np.ndarray) -> None:
    """Raise unless the outputs of ``model`` can take the encoded target ``y``."""
    widths = output_widths(model)
    if len(widths) > 1 and split_columns(y, widths) is None:
        raise ValueError(
            f"The Keras model has {len(widths)} outputs of widths {widths}, but the "
            f"target has {y.shape[1] if y.ndim > 1 else 1} column(s). Give the model "
            "one output, or one output per target column."
        )


def join_outputs(outputs: object, n: int) -> np.ndarray:
    """One NumPy array from the model's output(s): several outputs side by side."""
    if isinstance(outputs, (list, tuple)):
        return np.concatenate(
            [np.asarray(keras.ops.convert_to_numpy(o)).reshape(n, -1) for o in outputs],
            axis=1,
        )
    return np.asarray(keras.ops.convert_to_numpy(outputs))
