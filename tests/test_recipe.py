"""The tabular recipe: embedding layers, categorical codes, feature layout."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import keras

from kerasopt.estimators._network import (
    CategoryEmbedding,
    FeatureLayout,
    PeriodicEmbedding,
    PiecewiseLinearEncoding,
    SmoothClip,
    build_mlp,
    category_codes,
    feature_layout,
)
from kerasopt.exceptions import DataError
from kerasopt.preprocessing import CategoricalEncoder


def _model(layout, **kwargs):
    return build_mlp(
        (6,), 3, "softmax", hidden_layer_sizes=(8,), activation="relu", dropout=0.0,
        l2=0.0, batch_normalization=False, layout=layout, **kwargs,
    )  # fmt: skip


def _rows(n=20):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 6)).astype("float32")
    X[:, 4] = rng.randint(0, 2, n)  # a binary column
    X[:, 5] = rng.randint(0, 7, n)  # codes of a 7-level column (0: unseen)
    return X


@pytest.mark.parametrize("numeric_embedding", [None, "piecewise", "periodic", "plr"])
def test_recipe_model_round_trips_through_safe_keras_file(tmp_path, numeric_embedding):
    layout = FeatureLayout(embedded=[0, 1, 2, 3], plain=[4], codes=[5], cardinalities=[7])
    X = _rows()
    model = _model(
        layout, numeric_embedding=numeric_embedding, input_clip=3.0, ensemble_heads=4,
        numeric_sample=X[:, :4],
    )  # fmt: skip
    before = np.asarray(model(X))
    assert before.shape == (20, 3)
    np.testing.assert_allclose(before.sum(axis=1), 1.0, rtol=1e-5)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(X)), before, rtol=1e-5, atol=1e-6)


def test_piecewise_encoding_is_sklearns_linear_spline_on_quantile_knots():
    from sklearn.preprocessing import SplineTransformer

    rng = np.random.default_rng(0)
    X = rng.lognormal(size=(500, 3))  # skewed: the knots are far from evenly spaced
    rows = np.vstack([X[:40], X.min(axis=0) - 1.0, X.max(axis=0) + 1.0])
    encoding = PiecewiseLinearEncoding(n_bins=16)
    encoding.build(X.shape)
    encoding.set_knots(X)
    got = np.asarray(encoding(rows.astype("float32")))
    expected = SplineTransformer(
        n_knots=17, degree=1, knots="quantile", extrapolation="constant"
    ).fit(X).transform(rows)
    assert got.shape == expected.shape == (42, 3 * 17)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_piecewise_encoding_of_a_column_with_few_values_leaves_unused_knots_at_0():
    from sklearn.preprocessing import SplineTransformer

    X = np.array([[0.0], [1.0], [2.0], [2.0], [2.0], [2.0]])
    knots = np.unique(np.quantile(X, np.linspace(0, 1, 17)))
    assert len(knots) == 8  # 9 of the 17 quantiles are 2
    encoding = PiecewiseLinearEncoding(n_bins=16)
    encoding.build(X.shape)
    encoding.set_knots(X)
    rows = np.array([[-1.0], [0.0], [0.5], [1.0], [1.5], [2.0], [3.0]])
    got = np.asarray(encoding(rows.astype("float32")))
    assert got.shape == (7, 17)
    np.testing.assert_array_equal(got[:, 8:], 0.0)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-6)
    expected = SplineTransformer(
        knots=knots[:, None], degree=1, extrapolation="constant"
    ).fit(X).transform(rows)
    np.testing.assert_allclose(got[:, :8], expected, atol=1e-6)


def test_default_estimator_encodes_only_columns_with_more_than_two_values(tmp_path):
    from kerasopt import KerasRegressor, load, save

    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(size=200), rng.randint(0, 2, 200)])
    y = np.sin(3 * X[:, 0]) + X[:, 1]
    reg = KerasRegressor(hidden_layer_sizes=(16,), epochs=3, random_state=0).fit(X, y)
    encoding = [
        layer for layer in reg.model_.layers if isinstance(layer, PiecewiseLinearEncoding)
    ]
    assert len(encoding) == 1 and tuple(encoding[0].left.shape) == (1, 16)
    np.testing.assert_allclose(
        np.asarray(encoding[0].left)[0, 0], np.quantile(X[:, 0], 0.0), rtol=1e-6
    )
    save(reg, tmp_path / "reg.keras")
    np.testing.assert_allclose(load(tmp_path / "reg.keras").predict(X), reg.predict(X))


def test_periodic_embedding_shape_and_clip_bounds():
    out = PeriodicEmbedding(n_frequencies=4, embedding_dim=3)(np.ones((5, 2), "float32"))
    assert tuple(out.shape) == (5, 2 * (3 + 1))
    clipped = np.asarray(SmoothClip(3.0)(np.array([[-10.0, 0.0, 10.0]], "float32")))
    assert np.all(np.abs(clipped) < 3.0) and clipped[0, 1] == 0.0


def test_category_embedding_maps_out_of_range_codes_to_the_unseen_code():
    layer = CategoryEmbedding([3, 2], embedding_dim=2)
    codes = np.array([[0, 0], [7, -1], [2, 1]], "float32")
    out = np.asarray(layer(codes))
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out[1], out[0])  # out of range -> code 0
    assert not np.allclose(out[2], out[0])


def test_encoder_one_hot_for_few_levels_categories_for_many():
    X = pd.DataFrame({
        "state": [f"s{i % 12}" for i in range(48)],
        "plan": ["yes", "no"] * 24,
    })  # fmt: skip
    encoder = CategoricalEncoder(embed_min_categories=10).fit(X)
    assert encoder.embedded_ == [0]
    out = encoder.transform(pd.DataFrame({"state": ["s3", "new"], "plan": ["no", "??"]}))
    assert list(out.columns) == ["plan_no", "plan_yes", "state"]
    assert isinstance(out["state"].dtype, pd.CategoricalDtype)
    assert out["state"].isna().tolist() == [False, True]  # unseen -> missing
    assert out[["plan_no", "plan_yes"]].to_numpy().tolist() == [[1, 0], [0, 0]]
    assert list(encoder.get_feature_names_out()) == ["plan_no", "plan_yes", "state"]
    assert CategoricalEncoder(embed_min_categories=None).fit(X).embedded_ == []
    # Arrays in, names from the ColumnTransformer out.
    array_encoder = CategoricalEncoder().fit(X.to_numpy())
    assert list(array_encoder.get_feature_names_out(["a", "b"])) == [
        "b_no", "b_yes", "a"
    ]
    with pytest.raises(ValueError, match="embed_min_categories=1"):
        CategoricalEncoder(embed_min_categories=1).fit(X)


def test_levels_rarer_than_min_frequency_share_the_unseen_code():
    # 12 levels seen 10 times each, 8 seen once: a learned vector for a level
    # seen once fits that row's noise.
    state = [f"s{i % 12}" for i in range(120)] + [f"rare{i}" for i in range(8)]
    X = pd.DataFrame({"state": state})
    for min_frequency in (2, 0.01):  # rows, or a share of the 128 rows (1.28)
        encoder = CategoricalEncoder(min_frequency=min_frequency).fit(X)
        assert encoder.categories_[0] == sorted(f"s{i}" for i in range(12))
        out = encoder.transform(pd.DataFrame({"state": ["s3", "rare1", "new"]}))
        assert out["state"].isna().tolist() == [False, True, True]
    # The default (0.1 % of the rows) keeps levels seen once in 128 rows, and
    # a column whose every level is rare keeps its most frequent one.
    assert len(CategoricalEncoder().fit(X).categories_[0]) == 20
    assert CategoricalEncoder(min_frequency=None).fit(X).categories_ == (
        CategoricalEncoder().fit(X).categories_
    )
    assert CategoricalEncoder(min_frequency=50).fit(X).categories_[0] == ["s0"]
    for bad in (0, 1.5, -0.1, "5"):
        with pytest.raises(ValueError, match="min_frequency must be"):
            CategoricalEncoder(min_frequency=bad).fit(X)


def test_a_pipeline_groups_rare_levels_alike_for_few_rows_and_many():
    # A fitted preprocessor transforms up to FAST_MAX_ROWS rows by lookups:
    # a grouped level must get the unseen code there too.
    from kerasopt import make_tabular_preprocessor

    rng = np.random.default_rng(0)
    state = [f"s{i % 12}" for i in range(600)] + [f"rare{i}" for i in range(5)]
    X = pd.DataFrame({"state": state, "x": rng.normal(size=605)})
    pre = make_tabular_preprocessor(embed_categories=10)
    pre.set_params(categorical__encode__min_frequency=2).fit(X)
    many = pre.transform(X)
    few = pre.transform(X.iloc[595:])
    assert many["state"].iloc[600:].isna().all()
    pd.testing.assert_frame_equal(
        few.reset_index(drop=True), many.iloc[595:].reset_index(drop=True)
    )


def test_category_codes_reserve_zero_for_missing_and_unseen():
    train = pd.DataFrame({
        "x": [1.0, 2.0, 3.0],
        "c": pd.Categorical(["b", "a", None], categories=["a", "b"]),
    })  # fmt: skip
    coded, categories = category_codes(train, None)
    assert categories == {"c": ["a", "b"]}
    assert coded["c"].tolist() == [2.0, 1.0, 0.0]
    # Other category order and an unseen level at predict time: same codes.
    new = pd.DataFrame({
        "x": [0.0, 0.0, 0.0],
        "c": pd.Categorical(["a", "b", "z"], categories=["z", "b", "a"]),
    })  # fmt: skip
    assert category_codes(new, categories)[0]["c"].tolist() == [1.0, 2.0, 0.0]
    with pytest.raises(DataError, match=r"categorical columns \['c'\].*ndarray"):
        category_codes(np.zeros((2, 2)), categories)
    with pytest.raises(DataError, match=r"lacks the categorical column\(s\) \['c'\]"):
        category_codes(new.drop(columns="c"), categories)
    plain = np.zeros((2, 2))
    assert category_codes(plain, None) == (plain, {})


def test_feature_layout_embeds_only_numeric_columns_with_many_values():
    X = np.column_stack([np.arange(10.0), np.arange(10) % 2, np.arange(10) % 3 + 1.0])
    layout = feature_layout(X, ["n", "flag", "c"], {"c": ["a", "b", "c"]}, embed_numeric=True)
    assert (layout.embedded, layout.plain, layout.codes, layout.cardinalities) == (
        [0], [1], [2], [4]
    )
    assert feature_layout(X, None, {}, embed_numeric=False) is None


def test_preprocessor_passes_many_level_columns_on_as_categories():
    from kerasopt import make_tabular_preprocessor

    X = pd.DataFrame({
        "state": [f"s{i % 12}" for i in range(48)],
        "plan": ["yes", "no", None, "no"] * 12,
        "calls": np.arange(48.0),
    })  # fmt: skip
    out = make_tabular_preprocessor(embed_categories=10).fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert isinstance(out["state"].dtype, pd.CategoricalDtype)
    assert out.drop(columns="state").dtypes.map(lambda d: d.kind == "f").all()
    one_hot = make_tabular_preprocessor().fit_transform(X)
    assert isinstance(one_hot, np.ndarray) and one_hot.shape == (48, 12 + 3 + 1)
    few = make_tabular_preprocessor(embed_categories=20).fit_transform(X)
    assert isinstance(few, np.ndarray)  # nothing embedded: an array, as usual
    with pytest.raises(ValueError, match="embed_categories=1"):
        make_tabular_preprocessor(embed_categories=1)


# -- the estimators ------------------------------------------------------------


def _table(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({
        "state": [f"s{i}" for i in rng.randint(0, 15, n)],
        "plan": rng.choice(["yes", "no", None], n),
        "calls": rng.normal(size=n),
        "minutes": rng.gamma(2.0, size=n),
    })  # fmt: skip
    y = np.where(X["calls"] + (X["plan"] == "yes") > 0.5, "churn", "stay")
    return X, y


def _layers(model):
    return {type(layer).__name__ for layer in model.layers}


def test_default_pipeline_embeds_many_level_columns_and_predicts_one_unseen_row():
    from kerasopt import KerasClassifier, make_tabular_pipeline

    X, y = _table()
    pipe = make_tabular_pipeline(KerasClassifier(epochs=2, random_state=0)).fit(X, y)
    est = pipe[-1]
    assert est.feature_categories_ == {"state": sorted(set(X["state"]))}
    assert "CategoryEmbedding" in _layers(est.model_)
    row = pd.DataFrame({"state": ["never seen"], "plan": [None], "calls": [0.1],
                        "minutes": [1.0]})  # fmt: skip
    assert pipe.predict(row).shape == (1,)
    assert pipe.predict_proba(row).shape == (1, 2)


def test_an_unseen_level_of_an_embedded_column_warns_nothing_and_is_code_zero():
    """Issue 22, item 4: an unseen level of a column with 10+ levels made pandas warn
    (Pandas4Warning: "will raise in a future version") in the encoder and the estimator."""
    from kerasopt import KerasClassifier, make_tabular_pipeline

    X, y = _table()
    pipe = make_tabular_pipeline(KerasClassifier(epochs=1, random_state=0)).fit(X, y)
    unseen = pd.DataFrame({"state": ["never seen", "s3"], "plan": [None, "yes"],
                           "calls": [0.1, 0.2], "minutes": [1.0, 2.0]})  # fmt: skip
    user = pd.DataFrame({"x": [1.0, 2.0],
                         "c": pd.Categorical(["z", "b"], categories=["z", "b", "a"])})  # fmt: skip
    with warnings.catch_warnings():
        warnings.filterwarnings("error", module=r"kerasopt\.")
        encoded = pipe[0].transform(unseen)
        proba = pipe.predict_proba(unseen)
        coded, _ = category_codes(user, {"c": ["a", "b"]})
    assert encoded["state"].isna().tolist() == [True, False]
    assert proba.shape == (2, 2)
    assert coded["c"].tolist() == [0.0, 2.0]


def test_recipe_pipeline_survives_pickle_and_kerasopt_save(tmp_path):
    import pickle

    import kerasopt
    from kerasopt import KerasRegressor, make_tabular_pipeline

    X, _ = _table()
    y = X["calls"].to_numpy() * 2 + 1
    pipe = make_tabular_pipeline(KerasRegressor(epochs=2, random_state=0)).fit(X, y)
    expected = pipe.predict(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(pipe)).predict(X), expected, rtol=1e-5)
    kerasopt.save(pipe, tmp_path / "m.kerasopt")
    loaded = kerasopt.load(tmp_path / "m.kerasopt")
    np.testing.assert_allclose(loaded.predict(X), expected, rtol=1e-5)


def test_simple_mlp_stays_reachable_with_documented_parameters():
    from kerasopt import KerasClassifier, make_tabular_pipeline

    X, y = _table()
    simple = KerasClassifier(
        early_stopping=False, label_smoothing=0.0, numeric_embedding=None, epochs=2,
        random_state=0,
    )  # fmt: skip
    pipe = make_tabular_pipeline(simple, embed_categories=None).fit(X, y)
    assert _layers(pipe[-1].model_) == {"InputLayer", "Dense", "Activation"}
    assert "val_loss" not in pipe[-1].history_


def test_default_regressor_stops_on_a_validation_split():
    """Issue 14, item 2: the default KerasRegressor no longer trains 200 epochs blind."""
    from kerasopt import KerasRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    y = X[:, 0] + rng.normal(scale=2.0, size=120)  # mostly noise: overfits fast
    reg = KerasRegressor(random_state=0).fit(X, y)
    assert reg.get_params()["early_stopping"] is True
    assert "val_loss" in reg.history_
    assert len(reg.history_["loss"]) < 200


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"numeric_embedding": "fourier"}, "numeric_embedding='fourier'"),
        ({"ensemble_heads": 0}, "ensemble_heads=0"),
        ({"categorical_embedding_dim": 2.5}, "categorical_embedding_dim=2.5"),
        ({"weight_decay": -1.0}, "weight_decay=-1.0"),
        ({"label_smoothing": 1.0}, "label_smoothing=1.0"),
    ],
)
def test_bad_recipe_parameters_name_themselves(params, match):
    from kerasopt import KerasClassifier

    X, y = _table()
    with pytest.raises(ValueError, match=match):
        KerasClassifier(epochs=1, **params).fit(X[["calls", "minutes"]], y)


def test_label_smoothing_and_heads_train_on_many_classes():
    from kerasopt import KerasClassifier

    X, _ = _table()
    y = np.array(["a", "b", "c"])[np.arange(60) % 3]
    clf = KerasClassifier(
        epochs=2, label_smoothing=0.1, ensemble_heads=4, random_state=0
    ).fit(X[["calls", "minutes"]], y)
    proba = clf.predict_proba(X[["calls", "minutes"]])
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert "EnsembleView" in _layers(clf.model_)


def test_defaults_fit_a_class_with_two_rows_and_an_all_missing_column():
    from kerasopt import KerasClassifier, make_tabular_pipeline

    X, _ = _table()
    X["empty"] = None  # all missing: one level, "missing"
    X["one"] = "same"  # one level
    y = np.array(["a", "b"] * 29 + ["rare", "rare"])  # a class with 2 rows
    pipe = make_tabular_pipeline(KerasClassifier(epochs=2, random_state=0)).fit(X, y)
    assert set(pipe.predict(X)) <= {"a", "b", "rare"}
    assert pipe.predict_proba(X.head(1)).shape == (1, 3)


def test_keras_scaler_normalizes_numeric_columns_only_next_to_codes():
    from kerasopt import KerasRegressor, make_tabular_pipeline

    X, _ = _table()
    y = X["calls"].to_numpy()
    pipe = make_tabular_pipeline(KerasRegressor(epochs=1, random_state=0), scaler="keras")
    pipe.fit(X, y)
    assert {"Normalization", "CategoryEmbedding"} <= _layers(pipe[-1].model_)
    only_codes = make_tabular_pipeline(
        KerasRegressor(epochs=1, random_state=0), scaler="keras"
    ).fit(X[["state"]], y)
    assert "Normalization" not in _layers(only_codes[-1].model_)


def test_target_aware_knots_are_placed_where_the_target_changes():
    """numeric_embedding="piecewise_tree": quantile knots miss a step of the
    target between them; the tree's thresholds find it, for a classifier's
    labels and a regression's numbers."""
    from kerasopt import KerasClassifier, KerasRegressor

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1000, size=(2000, 1))
    step = 531.3
    labels = np.where(X[:, 0] > step, "high", "low")

    def knots(encoding):
        return np.asarray(encoding.left)[0]

    quantile, aware = PiecewiseLinearEncoding(), PiecewiseLinearEncoding()
    quantile.build((None, 1)), aware.build((None, 1))
    quantile.set_knots(X)
    aware.set_knots(X, np.unique(labels, return_inverse=True)[1])
    assert np.min(np.abs(knots(quantile) - step)) > 5
    assert np.min(np.abs(knots(aware) - step)) < 2
    for estimator, y in (
        (KerasClassifier, labels),
        (KerasRegressor, (X[:, 0] > step) * 3.0 + rng.normal(0, 0.1, len(X))),
    ):
        fitted = estimator(
            numeric_embedding="piecewise_tree", epochs=2, random_state=0
        ).fit(X, y)
        (encoding,) = [
            layer for layer in fitted.model_.layers
            if isinstance(layer, PiecewiseLinearEncoding)
        ]  # fmt: skip
        assert np.min(np.abs(knots(encoding) - step)) < 2, estimator
        assert fitted.predict(X[:3]).shape == (3,)


def test_dropout_auto_drops_from_ten_thousand_rows_given_to_fit():
    from kerasopt import KerasClassifier
    from kerasopt.estimators._base import AUTO_DROPOUT, AUTO_DROPOUT_MIN_ROWS
    from kerasopt.estimators._network import Dropout

    rng = np.random.default_rng(0)
    X = rng.normal(size=(AUTO_DROPOUT_MIN_ROWS, 2))
    y = (X[:, 0] > 0).astype(int)

    def rates(n, **params):
        clf = KerasClassifier(hidden_layer_sizes=(4, 4), **params)
        clf.initialize(X[:n], y[:n])
        return [
            layer.rate for layer in clf.model_.layers
            if isinstance(layer, Dropout)
        ]  # fmt: skip

    assert rates(AUTO_DROPOUT_MIN_ROWS - 1) == []
    assert rates(AUTO_DROPOUT_MIN_ROWS) == [AUTO_DROPOUT] * 2
    assert rates(AUTO_DROPOUT_MIN_ROWS, dropout=0.0) == []
    assert rates(100, dropout=0.3) == [0.3] * 2
