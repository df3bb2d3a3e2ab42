"""Same seed, two separate processes: bit-identical predictions."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
import numpy as np
import pandas as pd
from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline
rng = np.random.RandomState(1)
X = pd.DataFrame({"a": rng.normal(size=40), "c": rng.choice(["x", "y", None], 40)})
y = np.where(X["a"] > 0, "pos", "neg")
clf = KerasClassifier(hidden_layer_sizes=(8,), dropout=0.2, epochs=3,
                      validation_fraction=0.2, random_state=7)
proba = make_tabular_pipeline(clf).fit(X, y).predict_proba(X)
reg = KerasRegressor(hidden_layer_sizes=(8,), epochs=3, random_state=7)
pred = reg.fit(X[["a"]], X["a"] * 2).predict(X[["a"]])
print(proba.astype(np.float64).tobytes().hex() + ":" + pred.tobytes().hex())
"""


def _run() -> str:
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_same_seed_same_predictions_across_processes():
    first, second = _run(), _run()
    assert len(first) > 100
    assert first == second
