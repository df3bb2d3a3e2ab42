"""`kerasopt predict` on a file that pandas reads with other dtypes (issue 14, item 1).

A code column holds '9', '10', ..., 'other' in the training file: text. In a
new file where 'other' does not occur it is read as floats; the predictions
for the same rows must not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from kerasopt.cli import app


@pytest.mark.slow
def test_predict_on_a_file_read_with_other_dtypes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERASOPT_STORAGE", raising=False)
    rng = np.random.default_rng(0)
    codes = rng.choice(["9", "10", "11", "12", "other"], 60)
    frame = pd.DataFrame({"code": codes, "x": rng.normal(size=60).round(2)})
    frame["y"] = np.where(np.isin(codes, ["10", "11"]), "yes", "no")
    frame.to_csv("train.csv", index=False)
    runner = CliRunner()
    tune = ["tune", "train.csv", "-t", "y", "-n", "1", "--epochs", "3", "--seed", "0"]
    for args in (tune, ["export", "train-y", "-o", "model/"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    numbers = frame[frame["code"] != "other"].drop(columns="y")
    numbers.assign(code=numbers["code"].astype(float)).to_csv("floats.csv", index=False)
    assert pd.read_csv("floats.csv")["code"].dtype == float
    probabilities = []
    for name in ("floats.csv", "train.csv"):
        result = runner.invoke(
            app, ["predict", "model", name, "-o", "p.csv", "--proba"]
        )
        assert result.exit_code == 0, result.output
        probabilities.append(pd.read_csv("p.csv").filter(like="proba_").to_numpy())
    kept = (frame["code"] != "other").to_numpy()
    np.testing.assert_allclose(probabilities[0], probabilities[1][kept], rtol=1e-5)
