"""One row through a fitted tabular pipeline is a direct call (issue 20): the
preprocessor's fast path and the estimator's check of a plain DataFrame give
exactly what the usual paths give, errors included."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kerasopt import KerasClassifier, make_tabular_pipeline, make_tabular_preprocessor
from kerasopt.preprocessing import _tabular


def _table(n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x0": rng.normal(size=n),
            "x1": rng.integers(0, 5, n),
            "gap": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            "flag": rng.choice([True, False], n),
            "colour": rng.choice(["red", "green", "blue", None], n),
            "city": rng.choice([f"city{i}" for i in range(14)], n),
            "code": pd.Series(rng.choice([9, 10, 11], n), dtype=object),
        }
    )
    return frame, (frame["x0"] > 0).to_numpy()


def _both(preprocessor, rows, monkeypatch):
    """(fast path, usual path) outputs, or their errors as text."""

    def run():
        try:
            return preprocessor.transform(rows)
        except Exception as exc:  # the same error is what must come out
            return f"{type(exc).__name__}: {exc}"

    fast = run()
    with monkeypatch.context() as patch:
        patch.setattr(_tabular, "FAST_MAX_ROWS", 0)
        usual = run()
    return fast, usual


_VARIANTS = {
    "as fitted": lambda r: r,
    "unseen and missing levels": lambda r: r.assign(
        city=["city99", None, "city3"], colour=[np.nan, "purple", "red"]
    ),
    "numbers spelled otherwise": lambda r: r.assign(code=[11.0, "10", 9]),
    "a missing code": lambda r: r.assign(code=[None, pd.NA, 10]),
    "a missing number": lambda r: r.assign(gap=[np.nan, np.nan, 1.5]),
    "too large to scale": lambda r: r.assign(x0=[1e300, 0.0, 1.0]),
    "infinity": lambda r: r.assign(x0=[np.inf, 0.0, 1.0]),
    "text in a number column": lambda r: r.assign(x1=["a", 1, 2]),
    "bools and numbers in a text column": lambda r: r.assign(colour=[True, 3, "red"]),
    "columns in another order": lambda r: r[list(r.columns)[::-1]],
    "a column missing": lambda r: r.drop(columns="colour"),
}


@pytest.mark.parametrize("variant", list(_VARIANTS))
@pytest.mark.parametrize(
    "options",
    [{}, {"embed_categories": 10}, {"scaler": "minmax", "embed_categories": 3},
     {"scaler": "none"}, {"max_categories": 3}, {"scaler": "robust"},
     {"scaler": "quantile"}],
    ids=["one-hot", "embedded", "minmax", "no-scaler", "max-categories", "robust",
         "quantile"],
)  # fmt: skip
def test_the_fast_path_gives_what_the_usual_path_gives(options, variant, monkeypatch):
    X, y = _table()
    preprocessor = make_tabular_preprocessor(**options).fit(X, y)
    rows = _VARIANTS[variant](X.iloc[[0, 5, 7]].reset_index(drop=True))
    fast, usual = _both(preprocessor, rows, monkeypatch)
    if isinstance(usual, pd.DataFrame):
        pd.testing.assert_frame_equal(fast, usual)
    elif isinstance(usual, np.ndarray):
        assert isinstance(fast, np.ndarray) and fast.dtype == usual.dtype
        np.testing.assert_array_equal(fast, usual)
    else:
        assert fast == usual


def test_the_fast_path_follows_a_refit(monkeypatch):
    X, y = _table()
    preprocessor = make_tabular_preprocessor().fit(X, y)
    before = preprocessor.transform(X.iloc[:1])
    preprocessor.fit(X.assign(x0=X["x0"] * 10), y)
    fast, usual = _both(preprocessor, X.iloc[:1], monkeypatch)
    np.testing.assert_array_equal(fast, usual)
    assert not np.array_equal(fast, before)
    preprocessor.fit(X.drop(columns="colour"), y)  # the names are the new fit's too
    from sklearn.compose import ColumnTransformer

    usual_names = ColumnTransformer.get_feature_names_out(preprocessor)
    np.testing.assert_array_equal(preprocessor.get_feature_names_out(), usual_names)


def test_one_row_through_the_pipeline_is_the_row_of_a_batch():
    X, y = _table()
    pipe = make_tabular_pipeline(
        KerasClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0)
    ).fit(X, y)
    batch = pipe.predict_proba(X.iloc[:300])  # the usual paths (300 rows)
    for i in (0, 1, 299):
        np.testing.assert_allclose(
            pipe.predict_proba(X.iloc[[i]]), batch[[i]], rtol=1e-6
        )


def test_the_estimator_reads_a_plain_frame_as_validate_data_does(monkeypatch):
    from kerasopt.estimators import _base
    from kerasopt.exceptions import DataError

    X, y = _table()
    pipe = make_tabular_pipeline(
        KerasClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0),
        embed_categories=10,
    ).fit(X, y)
    frame = pipe[0].transform(X.iloc[:5])
    assert isinstance(frame, pd.DataFrame)  # a category column next to numbers
    estimator = pipe[-1]
    fast, _ = _base.check_inputs(estimator, frame, reset=False)
    with monkeypatch.context() as patch:
        patch.setattr(_base, "_plain_frame", lambda estimator, X: None)
        usual, _ = _base.check_inputs(estimator, frame, reset=False)
    assert fast.dtype == usual.dtype and fast.flags.c_contiguous
    np.testing.assert_array_equal(fast, usual)
    bad = frame.assign(**{frame.columns[-1]: np.nan})
    with pytest.raises(DataError, match="NaN"):
        _base.check_inputs(estimator, bad, reset=False)
