"""Default cost: 5-fold CV of ``make_tabular_pipeline(KerasClassifier())`` vs sklearn.

The question a user asks first: what does a default Keras model cost next to
scikit-learn's own MLP on the same table? Both see the same 1,500-row mixed
table (numerics with gaps, categoricals, string target), the same 5 stratified
folds and kerasopt's tabular preprocessor, fitted in each fold, with one
difference: the kerasopt pipeline embeds the 15-level column (categoricals of
10 or more levels), the MLP gets it one-hot encoded. The estimators are left at
their defaults. Reported: wall time of
``cross_val_score`` for each, and both mean accuracies. Target: kerasopt <= 2x.

Each contender runs once cold (compilation included, as a user's first CV in a
fresh process would after the first fit) and the median of repeats is taken.
"""

from __future__ import annotations

from typing import Any

from _common import Row, clear_keras, interleaved, mixed_table, row

NAME = "cv"


def contenders(X: Any, y: Any, scores: dict[str, float]) -> dict[str, Any]:
    """5-fold CV of the two defaults, recording their mean accuracy."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier

    from kerasopt import KerasClassifier, make_tabular_pipeline, make_tabular_preprocessor

    folds = StratifiedKFold(5, shuffle=True, random_state=0)

    def kerasopt() -> None:
        pipe = make_tabular_pipeline(KerasClassifier(random_state=0))
        scores["kerasopt"] = cross_val_score(pipe, X, y, cv=folds).mean()
        clear_keras()

    def sklearn() -> None:
        from sklearn.pipeline import make_pipeline

        pipe = make_pipeline(make_tabular_preprocessor(), MLPClassifier(random_state=0))
        scores["sklearn"] = cross_val_score(pipe, X, y, cv=folds).mean()

    return {"sklearn MLP": sklearn, "kerasopt": kerasopt}


def run(quick: bool = False) -> list[Row]:
    """Time both 5-fold CVs on the mixed table."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    import keras

    X, y = mixed_table(600 if quick else 1500)
    scores: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        times = interleaved(contenders(X, y, scores), repeats=1 if quick else 3)
    ratio = times["kerasopt"] / times["sklearn MLP"]
    return [
        row(
            NAME,
            f"{len(X)}-row mixed table, default pipelines, 5-fold CV "
            f"({keras.backend.backend()})",
            baseline_name="sklearn MLP",
            baseline=times["sklearn MLP"],
            kerasopt=times["kerasopt"],
            unit="s per CV",
            target="<= 2x",
            passed=ratio <= 2.0,
            note=f"accuracy {scores['kerasopt']:.3f} vs {scores['sklearn']:.3f}",
        )
    ]
