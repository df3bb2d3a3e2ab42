"""KerasRegressor: Keras models as scikit-learn regressors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin

from ..exceptions import DataError
from ._base import BaseKerasEstimator
from ._docs import COMMON_ATTRIBUTES, COMMON_PARAMETERS

__all__ = ["KerasRegressor"]


class _TargetEncoder(TransformerMixin, BaseEstimator):
    """Reshape ``y`` to 2-D float and optionally standardize each column."""

    def __init__(self, scale: bool = True) -> None:
        self.scale = scale

    def fit(self, y: np.ndarray) -> _TargetEncoder:
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

    def get_metadata(self) -> dict[str, Any]:
        return {"n_outputs_": self.n_outputs_, "n_outputs_expected_": 1}


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
        target_scaling: bool = True,
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
        self.target_scaling = target_scaling

    @property
    def target_encoder(self) -> _TargetEncoder:
        """Transformer between ``y`` and the network's output."""
        return _TargetEncoder(scale=self.target_scaling)

    def _validate_target(self, y: np.ndarray) -> np.ndarray:
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                example = next(iter(np.ravel(y)), None)
                raise DataError(
                    f"{type(self).__name__} needs a numeric target, but y has dtype "
                    f"{y.dtype} (e.g. {example!r}). For class labels use "
                    "KerasClassifier; otherwise convert the target to numbers."
                ) from None
        return y

    def _type_of_target(self, y: np.ndarray) -> str:
        return "continuous" if y.ndim == 1 else "continuous-multioutput"

    def _output_layer(self) -> tuple[int, str]:
        return int(self.n_outputs_), "linear"

    def _default_loss(self) -> str:
        return "mse"

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, in the units of the ``y`` given to fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        raw = self._predict_raw(X)
        return self.target_encoder_.inverse_transform(raw)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags
