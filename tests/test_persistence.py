"""kerasopt.save / kerasopt.load: identical predictions, no code run from files."""

from __future__ import annotations

import json
import os
import pickle
import warnings
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import kerasopt  # noqa: E402
from kerasopt import (  # noqa: E402
    KerasClassifier,
    KerasRegressor,
    load,
    make_tabular_pipeline,
    save,
)
from kerasopt.estimators import LoadedSearch, ModelFileVersionWarning, read_metadata  # noqa: E402
from kerasopt.exceptions import KerasoptError, ModelFileError  # noqa: E402

RNG = np.random.RandomState(0)
X = RNG.normal(size=(40, 3)).astype("float32")
Y_LABELS = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
Y_VALUES = 3.0 * X[:, 0] - X[:, 2] + 100.0


def _table() -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.DataFrame({
        "color": pd.Series(["red", "blue", None, "green"] * 10, dtype="str"),
        "size": [1.0, np.nan, 3.0, 4.5] * 10,
        "count": np.arange(40),
    })  # fmt: skip
    return frame, np.array(["a", "b", "c", "a"] * 10)


def _small(cls=KerasClassifier, **params):
    params = {"hidden_layer_sizes": (4,), "epochs": 2, "random_state": 0, **params}
    return cls(**params)


@pytest.fixture(scope="module")
def fitted_classifier():
    return _small(batch_size=8).fit(X, Y_LABELS)


def _rewrite(path: Path, member: str, data: bytes) -> None:
    """Replace one member of the archive, keeping the others."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[member] = data
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def _metadata(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("metadata.json"))


# -- round trips -------------------------------------------------------------
def test_classifier_round_trip(tmp_path, fitted_classifier):
    path = tmp_path / "clf.kerasopt"
    save(fitted_classifier, path)
    loaded = load(path)
    assert type(loaded) is KerasClassifier
    np.testing.assert_array_equal(loaded.predict(X), fitted_classifier.predict(X))
    np.testing.assert_array_equal(
        loaded.predict_proba(X), fitted_classifier.predict_proba(X)
    )
    assert loaded.get_params() == fitted_classifier.get_params()
    np.testing.assert_array_equal(loaded.classes_, ["no", "yes"])
    assert loaded.history_ == fitted_classifier.history_


def test_regressor_round_trip_with_method(tmp_path):
    reg = _small(KerasRegressor, hidden_layer_sizes=(5, 3), l2=1e-4).fit(X, Y_VALUES)
    path = tmp_path / "reg.kerasopt"
    reg.save(path)
    loaded = kerasopt.load(path)
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.hidden_layer_sizes == (5, 3)
    assert loaded.n_features_in_ == 3


@pytest.mark.parametrize("scaler", ["keras", "quantile"])
def test_pipeline_round_trip_with_categoricals_nan_and_a_scaler(tmp_path, scaler):
    frame, y = _table()
    pipe = make_tabular_pipeline(_small(), scaler=scaler).fit(frame, y)
    path = tmp_path / "pipe.kerasopt"
    save(pipe, path)
    loaded = load(path)
    new = pd.DataFrame({
        "color": pd.Series(["purple", None, "red"], dtype="str"),  # purple: unseen
        "size": [np.nan, 2.0, 1e6],
        "count": [0, 1, 2],
    })  # fmt: skip
    for data in (frame, new):
        np.testing.assert_array_equal(
            loaded.predict_proba(data), pipe.predict_proba(data)
        )
    assert list(loaded.named_steps) == ["preprocessor", "kerasclassifier"]
    assert loaded[-1].normalize is (scaler == "keras")
    assert list(loaded.feature_names_in_) == ["color", "size", "count"]


def test_search_result_is_saved_with_best_params(tmp_path, fitted_classifier):
    class FakeSearch:  # duck-typed: only best_estimator_ & co are read
        best_estimator_ = fitted_classifier
        best_params_ = {"epochs": np.int64(2), "hidden_layer_sizes": (4,)}
        best_score_ = np.float64(0.75)

    path = tmp_path / "search.kerasopt"
    save(FakeSearch(), path)
    loaded = load(path)
    assert isinstance(loaded, LoadedSearch)
    assert loaded.best_params_ == {"epochs": 2, "hidden_layer_sizes": (4,)}
    assert loaded.best_score_ == 0.75
    assert loaded.search_class == "FakeSearch"
    np.testing.assert_array_equal(loaded.predict(X), fitted_classifier.predict(X))
    assert read_metadata(path)["search"]["best_score"] == 0.75


def test_custom_builder_is_not_saved_but_predictions_are(tmp_path):
    def build(units=3):
        inputs = keras.Input((3,))
        hidden = keras.layers.Dense(units, activation="tanh")(inputs)
        return keras.Model(inputs, keras.layers.Dense(1)(hidden))

    reg = KerasRegressor(build, model__units=2, epochs=1, random_state=0)
    reg.fit(X, Y_VALUES)
    path = tmp_path / "custom.kerasopt"
    with pytest.warns(UserWarning, match=r"\['model'\].*not plain data"):
        save(reg, path)
    loaded = load(path)
    assert loaded.model is None
    assert loaded.get_params()["model__units"] == 2
    assert _metadata(path)["estimator"]["unsaved_params"] == ["model"]
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_class_weight_with_int_keys_round_trips(tmp_path):
    y = (X[:, 0] > 0).astype(int)
    clf = _small(class_weight={0: 1.0, 1: 2.0}).fit(X, y)
    save(clf, tmp_path / "cw.kerasopt")
    loaded = load(tmp_path / "cw.kerasopt")
    assert loaded.class_weight == {0: 1.0, 1: 2.0}
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_metadata_is_plain_json(tmp_path, fitted_classifier):
    save(fitted_classifier, tmp_path / "m.kerasopt")
    meta = read_metadata(tmp_path / "m.kerasopt")
    assert meta["format"] == "kerasopt-model"
    assert meta["versions"]["keras"] == keras.__version__
    assert meta["estimator"]["class"] == "KerasClassifier"
    assert meta["estimator"]["summary"]["classes_"] == ["no", "yes"]
    assert meta["estimator"]["summary"]["n_features_in_"] == 3
    assert meta["estimator"]["params"]["epochs"] == 2


def test_pickle_still_works(fitted_classifier):
    again = pickle.loads(pickle.dumps(fitted_classifier))
    np.testing.assert_array_equal(again.predict(X), fitted_classifier.predict(X))


def test_save_replaces_atomically(tmp_path, fitted_classifier, monkeypatch):
    path = tmp_path / "model.kerasopt"
    save(fitted_classifier, path)
    good = path.read_bytes()

    writestr = zipfile.ZipFile.writestr

    def disk_full_at_model(self, name, data, *args, **kwargs):
        if name == "model.keras":  # after metadata.json went into the file
            raise OSError(28, "No space left on device")
        return writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full_at_model)
    with pytest.raises(OSError, match="No space left"):
        save(fitted_classifier, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["model.kerasopt"]


# -- what cannot be saved ----------------------------------------------------
def test_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        save(KerasClassifier(), tmp_path / "x.kerasopt")
    assert not (tmp_path / "x.kerasopt").exists()


def test_foreign_estimator_is_refused(tmp_path):
    logistic = LogisticRegression().fit(X, Y_LABELS)
    with pytest.raises(
        TypeError, match="Received: LogisticRegression.*skops.io or joblib"
    ):
        save(logistic, tmp_path / "x.kerasopt")


# -- what cannot be loaded ---------------------------------------------------
def test_other_versions_warn(tmp_path, fitted_classifier):
    path = tmp_path / "old.kerasopt"
    save(fitted_classifier, path)
    meta = _metadata(path)
    meta["versions"].update({"keras": "3.0.0", "kerasopt": "0.0.1"})
    _rewrite(path, "metadata.json", json.dumps(meta).encode())
    with pytest.warns(ModelFileVersionWarning, match=r"keras 3\.0\.0 \(now .*\)"):
        loaded = load(path)
    np.testing.assert_array_equal(loaded.predict(X), fitted_classifier.predict(X))


def test_same_versions_do_not_warn(tmp_path, fitted_classifier):
    save(fitted_classifier, tmp_path / "m.kerasopt")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelFileVersionWarning)
        load(tmp_path / "m.kerasopt")


def test_newer_format_is_refused(tmp_path, fitted_classifier):
    path = tmp_path / "future.kerasopt"
    save(fitted_classifier, path)
    meta = _metadata(path)
    meta["format_version"] = 99
    _rewrite(path, "metadata.json", json.dumps(meta).encode())
    with pytest.raises(ModelFileError, match="format 99.*Upgrade kerasopt"):
        load(path)


def test_lambda_layer_is_refused_and_never_run(tmp_path, fitted_classifier):
    marker = tmp_path / "pwned"

    # A lambda, not a def: Keras stores its bytecode, which an unsafe load runs
    # (a def is stored by name only). The path is a literal inside that code.
    payload = eval(
        f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]"
    )  # noqa: S307

    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(1, activation="sigmoid")(
        keras.layers.Lambda(payload)(inputs)
    )
    evil = pickle.loads(pickle.dumps(fitted_classifier))
    evil.model_ = keras.Model(inputs, outputs)
    path = tmp_path / "evil.kerasopt"
    save(evil, path)
    marker.unlink()  # building the model above ran the payload once
    with pytest.raises(ModelFileError, match="Lambda layer.*never runs"):
        load(path)
    assert not marker.exists()


class _Payload:
    """Writes a marker file when it is unpickled or its state is restored."""

    marker = ""

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))

    def __setstate__(self, state):
        Path(self.marker).touch()


def test_pickle_payload_in_state_is_refused(tmp_path, fitted_classifier):
    marker = tmp_path / "pwned"
    _Payload.marker = str(marker)
    path = tmp_path / "evil.kerasopt"
    save(fitted_classifier, path)
    _rewrite(path, "state.skops", pickle.dumps(_Payload()))
    with pytest.raises(ModelFileError, match="damaged or foreign state part"):
        load(path)
    assert not marker.exists()


def test_untrusted_type_in_state_is_refused(tmp_path, fitted_classifier):
    import skops.io as sio

    marker = tmp_path / "pwned"
    _Payload.marker = str(marker)
    path = tmp_path / "evil.kerasopt"
    save(fitted_classifier, path)
    state = {"estimator_state": {"payload_": _Payload()}, "pipeline": None}
    _rewrite(path, "state.skops", sio.dumps(state))
    with pytest.raises(ModelFileError, match=r"not trusted: \[.*_Payload'\]"):
        load(path)
    assert not marker.exists()


def test_swapped_function_in_pipeline_is_refused(tmp_path):
    frame, y = _table()
    pipe = make_tabular_pipeline(_small()).fit(frame, y)
    path = tmp_path / "evil.kerasopt"
    save(pipe, path)
    with zipfile.ZipFile(path) as zf:
        inner = zf.read("state.skops")
    tampered = Path(tmp_path / "inner.skops")
    tampered.write_bytes(inner)
    _rewrite(
        tampered,
        "schema.json",
        zipfile.ZipFile(tampered).read("schema.json")
        .replace(b"kerasopt.preprocessing._encoders", b"os")
        .replace(b"CategoryCaster", b"system"),
    )  # fmt: skip
    _rewrite(path, "state.skops", tampered.read_bytes())
    with pytest.raises(ModelFileError, match=r"not trusted: .*os\.system"):
        load(path)


def test_unknown_class_name_is_refused(tmp_path, fitted_classifier):
    path = tmp_path / "evil.kerasopt"
    save(fitted_classifier, path)
    meta = _metadata(path)
    meta["estimator"]["class"] = "os.system"
    _rewrite(path, "metadata.json", json.dumps(meta).encode())
    with pytest.raises(ModelFileError, match="'os.system'.*only loads"):
        load(path)


def test_own_types_can_be_trusted_by_name(tmp_path, fitted_classifier):
    import skops.io as sio

    path = tmp_path / "own.kerasopt"
    save(fitted_classifier, path)
    state = {"estimator_state": {"note_": LogisticRegression()}, "pipeline": None}
    _rewrite(path, "state.skops", sio.dumps(state))
    loaded = load(path, trusted=["not.needed"])  # sklearn types need no listing
    assert isinstance(loaded.note_, LogisticRegression)


@pytest.mark.parametrize("trusted", [True, "mypkg.Thing", [1]])
def test_trusted_must_be_names(tmp_path, trusted):
    with pytest.raises(TypeError, match="trusted must be a list of type names"):
        load(tmp_path / "x.kerasopt", trusted=trusted)


class _Trap:
    """Unpickled, it makes the folder ``path``: proof that the file's code ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (os.mkdir, (str(self.path),))


