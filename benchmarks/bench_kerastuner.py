"""Search efficiency against KerasTuner (RandomSearch), when it is installed.

KerasTuner searches the space of ``bench_search`` (same units, learning rate,
batch sizes, dropout, epochs) for the same number of trials, scoring each
trial on a 20% validation split (it has no cross-validation). Its pick is
then cross-validated on the folds OptunaSearchCV uses, and the figure is the
time OptunaSearchCV (TPE + median pruning) needs to reach that score, over
KerasTuner's search time. Target: <= 0.5x.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

from _common import Row, clear_keras, fmt, row
from bench_search import BATCH_SIZES, UNITS, _curve_optuna, _estimator, _time_to

NAME = "kerastuner"


def _kerastuner_pick(X: Any, y: Any, n_trials: int, epochs: int) -> tuple[dict, float]:
    """Best parameters of a KerasTuner RandomSearch and its wall time."""
    import keras
    import keras_tuner as kt
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    n_classes = len(np.unique(y))

    class MLP(kt.HyperModel):
        def build(self, hp: Any) -> Any:
            model = keras.Sequential(
                [
                    keras.Input((X.shape[1],)),
                    keras.layers.Dense(hp.Choice("units", UNITS), activation="relu"),
                    keras.layers.Dropout(hp.Float("dropout", 0.0, 0.5)),
                    keras.layers.Dense(n_classes, activation="softmax"),
                ]
            )
            rate = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
            model.compile(
                optimizer=keras.optimizers.Adam(rate),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
            )
            return model

        def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
            batch_size = hp.Choice("batch_size", BATCH_SIZES)
            return model.fit(*args, batch_size=batch_size, **kwargs)

    class RandomSearch(kt.RandomSearch):
        # KerasTuner 1.4 imports tensorboard for every trial on the TensorFlow
        # backend, even without a TensorBoard callback; no callback is used here.
        def _configure_tensorboard_dir(self, *args: Any, **kwargs: Any) -> None:
            pass

    scaled = StandardScaler().fit_transform(X).astype("float32")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        tuner = RandomSearch(
            MLP(), objective="val_accuracy", max_trials=n_trials, seed=0,
            directory=folder, project_name="bench", overwrite=True,
        )  # fmt: skip
        tuner.search(scaled, y, epochs=epochs, validation_split=0.2, verbose=0)
        wall = time.perf_counter() - start
        best = tuner.get_best_hyperparameters(1)[0].values
    clear_keras()
    return best, wall


def _cv_score(X: Any, y: Any, cv: Any, params: dict, epochs: int) -> float:
    from sklearn.model_selection import cross_val_score

    estimator = _estimator(epochs).set_params(
        kerasclassifier__hidden_layer_sizes=(int(params["units"]),),
        kerasclassifier__learning_rate=float(params["learning_rate"]),
        kerasclassifier__batch_size=int(params["batch_size"]),
        kerasclassifier__dropout=float(params["dropout"]),
    )
    score = float(cross_val_score(estimator, X, y, cv=cv, scoring="accuracy").mean())
    clear_keras()
    return score


def run(quick: bool = False) -> list[Row]:
    """OptunaSearchCV vs KerasTuner RandomSearch on wine and breast_cancer."""
    try:
        import keras_tuner  # noqa: F401
    except ImportError:
        print("[kerastuner] skipped: pip install keras-tuner (kerasopt[bench])")
        return []
    from sklearn.datasets import load_breast_cancer, load_wine
    from sklearn.model_selection import StratifiedKFold

    n_trials, epochs = (3, 3) if quick else (8, 10)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    datasets = {"wine": load_wine, "breast_cancer": load_breast_cancer}
    if quick:
        datasets = {"wine": load_wine}
    rows: list[Row] = []
    for name, loader in datasets.items():
        X, y = loader(return_X_y=True)
        params, t_tuner = _kerastuner_pick(X, y, n_trials, epochs)
        tuner_score = _cv_score(X, y, cv, params, epochs)
        pruned = _curve_optuna(X, y, cv, n_trials, epochs, "median")
        t_kerasopt = _time_to(pruned, tuner_score)
        ratio = t_kerasopt / t_tuner
        rows.append(
            row(
                NAME,
                f"{name}: time to KerasTuner's score ({tuner_score:.3f})",
                baseline_name="KerasTuner RandomSearch",
                baseline=t_tuner,
                kerasopt=t_kerasopt,
                unit="s",
                ratio=ratio,
                target="<= 0.5x",
                passed=ratio <= 0.5,
                note=(
                    f"{n_trials} trials, {epochs} epochs; KerasTuner's pick scores "
                    f"{fmt(tuner_score)} in 3-fold CV, OptunaSearchCV's best "
                    f"{fmt(pruned[-1][1])} after {fmt(pruned[-1][0])} s"
                ),
            )  # fmt: skip
        )
    return rows
