"""The tabular recipe's estimator parameters: checks, model arguments, losses.

The parameters (``numeric_embedding``, ``categorical_embedding_dim``,
``weight_decay``, ``ensemble_heads`` and, for classifiers,
``label_smoothing``) are declared by the estimators; this module validates
them and turns them into arguments of :func:`~kerasopt.estimators._mlp.build_mlp`
and of the loss.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from ._features import feature_layout
from ._mlp import NUMERIC_EMBEDDINGS

__all__ = [
    "SmoothedSparseCategoricalCrossentropy",
    "check_recipe_params",
    "recipe_model_kwargs",
    "smoothed_loss",
]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_recipe_params(estimator: Any) -> None:
    """Raise a ValueError naming the first recipe parameter with a bad value."""
    embedding = estimator.numeric_embedding
    if embedding is not None and embedding not in NUMERIC_EMBEDDINGS:
        raise ValueError(
            f"Unknown numeric embedding. Received: numeric_embedding={embedding!r}. "
            f"Use one of {', '.join(map(repr, NUMERIC_EMBEDDINGS))} or None."
        )
    for name in ("categorical_embedding_dim", "ensemble_heads"):
        value = getattr(estimator, name)
        if not _is_int(value) or value < 1:
            raise ValueError(
                f"{name} must be a positive integer. Received: {name}={value!r}."
            )
    decay = estimator.weight_decay
    if isinstance(decay, bool) or not isinstance(decay, (int, float, np.number)) or not (
        0.0 <= decay < 1.0
    ):
        raise ValueError(
            "weight_decay must be a number in [0, 1) (0 turns it off). "
            f"Received: weight_decay={decay!r}."
        )
    smoothing = getattr(estimator, "label_smoothing", 0.0)
    if isinstance(smoothing, bool) or not isinstance(
        smoothing, (int, float, np.number)
    ) or not 0.0 <= smoothing < 1.0:
        raise ValueError(
            "label_smoothing must be a number in [0, 1). "
            f"Received: label_smoothing={smoothing!r}."
        )


def recipe_model_kwargs(
    estimator: Any, X: np.ndarray, categories: dict[str, list[Any]]
) -> dict[str, Any]:
    """Arguments of ``build_mlp`` from the estimator's recipe parameters.

    Parameters
    ----------
    estimator : KerasClassifier or KerasRegressor
    X : ndarray
        The validated training data (categorical columns as codes).
    categories : dict
        The levels of the coded categorical columns (see
        :func:`~kerasopt.estimators._features.category_codes`).
    """
    columns = getattr(estimator, "feature_names_in_", None)
    return {
        "layout": feature_layout(
            X, None if columns is None else list(columns), categories,
            embed_numeric=estimator.numeric_embedding is not None,
        ),  # fmt: skip
        "numeric_embedding": estimator.numeric_embedding,
        "categorical_embedding_dim": int(estimator.categorical_embedding_dim),
        "ensemble_heads": int(estimator.ensemble_heads),
    }


@keras.saving.register_keras_serializable(package="kerasopt")
class SmoothedSparseCategoricalCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer labels against label-smoothed one-hot targets.

    Keras' ``SparseCategoricalCrossentropy`` has no ``label_smoothing``.

    Parameters
    ----------
    label_smoothing : float
        Weight moved from the true class to a uniform distribution.
    """

    def __init__(self, label_smoothing: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        one_hot = keras.ops.one_hot(labels, keras.ops.shape(y_pred)[-1])
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=self.label_smoothing
        )

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def smoothed_loss(name: str, label_smoothing: float) -> Any:
    """The default classification loss ``name`` with label smoothing, if any."""
    if not label_smoothing:
        return name
    if name == "binary_crossentropy":
        return keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing)
    if name == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    return SmoothedSparseCategoricalCrossentropy(label_smoothing)