def test_not_a_model_file(tmp_path):
    ran = tmp_path / "code-ran"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(_Trap(ran)))
    with pytest.raises(
        KerasoptError, match="not a kerasopt model file.*joblib"
    ) as err:
        load(path)
    assert isinstance(err.value, ValueError)  # `except ValueError` catches it too
    assert not ran.exists()  # refused without unpickling


def test_missing_member(tmp_path):
    path = tmp_path / "part.kerasopt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "metadata.json",
            json.dumps({"format": "kerasopt-model", "format_version": 2}),
        )
    with pytest.raises(ModelFileError, match="'state.skops' is missing"):
        load(path)


def test_unknown_parameter_name_is_refused(tmp_path, fitted_classifier):
    path = tmp_path / "evil.kerasopt"
    save(fitted_classifier, path)
    meta = _metadata(path)
    meta["estimator"]["params"]["predict"] = "shadowed"
    _rewrite(path, "metadata.json", json.dumps(meta).encode())
    with pytest.raises(ModelFileError, match=r"does not accept: \['predict'\]"):
        load(path)


# -- format 2: kerasopt's own estimator core -------------------------------------
FIXTURES = Path(__file__).parent / "data"


def test_file_from_kerasopt_0_1_is_refused_with_a_message():
    path = FIXTURES / "classifier-0.1.0.kerasopt"  # written by kerasopt 0.1.0
    with pytest.raises(ModelFileError, match=r"kerasopt 0\.1\.0 \(model file format 1\)"
                                             r".*scikeras.*Refit the model and save it"):  # fmt: skip
        load(path)
    assert read_metadata(path)["estimator"]["summary"]["classes_"] == ["no", "yes"]


