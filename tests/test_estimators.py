"""KerasClassifier / KerasRegressor: sklearn behaviour, targets, training options."""

from __future__ import annotations

import pickle
import warnings

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline
from kerasopt.estimators import BaseKerasEstimator
from kerasopt.estimators._network import OPTIMIZER_NAMES, make_optimizer
from kerasopt.exceptions import DataError, SingleClassWarning

FAST = {"hidden_layer_sizes": (8,), "epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def fitted_classifier(iris):
    X, y = iris
    return KerasClassifier(**FAST).fit(X, y)


@pytest.fixture(scope="module")
def fitted_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -2.0, 0.5] * 100 + 300
    return KerasRegressor(**FAST).fit(X, y), X, y


def test_sklearn_sees_a_classifier_and_a_regressor():
    assert is_classifier(KerasClassifier())
    assert is_regressor(KerasRegressor())
    assert not is_regressor(KerasClassifier())
    assert isinstance(KerasClassifier(), BaseKerasEstimator)


@pytest.mark.slow
def test_cv_is_stratified_on_iris_sorted_by_class(iris):
    X, y = iris
    order = np.argsort(y, kind="stable")
    model = make_pipeline(
        StandardScaler(),
        KerasClassifier(hidden_layer_sizes=(32,), learning_rate=0.01, epochs=100,
                        early_stopping=False,
                        random_state=0),
    )  # fmt: skip
    scores = cross_val_score(model, X[order], y[order], cv=3)
    assert scores.min() >= 0.85, scores


def test_grid_search_over_a_tabular_pipeline(tiny_table):
    X, y = tiny_table
    pipe = make_tabular_pipeline(KerasClassifier(epochs=2, random_state=0))
    grid = GridSearchCV(
        pipe, {"kerasclassifier__hidden_layer_sizes": [(4,), (8, 4)]}, cv=2
    ).fit(X, y)
    assert grid.best_params_["kerasclassifier__hidden_layer_sizes"] in [(4,), (8, 4)]
    assert set(grid.predict(X)) <= {"big", "small"}


def test_clone_keeps_routed_and_plain_parameters():
    est = KerasClassifier(epochs=3, optimizer="sgd", optimizer__momentum=0.5,
                          model__units=7)  # fmt: skip
    copy = clone(est)
    assert copy.get_params()["optimizer__momentum"] == 0.5
    assert copy.get_params()["model__units"] == 7
    assert copy.epochs == 3
    assert "epochs=3" in repr(copy)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trips_predict_the_same(fitted_classifier, iris, tmp_path, dump):
    X, _ = iris
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(fitted_classifier))
    else:
        joblib.dump(fitted_classifier, tmp_path / "model.joblib")
        restored = joblib.load(tmp_path / "model.joblib")
    # The first prediction of a model is an eager call, later ones compiled: with
    # the default periodic embeddings (cos) the two differ in the last float32 bits.
    np.testing.assert_allclose(
        restored.predict_proba(X), fitted_classifier.predict_proba(X), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize(
    "labels",
    [np.array(["cat", "dog", "eel"]), np.array([3, 7, 11]), np.array([True, False])],
    ids=["str", "int", "bool"],
)
def test_predict_returns_the_original_labels(iris, labels):
    X, y = iris
    target = labels[y % len(labels)]
    clf = KerasClassifier(**FAST).fit(X, target)
    np.testing.assert_array_equal(clf.classes_, np.unique(target))
    predicted = clf.predict(X)
    assert predicted.dtype == target.dtype
    assert set(predicted) <= set(target)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_one_hot_target_gives_one_hot_predictions(iris):
    X, y = iris
    onehot = np.eye(3)[y]
    clf = KerasClassifier(**FAST).fit(X, onehot)
    assert clf.model_.loss == "categorical_crossentropy"
    predicted = clf.predict(X[:5])
    assert predicted.shape == (5, 3)
    np.testing.assert_array_equal(predicted.sum(axis=1), 1)


def test_multilabel_target_uses_independent_sigmoids(iris):
    X, y = iris
    labels = np.column_stack([y == 0, y > 0, y == 2]).astype(int)
    labels[::2, 0] = 1  # rows with several labels
    clf = KerasClassifier(**FAST).fit(X, labels)
    assert clf.model_.loss == "binary_crossentropy"
    assert clf.predict(X[:4]).shape == (4, 3)
    assert clf.predict_proba(X[:4]).shape == (4, 3)


def test_regressor_multi_output_and_target_scaling():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X.sum(axis=1) * 1000, X[:, 0]])
    reg = KerasRegressor(**FAST).fit(X, Y)
    assert reg.predict(X).shape == (40, 2)
    assert reg.n_outputs_ == 2
    # the network learns on the standardized target, predictions are in y's units
    scaled = reg.target_encoder_.transform(Y)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-5)
    unscaled = KerasRegressor(**FAST, target_scaling=False).fit(X, Y)
    np.testing.assert_array_equal(unscaled.target_encoder_.transform(Y), Y.astype("float32"))


def test_history_and_fitted_attributes_with_a_dataframe(iris):
    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    clf = KerasClassifier(**{**FAST, "epochs": 3}, validation_fraction=0.2).fit(frame, y)
    assert set(clf.history_) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in clf.history_.values())
    assert clf.n_features_in_ == 4
    np.testing.assert_array_equal(clf.feature_names_in_, ["sl", "sw", "pl", "pw"])
    assert isinstance(clf.model_, keras.Model)


def test_same_random_state_gives_identical_predictions(iris):
    X, y = iris
    params = {**FAST, "dropout": 0.2, "validation_fraction": 0.2}
    first = KerasClassifier(**params).fit(X, y).predict_proba(X)
    second = KerasClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_single_row_prediction_matches_batch_prediction(fitted_regressor):
    reg, X, _ = fitted_regressor
    batch = reg.predict(X)
    one = reg.predict(X[3:4])
    assert one.shape == (1,)
    np.testing.assert_allclose(one[0], batch[3], rtol=1e-5)


# -- custom builders ---------------------------------------------------------
def _sequential(units=4, meta=None):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


def _functional_compiled(hidden=3, compile_kwargs=None):
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(hidden)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(**compile_kwargs)
    return model


def test_custom_sequential_builder_gets_routed_parameters(iris):
    X, y = iris
    clf = KerasClassifier(_sequential, model__units=5, epochs=1, random_state=0)
    clf.fit(X, y)
    assert clf.model_.layers[0].units == 5
    clf.set_params(model__units=6).fit(X, y)
    assert clf.model_.layers[0].units == 6


def test_custom_functional_compiled_builder(fitted_regressor):
    _, X, y = fitted_regressor
    reg = KerasRegressor(_functional_compiled, model__hidden=2, optimizer="sgd",
                         epochs=1, random_state=0).fit(X, y)  # fmt: skip
    assert isinstance(reg.model_.optimizer, keras.optimizers.SGD)
    assert reg.predict(X).shape == (len(X),)


def test_builder_must_return_a_model(iris):
    X, y = iris
    with pytest.raises(TypeError, match="must return a keras.Model"):
        KerasClassifier(lambda: "not a model", epochs=1).fit(X, y)


# -- training options ----------------------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_name_builds_with_the_learning_rate(name):
    optimizer = make_optimizer(name, 0.05)
    assert float(keras.ops.convert_to_numpy(optimizer.learning_rate)) == pytest.approx(0.05)


def test_momentum_names_and_routed_optimizer_parameters():
    assert make_optimizer("momentum", 0.1).momentum == 0.9
    assert make_optimizer("nesterov", 0.1).nesterov
    assert make_optimizer("sgd", 0.1, {"momentum": 0.3}).momentum == 0.3
    instance = keras.optimizers.Adam(learning_rate=0.5)
    copy = make_optimizer(instance, None)
    assert copy is not instance and float(copy.learning_rate) == pytest.approx(0.5)


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_end(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def test_lr_schedule_user_and_fit_callbacks_all_run(iris):
    X, y = iris
    user, extra = _Recorder(), _Recorder()
    clf = KerasClassifier(**{**FAST, "epochs": 4}, lr_schedule="cosine",
                          learning_rate=0.1, callbacks=[user])  # fmt: skip
    clf.fit(X, y, callbacks=[extra])
    assert len(user.rates) == len(extra.rates) == 4
    assert user.rates[0] == pytest.approx(0.1) and user.rates[-1] < user.rates[1]


@pytest.mark.parametrize(
    ("schedule", "rate"),
    [
        ("cosine", lambda e: 0.05 * (1 + np.cos(np.pi * e / 12))),
        ("exponential", lambda e: 0.1 * 0.96**e),
        ("step", lambda e: 0.1 * 0.5 ** (e // 10)),
    ],
)
def test_named_lr_schedules_give_their_rates(iris, schedule, rate):
    X, y = iris
    rec = _Recorder()
    KerasClassifier(**{**FAST, "epochs": 12}, early_stopping=False, learning_rate=0.1,
                    lr_schedule=schedule, callbacks=[rec]).fit(X, y)  # fmt: skip
    np.testing.assert_allclose(rec.rates, [rate(e) for e in range(12)], rtol=1e-5)  # float32


def test_one_optimizer_is_built_per_model(iris):
    X, y = iris
    built = []

    class Counting(keras.optimizers.Adam):
        def __init__(self, **kwargs):
            built.append(self)
            super().__init__(**kwargs)

    def builder(meta, compile_kwargs):
        return keras.Sequential([keras.Input((meta["n_features_in_"],)),
                                 keras.layers.Dense(3, activation="softmax")])  # fmt: skip

    # initialize: everything fit does before training (the training loop on JAX
    # makes its own copies from the optimizer's config).
    KerasClassifier(**FAST, optimizer=Counting).initialize(X, y)
    KerasClassifier(builder, epochs=1, optimizer=Counting).initialize(X, y)  # not compiled
    assert len(built) == 2


def test_early_stopping_stops_and_reduce_lr_lowers_the_rate():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, 60)  # noise: no progress
    rec = _Recorder()
    clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=200, early_stopping=True,
                          patience=2, reduce_lr_on_plateau=True, learning_rate=0.5,
                          callbacks=[rec], random_state=0).fit(X, y)  # fmt: skip
    assert len(clf.history_["loss"]) < 200
    assert "val_loss" in clf.history_
    assert min(rec.rates) < 0.5


def _imbalanced(n=400):
    """A 95/5 binary table whose minority class is hard to tell apart."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4)).astype("float32")
    score = X[:, 0] + rng.normal(scale=1.5, size=n)
    return X, np.where(score >= np.quantile(score, 0.95), "churn", "stay")


def test_a_classifier_that_predicts_one_class_for_every_row_says_so():
    """Issue 22, item 3: on a 95/5 table the default model predicted the majority
    class for every row, and nothing said so."""
    X, y = _imbalanced()
    with pytest.warns(SingleClassWarning, match=r"predicts 'stay' for every row it was "
                      r"fitted on \(400 rows, 95% of them 'stay'\).*class_weight='balanced'"
                      r".*roc_auc, neg_log_loss or balanced_accuracy"):  # fmt: skip
        clf = KerasClassifier(hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    assert set(clf.predict(X)) == {"stay"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingleClassWarning)
        balanced = KerasClassifier(hidden_layer_sizes=(8,), random_state=0,
                                   class_weight="balanced").fit(X, y)  # fmt: skip
        clf.partial_fit(X, y)  # one epoch of more training: not checked
    assert set(balanced.predict(X)) == {"churn", "stay"}


def test_class_weight_and_sample_weight_leave_inputs_untouched(iris):
    X, y = iris
    weights = np.ones(len(y))
    KerasClassifier(**FAST, class_weight="balanced").fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, 1.0)


def test_class_weight_and_sample_weight_change_training():
    # 10 % positives that overlap the negatives: unweighted, the model finds
    # few of them; weighted as "balanced" (by class_weight, or by the same
    # weights given as sample_weight), most of them.
    from sklearn.datasets import make_classification
    from sklearn.metrics import recall_score

    X, y = make_classification(
        n_samples=300, n_features=4, n_informative=2, weights=[0.9], class_sep=0.5,
        random_state=0,
    )  # fmt: skip
    # Plain numeric inputs: with the piecewise encoding a network this small
    # already fits the training rows' positives unweighted.
    params = {"hidden_layer_sizes": (8,), "epochs": 30, "learning_rate": 0.01,
              "early_stopping": False, "numeric_embedding": None,
              "random_state": 0}  # fmt: skip
    plain = KerasClassifier(**params).fit(X, y)
    balanced = KerasClassifier(**params, class_weight="balanced").fit(X, y)
    counts = np.bincount(y)
    weights = (len(y) / (2 * counts))[y]
    by_rows = KerasClassifier(**params).fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(balanced.predict_proba(X), by_rows.predict_proba(X))
    assert recall_score(y, plain.predict(X)) < 0.5
    assert recall_score(y, balanced.predict(X)) > 0.8


def test_warm_start_continues_training(iris):
    X, y = iris
    clf = KerasClassifier(**FAST, warm_start=True).fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model
    assert len(clf.history_["loss"]) == 4


def test_partial_fit_trains_one_epoch_per_call(iris):
    X, y = iris
    clf = KerasClassifier(hidden_layer_sizes=(4,), random_state=0)
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2]).partial_fit(X, y)
    assert len(clf.history_["loss"]) == 2
    assert clf.predict_proba(X).shape == (len(X), 3)


# -- bad input -----------------------------------------------------------------
def test_nan_and_inf_point_to_make_tabular_pipeline(iris):
    X, y = iris
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(DataError, match="NaN.*make_tabular_pipeline"):
        KerasClassifier(**FAST).fit(bad, y)
    bad[0, 0] = np.inf
    with pytest.raises(DataError, match="infinity.*make_tabular_pipeline"):
        KerasClassifier(**FAST).fit(bad, y)


def test_nan_target_says_to_drop_the_rows_not_to_impute(iris):
    X, y = iris
    target = y.astype(float)
    target[[3, 7]] = np.nan
    for cls in (KerasRegressor, KerasClassifier):
        with pytest.raises(DataError, match=r"missing values in 2 rows.*never imputed"):
            cls(**FAST).fit(X, target)


def test_text_columns_point_to_make_tabular_pipeline(tiny_table):
    X, y = tiny_table
    with pytest.raises(DataError, match="make_tabular_pipeline"):
        KerasClassifier(**FAST).fit(X, y)


def test_wrong_columns_at_predict(fitted_classifier, iris):
    X, y = iris
    with pytest.raises(ValueError, match="X has 3 features.*expecting 4"):
        fitted_classifier.predict(X[:, :3])
    named = KerasClassifier(**FAST).fit(pd.DataFrame(X, columns=list("abcd")), y)
    with pytest.raises(ValueError, match="feature names"):
        named.predict(pd.DataFrame(X, columns=list("abce")))


def test_empty_data_and_a_single_class(iris):
    X, y = iris
    with pytest.raises(ValueError, match="0 sample"):
        KerasClassifier(**FAST).fit(X[:0], y[:0])
    with pytest.raises(DataError, match="at least 2 classes.*1 class: \\[0\\]"):
        KerasClassifier(**FAST).fit(X[:10], y[:10])


def test_regressor_rejects_a_text_target(iris):
    X, _ = iris
    with pytest.raises(DataError, match="numeric target.*KerasClassifier"):
        KerasRegressor(**FAST).fit(X, np.array(["a", "b", "c"] * 50, dtype=object))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"activation": "relux"}, "Unknown activation.*relux.*Did you mean 'relu'"),
        ({"optimizer": "adamm"}, "Unknown optimizer.*adamm.*Did you mean 'adam'.*nadam"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be.*positive"),
        ({"dropout": 1.5}, "dropout must be a number in"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"validation_fraction": 1.0}, "validation_fraction must be in"),
        ({"lr_schedule": "linear"}, "Unknown learning-rate schedule"),
    ],
)
def test_bad_hyper_parameters_are_named(iris, params, match):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        KerasClassifier(**{**FAST, **params}).fit(X, y)


def test_misspelled_parameter_gets_did_you_mean(iris):
    X, y = iris
    with pytest.raises(TypeError, match="unexpected parameter 'hiden_layer_sizes'.*"
                                        "Did you mean 'hidden_layer_sizes'"):  # fmt: skip
        KerasClassifier(hiden_layer_sizes=(3,)).fit(X, y)
    with pytest.raises(ValueError, match="Did you mean 'epochs'"):
        KerasClassifier().set_params(epoch=3)
