"""A Keras model as bytes in the ``.keras`` format, and back.

Used by pickling (``BaseKerasEstimator.__getstate__``) and by
:func:`kerasopt.save`. Nothing here touches Keras' global registry: classes a
model is made of that are not registered with Keras (a ``keras.Model``
subclass defined in a script, say) travel next to the bytes as Python classes,
which pickle stores by reference, and are handed to ``load_model`` as
``custom_objects``.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import keras

__all__ = ["PickledModel", "custom_classes", "model_from_bytes", "model_to_bytes"]


def custom_classes(model: keras.Model) -> dict[str, type]:
    """The model's and its layers' classes that are not Keras' own, by name."""
    found: dict[str, type] = {}
    for obj in (model, *model._flatten_layers(include_self=False)):
        cls = type(obj)
        if not cls.__module__.startswith("keras."):
            found[cls.__name__] = cls
    return found


def model_to_bytes(model: keras.Model) -> bytes:
    """The whole model (architecture, weights, compile state) as ``.keras`` bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(model, path)
        with open(path, "rb") as fh:
            return fh.read()


def model_from_bytes(
    data: bytes,
    *,
    compile: bool,
    safe_mode: bool,
    custom_objects: dict[str, Any] | None = None,
) -> keras.Model:
    """Load a model written by :func:`model_to_bytes`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        return keras.saving.load_model(
            path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode
        )


class PickledModel:
    """A model as pickle stores it: ``.keras`` bytes and its own classes."""

    def __init__(self, model: keras.Model) -> None:
        self.data = model_to_bytes(model)
        self.classes = custom_classes(model)

    def model(self) -> keras.Model:
        """The model back. Unpickling runs code by nature, so Lambda layers are
        allowed here; the safe format is kerasopt.save / kerasopt.load."""
        return model_from_bytes(
            self.data, compile=True, safe_mode=False, custom_objects=self.classes
        )
