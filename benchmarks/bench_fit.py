"""Fit cost: the same MLP trained by hand-written Keras and by kerasopt.

Same data (float32 NumPy arrays), architecture (Dense(100, relu) -> softmax),
optimizer (Adam 1e-3), loss, metrics (accuracy), epochs, batch size and seed
for both: kerasopt's numeric embeddings, on by default, are turned off, since
they change the network (a row without a target times kerasopt with them, and
the quality benchmark what the default recipe costs on real tables).
kerasopt keeps its other defaults, which differ: it holds out 10% of the rows
for early stopping (training on the other 90%, restoring the best epoch's
weights) and smooths the labels by 0.1. Each timing includes building and
compiling the model, as a ``fit`` call does. Target: kerasopt <= 1.0x
hand-written Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from _common import Row, clear_keras, interleaved, row, seed_everything

NAME = "fit"


def _data(n_samples: int, n_features: int) -> tuple[Any, Any]:
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples, n_features, n_informative=min(n_features, 10), n_redundant=0,
        n_classes=3, random_state=0,
    )  # fmt: skip
    return X.astype("float32"), y


def _build(n_features: int) -> Any:
    import keras

    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(100, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def contenders(X: Any, y: Any, epochs: int, batch_size: int) -> dict[str, Any]:
    """The ways to train, as zero-argument callables."""
    from kerasopt import KerasClassifier

    n_features = X.shape[1]

    def keras_by_hand() -> None:
        seed_everything(0)
        _build(n_features).fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0)
        clear_keras()

    def kerasopt(**embedding: Any) -> Callable[[], None]:
        def fit() -> None:
            KerasClassifier(
                hidden_layer_sizes=(100,), epochs=epochs, batch_size=batch_size,
                random_state=0, **embedding,
            ).fit(X, y)  # fmt: skip
            clear_keras()

        return fit

    return {
        "keras": keras_by_hand,
        "kerasopt": kerasopt(numeric_embedding=None),
        "kerasopt, default embeddings": kerasopt(),
    }


def run(quick: bool = False) -> list[Row]:
    """Time the two contenders on a small and a medium data set."""
    cases = [
        # (label, n_samples, n_features, epochs, batch_size)
        ("150x4, 5 epochs, batch 32 (tracing-bound)", 150, 4, 5, 32),
        ("3000x20, 5 epochs, batch 32", 3000, 20, 5, 32),
    ]
    if quick:
        cases = [("150x4, 2 epochs, batch 32", 150, 4, 2, 32)]
    repeats = 2 if quick else 5
    rows: list[Row] = []
    for label, n, d, epochs, batch_size in cases:
        X, y = _data(n, d)
        times = interleaved(contenders(X, y, epochs, batch_size), repeats)
        for case, name, target in (
            ("vs keras", "kerasopt", "<= 1.0x"),
            ("kerasopt with its default numeric embeddings vs keras",
             "kerasopt, default embeddings", ""),
        ):  # fmt: skip
            ratio = times[name] / times["keras"]
            rows.append(
                row(
                    NAME,
                    f"{label}: {case}",
                    baseline_name="keras",
                    baseline=times["keras"],
                    kerasopt=times[name],
                    unit="s per fit",
                    target=target,
                    passed=ratio <= 1.0 if target else None,
                )  # fmt: skip
            )
    return rows
