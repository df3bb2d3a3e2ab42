"""Prediction: one-row latency and 100k-row throughput vs Keras ``model.predict``.

The baseline is the fitted estimator's own Keras model called the way a
hand-written script would: ``model.predict(row, verbose=0)``. kerasopt is
timed through the bare estimator (``predict_proba`` on a NumPy row) and
through ``make_tabular_pipeline(...)`` on a one-row DataFrame (imputation,
one-hot encoding and scaling included). Targets: one row <= 1 ms through the
bare estimator and <= 3 ms through the pipeline (the ratio column says how
many times faster than ``model.predict`` that is); 100k rows no slower than
``model.predict``.
"""

from __future__ import annotations

from typing import Any

from _common import Row, interleaved, row

NAME = "predict"


def _table(n_samples: int) -> tuple[Any, Any]:
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples, 19, n_informative=8, n_redundant=0, n_classes=3, random_state=0
    )
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(19)])
    frame["colour"] = np.random.default_rng(0).choice(
        ["red", "green", "blue"], n_samples
    )
    return frame, y


def _per_call(fn: Any, calls: int) -> Any:
    def many() -> None:
        for _ in range(calls):
            fn()

    return many


def run(quick: bool = False) -> list[Row]:
    """Fit once, then time single rows and one large batch."""
    import numpy as np

    from kerasopt import KerasClassifier, make_tabular_pipeline

    X, y = _table(2000)
    pipe = make_tabular_pipeline(
        KerasClassifier(hidden_layer_sizes=(100,), epochs=2, random_state=0)
    ).fit(X, y)
    estimator = pipe[-1]
    model = estimator.model_
    encoded = np.asarray(pipe[:-1].transform(X), dtype="float32")
    frame_row, array_row = X.iloc[:1], encoded[:1]

    calls, repeats = (5, 3) if quick else (20, 7)
    times = interleaved(
        {
            "model.predict": _per_call(
                lambda: model.predict(array_row, verbose=0), calls
            ),
            "estimator": _per_call(lambda: estimator.predict_proba(array_row), calls),
            "pipeline": _per_call(lambda: pipe.predict_proba(frame_row), calls),
        },
        repeats,
    )
    baseline = times["model.predict"] / calls
    rows = []
    for name, label, limit in (
        ("estimator", "bare estimator", 1.0),
        ("pipeline", "tabular pipeline", 3.0),
    ):
        latency = times[name] / calls
        rows.append(
            row(
                NAME,
                f"one row, {label} vs model.predict",
                baseline_name="model.predict",
                baseline=baseline * 1e3,
                kerasopt=latency * 1e3,
                unit="ms per row",
                ratio=baseline / latency,
                target=f"<= {limit:.0f} ms",
                passed=latency * 1e3 <= limit,
            )  # fmt: skip
        )

    n_rows = 10_000 if quick else 100_000
    big = np.resize(encoded, (n_rows, encoded.shape[1]))
    times = interleaved(
        {
            "model.predict": lambda: model.predict(big, verbose=0),
            "estimator": lambda: estimator.predict_proba(big),
        },
        2 if quick else 5,
    )
    throughput = {k: n_rows / v for k, v in times.items()}
    ratio = throughput["estimator"] / throughput["model.predict"]
    rows.append(
        row(
            NAME,
            f"{n_rows:,} rows, bare estimator vs model.predict",
            baseline_name="model.predict",
            baseline=throughput["model.predict"],
            kerasopt=throughput["estimator"],
            unit="rows/s",
            ratio=ratio,
            target=">= 1.0x",
            passed=ratio >= 1.0,
        )  # fmt: skip
    )
    return rows
