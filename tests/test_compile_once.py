"""Compile once (issue 20): kerasopt's network trains and predicts on JAX with
programs compiled once per structure, and gives the results ``keras.Model.fit``
gives.

Compilations are counted with JAX's public monitoring events.
"""

from __future__ import annotations

import collections
import pickle
import warnings

import keras
import numpy as np
import pytest

from kerasopt import KerasClassifier, KerasRegressor

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="JAX compilation is what is counted"
)

_COMPILE = "/jax/core/compile/backend_compile_duration"


class _Compiles:
    """Counts XLA compilations by function name while active."""

    def __init__(self) -> None:
        self.by_name: collections.Counter[str] = collections.Counter()

    def __call__(self, event: str, duration: float, **kwargs: object) -> None:
        if event == _COMPILE:
            self.by_name[str(kwargs.get("fun_name"))] += 1

    def __enter__(self) -> _Compiles:
        import jax.monitoring

        jax.monitoring.register_event_duration_secs_listener(self)
        return self

    def __exit__(self, *exc: object) -> None:
        import jax.monitoring

        jax.monitoring.unregister_event_duration_listener(self)

    def total(self) -> int:
        return sum(self.by_name.values())

    def named(self, part: str) -> int:
        return sum(n for name, n in self.by_name.items() if part in name)


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 7)).astype("float32")
    return X, (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)


def test_folds_and_trials_differing_in_values_share_the_compiled_step():
    X, y = _data(400)
    first = dict(hidden_layer_sizes=(23,), dropout=0.1, epochs=3, random_state=0)
    KerasClassifier(**first).fit(X[:300], y[:300]).predict(X[300:])
    # Another fold size (a different last batch), and a "trial" that changes
    # only values: learning rate, dropout, L2, weight decay, label smoothing, seed.
    trial = dict(
        first, learning_rate=0.03, dropout=0.3, l2=1e-3, weight_decay=1e-2,
        label_smoothing=0.05, random_state=1,
    )  # fmt: skip
    with _Compiles() as compiles:
        KerasClassifier(**first).fit(X[:357], y[:357]).predict(X[357:])
        KerasClassifier(**trial).fit(X[50:], y[50:]).predict(X[:50])
    assert compiles.total() == 0, compiles.by_name


def test_a_new_structure_compiles_one_step_and_one_forward_program():
    X, y = _data(1030)  # more rows than one forward program takes, 6 more
    with _Compiles() as compiles:
        clf = KerasClassifier(hidden_layer_sizes=(19, 5), epochs=2, random_state=0)
        clf.fit(X, y).score(X, y)
    assert compiles.named("train_step") == 1, compiles.by_name
    assert compiles.named("forward") == 1, compiles.by_name
    # At most the two scalars a Keras optimizer creates in a new process.
    assert compiles.total() <= 4, compiles.by_name


def test_prediction_compiles_once_per_bucket_whatever_the_row_count():
    X, y = _data(200)
    clf = KerasClassifier(hidden_layer_sizes=(29,), epochs=1, random_state=0).fit(X, y)
    big = np.resize(X, (2500, X.shape[1]))
    with _Compiles() as compiles:
        for n in (1, 3, 15, 16, 17, 300, 1024, 1500, 2500):
            assert clf.predict_proba(big[:n]).shape == (n, 2)
    assert compiles.named("forward") <= 1, compiles.by_name  # 16 was compiled by fit
    np.testing.assert_allclose(
        clf.predict_proba(big[:3]), clf.predict_proba(big)[:3], rtol=1e-6
    )


def test_an_xla_without_the_compile_options_still_trains(monkeypatch):
    """A later XLA may drop an option kerasopt compiles with: its programs then
    compile without it, and train and predict the same."""
    from kerasopt.estimators import _jax_loop

    X, y = _data(120)
    params = dict(hidden_layer_sizes=(13, 3), epochs=2, random_state=0)
    expected = KerasClassifier(**params).fit(X, y).predict_proba(X)
    monkeypatch.setattr(_jax_loop, "_OPTIONS", {"xla_no_such_option_anywhere": True})
    monkeypatch.setattr(_jax_loop, "_programs", collections.OrderedDict())
    proba = KerasClassifier(**params).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=1e-5, atol=1e-6)


def _fit_both(make, X, y, **fit):
    """The same estimator trained by the compiled loop and by keras.Model.fit."""
    ours = make().fit(X, y, **fit)
    # Naming the default metric explicitly sends the fit to keras.Model.fit.
    metrics = ["accuracy"] if isinstance(ours, KerasClassifier) else ["mse"]
    keras_fit = make(metrics=metrics).fit(X, y, **fit)
    return ours, keras_fit


