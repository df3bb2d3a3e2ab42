"""KerasClassifier: Keras models as scikit-learn classifiers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import warnings

import keras
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils import compute_sample_weight

from ..exceptions import SingleClassWarning
from ._base import COMMON_ATTRIBUTES, COMMON_PARAMETERS, BaseKerasEstimator
from ._targets import ClassifierTargetEncoder, check_labels, fit_classifier_target, strata

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

    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        return check_labels(y)

    def _fit_target(self, y: np.ndarray, classes: Any) -> ClassifierTargetEncoder:
        return fit_classifier_target(y, classes, type(self).__name__)

    def _sample_weight(self, X: np.ndarray, y: np.ndarray, sample_weight: Any) -> Any:
        weights = super()._sample_weight(X, y, sample_weight)
        if self.class_weight is None:
            return weights
        balanced = compute_sample_weight(self.class_weight, y).astype(keras.backend.floatx())
        return balanced if weights is None else balanced * weights

    def _check_predictions(self, X: np.ndarray, y: np.ndarray) -> None:
        true = strata(self.target_encoder_, y)
        if true is None or np.unique(true).size < 2:
            return  # multilabel, or one class only in these rows
        raw = self._outputs(X)
        predicted = self.target_encoder_.probabilities(raw).argmax(axis=1)
        if np.unique(predicted).size > 1:
            return
        label = str(self.classes_[predicted[0]])
        share = float(np.mean(true == predicted[0]))
        warnings.warn(
            f"{type(self).__name__} predicts {label!r} for every row it was fitted on "
            f"({len(X)} rows, {share:.0%} of them {label!r}): it does not tell the "
            "classes apart. For an imbalanced target, set class_weight='balanced' and "
            "judge the model by roc_auc, neg_log_loss or balanced_accuracy rather "
            "than accuracy; otherwise train longer (epochs) or check the features.",
            SingleClassWarning,
            stacklevel=5,
        )

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
        raw = self._predict_raw(X)  # checks that the classifier is fitted
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
        proba = self.predict_proba(X)  # checks that the classifier is fitted
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