@pytest.mark.parametrize("name", ["pipeline", "ensemble"])
def test_files_written_by_kerasopt_0_2_0_load_and_predict_as_then(name):
    # Written by tests/data/make_files_0_2_0.py with kerasopt 0.2.0, before the
    # modules were regrouped: the type names in them are 0.2.0's.
    expected = json.loads((FIXTURES / "files-0.2.0.json").read_text())
    rows = pd.DataFrame(expected["rows"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelFileVersionWarning)
        loaded = load(FIXTURES / f"{name}-0.2.0.kerasopt")
    if name == "pipeline":
        np.testing.assert_array_equal(loaded.predict(rows), expected["pipeline_predict"])
        np.testing.assert_allclose(
            loaded.predict_proba(rows), expected["pipeline_predict_proba"],
            rtol=1e-5, atol=1e-7,
        )  # fmt: skip
    else:
        assert [n for n, _ in loaded.estimators] == ["m1", "m2"]
        np.testing.assert_allclose(
            loaded.predict(rows), expected["ensemble_predict"], rtol=1e-5
        )


def test_files_name_no_scikeras_class(tmp_path, fitted_classifier):
    reg = _small(KerasRegressor).fit(X, Y_VALUES)
    for name, estimator in (("clf", fitted_classifier), ("reg", reg)):
        save(estimator, tmp_path / name)
        with zipfile.ZipFile(tmp_path / name) as zf:
            for member in zf.namelist():
                assert b"scikeras" not in zf.read(member), member


def test_pipeline_with_make_column_selector_loads(tmp_path):
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame, y = _table()
    columns = ColumnTransformer([
        ("num", StandardScaler(), make_column_selector(dtype_include=np.number)),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False),
         make_column_selector(dtype_include=object)),
    ])  # fmt: skip
    pipe = make_pipeline(columns, _small()).fit(frame.fillna({"size": 0, "color": "?"}), y)
    data = frame.fillna({"size": 0, "color": "?"})
    save(pipe, tmp_path / "selector.kerasopt")
    loaded = load(tmp_path / "selector.kerasopt")
    np.testing.assert_array_equal(loaded.predict_proba(data), pipe.predict_proba(data))


def test_loaded_search_has_the_fitted_attributes(tmp_path):
    frame = pd.DataFrame(X, columns=["a", "b", "c"])

    class FakeSearch:
        best_estimator_ = _small().fit(frame, Y_LABELS)
        best_params_: dict = {}
        best_score_ = 0.5

    save(FakeSearch(), tmp_path / "s.kerasopt")
    loaded = load(tmp_path / "s.kerasopt")
    np.testing.assert_array_equal(loaded.classes_, ["no", "yes"])
    assert loaded.n_features_in_ == 3
    np.testing.assert_array_equal(loaded.feature_names_in_, ["a", "b", "c"])


_CROSS = """
import os, sys, numpy as np
from kerasopt import KerasClassifier, load, save
X = np.random.RandomState(0).normal(size=(40, 3)).astype("float32")
y = np.where(X[:, 0] > 0, "yes", "no")
mine, theirs, out = sys.argv[1:4]
if os.path.exists(theirs):
    np.save(out + ".loaded.npy", load(theirs).predict_proba(X))
clf = KerasClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0).fit(X, y)
save(clf, mine)
np.save(out + ".saved.npy", clf.predict_proba(X))
"""


@pytest.mark.slow
def test_a_file_saved_on_one_backend_loads_on_the_other(tmp_path):
    import subprocess
    import sys

    def run(backend, mine, theirs):
        env = {**os.environ, "KERAS_BACKEND": backend}
        done = subprocess.run(
            [sys.executable, "-c", _CROSS, str(tmp_path / mine), str(tmp_path / theirs),
             str(tmp_path / backend)], env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]

    run("jax", "jax.kerasopt", "none")
    run("tensorflow", "tf.kerasopt", "jax.kerasopt")
    run("jax", "jax.kerasopt", "tf.kerasopt")
    # The weights load bit for bit; each backend's float32 kernels then round
    # the last bit of some probabilities differently, never a predicted class.
    for loaded, saved in (("tensorflow.loaded", "jax.saved"), ("jax.loaded", "tensorflow.saved")):
        theirs, ours = np.load(tmp_path / f"{loaded}.npy"), np.load(tmp_path / f"{saved}.npy")
        np.testing.assert_allclose(theirs, ours, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(theirs.argmax(axis=1), ours.argmax(axis=1))
