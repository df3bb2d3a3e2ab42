"""Shared fixtures: tiny data sets and a clean Keras state for every test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import kerasopt  # noqa: E402,F401  (first: it picks the Keras backend, JAX by default)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _clean_keras_state():
    """Every test starts from the same global seeds and a fresh Keras session.

    ``free_memory=False``: the ``gc.collect()`` it would run costs ~0.4 s per
    test once TensorFlow is loaded; reference counting frees the models anyway.
    """
    import random

    import keras

    if keras.backend.backend() == "tensorflow":
        keras.utils.set_random_seed(0)
    else:  # set_random_seed imports TensorFlow whenever it is installed
        random.seed(0)
        np.random.seed(0)
    yield
    keras.backend.clear_session(free_memory=False)


@pytest.fixture(scope="session")
def iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    return X.astype("float32"), y


@pytest.fixture(scope="session")
def tiny_table():
    """60 rows of mixed dtypes with missing values and a string target."""
    rng = np.random.default_rng(0)
    n = 60
    size = rng.normal(10, 3, n)
    color = rng.choice(["red", "green", "blue"], n).astype(object)
    color[::7] = None
    weight = rng.normal(50, 10, n)
    weight[::5] = np.nan
    frame = pd.DataFrame(
        {
            "size": size,
            "color": color,
            "weight": weight,
            "fresh": rng.choice([True, False], n),
            "grade": pd.Categorical(rng.choice(["a", "b"], n)),
        }
    )
    target = np.where(size + (color == "red") * 3 > 11, "big", "small")
    return frame, pd.Series(target, name="label")
