"""KerasClassifier: Keras models as scikit-learn classifiers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets

from ..exceptions import DataError
from ._base import BaseKerasEstimator
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS
from ._outputs import output_widths
from ._recipe import smoothed_loss
from ._save import SaveMixin
from ._targets import ClassifierTargetEncoder, classifier_target_type, wants_one_hot

__all__ = ["KerasClassifier"]

_TARGET_TYPES = ("binary", "multiclass", "multiclass-onehot", "multilabel-indicator")


class KerasClassifier(ClassifierMixin, SaveMixin, BaseKerasEstimator):
    __doc__ = f"""Keras model as a scikit-learn classifier.

    Binary, multiclass (string, int or bool labels), one-hot and multilabel
    targets are supported; the output layer and loss follow the target.

    Parameters
    ----------
{COMMON_PARAMETERS}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn.
    label_smoothing : float, default=0.1
        Train on class labels moved this much towards the uniform
        distribution (the default loss of binary and multiclass label targets;
        one-hot and multilabel targets are used as given), as RealMLP does: it helped accuracy on the
        quality benchmark, but makes ``predict_proba`` less confident (use 0.0
        when calibrated probabilities or log-loss matter).

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
        class_weight: dict[Any, float] | str | None = None,
        label_smoothing: float = 0.1,
        **kwargs: Any,
    ) -> None:
        super().__init__(model, **kwargs)
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        callbacks: Sequence[keras.callbacks.Callback] | None = None,
        **kwargs: Any,
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
        **kwargs
            Arguments of ``keras.Model.fit`` for this call only.

        Returns
        -------
        self
        """
        resume = self.warm_start and hasattr(self, "model_")
        self._fit(X, y, sample_weight, callbacks, kwargs, resume=resume)
        return self

    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        check_classification_targets(y)
        return y

    def _make_target_encoder(self, y: np.ndarray, classes: Any) -> ClassifierTargetEncoder:
        target_type = classifier_target_type(y)
        if target_type in ("binary", "multiclass") and classes is not None:
            target_type = classifier_target_type(np.asarray(classes))
        if target_type not in _TARGET_TYPES:
            raise DataError(
                f"{type(self).__name__} does not support {target_type!r} targets. "
                "Use one column of labels, a one-hot matrix or a multilabel indicator "
                "matrix."
            )
        if target_type not in ("multiclass-onehot", "multilabel-indicator"):
            labels = np.unique(y if classes is None else np.asarray(classes))
            if labels.size < 2:
                raise DataError(
                    f"{type(self).__name__} needs at least 2 classes in y, but y has "
                    f"1 class: {labels.tolist()}. Check the target column or the "
                    "train/test split."
                )
        self.target_type_ = target_type
        one_hot = target_type in ("binary", "multiclass") and wants_one_hot(self.loss)
        encoder = ClassifierTargetEncoder(target_type, classes, one_hot).fit(y)
        self.classes_ = encoder.classes_
        self.n_classes_ = encoder.n_classes_
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.n_outputs_expected_ = 1
        self.y_dtype_ = y.dtype
        return encoder

    def _sample_weight(self, X: np.ndarray, y: np.ndarray, sample_weight: Any) -> Any:
        weights = super()._sample_weight(X, y, sample_weight)
        if self.class_weight is None:
            return weights
        balanced = compute_sample_weight(self.class_weight, y).astype(keras.backend.floatx())
        return balanced if weights is None else balanced * weights

    def _output_layer(self) -> tuple[int, str]:
        if self.target_type_ == "binary":
            return 1, "sigmoid"
        if self.target_type_ == "multilabel-indicator":
            return int(self.n_classes_), "sigmoid"
        return int(self.n_classes_), "softmax"

    def _default_loss(self) -> Any:
        if self.target_type_ not in ("binary", "multiclass"):
            return self._loss_name()  # indicator targets: as given
        return smoothed_loss(self._loss_name(), self.label_smoothing)

    def _loss_name(self) -> str:
        if self.target_type_ == "multiclass-onehot":
            return "categorical_crossentropy"
        if self.target_type_ == "multilabel-indicator":
            return "binary_crossentropy"
        model = getattr(self, "model_", None)
        single_unit = model is None or output_widths(model)[0] in (1, None)
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
        raw = self._predict_raw(X)
        return self.target_encoder_.probabilities(raw)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels, of the same type as the ``y`` given to fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        proba = self.predict_proba(X)
        return self.target_encoder_.inverse_transform(proba)

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
        resume = hasattr(self, "model_")
        self._fit(X, y, sample_weight, None, {}, resume=resume, classes=classes, epochs=1)
        return self

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.poor_score = True
        return tags
