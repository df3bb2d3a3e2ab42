"""kerasopt.save / kerasopt.load of soft-voting ensembles (OptunaSearchCV)."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from optuna.distributions import FloatDistribution
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import LogisticRegression

from kerasopt import (
    KerasClassifier,
    KerasRegressor,
    OptunaSearchCV,
    load,
    make_tabular_pipeline,
    save,
)
from kerasopt.estimators import LoadedSearch, read_metadata
from kerasopt.exceptions import ModelFileError
from kerasopt.search._ensemble import make_voting_ensemble
from test_persistence import _rewrite  # noqa: I001

N = 60


def _frame() -> pd.DataFrame:
    rng = np.random.RandomState(0)
    size = rng.normal(size=N)
    size[3] = np.nan
    return pd.DataFrame({
        "color": pd.Series(["red", "blue", "green", None] * (N // 4), dtype="str"),
        "size": size,
        "count": rng.randint(0, 9, N).astype(float),
    })  # fmt: skip


FRAME = _frame()
LABELS = np.where(np.nan_to_num(FRAME["size"]) + (FRAME["color"] == "red") > 0.3,
                  "yes", "no")  # fmt: skip
VALUES = 2.0 * np.nan_to_num(FRAME["size"]) + FRAME["count"]


def _member(cls, seed: int):
    return make_tabular_pipeline(
        cls(hidden_layer_sizes=(4,), epochs=1, random_state=seed)
    )


@pytest.fixture(scope="module")
def classifier_ensemble():
    members = [(f"trial_{i}", _member(KerasClassifier, i)) for i in (3, 7)]
    return make_voting_ensemble(members, [0.6, 0.4], classifier=True).fit(
        FRAME, LABELS
    )


def _edit_metadata(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        meta = json.loads(zf.read("metadata.json"))
    edit(meta)
    _rewrite(path, "metadata.json", json.dumps(meta).encode())


# -- round trips -------------------------------------------------------------
def test_classifier_ensemble_round_trip(tmp_path, classifier_ensemble):
    path = tmp_path / "ens.kerasopt"
    save(classifier_ensemble, path)
    loaded = load(path)
    assert type(loaded) is VotingClassifier
    new = pd.DataFrame({
        "color": pd.Series(["purple", None], dtype="str"),  # purple: unseen
        "size": [np.nan, 1.0], "count": [1.0, 2.0],
    })  # fmt: skip
    for data in (FRAME, new):
        np.testing.assert_allclose(
            loaded.predict_proba(data), classifier_ensemble.predict_proba(data),
            rtol=1e-6, atol=1e-7,
        )  # fmt: skip
        np.testing.assert_array_equal(
            loaded.predict(data), classifier_ensemble.predict(data)
        )
    assert loaded.score(FRAME, LABELS) == classifier_ensemble.score(FRAME, LABELS)
    np.testing.assert_array_equal(loaded.classes_, ["no", "yes"])
    assert list(loaded.feature_names_in_) == ["color", "size", "count"]
    assert loaded.n_features_in_ == 3
    assert loaded.weights == [0.6, 0.4] and loaded.voting == "soft"
    assert list(loaded.named_estimators_) == ["trial_3", "trial_7"]
    assert loaded.named_estimators_["trial_7"] is loaded.estimators_[1]


def test_loaded_ensemble_clones_pickles_and_refits(tmp_path, classifier_ensemble):
    save(classifier_ensemble, tmp_path / "ens.kerasopt")
    loaded = load(tmp_path / "ens.kerasopt")
    again = pickle.loads(pickle.dumps(loaded))
    np.testing.assert_array_equal(
        again.predict_proba(FRAME), loaded.predict_proba(FRAME)
    )
    fresh = clone(loaded)
    assert not hasattr(fresh, "estimators_")
    assert fresh.get_params()["trial_3__kerasclassifier__epochs"] == 1
    assert fresh.fit(FRAME, LABELS).predict(FRAME).shape == (N,)


def test_metadata_shows_members_and_weights(tmp_path, classifier_ensemble):
    save(classifier_ensemble, tmp_path / "ens.kerasopt")
    meta = read_metadata(tmp_path / "ens.kerasopt")
    assert meta["format_version"] == 3
    ensemble = meta["ensemble"]
    assert ensemble["class"] == "VotingClassifier"
    assert ensemble["members"] == ["trial_3", "trial_7"]
    assert ensemble["weights"] == [0.6, 0.4] and ensemble["voting"] == "soft"
    assert ensemble["summary"]["classes_"] == ["no", "yes"]
    with zipfile.ZipFile(tmp_path / "ens.kerasopt") as zf:
        names = zf.namelist()
    assert names[0] == "metadata.json"
    assert {"members/trial_3.kerasopt", "members/trial_7.kerasopt"} <= set(names)


def test_regressor_ensemble_of_bare_estimators_round_trips(tmp_path):
    X = FRAME[["size", "count"]].fillna(0.0).to_numpy("float32")
    members = [
        (f"trial_{i}", KerasRegressor(hidden_layer_sizes=(3,), epochs=2, random_state=i))
        for i in (0, 1)
    ]  # fmt: skip
    ensemble = make_voting_ensemble(members, [0.5, 0.5], classifier=False).fit(X, VALUES)
    save(ensemble, tmp_path / "reg.kerasopt")
    loaded = load(tmp_path / "reg.kerasopt")
    assert type(loaded) is VotingRegressor
    np.testing.assert_allclose(loaded.predict(X), ensemble.predict(X), rtol=1e-6)
    assert loaded.score(X, VALUES) == pytest.approx(ensemble.score(X, VALUES))
    assert "voting" not in read_metadata(tmp_path / "reg.kerasopt")["ensemble"]


def test_search_with_ensemble_round_trips(tmp_path):
    search = OptunaSearchCV(
        make_tabular_pipeline(KerasClassifier(hidden_layer_sizes=(4,), epochs=1)),
        {"kerasclassifier__learning_rate": FloatDistribution(1e-3, 3e-2, log=True)},
        n_trials=3, cv=2, ensemble_size=2, random_state=0,
    ).fit(FRAME, LABELS)  # fmt: skip
    path = tmp_path / "search.kerasopt"
    save(search, path)
    loaded = load(path)
    assert isinstance(loaded, LoadedSearch)
    assert loaded.ensemble_weights_ == search.ensemble_weights_
    assert loaded.ensemble_score_ == pytest.approx(search.ensemble_score_)
    assert type(loaded.best_estimator_) is type(search.best_estimator_)
    np.testing.assert_allclose(
        loaded.predict_proba(FRAME), search.predict_proba(FRAME), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_array_equal(loaded.classes_, search.classes_)
    np.testing.assert_array_equal(loaded.feature_names_in_, ["color", "size", "count"])
    assert "ensemble_weights_" in repr(loaded)


def test_search_without_ensemble_has_no_ensemble_attributes(tmp_path):
    class FakeSearch:
        best_estimator_ = KerasClassifier(epochs=1, random_state=0).fit(
            FRAME[["size"]].fillna(0), LABELS
        )
        best_params_: dict = {}
        best_score_ = 0.5

    save(FakeSearch(), tmp_path / "s.kerasopt")
    assert not hasattr(load(tmp_path / "s.kerasopt"), "ensemble_weights_")


# -- what cannot be saved ----------------------------------------------------
def test_ensemble_with_a_foreign_member_is_refused(tmp_path):
    X = FRAME[["size", "count"]].fillna(0.0)
    ensemble = VotingClassifier(
        [("keras", KerasClassifier(epochs=1, random_state=0)),
         ("lr", LogisticRegression())], voting="soft",
    ).fit(X, LABELS)  # fmt: skip
    with pytest.raises(
        TypeError, match=r"Member 'lr' of the VotingClassifier.*Received: LogisticRegr"
    ):
        save(ensemble, tmp_path / "x.kerasopt")
    assert not (tmp_path / "x.kerasopt").exists()


def test_ensemble_with_dropped_member_is_refused(tmp_path, classifier_ensemble):
    dropped = pickle.loads(pickle.dumps(classifier_ensemble))
    dropped.estimators = [dropped.estimators[0], ("trial_7", "drop")]
    with pytest.raises(TypeError, match=r"\['trial_7'\] set to 'drop'.*Remove them"):
        save(dropped, tmp_path / "x.kerasopt")


# -- what cannot be loaded ---------------------------------------------------
def test_damaged_member_is_named(tmp_path, classifier_ensemble):
    path = tmp_path / "ens.kerasopt"
    save(classifier_ensemble, path)
    _rewrite(path, "members/trial_7.kerasopt", b"not a zip")
    with pytest.raises(ModelFileError, match=r"members/trial_7\.kerasopt' is damaged"):
        load(path)


def test_member_with_unsafe_state_is_refused(tmp_path, classifier_ensemble):
    path = tmp_path / "ens.kerasopt"
    save(classifier_ensemble, path)
    with zipfile.ZipFile(path) as zf:
        member = zf.read("members/trial_3.kerasopt")
    inner = tmp_path / "inner.kerasopt"
    inner.write_bytes(member)
    _rewrite(inner, "state.skops", pickle.dumps({"a": 1}))
    _rewrite(path, "members/trial_3.kerasopt", inner.read_bytes())
    with pytest.raises(ModelFileError, match=r"trial_3\.kerasopt' has a damaged or foreign"):
        load(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m["ensemble"].update(weights=[1.0]),
         r"2 members \['trial_3', 'trial_7'\] need as many numeric weights.*"
         r"weights=\[1\.0\]"),
        (lambda m: m["ensemble"].update(members=["trial_3", "trial_3"]),
         r"distinct names.*members=\['trial_3', 'trial_3'\]"),
        (lambda m: m["ensemble"].update(members=["trial_3", "trial_9"]),
         r"'members/trial_9\.kerasopt' is missing"),
        (lambda m: m["ensemble"].update({"class": "StackingClassifier"}),
         r"ensemble class 'StackingClassifier'; kerasopt only loads"),
        (lambda m: m["ensemble"]["params"].update(final_estimator=1),
         r"does not accept: \['final_estimator'\]"),
        (lambda m: m["ensemble"].update(voting="median"),
         r"voting must be 'soft' or 'hard'.*voting='median'"),
        (lambda m: m.update(format_version=2),
         r"format 2 with an ensemble entry"),
    ],
)  # fmt: skip
def test_damaged_ensemble_metadata_is_refused(tmp_path, classifier_ensemble, edit, message):
    path = tmp_path / "ens.kerasopt"
    save(classifier_ensemble, path)
    _edit_metadata(path, edit)
    with pytest.raises(ModelFileError, match=message):
        load(path)


def test_tampered_ensemble_state_cannot_shadow_a_property(tmp_path, classifier_ensemble):
    import skops.io as sio

    path = tmp_path / "ens.kerasopt"
    save(classifier_ensemble, path)
    state = {"estimator_state": {"n_features_in_": 99}, "pipeline": None}
    _rewrite(path, "state.skops", sio.dumps(state))
    with pytest.raises(ModelFileError, match="'n_features_in_' is not a fitted"):
        load(path)


def test_cli_predict_reads_an_ensemble_file(tmp_path, classifier_ensemble):
    from typer.testing import CliRunner

    from kerasopt.cli import app

    save(classifier_ensemble, tmp_path / "ens.kerasopt")
    FRAME.iloc[:5, ::-1].to_csv(tmp_path / "new.csv", index=False)  # columns reordered
    result = CliRunner().invoke(app, [
        "predict", str(tmp_path / "ens.kerasopt"), str(tmp_path / "new.csv"),
        "-o", str(tmp_path / "pred.csv"), "--proba",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    predictions = pd.read_csv(tmp_path / "pred.csv")
    assert list(predictions.columns) == ["prediction", "proba_no", "proba_yes"]
    np.testing.assert_allclose(
        predictions[["proba_no", "proba_yes"]],
        classifier_ensemble.predict_proba(FRAME.iloc[:5]), rtol=1e-5,
    )  # fmt: skip
    np.testing.assert_array_equal(
        predictions["prediction"], classifier_ensemble.predict(FRAME.iloc[:5])
    )


def test_a_reader_without_ensembles_asks_for_an_upgrade(
    tmp_path, classifier_ensemble, monkeypatch
):
    import kerasopt.persistence._format as model_file

    save(classifier_ensemble, tmp_path / "ens.kerasopt")
    # What a reader of format 2 only (before ensembles) runs on this file.
    monkeypatch.setattr(model_file, "ENSEMBLE_FORMAT_VERSION", 2)
    with pytest.raises(ModelFileError, match="format 3, but this kerasopt reads "
                                             "format 2 and older. Upgrade"):  # fmt: skip
        load(tmp_path / "ens.kerasopt")
