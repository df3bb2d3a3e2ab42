"""What the estimators take as X at fit and predict, and the validation split."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import validate_data

from ..exceptions import DataError
from ..preprocessing import check_target
from ._features import category_codes

__all__ = ["check_inputs", "validation_split"]

_PIPELINE_HINT = (
    "Wrap the estimator in kerasopt.make_tabular_pipeline(...) to impute missing "
    "values, one-hot encode categorical columns and scale numeric ones."
)


def check_inputs(
    estimator: BaseEstimator, X: Any, y: Any = None, *, reset: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` (and ``y``) checked as scikit-learn does, ``X`` as contiguous floatx.

    ``reset`` (at fit) records ``n_features_in_``, ``feature_names_in_``,
    ``X_shape_``, ``X_dtype_`` and ``feature_categories_`` on ``estimator``;
    otherwise ``X`` must match them. DataFrame columns of ``category`` dtype
    become integer codes (:func:`~._features.category_codes`).
    """
    if scipy.sparse.issparse(X):
        raise DataError(
            f"{type(estimator).__name__} needs dense X, but got a sparse "
            f"{type(X).__name__} of shape {X.shape}. Give the encoder that makes "
            "it sparse_output=False, or put FunctionTransformer(kerasopt."
            "preprocessing.densify, accept_sparse=True) before the estimator."
        )
    X, categories = category_codes(
        X, None if reset else getattr(estimator, "feature_categories_", {})
    )
    if reset:
        estimator.feature_categories_ = categories
    kwargs: dict[str, Any] = {"dtype": keras.backend.floatx(), "allow_nd": True}
    name = type(estimator).__name__
    if y is not None:
        # A target is never imputed: say so before sklearn's checks do.
        check_target(y if hasattr(y, "iloc") else np.asarray(y))
    try:
        if y is None:
            X = validate_data(estimator, X, reset=reset, **kwargs)
        else:
            X, y = validate_data(estimator, X, y, reset=reset, multi_output=True, **kwargs)
    except ValueError as exc:
        message = str(exc)
        if "NaN" in message or "infinity" in message or "convert" in message:
            raise DataError(
                f"{message} {name} needs finite numbers only. {_PIPELINE_HINT}"
            ) from exc
        raise
    if reset:
        estimator.X_shape_ = X.shape
        estimator.X_dtype_ = X.dtype
    elif X.shape[1:] != estimator.X_shape_[1:]:
        raise DataError(
            f"X has samples of shape {X.shape[1:]}, but {name} was fitted on samples "
            f"of shape {estimator.X_shape_[1:]}."
        )
    return np.ascontiguousarray(X), y


def validation_split(
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    fraction: float,
    *,
    seed: int | None,
    stratify: np.ndarray | None,
) -> tuple[tuple[Any, Any, Any], tuple[Any, ...] | None]:
    """Hold out a shuffled share of the rows, stratified on ``stratify`` when it can.

    Returns ``(X, y, sample_weight)`` to train on and the held-out
    ``(X, y[, sample_weight])`` (None when ``fraction`` is 0).
    """
    if not fraction:
        return (X, y, sample_weight), None
    arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
    split = {"test_size": fraction, "random_state": seed}
    try:
        parts = train_test_split(*arrays, stratify=stratify, **split)
    except ValueError:  # too few members of a class to stratify
        parts = train_test_split(*arrays, **split)
    train, validation = parts[0::2], tuple(parts[1::2])
    return (train[0], train[1], train[2] if len(train) > 2 else None), validation
