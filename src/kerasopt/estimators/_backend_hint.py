"""A clear error when a model uses TensorFlow operations on another Keras backend."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator

import keras

__all__ = ["backend_hint"]


def _mentions_tensorflow(exc: BaseException) -> bool:
    """Whether ``exc`` or an exception it chains comes from TensorFlow's code."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith("tensorflow") or "tensorflow" in str(exc).lower():
            return True
        files = (frame.f_code.co_filename for frame, _ in traceback.walk_tb(exc.__traceback__))
        if any(f"{os.sep}tensorflow{os.sep}" in name for name in files):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


@contextlib.contextmanager
def backend_hint(what: str) -> Iterator[None]:
    """Re-raise a TensorFlow-related failure of ``what`` off TensorFlow with the fix.

    Parameters
    ----------
    what : str
        What failed, for the message ("building the model", "training").
    """
    try:
        yield
    except Exception as exc:
        backend = keras.backend.backend()
        if backend == "tensorflow" or not _mentions_tensorflow(exc):
            raise
        raise RuntimeError(
            f"{what.capitalize()} failed: the model uses TensorFlow operations (tf.*), "
            f"but Keras runs on the {backend!r} backend ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]}). Write the model with keras.ops / keras.layers, which "
            "run on every backend, or choose TensorFlow: set KERAS_BACKEND=tensorflow "
            "before Python starts (pip install 'kerasopt[tensorflow]')."
        ) from exc
