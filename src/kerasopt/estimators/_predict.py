"""Fast model outputs for prediction: a direct, compiled call for small batches."""

from __future__ import annotations

import keras
import numpy as np

from ._outputs import join_outputs

__all__ = ["forward"]

# Up to this many rows, prediction is one direct call of the model (no data
# adapter, no predict loop): 30-100x faster for a single row.
_DIRECT_CALL_ROWS = 65536


def forward(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """Outputs of ``model`` for validated ``X``, as one NumPy array.

    An eager call costs milliseconds; ``predict_on_batch`` (compiled, cached on
    the model by Keras) well under one, but compiling it costs ~100 ms once.
    The first call on a model stays eager, so a one-off prediction (scoring a
    CV fold) pays no compilation, and repeated ones (serving) take the
    compiled path from the second call on. The mark is kept on the model:
    predicting must leave the estimator's ``__dict__`` alone.
    """
    if len(X) > _DIRECT_CALL_ROWS:
        return join_outputs(model.predict(X, batch_size=4096, verbose=0), len(X))
    if not getattr(model, "_kerasopt_predicted", False):
        model._kerasopt_predicted = True
        return join_outputs(model(X, training=False), len(X))
    return join_outputs(model.predict_on_batch(X), len(X))
