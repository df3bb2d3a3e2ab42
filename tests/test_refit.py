"""refit_best: the one place that refits a study's best trial (search and CLI)."""

from __future__ import annotations

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kerasopt.search import refit_best

X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
y = np.array([0, 0, 0, 1, 1, 1])


def _study(**user_attrs: object) -> optuna.Study:
    study = optuna.create_study(direction="maximize")
    for value, c in ((0.5, 1.0), (0.9, 0.25)):
        study.add_trial(
            optuna.trial.create_trial(
                params={"C": c},
                distributions={"C": FloatDistribution(0.1, 10)},
                value=value,
                user_attrs=dict(user_attrs),
            )
        )
    return study


def test_refit_best_sets_best_params_and_seed_on_a_clone() -> None:
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    study = _study(random_state=7)
    model = refit_best(pipe, study, X, y)
    final = model.steps[-1][1]
    assert (final.C, final.random_state) == (0.25, 7)
    assert hasattr(final, "coef_")
    assert not hasattr(pipe.steps[-1][1], "coef_")  # the original is untouched
    assert pipe.steps[-1][1].C == 1.0


def test_refit_best_prefers_recorded_params_and_takes_a_trial() -> None:
    study = _study(params={"logisticregression__C": 3.0})
    model = refit_best(make_pipeline(LogisticRegression()), study.best_trial, X, y)
    assert model.steps[-1][1].C == 3.0
    model = refit_best(LogisticRegression(), study, X, y, params={"C": 2.0})
    assert model.C == 2.0
