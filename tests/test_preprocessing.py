"""make_tabular_preprocessor / make_tabular_pipeline on real-looking tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline
from kerasopt.exceptions import DataError
from kerasopt.preprocessing import categorical_columns, make_tabular_preprocessor


def test_column_types_are_inferred(tiny_table):
    X, _ = tiny_table
    assert categorical_columns(X) == ["color", "fresh", "grade"]
    assert categorical_columns(np.array([[1, "a"], [2, "b"]], dtype=object)) == [1]
    assert categorical_columns(np.ones((3, 2))) == []


def test_preprocessor_output_is_finite_and_named(tiny_table):
    X, _ = tiny_table
    pre = make_tabular_preprocessor().fit(X)
    out = pre.transform(X)
    names = list(pre.get_feature_names_out())
    assert out.shape == (len(X), len(names))
    assert np.isfinite(out).all()
    # one column per category, "missing" for the holes, numeric columns last
    assert "color_missing" in names and "color_red" in names
    assert names[-2:] == ["size", "weight"]
    np.testing.assert_allclose(out[:, -2].mean(), 0, atol=1e-9)  # standard-scaled


def test_unseen_categories_and_nan_at_predict_time(tiny_table):
    X, _ = tiny_table
    pre = make_tabular_preprocessor().fit(X)
    new = pd.DataFrame({"size": [np.nan], "color": ["purple"], "weight": [np.nan],
                        "fresh": [None], "grade": ["z"]})  # fmt: skip
    out = pre.transform(new)
    assert np.isfinite(out).all()
    color = [
        i for i, n in enumerate(pre.get_feature_names_out()) if n.startswith("color_")
    ]
    assert out[0, color].sum() == 0  # unknown category -> all zeros


@pytest.mark.parametrize("scaler", ["minmax", "none", "robust", "quantile"])
def test_other_scalers(tiny_table, scaler):
    X, _ = tiny_table
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # QuantileScaler: fewer rows than quantiles
        out = make_tabular_preprocessor(scaler=scaler).fit_transform(X)
    size = out[:, -2]
    if scaler == "minmax":
        assert size.min() == pytest.approx(0) and size.max() == pytest.approx(1)
    elif scaler == "robust":
        assert np.median(size) == pytest.approx(0)
    elif scaler == "quantile":  # ranks on a normal scale: order kept, centred
        assert np.all(np.diff(size[np.argsort(X["size"].to_numpy())]) >= 0)
        assert np.median(size) == pytest.approx(0, abs=1e-6)
    else:
        np.testing.assert_allclose(size, X["size"])


def test_the_quantile_scaler_makes_a_skewed_column_symmetric():
    skewed = np.exp(np.random.default_rng(0).normal(size=(500, 1)) * 2)
    standard = make_tabular_preprocessor().fit_transform(pd.DataFrame(skewed))
    quantile = make_tabular_preprocessor(scaler="quantile").fit_transform(
        pd.DataFrame(skewed)
    )
    from scipy.stats import skew

    assert skew(standard[:, 0]) > 3
    assert abs(skew(quantile[:, 0])) < 0.1 and abs(quantile.mean()) < 0.05


def test_explicit_categorical_columns(tiny_table):
    X, _ = tiny_table
    pre = make_tabular_preprocessor(categorical=["grade"]).fit(X[["size", "grade"]])
    assert list(pre.get_feature_names_out()) == ["grade_a", "grade_b", "size"]


def test_numeric_integer_codes_can_be_declared_categorical():
    frame = pd.DataFrame({"zip": [10, 20, 10, 30], "x": [1.0, 2.0, 3.0, 4.0]})
    pre = make_tabular_preprocessor(categorical=["zip"], numeric=["x"]).fit(frame)
    assert list(pre.get_feature_names_out()) == ["zip_10", "zip_20", "zip_30", "x"]


def test_all_missing_column_keeps_the_width():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [np.nan] * 3})
    assert make_tabular_preprocessor().fit_transform(frame).shape == (3, 2)


def test_datetime_columns_get_a_clear_error():
    frame = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=3)})
    with pytest.raises(DataError, match="Date/time columns.*'when'.*Convert"):
        make_tabular_preprocessor(auto_drop=False).fit(frame)


def test_unknown_scaler():
    with pytest.raises(ValueError, match="Unknown scaler.*'log'.*standard, robust"):
        make_tabular_preprocessor(scaler="log")


def test_pipeline_fits_a_table_with_string_labels(tiny_table):
    X, y = tiny_table
    pipe = make_tabular_pipeline(KerasClassifier(hidden_layer_sizes=(8,), epochs=2,
                                                 random_state=0))  # fmt: skip
    assert [name for name, _ in pipe.steps] == ["preprocessor", "kerasclassifier"]
    pipe.fit(X, y)
    assert set(pipe.predict(X)) <= {"big", "small"}
    np.testing.assert_allclose(pipe.predict_proba(X).sum(axis=1), 1.0)


def test_pipeline_accepts_numpy_input(iris):
    X, y = iris
    pipe = make_tabular_pipeline(LogisticRegression()).fit(X, y)
    assert pipe.score(X, y) > 0.9


def test_keras_scaler_moves_normalization_into_the_model():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(1000, 50, 40), "b": rng.normal(size=40)})
    y = X["a"] / 100
    est = KerasRegressor(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    pipe = make_tabular_pipeline(est, scaler="keras").fit(X, y)
    assert est.normalize is False  # the user's estimator is not modified
    reg = pipe[-1]
    assert reg.normalize is True
    norm = [layer for layer in reg.model_.layers if "normalization" in layer.name]
    assert norm and np.allclose(np.ravel(norm[0].mean)[0], X["a"].mean(), rtol=1e-4)
    np.testing.assert_allclose(pipe[0].transform(X)[:, 0], X["a"])  # imputed only


def test_keras_scaler_needs_a_kerasopt_estimator():
    with pytest.raises(ValueError, match='scaler="keras" needs a kerasopt estimator'):
        make_tabular_pipeline(LogisticRegression(), scaler="keras")


# -- dtypes that drift between fit and predict (issue 14, item 1) ---------------
def _codes_table(n: int = 40) -> tuple[pd.DataFrame, np.ndarray]:
    """A code column that looks numeric but holds text, as pandas reads it."""
    codes = np.array(["9", "10", "11", "12", "other"] * (n // 5), dtype=object)
    frame = pd.DataFrame({"code": pd.Series(codes, dtype="str"),
                          "x": np.arange(n, dtype=float)})  # fmt: skip
    return frame, np.isin(codes, ["10", "11"])


def test_numbers_at_predict_match_text_categories_of_fit():
    frame, _ = _codes_table()
    pre = make_tabular_preprocessor().fit(frame)
    as_floats = pd.DataFrame({"code": [9.0, 11.0, np.nan], "x": [1.0, 2.0, 3.0]})
    as_text = pd.DataFrame({"code": ["9", "11", None], "x": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(pre.transform(as_floats), pre.transform(as_text))
    names = list(pre.get_feature_names_out())
    out = pre.transform(as_floats)
    assert out[0, names.index("code_9")] == 1 and out[1, names.index("code_11")] == 1


def test_pipeline_predictions_do_not_depend_on_the_dtype_pandas_read():
    frame, y = _codes_table()
    pipe = make_tabular_pipeline(LogisticRegression()).fit(frame, y)
    new = frame.head(10).copy()
    drifted = new.assign(code=pd.to_numeric(new["code"], errors="coerce"))
    assert drifted["code"].dtype == float  # 'other' became NaN, the rest numbers
    kept = drifted["code"].notna().to_numpy()
    np.testing.assert_array_equal(
        pipe.predict_proba(drifted)[kept], pipe.predict_proba(new)[kept]
    )


@pytest.mark.parametrize(
    ("fit_values", "predict_values", "category"),
    [
        ([10, 20, 30, 10], ["20", "20"], "zip_20"),  # int codes, text at predict
        ([10.0, 20.0, np.nan, 10.0], [20, 20], "zip_20.0"),  # float codes, ints
        ([True, False, None, True], [1.0, 1.0], "zip_True"),  # bools with holes
    ],
)
def test_declared_categoricals_are_cast_back(fit_values, predict_values, category):
    frame = pd.DataFrame({"zip": pd.Series(fit_values, dtype=object)})
    pre = make_tabular_preprocessor(categorical=["zip"]).fit(frame)
    out = pre.transform(pd.DataFrame({"zip": predict_values}))
    names = list(pre.get_feature_names_out())
    assert out[:, names.index(category)].tolist() == [1.0, 1.0]
    assert out.sum() == 2  # nothing else switched on


def test_unseen_numbers_stay_unseen():
    frame, _ = _codes_table()
    pre = make_tabular_preprocessor().fit(frame)
    out = pre.transform(pd.DataFrame({"code": [13.0], "x": [1.0]}))
    assert out[0, :-1].sum() == 0


def test_a_column_that_cannot_be_reconciled_is_named():
    frame = pd.DataFrame({"color": ["red", "blue"] * 5, "x": np.arange(10.0)})
    pre = make_tabular_preprocessor().fit(frame)
    with pytest.raises(
        DataError,
        match=r"Column 'color' held text at fit.*'blue'.*"
        r"holds numbers now \(such as 1\.0\)",
    ):
        pre.transform(frame.assign(color=1.0))
    # an all-missing column (read as float) is only missing values
    assert np.isfinite(pre.transform(frame.assign(color=np.nan))).all()


def test_numbers_read_as_text_are_converted_and_other_text_is_named():
    frame = pd.DataFrame({"color": ["red", "blue"] * 5, "size": np.arange(10.0)})
    pre = make_tabular_preprocessor().fit(frame)
    quoted = frame.assign(size=frame["size"].map(str).astype(object))
    np.testing.assert_allclose(pre.transform(quoted), pre.transform(frame))
    with pytest.raises(
        DataError,
        match=r"Column 'size' must hold numbers, but holds "
        r"text such as 'unknown' in 1 row \(index 2\)",
    ):
        pre.transform(
            quoted.assign(size=quoted["size"].where(frame.index != 2, "unknown"))
        )


@pytest.mark.parametrize("embed_categories", [None, 5])
def test_overflow_is_named_for_array_and_frame_output(embed_categories):
    frame = pd.DataFrame({"color": ["red", "blue"] * 10, "size": np.arange(20.0)})
    pre = make_tabular_preprocessor(embed_categories=embed_categories)
    with pytest.raises(DataError, match=r"Column 'size' is too large.*1\.9e\+201"):
        pre.fit(frame.assign(size=frame["size"] * 1e200))
    pre.fit(frame)
    with pytest.raises(DataError, match=r"Column 'size' is too large"):
        pre.transform(frame.assign(size=frame["size"] * 1e200))


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (pd.Series([1.0, np.nan, 3.0], index=[10, 11, 12]),
         r"missing values in 1 row \(index 11\) of 3.*never imputed"),
        (np.array(["a", None, "b"], dtype=object),
         r"missing values in 1 row \(index 1\)"),
        (np.array([[1.0, 2.0], [np.inf, 0.0]]), r"infinity in 1 row \(index 1\)"),
    ],
)  # fmt: skip
def test_check_target_names_the_rows(y, message):
    from kerasopt.preprocessing import check_target

    with pytest.raises(DataError, match=message):
        check_target(y)
    check_target(None)
    check_target(np.array([1.0, 2.0]))
