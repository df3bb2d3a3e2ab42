"""Plain data in a model file's JSON metadata: tuples and non-string keys kept."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["from_json", "summary", "to_json"]


def to_json(value: Any) -> Any:
    """Encode plain data for JSON, keeping tuples and non-string dict keys.

    Raises TypeError for anything that is not plain data (callables, Keras
    objects, random generators ...).
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, tuple):
        return {"__tuple__": [to_json(v) for v in value]}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufU":
        return [to_json(v) for v in value.tolist()]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: to_json(v) for k, v in value.items()}
        return {"__items__": [[to_json(k), to_json(v)] for k, v in value.items()]}
    raise TypeError(f"{type(value).__name__} is not plain data")


def from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(from_json(v) for v in value["__tuple__"])
        if set(value) == {"__items__"}:
            return {from_json(k): from_json(v) for k, v in value["__items__"]}
        return {k: from_json(v) for k, v in value.items()}
    return value


def summary(value: Any) -> Any:
    """Best-effort plain form of a fitted attribute, for humans reading the file."""
    try:
        return to_json(value)
    except TypeError:
        return repr(value)

