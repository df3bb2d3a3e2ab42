"""KerasClassifier: Keras models as scikit-learn classifiers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from sklearn.base import ClassifierMixin
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..exceptions import DataError
from ._base import BaseKerasEstimator
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS

__all__ = ["KerasClassifier"]


class KerasClassifier(ClassifierMixin, BaseKerasEstimator):
    __doc__ = f"""Keras model as a scikit-learn classifier.

    Binary, multiclass (string, int or bool labels), one-hot and multilabel
    targets are supported; the output layer and loss follow the target.

    Parameters
    ----------
{COMMON_PARAMETERS}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn.

    Attributes
    ----------
{COMMON_ATTRIBUTES}
    classes_ : ndarray
        The class labels.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from kerasopt import KerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = KerasClassifier(hidden_layer_sizes=(16,), epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        model: Callable[..., keras.Model] | keras.Model | None = None,
        *,
        hidden_layer_sizes: Sequence[int] = (100,),
        activation: str = "relu",
        dropout: float = 0.0,
        l2: float = 0.0,
        batch_normalization: bool = False,
        optimizer: str | type | keras.optimizers.Optimizer = "adam",
        learning_rate: float | None = 1e-3,
        loss: Any = None,
        metrics: Sequence[Any] | None = None,
        epochs: int = 200,
        batch_size: int | None = None,
        validation_fraction: float | None = None,
        early_stopping: bool = False,
        patience: int = 10,
        reduce_lr_on_plateau: bool = False,
        lr_schedule: str | Callable[[int, float], float] | None = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
        normalize: bool = False,
        warm_start: bool = False,
        shuffle: bool = True,
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
        class_weight: dict[Any, float] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            l2=l2,
            batch_normalization=batch_normalization,
            optimizer=optimizer,
            learning_rate=learning_rate,
            loss=loss,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            early_stopping=early_stopping,
            patience=patience,
            reduce_lr_on_plateau=reduce_lr_on_plateau,
            lr_schedule=lr_schedule,
            callbacks=callbacks,
            normalize=normalize,
            warm_start=warm_start,
            shuffle=shuffle,
            verbose=verbose,
            random_state=random_state,
            **kwargs,
        )
        self.class_weight = class_weight

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
    ) -> KerasClassifier:
        """Build (unless ``warm_start``) and train the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, finite numbers only.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a one-hot / multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, multiplied by ``class_weight``'s.
        callbacks : list of keras.callbacks.Callback, default=None
            Extra callbacks for this call only.

        Returns
        -------
        self
        """
        self.classes_ = None  # the scikeras encoder reads it: no partial_fit classes
        if self.class_weight is not None:
            weights = compute_sample_weight(self.class_weight, y)
            if sample_weight is not None:
                weights = weights * np.asarray(sample_weight, dtype=float)
            sample_weight = weights
        super().fit(X, y, sample_weight=sample_weight, callbacks=callbacks)
        return self

    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        if y.ndim == 1 or y.shape[1] == 1:
            labels = np.unique(y)
            if labels.size < 2:
                raise DataError(
                    f"{type(self).__name__} needs at least 2 classes in y, but y has "
                    f"1 class: {labels.tolist()}. Check the target column or the "
                    "train/test split."
                )
        return y

    def _type_of_target(self, y: np.ndarray) -> str:
        target_type = type_of_target(y)
        if target_type == "binary" and getattr(self, "classes_", None) is not None:
            target_type = type_of_target(self.classes_)
        if target_type == "multilabel-indicator" and (y.sum(axis=1) == 1).all():
            target_type = "multiclass-onehot"
        return target_type

    def _output_layer(self) -> tuple[int, str]:
        if self.target_type_ == "binary":
            return 1, "sigmoid"
        if self.target_type_ == "multilabel-indicator":
            return int(self.n_classes_), "sigmoid"
        if self.target_type_ in ("multiclass", "multiclass-onehot"):
            return int(self.n_classes_), "softmax"
        raise DataError(
            f"{type(self).__name__} does not support {self.target_type_!r} targets. "
            "Use one column of labels, a one-hot matrix or a multilabel indicator "
            "matrix."
        )

    def _default_loss(self) -> str:
        if self.target_type_ == "multiclass-onehot":
            return "categorical_crossentropy"
        if self.target_type_ == "multilabel-indicator":
            return "binary_crossentropy"
        model = getattr(self, "model_", None)
        single_unit = model is None or model.outputs[0].shape[-1] == 1
        if self.target_type_ == "binary" and single_unit:
            return "binary_crossentropy"
        return "sparse_categorical_crossentropy"

    def _default_metrics(self) -> list[Any]:
        return ["accuracy"]

    def _stratify(self, y: np.ndarray) -> np.ndarray | None:
        if self.target_type_ == "multilabel-indicator":
            return None
        return y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.ravel()

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to 1, except for multilabel targets.
        """
        proba = np.asarray(self._predict_raw(X), dtype=np.float64)
        if proba.ndim == 1:
            proba = proba.reshape(-1, 1)
        if self.target_type_ == "multilabel-indicator":
            return proba
        if proba.shape[1] == 1:
            proba = np.hstack([1.0 - proba, proba])
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels, of the same type as the ``y`` given to fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        raw = self._predict_raw(X)
        return self.target_encoder_.inverse_transform(raw)

    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> KerasClassifier:
        """Train for one epoch, keeping the model and history of earlier calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            Every class of the whole data set; needed on the first call when a
            batch may miss some classes.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        if classes is not None:
            self.classes_ = np.asarray(classes)
        elif not hasattr(self, "classes_"):
            self.classes_ = None
        self._check_params()
        super().partial_fit(X, y, sample_weight=sample_weight)
        return self

    @property
    def target_encoder(self) -> ClassifierLabelEncoder:
        """Transformer between class labels and the network's targets."""
        classes = getattr(self, "classes_", None)
        categories = "auto" if classes is None else [classes]
        return ClassifierLabelEncoder(loss=self.loss, categories=categories)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.poor_score = True
        return tags