@pytest.mark.parametrize(
    "params",
    [
        {},
        {
            "l2": 1e-3,
            "weight_decay": 1e-2,
            "optimizer": "adamw",
            "label_smoothing": 0.1,
        },
        {"batch_size": 64, "optimizer": "momentum"},
        # Adagrad's accumulators start at 0.1, not 0
        {"optimizer": "adagrad", "hidden_layer_sizes": (6, 6)},
        {"dropout": 0.2, "batch_size": 100},
        # Nadam has a variable of its own besides the slots; clipnorm clips each
        # weight's gradient by its own norm (the step updates weights one by
        # one); Ftrl is not among the optimizers updated as one vector.
        {"optimizer": "nadam", "hidden_layer_sizes": (5, 3)},
        {"optimizer": "adam", "optimizer__clipnorm": 0.01},
        {"optimizer": "ftrl"},
    ],
)
def test_the_compiled_loop_trains_as_keras_fit(params):
    X, y = _data(333)
    weight = np.random.default_rng(1).random(len(X))

    def make(**extra):
        return KerasClassifier(
            **{"hidden_layer_sizes": (12,), "epochs": 4, "shuffle": False,
               "random_state": 0, **params, **extra}
        )  # fmt: skip

    ours, keras_fit = _fit_both(make, X, y, sample_weight=weight)
    assert ours.history_.keys() == keras_fit.history_.keys()
    for key, values in keras_fit.history_.items():
        np.testing.assert_allclose(ours.history_[key], values, rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(
        ours.predict_proba(X), keras_fit.predict_proba(X), atol=1e-6
    )
    # The optimizer's state (kept by the step as one vector per slot) is left
    # in the model's optimizer as fit leaves it.
    for a, b in zip(
        ours.model_.optimizer.variables,
        keras_fit.model_.optimizer.variables,
        strict=True,
    ):
        np.testing.assert_allclose(
            np.asarray(a.value),
            np.asarray(b.value),
            rtol=1e-4,
            atol=1e-7,
            err_msg=a.name,
        )


def test_the_compiled_loop_trains_a_multi_output_regressor_as_keras_fit():
    X, _ = _data(150)
    Y = np.c_[X[:, 0] * 3, X[:, 1] - X[:, 2]]

    def make(**extra):
        return KerasRegressor(
            hidden_layer_sizes=(9, 4), epochs=3, l2=1e-2, shuffle=False,
            random_state=0, **extra,
        )  # fmt: skip

    ours, keras_fit = _fit_both(make, X, Y)
    np.testing.assert_allclose(
        ours.history_["val_loss"], keras_fit.history_["val_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(
        ours.predict(X), keras_fit.predict(X), rtol=1e-5, atol=1e-6
    )


def test_callbacks_see_every_batch_and_early_stopping_restores_the_best_epoch():
    X, y = _data(300)

    class Watch(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.batches, self.weights = 0, []

        def on_train_batch_end(self, batch, logs=None):
            self.batches += 1
            assert np.isfinite(logs["loss"])

        def on_epoch_end(self, epoch, logs=None):
            assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(logs)
            self.weights.append(self.model.get_weights())

    watch = Watch()
    clf = KerasClassifier(
        hidden_layer_sizes=(8,), epochs=60, batch_size=50, patience=2,
        learning_rate=0.3, callbacks=[watch], random_state=0,
    ).fit(X, y)  # fmt: skip
    epochs = len(clf.history_["loss"])
    assert epochs < 60 and len(watch.weights) == epochs
    assert watch.batches == epochs * 6  # 270 training rows in batches of 50
    assert clf.model_.optimizer.iterations.numpy() == epochs * 6
    best = int(np.argmin(clf.history_["val_loss"]))
    assert best < epochs - 1  # it trained on after the best epoch ...
    for kept, at_best in zip(
        clf.model_.get_weights(), watch.weights[best], strict=True
    ):
        np.testing.assert_array_equal(kept, at_best)  # ... and went back to it


def test_warm_start_and_pickling_keep_the_optimizer_state():
    X, y = _data(200)
    clf = KerasClassifier(
        hidden_layer_sizes=(8,),
        epochs=2,
        batch_size=40,
        warm_start=True,
        random_state=0,
    ).fit(X, y)
    assert clf.model_.optimizer.iterations.numpy() == 2 * 5
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error", UserWarning
        )  # Keras: "Skipping variable loading"
        copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(copy.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
    moments = [np.asarray(v) for v in clf.model_.optimizer.variables[2:]]
    copied = [np.asarray(v) for v in copy.model_.optimizer.variables[2:]]
    for a, b in zip(moments, copied, strict=True):
        np.testing.assert_array_equal(a, b)
    copy.fit(X, y)
    assert copy.model_.optimizer.iterations.numpy() == 4 * 5
    assert len(copy.history_["loss"]) == 4


def _first_dense(model):
    return next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))


def test_same_seed_same_model_and_the_initial_weights_follow_keras_defaults():
    X, y = _data(100)
    a = KerasClassifier(hidden_layer_sizes=(300,), epochs=1, random_state=3).initialize(
        X, y
    )
    b = KerasClassifier(hidden_layer_sizes=(300,), epochs=1, random_state=3).initialize(
        X, y
    )
    kernel, bias = (np.asarray(v) for v in _first_dense(a.model_).weights)
    np.testing.assert_array_equal(kernel, np.asarray(_first_dense(b.model_).kernel))
    limit = np.sqrt(6.0 / (kernel.shape[0] + 300))  # Glorot uniform, Keras' default
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert abs(kernel.std() - limit / np.sqrt(3)) < 0.05 * limit
    np.testing.assert_array_equal(bias, 0.0)


def test_given_validation_data_is_evaluated_as_keras_fit_evaluates_it():
    import pandas as pd

    X, y = _data(200)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    held_out = (frame.iloc[:40], y[:40].astype("float32"))

    def make(**extra):
        return KerasClassifier(
            hidden_layer_sizes=(8,), epochs=2, shuffle=False, random_state=0, **extra
        )

    ours, keras_fit = _fit_both(make, frame, y, validation_data=held_out)
    np.testing.assert_allclose(
        ours.history_["val_loss"], keras_fit.history_["val_loss"], rtol=1e-5
    )


def test_a_network_kerasopt_built_is_keyed_by_its_recipe_as_soundly_as_by_tracing():
    """Networks built from equal recipes share programs without being traced;
    equal recipes must mean equal traced programs, and the values held in
    weights (dropout rate, knots, seed) or passed to the step (L2) must not
    split them."""
    from kerasopt.estimators import _jax_loop
    from kerasopt.estimators._network import RECIPES, FeatureLayout, build_mlp

    rng = np.random.default_rng(0)
    layout = FeatureLayout(embedded=[0, 1], plain=[2], codes=[3], cardinalities=[5])
    base = dict(
        hidden_layer_sizes=(8, 8), activation="relu", dropout=0.1, l2=0.0,
        batch_normalization=False, layout=layout, numeric_embedding="piecewise",
        numeric_sample=rng.normal(size=(50, 2)), input_clip=3.0,
    )  # fmt: skip
    variants = [
        {},
        {"dropout": 0.4, "l2": 1e-3, "numeric_sample": rng.normal(size=(50, 2))},
        {"numeric_embedding": "piecewise_tree", "numeric_target": rng.normal(size=50)},
        {"dropout": 0.0},
        {"hidden_layer_sizes": (8, 16)},
        {"activation": "gelu"},
        {"input_clip": 4.0},
        {"numeric_embedding": "periodic"},
        {
            "layout": FeatureLayout(
                embedded=[0], plain=[1, 2], codes=[3], cardinalities=[5]
            )
        },
        {
            "layout": FeatureLayout(
                embedded=[0, 1], plain=[2], codes=[3], cardinalities=[6]
            )
        },
        {"batch_normalization": True},
    ]

    def build(**changes):
        kwargs = {**base, **changes}
        if kwargs["numeric_embedding"] == "piecewise":
            kwargs["numeric_sample"] = kwargs["numeric_sample"][
                :, : len(kwargs["layout"].embedded)
            ]
        return build_mlp((4,), 1, "sigmoid", **kwargs)

    models = [build(**v) for v in variants]
    normalizer = keras.layers.Normalization(axis=-1)
    normalizer.adapt(rng.normal(size=(20, 3)))
    assert build(normalizer=normalizer) not in RECIPES
    # Values only (weights, the L2 factor, where the knots are): shared.
    assert RECIPES[models[0]] == RECIPES[models[1]] == RECIPES[models[2]]
    for training in (True, False):
        traced = [_jax_loop._traced_structure(m, training) for m in models]
        keys = [_jax_loop._structure(m, training) for m in models]
        for i in range(len(models)):
            for j in range(i + 1, len(models)):
                if keys[i] == keys[j]:
                    assert traced[i] == traced[j], (variants[i], variants[j], training)
        assert traced[0] == traced[1] == traced[2]
    assert len({RECIPES[m] for m in models}) == len(models) - 2


def test_an_unpickled_network_keeps_its_recipe_and_predicts_untraced(monkeypatch):
    from kerasopt.estimators import _jax_loop, _network

    X, y = _data(200)
    clf = KerasClassifier(hidden_layer_sizes=(31,), epochs=1, random_state=0).fit(X, y)
    data = pickle.dumps(clf)
    loaded = pickle.loads(data)
    assert _network.RECIPES[loaded.model_] == _network.RECIPES[clf.model_]

    def traced(model, training):
        raise AssertionError("the unpickled network was traced")

    with monkeypatch.context() as patch:
        patch.setattr(_jax_loop, "_traced_structure", traced)
        np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    # Another kerasopt or Keras may build another network from the same
    # arguments: its recipe is not taken, and the network is traced.
    monkeypatch.setattr(_network, "_writer", lambda: "kerasopt 9.9, keras 9.9")
    other = pickle.loads(data)
    assert other.model_ not in _network.RECIPES
    np.testing.assert_allclose(other.predict_proba(X), clf.predict_proba(X))
