"""OptunaSearchCV as a superset of optuna-integration's (issue 15).

Each test pins one parameter or member of optuna-integration's class, or one
deliberate difference that docs/migrating_from_optuna_integration.md lists.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import optuna
import pytest
from optuna.distributions import BaseDistribution, FloatDistribution
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import PredefinedSplit
from sklearn.neighbors import KernelDensity
from sklearn.utils.estimator_checks import check_estimator

from kerasopt import OptunaSearchCV
from kerasopt.exceptions import InvalidSearchSpaceError

ALPHA = {"alpha": FloatDistribution(1e-4, 1e1, log=True)}
C_SPACE = {"C": FloatDistribution(1e-2, 1e2, log=True)}


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    return make_blobs(n_samples=60, centers=3, random_state=0)


def _logreg() -> LogisticRegression:
    return LogisticRegression(solver="newton-cg", max_iter=200)


# ------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_trial": 3}, r"'n_trial'\. Did you mean 'n_trials'\? \(as in optuna-integ"),
        ({"enable_prunning": True}, r"Did you mean 'enable_pruning'\? \(as in optuna"),
        ({"n_iter": 3}, r"'n_iter'\. Did you mean 'n_trials'\?"),
        ({"storge": "x.db"}, r"Did you mean 'storage'\? Parameters:"),
        ({"zzz": 1}, r"unexpected keyword argument 'zzz'\. Parameters: estimator, "),
    ],
)
def test_unknown_keyword_gets_a_did_you_mean(kwargs: dict, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        OptunaSearchCV(_logreg(), C_SPACE, **kwargs)


def test_keyword_check_keeps_the_signature_for_get_params() -> None:
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=3, max_iter=7)
    params = clone(search).get_params(deep=False)
    assert params["n_trials"] == 3 and params["max_iter"] == 7
    assert {"study", "catch", "subsample", "enable_pruning"} <= set(params)


def test_a_minimizing_study_is_refused_naming_study_and_scoring(blobs) -> None:
    X, y = blobs
    study = optuna.create_study(direction="minimize", study_name="mine")
    search = OptunaSearchCV(_logreg(), C_SPACE, study=study, scoring="accuracy")
    with pytest.raises(
        ValueError,
        match=r"direction of study must be 'maximize', but study 'mine' has "
        r"directions=\['minimize'\] while scoring='accuracy' is a scikit-learn score",
    ):
        search.fit(X, y)
    assert not study.trials


def test_study_and_storage_together_are_refused(blobs, tmp_path) -> None:
    study = optuna.create_study(direction="maximize")
    search = OptunaSearchCV(_logreg(), C_SPACE, study=study, storage=str(tmp_path / "s.db"))
    with pytest.raises(ValueError, match=r"study= and storage= were both given"):
        search.fit(*blobs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"estimator": "not an estimator"}, "estimator must be a scikit-learn estimator"),
        ({"max_iter": -1}, r"max_iter must be > 0, but got max_iter=-1"),
        ({"error_score": "x"}, r"error_score must be 'raise' or numeric, but got 'x'"),
        ({"catch": "ValueError"}, r"catch must be an exception type or a tuple"),
        ({"enable_pruning": True, "estimator": KernelDensity()},
         r"the estimator must support partial_fit, but KernelDensity has no"),
        ({"subsample": 0.001}, r"subsample=0.001 keeps no row of the 60 rows"),
    ],
)  # fmt: skip
def test_bad_parameters_name_value_and_fix(blobs, kwargs: dict, match: str) -> None:
    params = {"estimator": _logreg(), "param_distributions": C_SPACE, **kwargs}
    with pytest.raises(ValueError, match=match):
        OptunaSearchCV(**params).fit(*blobs)


def test_custom_distribution_is_an_invalid_space_naming_the_key(blobs) -> None:
    class Mine(BaseDistribution):  # B6
        def single(self) -> bool:
            return False

        def _contains(self, param_value_in_internal_repr: float) -> bool:
            return True

        def to_internal_repr(self, param_value_in_external_repr: object) -> float:
            return 0.0

    search = OptunaSearchCV(_logreg(), {"C": Mine()})
    with pytest.raises(InvalidSearchSpaceError, match=r"key 'C': unsupported distrib"):
        search.fit(*blobs)


# ----------------------------------------------------- parameters, members
def test_study_members_and_user_attrs(blobs) -> None:
    X, y = blobs
    study = optuna.create_study(direction="maximize")
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=3, cv=3, study=study)
    search.fit(X, y)
    assert search.study_ is study and search.trials_ == study.trials
    search.set_user_attr("dataset", "blobs")
    assert search.user_attrs_ == {"dataset": "blobs"} == study.user_attrs
    frame = search.trials_dataframe()
    assert len(frame) == 3 and "value" in frame
    assert search.n_splits_ == 3 and search.n_iter_ == 1
    assert search.cv_results_["trial_number"][search.best_index_] == (
        search.best_trial_.number
    )


def test_catch_fails_the_trial_and_the_search_goes_on(blobs) -> None:
    X, y = blobs
    space = {"C": FloatDistribution(-1.0, 1.0)}  # C <= 0 raises in fit
    search = OptunaSearchCV(
        _logreg(), space, n_trials=6, cv=2, error_score="raise", catch=(ValueError,),
        sampler="random", random_state=0,
    ).fit(X, y)  # fmt: skip
    states = {t.state.name for t in search.trials_}
    assert states == {"COMPLETE", "FAIL"}
    failed = [t for t in search.trials_ if t.state.name == "FAIL"]
    assert "InvalidParameterError" in failed[0].user_attrs["fail_reason"]
    with pytest.raises(ValueError, match="'C' parameter of LogisticRegression"):
        OptunaSearchCV(
            _logreg(), space, n_trials=6, cv=2, error_score="raise",
            sampler="random", random_state=0,
        ).fit(X, y)  # fmt: skip


def test_return_train_score_columns(blobs) -> None:
    search = OptunaSearchCV(
        _logreg(), C_SPACE, n_trials=2, cv=3, return_train_score=True
    ).fit(*blobs)
    results = search.cv_results_
    for key in ("split0_train_score", "split2_train_score", "mean_train_score",
                "std_train_score"):  # fmt: skip
        assert len(results[key]) == 2, key
    assert np.all(results["mean_train_score"] >= 0.5)


def test_subsample_uses_a_share_of_the_rows(blobs) -> None:
    X, y = blobs
    search = OptunaSearchCV(
        _logreg(), C_SPACE, n_trials=1, cv=2, subsample=0.5, random_state=0
    ).fit(X, y)
    assert len(search.sample_indices_) == 30
    assert np.all(np.diff(search.sample_indices_) > 0)
    assert search.best_estimator_.n_features_in_ == 2
    search.set_params(subsample=12).fit(X, y)
    assert len(search.sample_indices_) == 12


def test_empty_space_is_one_trial(blobs) -> None:
    X, _ = blobs
    search = OptunaSearchCV(KernelDensity(), {}, n_trials=10, cv=3).fit(X)
    assert search.n_trials_ == 1 and search.best_params_ == {}
    assert search.score_samples(X).shape == (60,)
    assert OptunaSearchCV(PCA(), {}, cv=3).fit(X).transform(X).shape == (60, 2)


def test_terminator_cv_scores_and_single_split_warning(blobs) -> None:
    X, y = blobs
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, cv=3).fit(X, y)
    for trial in search.trials_:
        assert trial.system_attrs["terminator:cv_scores"] == pytest.approx(
            trial.user_attrs["split_test_scores"]
        )
    single = PredefinedSplit([-1] * 40 + [0] * 20)
    with pytest.warns(UserWarning, match="cv gives a single split"):
        search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=1, cv=single).fit(X, y)
    assert "terminator:cv_scores" not in search.trials_[0].system_attrs


@pytest.mark.parametrize("estimator", [SGDClassifier(tol=None, random_state=0)])
def test_enable_pruning_reports_the_cv_score_per_partial_fit_step(
    blobs, estimator
) -> None:
    X, y = blobs
    search = OptunaSearchCV(
        estimator, ALPHA, n_trials=8, cv=3, enable_pruning=True, max_iter=6,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
        random_state=0,
    ).fit(X, y)  # fmt: skip
    complete = [t for t in search.trials_ if t.state.name == "COMPLETE"]
    assert all(len(t.intermediate_values) == 6 for t in complete)
    for trial in complete:  # the last step's mean CV accuracy is the value
        assert trial.intermediate_values[5] == pytest.approx(trial.value)
        assert 0.0 <= min(trial.intermediate_values.values()) <= 1.0
    for trial in search.trials_:
        if trial.state.name == "PRUNED":  # Optuna keeps the last step: a score
            assert trial.value == trial.intermediate_values[trial.last_step]
    assert search.n_iter_ == 6


def test_enable_pruning_on_mlp_classifier(blobs) -> None:
    from sklearn.neural_network import MLPClassifier

    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of one-step fits
        search = OptunaSearchCV(
            MLPClassifier(hidden_layer_sizes=(4,), random_state=0),
            {"alpha": FloatDistribution(1e-5, 1e-1, log=True)},
            n_trials=2, cv=2, enable_pruning=True, max_iter=3,
        ).fit(X, y)  # fmt: skip
    assert len(search.best_trial_.intermediate_values) == 3


def test_verbose_shows_progress_and_quiets_optuna_lines(blobs, capsys, caplog) -> None:
    X, y = blobs
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        with caplog.at_level(logging.INFO, logger="optuna"):
            OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, cv=2).fit(X, y)
        assert "finished with value" not in caplog.text
        assert optuna.logging.get_verbosity() == optuna.logging.INFO  # restored
        OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, cv=2, verbose=1).fit(X, y)
        err = capsys.readouterr().err
        assert "Best trial: " in err and "2/2" in err
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)


# ------------------------------------------------- deliberate differences
def test_one_error_failing_every_trial_is_raised_as_the_estimators_own() -> None:
    X = np.random.default_rng(0).uniform(size=(40, 3)).astype(object)
    X[0, 0] = {"foo": "bar"}  # B11: what GridSearchCV raises, via its refit
    y = np.arange(40) % 2
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=2, cv=2)
    with pytest.raises(TypeError, match="argument must be a string or a real number"):
        search.fit(X, y)


@pytest.mark.slow  # ~20 s: scikit-learn's whole check suite, two trials each
def test_check_estimator_passes_on_a_scikit_learn_search() -> None:
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=1, cv=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(search, on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []


# ------------------------------------------- scoring checked before trials
YES_NO = np.array(["Y", "N", "N"] * 20)


@pytest.mark.parametrize(
    ("scoring", "y", "match"),
    [
        ("f1", YES_NO, r"scoring='f1' cannot score this classification target "
         r"\(2 classes\): .* Fix: pass scoring=make_scorer\(f1_score, "
         r"pos_label='Y'\) .* one of N, Y\."),
        ("f1", np.arange(60) % 3, r"\(3 classes\).* Fix: use scoring='f1_macro'\."),
        ("acuracy", YES_NO, r"Did you mean 'accuracy'"),
    ],
)  # fmt: skip
def test_scoring_is_checked_against_the_target_before_any_trial(
    blobs, scoring: str, y: np.ndarray, match: str
) -> None:
    X, _ = blobs
    study = optuna.create_study(direction="maximize")
    search = OptunaSearchCV(_logreg(), C_SPACE, scoring=scoring, study=study)
    with pytest.raises(ValueError, match=match):
        search.fit(X, y)
    assert not study.trials


def test_roc_auc_on_many_classes_is_one_vs_rest_and_pos_label_scorer_works(
    blobs,
) -> None:
    from sklearn.metrics import f1_score, make_scorer
    from sklearn.model_selection import cross_val_score

    X, y = blobs
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=1, cv=2, scoring="roc_auc")
    assert search.fit(X, y).best_score_ > 0.9
    assert search.scorer_._response_method == "predict_proba"
    assert search.scorer_._kwargs == {"multi_class": "ovr"}
    # A scorer's own pos_label is kept: the score is F1 of "Y", not of "N".
    folds = PredefinedSplit(np.arange(len(X)) % 2)
    f1_of = {}
    for label in ("Y", "N"):
        scorer = make_scorer(f1_score, pos_label=label)
        search = OptunaSearchCV(
            _logreg(), C_SPACE, n_trials=1, cv=folds, scoring=scorer, random_state=0
        )
        search.fit(X, YES_NO)
        model = clone(_logreg()).set_params(**search.best_params_)
        expected = cross_val_score(model, X, YES_NO, cv=folds, scoring=scorer)
        assert search.best_score_ == pytest.approx(expected.mean())
        f1_of[label] = search.best_score_
    assert f1_of["Y"] != pytest.approx(f1_of["N"])


@pytest.mark.slow
def test_enable_pruning_on_a_kerasopt_estimator_steps_one_epoch_at_a_time(blobs):
    from kerasopt import KerasClassifier

    X, y = blobs
    search = OptunaSearchCV(
        KerasClassifier(hidden_layer_sizes=(4,), random_state=0),
        {"learning_rate": FloatDistribution(1e-3, 1e-1, log=True)},
        n_trials=2, cv=2, enable_pruning=True, max_iter=3, pruner="none",
        random_state=0,
    ).fit(X, y)  # fmt: skip
    for trial in search.trials_:
        assert sorted(trial.intermediate_values) == [0, 1, 2]  # one per epoch
        assert trial.intermediate_values[2] == pytest.approx(trial.value)
    assert search.predict(X[:3]).shape == (3,)


def test_worker_progress_reads_the_shared_study(capsys) -> None:
    from kerasopt.search._study import _WorkerBar, watching

    study = optuna.create_study(direction="maximize")
    bar = _WorkerBar(0, 3)
    with watching(study, [bar], n_trials=3, deadline=None):
        for value in (0.1, 0.5, 0.3):  # as worker processes would add them
            study.optimize(lambda trial, v=value: v, n_trials=1)
    bar.close()
    err = capsys.readouterr().err
    assert "3/3" in err and "best value: 0.5" in err


def test_init_stores_deprecated_distributions_which_then_work(blobs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = optuna.distributions.UniformDistribution(0.1, 2.0)
    search = OptunaSearchCV(KernelDensity(), {"bandwidth": old}, n_trials=2, cv=2)
    assert search.param_distributions["bandwidth"] is old  # __init__ only stores
    assert 0.1 <= search.fit(blobs[0]).best_params_["bandwidth"] <= 2.0


def test_best_index_is_the_row_of_cv_results_not_the_trial_number(blobs) -> None:
    study = optuna.create_study(direction="maximize")
    study.ask()  # trial 0 stays RUNNING (another worker): no row in cv_results_
    search = OptunaSearchCV(_logreg(), C_SPACE, n_trials=3, cv=2, study=study)
    search.fit(*blobs)
    assert list(search.cv_results_["trial_number"]) == [1, 2, 3]
    assert search.best_index_ == search.best_trial_.number - 1
    assert search.cv_results_["params"][search.best_index_] == search.best_params_
