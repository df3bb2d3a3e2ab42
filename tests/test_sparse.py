"""Sparse input: a ColumnTransformer with a sparse OneHotEncoder (issue 14, item 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

from kerasopt import KerasClassifier, load, make_tabular_preprocessor, save
from kerasopt.exceptions import DataError
from kerasopt.preprocessing import densify


def _table() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"c": rng.choice(list("abcdefghij"), 60),
                          "x": rng.normal(size=60)})  # fmt: skip
    return frame, np.where(frame["x"] > 0, "p", "q")


def _sparse_encoder() -> ColumnTransformer:
    """What users write: OneHotEncoder's default output is sparse."""
    return ColumnTransformer(
        [("onehot", OneHotEncoder(), ["c"])], remainder="passthrough"
    )


def test_densify_keeps_values_and_passes_dense_input_through():
    frame, _ = _table()
    sparse = _sparse_encoder().fit_transform(frame)
    assert scipy.sparse.issparse(sparse)
    dense = densify(sparse)
    assert isinstance(dense, np.ndarray) and dense.dtype == np.float32
    np.testing.assert_allclose(dense, sparse.toarray(), rtol=1e-6)
    array = np.ones((2, 2))
    assert densify(array) is array


def test_densify_refuses_what_would_not_fit_and_says_how():
    huge = scipy.sparse.csr_matrix((100_000, 50_000), dtype=np.float64)
    with pytest.raises(
        DataError,
        match=r"shape \(100000, 50000\).*18\.6 GiB, more "
        r"than the limit of 1\.0 GiB.*max_categories"
        r".*sparse_output=False",
    ):
        densify(huge)
    with pytest.raises(DataError, match=r"limit of 1\.0 MiB"):
        densify(scipy.sparse.eye(1000, format="csr"), limit_bytes=2**20)


def test_kerasopt_preprocessor_output_is_dense():
    frame, _ = _table()
    assert isinstance(make_tabular_preprocessor().fit_transform(frame), np.ndarray)


def test_sparse_pipeline_trains_with_densify_step_and_round_trips(tmp_path):
    frame, y = _table()
    pipe = make_pipeline(
        _sparse_encoder(),
        FunctionTransformer(densify, accept_sparse=True),
        KerasClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0),
    ).fit(frame, y)
    save(pipe, tmp_path / "m.kerasopt")
    np.testing.assert_array_equal(load(tmp_path / "m.kerasopt").predict(frame),
                                  pipe.predict(frame))  # fmt: skip


def test_estimators_refuse_sparse_input_saying_how_to_densify():
    frame, y = _table()
    pipe = make_pipeline(_sparse_encoder(), KerasClassifier(epochs=1, random_state=0))
    with pytest.raises(DataError, match=r"needs dense X.*sparse_output=False.*densify"):
        pipe.fit(frame, y)
