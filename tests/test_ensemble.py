"""Greedy ensemble selection (Caruana) and the soft-voting ensemble."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer, make_scorer, mean_squared_error

from kerasopt.search._ensemble import (
    check_ensemble_scorer,
    greedy_ensemble,
    make_voting_ensemble,
    oof_response,
)


def _probabilities(y: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """Two-class probabilities that are right (0.8) where ``correct``."""
    p1 = np.where(correct, np.where(y == 1, 0.8, 0.2), np.where(y == 1, 0.2, 0.8))
    return np.column_stack([1 - p1, p1])


def test_greedy_picks_complementary_members_and_weights_sum_to_one():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, 300)
    a = np.zeros(300, bool)
    a[:200] = True  # right on the first two thirds
    b = np.zeros(300, bool)
    b[100:] = True  # right on the last two thirds
    c = rng.rand(300) < 0.5  # a coin
    predictions = {
        0: _probabilities(y, a), 1: _probabilities(y, b), 2: _probabilities(y, c),
        3: _probabilities(y, a | b) * 0 + 0.5,  # uninformative
    }  # fmt: skip
    weights = greedy_ensemble(
        predictions, y, get_scorer("neg_log_loss"), size=3, classes=np.array([0, 1])
    )
    assert set(weights) >= {0, 1}
    assert 2 not in weights
    assert sum(weights.values()) == pytest.approx(1.0)


def test_greedy_keeps_at_most_size_distinct_members():
    rng = np.random.RandomState(1)
    y = rng.rand(200)
    predictions = {i: (y + rng.normal(0, 0.3, 200)).reshape(-1, 1) for i in range(10)}
    weights = greedy_ensemble(predictions, y, get_scorer("r2"), size=2)
    assert len(weights) <= 2
    one = greedy_ensemble(predictions, y, get_scorer("r2"), size=1)
    assert list(one.values()) == [1.0]


def test_greedy_ensemble_beats_its_best_member_on_noisy_regression():
    rng = np.random.RandomState(2)
    y = rng.rand(500)
    predictions = {i: (y + rng.normal(0, 0.3, 500)).reshape(-1, 1) for i in range(6)}
    scorer = get_scorer("r2")
    weights = greedy_ensemble(predictions, y, scorer, size=6)
    blend = sum(w * predictions[k] for k, w in weights.items()).ravel()
    best = max(np.corrcoef(p.ravel(), y)[0, 1] for p in predictions.values())
    assert len(weights) > 1
    assert np.corrcoef(blend, y)[0, 1] > best


def test_scorer_without_probability_form_is_refused_by_name():
    def my_metric(estimator, X, y):
        return 0.0

    with pytest.raises(ValueError, match="ensemble_size=5.*scoring=<function"):
        check_ensemble_scorer(my_metric, 5)
    check_ensemble_scorer(my_metric, 1)  # nothing to check without an ensemble
    check_ensemble_scorer("accuracy", 5)
    check_ensemble_scorer(make_scorer(mean_squared_error, greater_is_better=False), 5)


def test_voting_ensemble_is_a_plain_sklearn_estimator():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    y = np.where(X[:, 0] > 0.5, "yes", "no")
    ensemble = make_voting_ensemble(
        [("trial_0", LogisticRegression()), ("trial_3", LogisticRegression(C=0.1))],
        [0.6, 0.4], classifier=True,
    ).fit(X, y)  # fmt: skip
    proba = ensemble.predict_proba(X)
    assert proba.shape == (60, 2)
    assert set(ensemble.predict(X)) <= {"yes", "no"}
    assert 0.5 < ensemble.score(X, y) <= 1.0
    assert clone(ensemble).get_params()["weights"] == [0.6, 0.4]
    again = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_allclose(again.predict_proba(X), proba)
    assert oof_response(ensemble, X).shape == (60, 2)
    regression = make_voting_ensemble([("a", Ridge())], [1.0], classifier=False)
    assert oof_response(regression.fit(X, X[:, 0]), X).shape == (60, 1)


def _search(**kwargs):
    from optuna.distributions import FloatDistribution

    from kerasopt import OptunaSearchCV

    return OptunaSearchCV(
        LogisticRegression(max_iter=200),
        {"C": FloatDistribution(1e-3, 1e2, log=True)},
        cv=3, random_state=0, **kwargs,
    )  # fmt: skip


def test_search_ensemble_of_best_trials_is_refit_and_weighted():
    from sklearn.datasets import load_iris
    from sklearn.ensemble import VotingClassifier

    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    search = _search(n_trials=6, ensemble_size=3, scoring="neg_log_loss").fit(X, names)
    weights = search.ensemble_weights_
    assert 1 <= len(weights) <= 3
    assert set(weights) <= {t.number for t in search.study_.trials}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert search.ensemble_score_ >= search.best_score_ - 1e-9
    assert isinstance(search.best_estimator_, VotingClassifier)
    assert set(search.predict(X)) <= set(names)
    assert search.predict_proba(X).shape == (150, 3)
    again = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_allclose(again.predict_proba(X), search.predict_proba(X))
    single = _search(n_trials=2).fit(X, names)
    assert isinstance(single.best_estimator_, LogisticRegression)
    assert not hasattr(single, "ensemble_weights_")


def test_ensemble_larger_than_finished_trials_warns_and_uses_what_exists():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    search = _search(n_trials=2, ensemble_size=5, refit=False)
    search.estimator = Ridge()
    search.param_distributions = {
        "alpha": __import__("optuna").distributions.FloatDistribution(1e-3, 10, log=True)
    }
    with pytest.warns(UserWarning, match="ensemble_size=5, but only 2 trial"):
        search.fit(X, y)
    assert len(search.ensemble_weights_) <= 2


def test_search_refuses_scoring_callable_with_ensemble_before_training():
    def my_metric(estimator, X, y):
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="ensemble_size=2 needs a scoring"):
        _search(n_trials=1, ensemble_size=2, scoring=my_metric).fit(
            np.random.rand(30, 2), np.arange(30) % 2
        )


@pytest.mark.slow
def test_keras_pipeline_search_with_ensemble_predicts_one_row():
    import pandas as pd

    from kerasopt import KerasClassifier, OptunaSearchCV, make_tabular_pipeline

    rng = np.random.RandomState(0)
    X = pd.DataFrame({
        "state": [f"s{i}" for i in rng.randint(0, 12, 80)],
        "x": rng.normal(size=80),
    })  # fmt: skip
    y = np.where(X["x"] > 0, "yes", "no")
    pipe = make_tabular_pipeline(KerasClassifier(epochs=3, random_state=0))
    search = OptunaSearchCV(
        pipe, n_trials=3, cv=2, ensemble_size=2, random_state=0, scoring="accuracy"
    ).fit(X, y)
    assert 1 <= len(search.ensemble_weights_) <= 2
    row = pd.DataFrame({"state": ["unseen"], "x": [0.3]})
    assert search.predict(row).shape == (1,)
    again = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_allclose(again.predict_proba(X), search.predict_proba(X), rtol=1e-5)


def test_out_of_fold_store_keeps_a_given_folder_and_removes_its_own(tmp_path):
    import datetime
    import gc
    from types import SimpleNamespace

    from kerasopt.search._ensemble import OutOfFoldStore

    start = datetime.datetime(2026, 1, 2, 3, 4, 5, 678)
    trial = SimpleNamespace(number=3, datetime_start=start)
    kept = OutOfFoldStore(4, directory=str(tmp_path / "oof"))
    kept.save(trial, [(np.array([0, 1]), np.ones((2, 2))), (np.array([2]), np.zeros((1, 2)))])
    values = kept.load(trial)
    assert values.shape == (4, 2) and np.isnan(values[3]).all()  # row 3 in no fold
    assert kept.load(SimpleNamespace(number=4, datetime_start=start)) is None
    # Trial 3 of a study created again under the same name: not this file.
    later = start + datetime.timedelta(days=1)
    assert kept.load(SimpleNamespace(number=3, datetime_start=later)) is None
    # Predictions for another number of rows (the study's data changed): none.
    assert OutOfFoldStore(5, directory=str(tmp_path / "oof")).load(trial) is None
    own = OutOfFoldStore(4)
    folder = own.directory
    del own
    gc.collect()
    assert not __import__("os").path.exists(folder)
    assert len(list((tmp_path / "oof").glob("trial_3_*.npy"))) == 1


def test_ensemble_dir_keeps_predictions_for_resumed_studies_and_refit_ensemble(tmp_path):
    import optuna
    from sklearn.datasets import load_iris
    from sklearn.ensemble import VotingClassifier

    from kerasopt.exceptions import DataError
    from kerasopt.search import refit_ensemble

    X, y = load_iris(return_X_y=True)
    folder = tmp_path / "oof"
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    kwargs = dict(
        ensemble_size=3, ensemble_dir=folder, storage=storage, study_name="iris",
        refit=False,
    )  # fmt: skip
    _search(n_trials=3, **kwargs).fit(X, y)
    resumed = _search(n_trials=5, **kwargs).fit(X, y)  # 2 more trials
    study = optuna.load_study(study_name="iris", storage=storage)
    complete = {t.number for t in study.trials if t.state.name == "COMPLETE"}
    assert len(study.trials) == 5
    # Every complete trial of both runs kept its predictions: all are candidates.
    assert len(list(folder.glob("trial_*.npy"))) == len(complete)
    assert set(resumed.ensemble_weights_) <= complete
    ensemble = refit_ensemble(
        LogisticRegression(max_iter=200), study, X, y, ensemble_dir=folder,
        ensemble_size=3,
    )  # fmt: skip
    assert isinstance(ensemble, VotingClassifier)
    # Each member three times (ensemble_seeds=3), its weight shared.
    names = [f"trial_{k}{s}" for k in resumed.ensemble_weights_
             for s in ("", "_seed2", "_seed3")]  # fmt: skip
    assert names == list(ensemble.named_estimators_)
    np.testing.assert_allclose(
        ensemble.weights,
        [w / 3 for w in resumed.ensemble_weights_.values() for _ in range(3)],
    )
    assert ensemble.score(X, y) > 0.9
    with pytest.raises(DataError, match="left out-of-fold predictions for these 100 rows"):
        refit_ensemble(
            LogisticRegression(), study, X[:100], y[:100], ensemble_dir=folder
        )


def test_seeded_copies_differ_in_the_final_steps_seed_only():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from kerasopt.search._ensemble import seeded_copies

    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.3, random_state=7))
    copies = seeded_copies(pipe, 3)
    assert copies[0] is pipe
    seeds = [c[-1].random_state for c in copies]
    assert seeds[0] == 7 and len(set(seeds)) == 3, seeds
    assert all(c[-1].C == 0.3 for c in copies)
    # Derived, not drawn: the same estimator gives the same seeds.
    assert [c[-1].random_state for c in seeded_copies(pipe, 3)] == seeds
    unseeded = seeded_copies(LogisticRegression(), 2)
    assert [c.random_state for c in unseeded] == [None, None]
    knn = KNeighborsClassifier()  # no random_state: it fits the same every time
    assert seeded_copies(knn, 3) == [knn]
    assert seeded_copies(pipe, 1) == [pipe]


def test_an_ensemble_of_seeds_averages_networks_that_differ():
    from optuna.distributions import FloatDistribution
    from sklearn.datasets import make_classification

    from kerasopt import KerasClassifier, OptunaSearchCV

    X, y = make_classification(200, n_features=6, random_state=0)
    search = OptunaSearchCV(
        KerasClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0),
        {"learning_rate": FloatDistribution(1e-3, 1e-2, log=True)},
        n_trials=3, cv=2, ensemble_size=2, ensemble_seeds=2, random_state=0,
    ).fit(X, y)  # fmt: skip
    members = search.best_estimator_.estimators_
    assert len(members) == 2 * len(search.ensemble_weights_)
    first, second = members[0].predict_proba(X), members[1].predict_proba(X)
    assert not np.allclose(first, second)  # two seeds of one trial
