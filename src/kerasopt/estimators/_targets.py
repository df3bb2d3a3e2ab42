"""Target encoders: between the ``y`` users pass and what the network trains on.

Built from scikit-learn's own tools (``type_of_target``, ``LabelEncoder``):
each encoder is fitted on the training target, turns it into float arrays for
Keras, and turns the network's outputs back into labels or values.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import type_of_target

__all__ = [
    "ClassifierTargetEncoder",
    "RegressorTargetEncoder",
    "classifier_target_type",
    "wants_one_hot",
]


def classifier_target_type(y: np.ndarray) -> str:
    """``type_of_target``, with one-hot matrices told apart from multilabel ones."""
    target_type = type_of_target(y)
    if target_type == "multilabel-indicator" and (np.asarray(y).sum(axis=1) == 1).all():
        return "multiclass-onehot"
    return target_type


def wants_one_hot(loss: Any) -> bool:
    """Whether ``loss`` (name, class, instance or function) takes one-hot targets."""
    if loss is None:
        return False
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    return name.replace("_", "").lower() in (
        "categoricalcrossentropy", "cce", "categoricalfocalcrossentropy", "categoricalhinge",
    )  # fmt: skip


class ClassifierTargetEncoder(TransformerMixin, BaseEstimator):
    """Class labels <-> network targets.

    Parameters
    ----------
    target_type : str
        ``binary``, ``multiclass``, ``multiclass-onehot`` or
        ``multilabel-indicator`` (see :func:`classifier_target_type`).
    classes : array-like or None, default=None
        Every class, when ``y`` may miss some (``partial_fit(classes=...)``).
    one_hot : bool, default=False
        Give the network one-hot rows for labels (for a categorical
        cross-entropy loss); otherwise class indices.
    """

    def __init__(self, target_type: str, classes: Any = None, one_hot: bool = False) -> None:
        self.target_type = target_type
        self.classes = classes
        self.one_hot = one_hot

    def fit(self, y: np.ndarray) -> ClassifierTargetEncoder:
        y = np.asarray(y)
        self.dtype_ = y.dtype
        if self.target_type in ("multiclass-onehot", "multilabel-indicator"):
            self.classes_ = np.arange(y.shape[1])
            self.n_classes_ = y.shape[1]
            return self
        labels = y.ravel() if self.classes is None else np.asarray(self.classes)
        self.label_encoder_ = LabelEncoder().fit(labels)
        self.classes_ = self.label_encoder_.classes_
        self.n_classes_ = len(self.classes_)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y)
        if self.target_type in ("multiclass-onehot", "multilabel-indicator"):
            return y.astype(keras.backend.floatx())
        codes = self.label_encoder_.transform(y.ravel())
        if self.one_hot:
            return np.eye(self.n_classes_, dtype=keras.backend.floatx())[codes]
        return codes.astype(keras.backend.floatx())

    def inverse_transform(self, proba: np.ndarray) -> np.ndarray:
        """Labels from the probabilities :meth:`probabilities` returns."""
        if self.target_type == "multilabel-indicator":
            return (proba > 0.5).astype(self.dtype_)
        index = proba.argmax(axis=1)
        if self.target_type == "multiclass-onehot":
            return np.eye(self.n_classes_, dtype=self.dtype_)[index]
        return self.classes_[index]

    def probabilities(self, raw: np.ndarray) -> np.ndarray:
        """One column per class from the network's output (one or k units)."""
        proba = np.asarray(raw, dtype=np.float64)
        if proba.ndim == 1:
            proba = proba.reshape(-1, 1)
        if self.target_type == "multilabel-indicator":
            return proba
        if proba.shape[1] == 1:
            proba = np.hstack([1.0 - proba, proba])
        return proba / proba.sum(axis=1, keepdims=True)


class RegressorTargetEncoder(TransformerMixin, BaseEstimator):
    """Reshape ``y`` to 2-D float and optionally standardize each column.

    Parameters
    ----------
    scale : bool, default=True
        Standardize each column (undone by :meth:`inverse_transform`).
    """

    def __init__(self, scale: bool = True) -> None:
        self.scale = scale

    def fit(self, y: np.ndarray) -> RegressorTargetEncoder:
        y = np.asarray(y, dtype=np.float64)
        self.ndim_ = y.ndim
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        self.mean_ = y2.mean(axis=0) if self.scale else np.zeros(self.n_outputs_)
        std = y2.std(axis=0) if self.scale else np.ones(self.n_outputs_)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((y2 - self.mean_) / self.scale_).astype(keras.backend.floatx())

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        y2 = np.asarray(y, dtype=np.float64).reshape(len(y), -1) * self.scale_ + self.mean_
        return y2.ravel() if self.ndim_ == 1 else y2
