"""KerasRegressor: Keras models as scikit-learn regressors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from sklearn.base import RegressorMixin

from ._base import COMMON_ATTRIBUTES, COMMON_PARAMETERS, BaseKerasEstimator
from ._targets import RegressorTargetEncoder, check_values, fit_regressor_target

__all__ = ["KerasRegressor"]


class KerasRegressor(RegressorMixin, BaseKerasEstimator):
    __doc__ = f"""Keras model as a scikit-learn regressor.

    Single and multi-output targets; the built-in MLP ends in one linear unit
    per output and minimizes the mean squared error.

    Parameters
    ----------
{COMMON_PARAMETERS}
    target_scaling : bool, default=True
        Standardize the target for training and undo it at prediction, which
        makes the default learning rate work whatever the target's units.

    Attributes
    ----------
{COMMON_ATTRIBUTES}
    n_outputs_ : int
        Number of target columns.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from kerasopt import KerasRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = KerasRegressor(hidden_layer_sizes=(16,), epochs=2, random_state=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        model: Callable[..., keras.Model] | keras.Model | None = None,
        *,
        target_scaling: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(model, **kwargs)
        self.target_scaling = target_scaling

    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        return check_values(y, type(self).__name__)

    def _fit_target(self, y: np.ndarray, classes: Any) -> RegressorTargetEncoder:
        return fit_regressor_target(y, self.target_scaling)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, in the units of the ``y`` given to fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        raw = self._predict_raw(X)  # checks that the regressor is fitted
        return self.target_encoder_.inverse_transform(raw)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> KerasRegressor:
        """Train for one epoch, keeping the model and history of earlier calls.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self
        """
        resume = hasattr(self, "model_")
        self._fit(X, y, sample_weight, None, {}, resume=resume, epochs=1)
        return self

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags
