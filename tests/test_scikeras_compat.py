"""The scikeras API kerasopt keeps, and the scikeras-suite bugs B1-B10 fixed in its core.

Each test names the bug (issue "Tried as a new user would...", scikeras section)
or the scikeras behaviour it pins; docs/migrating_from_scikeras.md lists them.
"""

from __future__ import annotations

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone

from kerasopt import KerasClassifier, KerasRegressor

RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 3)).astype("float32")
Y = np.where(X[:, 0] > 0, "yes", "no")
Y_VALUES = X @ np.array([1.0, -2.0, 0.5])
FAST = {"hidden_layer_sizes": (4,), "epochs": 1, "random_state": 0}


def _lr(estimator):
    return float(keras.ops.convert_to_numpy(estimator.model_.optimizer.learning_rate))


class _Count(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = self.predictions = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1

    def on_predict_begin(self, logs=None):
        self.predictions += 1


def test_b1_routed_learning_rate_wins_over_the_default():
    clf = KerasClassifier(**FAST, optimizer="sgd", optimizer__learning_rate=0.1).fit(X, Y)
    assert _lr(clf) == pytest.approx(0.1)
    assert isinstance(clf.model_.optimizer, keras.optimizers.SGD)


def test_b2_fit_epochs_and_fit_callbacks_do_not_collide():
    own, routed, call = _Count(), _Count(), _Count()
    clf = KerasClassifier(**FAST, callbacks=[own], fit__epochs=3, fit__callbacks=[routed])
    clf.fit(X, Y, callbacks=[call])
    assert len(clf.history_["loss"]) == 3
    assert own.epochs == routed.epochs == call.epochs == 3


def test_b3_partial_fit_refuses_a_target_of_another_shape():
    reg = KerasRegressor(**FAST).fit(X, Y_VALUES)
    with pytest.raises(ValueError, match="y has 2 columns.*fitted on 1"):
        reg.partial_fit(X, np.column_stack([Y_VALUES, Y_VALUES]))


def test_b4_initialize_forgets_earlier_classes():
    clf = KerasClassifier(**FAST).fit(X, Y)
    clf.initialize(X, np.where(Y == "yes", "up", "down"))
    np.testing.assert_array_equal(clf.classes_, ["down", "up"])
    assert clf.current_epoch == 0
    assert set(clf.fit(X, np.where(Y == "yes", "up", "down")).predict(X)) <= {"up", "down"}


class _Split(KerasClassifier):
    """scikeras' documented subclass pattern."""

    def __init__(self, model=None, split=True, **kwargs):
        super().__init__(model=model, **kwargs)
        self.split = split


def test_b5_subclass_with_kwargs_fits_and_clones():
    est = _Split(split=False, hidden_layer_sizes=(3,), epochs=1, random_state=0)
    params = est.get_params()
    assert params["split"] is False and params["hidden_layer_sizes"] == (3,)
    copy = clone(est).set_params(split=True, epochs=2)
    assert copy.split is True and copy.epochs == 2
    assert len(copy.fit(X, Y).history_["loss"]) == 2
    assert "split=False" in repr(est)


def test_b7_loss_metrics_and_predict_parameters_are_used():
    count = _Count()
    clf = KerasClassifier(
        **FAST, loss=keras.losses.BinaryCrossentropy, loss__from_logits=False,
        loss__label_smoothing=0.1, metrics=[keras.metrics.AUC], metrics__0__name="my_auc",
        predict__callbacks=[count], predict__batch_size=7,
    ).fit(X, Y)  # fmt: skip
    assert isinstance(clf.model_.loss, keras.losses.BinaryCrossentropy)
    assert clf.model_.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    assert "my_auc" in clf.history_
    clf.predict(X)
    assert count.predictions == 1


def test_b7_parameters_for_a_loss_that_is_not_a_class_are_refused():
    clf = KerasClassifier(**FAST, loss="binary_crossentropy", loss__from_logits=True)
    with pytest.raises(TypeError, match="loss='binary_crossentropy' is not a class.*"
                                        "from_logits"):  # fmt: skip
        clf.fit(X, Y)


def test_b8_a_random_state_instance_is_accepted_and_repeatable():
    first = KerasClassifier(**{**FAST, "random_state": np.random.RandomState(3)})
    second = KerasClassifier(**{**FAST, "random_state": np.random.RandomState(3)})
    np.testing.assert_array_equal(
        first.fit(X, Y).predict_proba(X), second.fit(X, Y).predict_proba(X)
    )
    with pytest.raises(ValueError, match="random_state must be an int.*'seven'"):
        KerasClassifier(**{**FAST, "random_state": "seven"}).fit(X, Y)


def _two_outputs(meta):
    inputs = keras.Input((meta["n_features_in_"],))
    hidden = keras.layers.Dense(4, activation="relu")(inputs)
    outputs = [keras.layers.Dense(1, activation="sigmoid", name=f"out{i}")(hidden) for i in range(2)]
    return keras.Model(inputs, outputs)


def test_b9_default_metrics_work_on_a_multi_output_model():
    labels = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    clf = KerasClassifier(_two_outputs, epochs=2, random_state=0).fit(X, labels)
    assert {"out0_accuracy", "out1_accuracy"} <= set(clf.history_)
    assert clf.predict(X).shape == (60, 2)
    assert clf.predict_proba(X).shape == (60, 2)


class Subclassed(keras.Model):  # deliberately not registered with Keras
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _subclassed(units=3):
    return Subclassed(units)


def test_b10_pickle_round_trips_an_unregistered_model_subclass():
    reg = KerasRegressor(_subclassed, epochs=1, random_state=0).fit(X, Y_VALUES)
    restored = pickle.loads(pickle.dumps(reg))
    assert type(restored.model_) is Subclassed
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))


# -- scikeras behaviours kept (its "deliberate differences" list, all supported) --
def _builder(hidden_dim=2, meta=None, compile_kwargs=None, params=None):
    _builder.seen = {"hidden_dim": hidden_dim, "compile_kwargs": compile_kwargs, "params": params}
    return keras.Sequential([
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(hidden_dim, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])  # fmt: skip


def test_bare_keyword_arguments_go_to_the_builder_with_params_and_compile_kwargs():
    clf = KerasClassifier(_builder, hidden_dim=5, epochs=1, random_state=0).fit(X, Y)
    assert clf.model_.layers[0].units == 5
    assert clf.get_params()["hidden_dim"] == 5
    assert _builder.seen["params"]["hidden_dim"] == 5
    assert isinstance(_builder.seen["compile_kwargs"]["optimizer"], keras.optimizers.Adam)
    clone(clf).set_params(hidden_dim=6)
    with pytest.raises(TypeError, match="unexpected parameter 'hiden_dim'"):
        KerasClassifier(hiden_dim=5, epochs=1).fit(X, Y)


def test_validation_split_run_eagerly_and_fit_keyword_arguments():
    clf = KerasClassifier(**FAST, run_eagerly=True).fit(X, Y, epochs=2, validation_split=0.25)
    assert clf.model_.run_eagerly is True
    assert len(clf.history_["val_loss"]) == 2
    routed = KerasClassifier(**FAST, fit__validation_split=0.25).fit(X, Y)
    assert "val_loss" in routed.history_


def test_callback_classes_are_built_with_routed_parameters():
    clf = KerasClassifier(
        **{**FAST, "epochs": 50}, callbacks=[keras.callbacks.EarlyStopping],
        callbacks__0__monitor="loss", callbacks__0__patience=0, callbacks__0__min_delta=10.0,
    ).fit(X, Y)  # fmt: skip
    assert len(clf.history_["loss"]) == 2


def test_a_keras_model_is_copied_with_its_weights_never_changed():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    before = [w.copy() for w in model.get_weights()]
    clf = KerasClassifier(model, epochs=1, random_state=0)
    clf.initialize(X, Y)
    assert clf.model_ is not model
    for start, w in zip(before, clf.model_.get_weights()):
        np.testing.assert_array_equal(start, w)  # training starts from its weights
    clf.fit(X, Y)
    for start, w in zip(before, model.get_weights()):
        np.testing.assert_array_equal(start, w)  # ... and never changes them


def _softmax(meta):
    return keras.Sequential([
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ])  # fmt: skip


@pytest.mark.parametrize("loss", ["categorical_crossentropy", keras.losses.CategoricalCrossentropy])
def test_a_categorical_loss_gets_one_hot_targets_from_labels(loss):
    clf = KerasClassifier(_softmax, loss=loss, epochs=1, random_state=0).fit(X, Y)
    assert clf.target_encoder_.transform(Y[:2]).shape == (2, 2)
    assert set(clf.predict(X)) <= {"yes", "no"}


def test_continued_fits_refuse_another_target_shape_and_all_zero_weights():
    clf = KerasClassifier(**FAST).fit(X, Y)
    with pytest.raises(ValueError, match="y has 2 columns, but KerasClassifier was fitted on 1"):
        clf.partial_fit(X, np.column_stack([Y, Y]))
    with pytest.raises(ValueError, match="at least one non-zero number"):
        KerasClassifier(**FAST).fit(X, Y, sample_weight=np.zeros(len(Y)))


def test_batch_size_minus_one_is_one_batch_of_all_rows():
    reg = KerasRegressor(**FAST, batch_size=-1, predict__batch_size=-1).fit(X, Y_VALUES)
    assert reg.predict(X).shape == (60,)
    routed = KerasRegressor(**FAST, fit__batch_size=-1, fit__validation_batch_size=-1,
                            validation_fraction=0.2).fit(X, Y_VALUES)  # fmt: skip
    assert len(routed.history_["val_loss"]) == 1
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, -1"):
        KerasRegressor(**FAST, batch_size=-2).fit(X, Y_VALUES)
