"""kerasopt in one minute: tune a Keras classifier on the penguins table.

``make demo`` runs this script. It builds ``make_tabular_pipeline(
KerasClassifier())``, tunes it with ``OptunaSearchCV`` (4 trials of 2-fold CV,
at most 20 epochs, a progress bar) in an Optuna study stored in a SQLite
file, and prints the best parameters, their cross-validated accuracy and the
accuracy on a held-out test set. Running it again resumes the same study and
finishes at once; delete ``kerasopt-demo.db`` to start over.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import optuna  # noqa: E402
from palmerpenguins import load_penguins  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from kerasopt import KerasClassifier, OptunaSearchCV, make_tabular_pipeline  # noqa: E402

STORAGE = "sqlite:///kerasopt-demo.db"
# About a minute on 2 busy CPU cores with an empty JAX cache (a first run).
N_TRIALS, N_FOLDS, N_EPOCHS = 4, 2, 20


def main() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    penguins = load_penguins()
    X, y = penguins.drop(columns="species"), penguins["species"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    print(
        f"penguins: {len(X_train)} training rows, {len(X_test)} test rows, "
        f"{X.shape[1]} columns ({X.isna().any(axis=1).sum()} rows with gaps)"
    )

    search = OptunaSearchCV(
        make_tabular_pipeline(KerasClassifier(epochs=N_EPOCHS)),
        n_trials=N_TRIALS,
        cv=N_FOLDS,
        pruner="none",  # the median pruner waits for 5 complete trials
        storage=STORAGE,
        study_name="penguins-demo",
        random_state=0,
        verbose=1,  # a progress bar: without it a search prints nothing
    )
    print(
        f"tuning: {N_TRIALS} trials of {N_FOLDS}-fold CV, at most {N_EPOCHS} epochs "
        "each",
        flush=True,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start

    counts = search.study_.trials_dataframe()["state"].value_counts().to_dict()
    print(f"\n{search.n_trials_} trials in {STORAGE} ({counts}), {elapsed:.0f} s")
    print("best parameters:")
    for name, value in search.best_params_.items():
        print(f"  {name} = {value!r}")
    print(f"cross-validated accuracy: {search.best_score_:.3f}")
    print(f"held-out test accuracy:   {search.score(X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
