"""How the kerasopt 0.2.0 model files next to this script were made.

Run once with kerasopt 0.2.0 (main at 76f3957, JAX backend), before the
modules were regrouped (issue 19): ``python tests/data/make_files_0_2_0.py``.
tests/test_persistence.py loads the files and checks that they predict what
0.2.0 predicted (``files-0.2.0.json``). Do not run it again with a later
kerasopt: the files must stay as 0.2.0 wrote them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import kerasopt
from kerasopt import KerasClassifier, KerasRegressor, make_tabular_pipeline, save

HERE = Path(__file__).parent
CITIES = [f"city{i}" for i in range(12)]  # >= 10 levels: embedded


def table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.normal(10, 3, n)
    size[::7] = np.nan
    color = rng.choice(["red", "green", "blue"], n).astype(object)
    color[::5] = None
    city = rng.choice(CITIES, n).astype(object)
    city[::9] = None
    return pd.DataFrame({"size": size, "color": color, "city": city,
                         "fresh": rng.choice([True, False], n)})  # fmt: skip


def main() -> None:
    train = table(120, 0)
    score = train["size"].fillna(10) / 3 + train["city"].isin(CITIES[:6]) * 2
    labels = np.array(["low", "mid", "high"])[np.digitize(score, [4.0, 5.5])]
    values = score.to_numpy() * 10.0 + 5.0
    new = table(8, 1)
    new.loc[0, "city"] = "atlantis"  # unseen level of the embedded column
    new.loc[1, "color"] = "purple"  # unseen level of a one-hot column
    new["size"] = new["size"].astype(object)
    new.loc[2, "size"] = "11.5"  # a number read as text
    rows = json.loads(new.astype(object).to_json(orient="records"))
    new = pd.DataFrame(rows)  # exactly what the test rebuilds from the JSON

    small = {"hidden_layer_sizes": (8,), "epochs": 3, "batch_size": 16}
    clf = make_tabular_pipeline(KerasClassifier(random_state=0, **small))
    clf.fit(train, labels)
    save(clf, HERE / "pipeline-0.2.0.kerasopt")

    from sklearn.ensemble import VotingRegressor

    members = [
        (f"m{seed}", make_tabular_pipeline(KerasRegressor(random_state=seed, **small)))
        for seed in (1, 2)
    ]
    ensemble = VotingRegressor(members, weights=[0.7, 0.3]).fit(train, values)
    save(ensemble, HERE / "ensemble-0.2.0.kerasopt")

    expected = {
        "written_by": {"kerasopt": kerasopt.__version__, "backend": _backend()},
        "rows": rows,
        "pipeline_predict": clf.predict(new).tolist(),
        "pipeline_predict_proba": clf.predict_proba(new).tolist(),
        "ensemble_predict": ensemble.predict(new).tolist(),
    }
    (HERE / "files-0.2.0.json").write_text(json.dumps(expected, indent=1) + "\n")


def _backend() -> str:
    import keras

    return keras.backend.backend()


if __name__ == "__main__":
    main()
