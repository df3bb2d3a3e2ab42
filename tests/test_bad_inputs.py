"""The bad-input matrix: every case fails with the right type and a useful message.

Each case is ``(callable, expected exception, regex the message must match)``;
the table in docs/bad_inputs.md lists the same cases. CLI cases assert the exit
code and the one-line message instead.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import functools  # noqa: E402
import pickle  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from kerasopt import (  # noqa: E402
    KerasClassifier,
    KerasRegressor,
    OptunaSearchCV,
    load,
    make_tabular_pipeline,
    make_tabular_preprocessor,
    save,
)
from kerasopt.exceptions import (  # noqa: E402
    DataError,
    InvalidSearchSpaceError,
    ModelFileError,
    StorageError,
)

RNG = np.random.RandomState(0)
X = RNG.normal(size=(20, 3))
Y = np.array(["a", "b"] * 10)
FRAME = pd.DataFrame({"color": ["red", "blue"] * 10, "size": np.arange(20.0)})


def _clf(**params: Any) -> KerasClassifier:
    return KerasClassifier(**{"hidden_layer_sizes": (2,), "epochs": 1, **params})


def _with(value: float) -> np.ndarray:
    data = X.copy()
    data[3, 1] = value
    return data


@functools.cache
def _fitted_pipe():
    return make_tabular_pipeline(_clf(random_state=0)).fit(FRAME, Y)


@functools.cache
def _fitted_clf():
    return _clf(random_state=0).fit(X, Y)


def _dates() -> pd.DataFrame:
    return FRAME.assign(day=pd.date_range("2024-01-01", periods=20))


API_CASES: list[tuple[str, Callable[[], Any], type[BaseException], str]] = [
    # -- data given to a bare estimator
    ("nan-in-X", lambda: _clf().fit(_with(np.nan), Y), DataError,
     r"NaN.*finite numbers only.*make_tabular_pipeline"),
    ("inf-in-X", lambda: _clf().fit(_with(np.inf), Y), DataError,
     r"infinity.*make_tabular_pipeline"),
    ("huge-values-in-X", lambda: _clf().fit(_with(1e300), Y), DataError,
     r"too large.*finite numbers only"),
    ("strings-in-X", lambda: _clf().fit(FRAME, Y), DataError,
     r"convert.*make_tabular_pipeline"),
    ("empty-X", lambda: _clf().fit(X[:0], Y[:0]), ValueError,
     r"0 sample\(s\).*minimum of 1 is required"),
    # the table's own width, not one column part's (was shape=(0, 1))
    ("empty-table", lambda: make_tabular_pipeline(_clf()).fit(FRAME[:0], Y[:0]),
     ValueError, r"0 sample\(s\) \(shape=\(0, 2\)\).*minimum of 1 is required"),
    ("single-row", lambda: _clf().fit(X[:1], Y[:1]), DataError,
     r"at least 2 classes in y.*1 class"),
    ("single-class", lambda: _clf().fit(X, ["a"] * 20), DataError,
     r"at least 2 classes in y.*\[.a.\]"),
    ("nan-in-y", lambda: KerasRegressor(epochs=1).fit(X, _with(np.nan)[:, 1]),
     ValueError, r"missing values in 1 row.*never imputed: drop those rows"),
    ("length-mismatch", lambda: _clf().fit(X, Y[:-1]), ValueError,
     r"inconsistent numbers of samples: \[20, 19\]"),
    ("text-target-for-regressor", lambda: KerasRegressor(epochs=1).fit(X, Y),
     DataError, r"numeric target.*dtype.*KerasClassifier"),
    ("wrong-width-at-predict", lambda: _fitted_clf().predict(X[:, :2]),
     ValueError, r"X has 2 features, but KerasClassifier is expecting 3"),
    ("predict-before-fit", lambda: _clf().predict(X), NotFittedError,
     r"not fitted yet.*Call 'fit'"),
    # -- parameters
    ("misspelled-parameter", lambda: _clf(epoch=3).fit(X, Y), TypeError,
     r"unexpected parameter 'epoch'.*Did you mean 'epochs'"),
    ("bad-hidden-layer-sizes", lambda: _clf(hidden_layer_sizes=(0,)).fit(X, Y),
     ValueError, r"hidden_layer_sizes must be a sequence of positive integers"),
    ("dropout-out-of-range", lambda: _clf(dropout=1.5).fit(X, Y), ValueError,
     r"dropout must be a number in \[0, 1\) or .auto.\. Received: dropout=1\.5"),
    ("unknown-optimizer", lambda: _clf(optimizer="adamm").fit(X, Y), ValueError,
     r"Received: optimizer='adamm'\. Did you mean 'adam'\?"),
    ("unknown-activation", lambda: _clf(activation="rleu").fit(X, Y), ValueError,
     r"Received: activation='rleu'\. Did you mean 'relu'\?"),
    ("zero-epochs", lambda: _clf(epochs=0).fit(X, Y), ValueError,
     r"epochs must be a positive integer\. Received: epochs=0"),
    ("negative-batch-size", lambda: _clf(batch_size=-2).fit(X, Y), ValueError,
     r"batch_size must be a positive integer, -1 \(all rows\) or None\. Received: batch_size=-2"),
    ("validation-fraction-1", lambda: _clf(validation_fraction=1.0).fit(X, Y),
     ValueError, r"validation_fraction must be in \[0\.0, 1\.0\)"),
    ("unknown-lr-schedule", lambda: _clf(lr_schedule="cosinus").fit(X, Y),
     ValueError, r"Received: lr_schedule='cosinus'\. Use one of cosine"),
    # -- tables and preprocessing
    ("unknown-scaler", lambda: make_tabular_pipeline(_clf(), scaler="log"),
     ValueError, r"Unknown scaler\. Received: scaler='log'\. Use one of"),
    ("keras-scaler-foreign-estimator",
     lambda: make_tabular_pipeline(LogisticRegression(), scaler="keras"),
     ValueError, r'needs a kerasopt estimator.*LogisticRegression'),
    ("date-column", lambda: make_tabular_preprocessor(auto_drop=False).fit(_dates()),
     DataError,
     r"Date/time columns.*\['day'\].*Convert them"),
    # -- tables through make_tabular_pipeline: the message names the column
    ("huge-feature-in-pipeline",
     lambda: make_tabular_pipeline(_clf()).fit(FRAME.assign(size=FRAME["size"] * 1e200),
                                               Y),
     DataError, r"Column 'size' is too large.*up to 1\.9e\+201.*overflow.*logarithm"),
    ("nan-in-target-of-pipeline",
     lambda: make_tabular_pipeline(KerasRegressor(epochs=1)).fit(
         FRAME, FRAME["size"].where(FRAME.index != 3)),
     DataError, r"target y has missing values in 1 row \(index 3\).*never imputed.*"
                r"drop those rows"),
    ("inf-in-pipeline",
     lambda: make_tabular_pipeline(_clf()).fit(
         FRAME.assign(size=FRAME["size"].where(FRAME.index != 4, np.inf)), Y),
     DataError, r"Column 'size' holds infinity in 1 row \(index 4\)\. Replace it"),
    ("text-in-numeric-column-at-predict",
     lambda: _fitted_pipe().predict(FRAME.astype({"size": object}).assign(
         size=lambda f: f["size"].where(f.index != 2, "unknown"))),
     DataError, r"Column 'size' must hold numbers.*'unknown' in 1 row \(index 2\)"),
    ("array-at-predict", lambda: _fitted_pipe().predict(FRAME.to_numpy()), DataError,
     r"fitted on a DataFrame with columns color, size.*got a ndarray.*"
     r"pd\.DataFrame\(X, columns=model\.feature_names_in_\)"),
    ("3-d-table", lambda: make_tabular_preprocessor().fit(np.zeros((2, 2, 2))),
     DataError, r"needs 2-D data.*\(2, 2, 2\)"),
    ("missing-column-at-predict",
     lambda: _fitted_pipe().predict(FRAME.drop(columns="size")), ValueError,
     r"columns are missing.*size"),
    ("renamed-column-at-predict",
     lambda: _fitted_pipe().predict(FRAME.rename(columns={"size": "Size"})),
     ValueError, r"columns are missing: \{'size'\}"),
    ("duplicated-column-names",
     lambda: make_tabular_pipeline(_clf()).fit(
         pd.concat([FRAME, FRAME[["size"]]], axis=1), Y),
     ValueError, r"(?s)Expected unique column names.*'size' 2 times"),
    # -- search
    ("bad-search-space",
     lambda: OptunaSearchCV(_clf(), {"epochs": "many"}, n_trials=1).fit(X, Y),
     InvalidSearchSpaceError, r"key 'epochs': expected an optuna distribution"),
    ("unknown-space-parameter",
     lambda: OptunaSearchCV(_clf(), {"epoch": [1, 2]}, n_trials=1).fit(X, Y),
     InvalidSearchSpaceError, r"key 'epoch'.*CategoricalDistribution\(\[1, 2\]\)"),
    ("bad-storage-url",
     lambda: OptunaSearchCV(_clf(), n_trials=1, storage="postgres//nope").fit(X, Y),
     StorageError, r"postgres URL without its '://'.*Did you mean 'postgres://nope'\?"),
    ("zero-trials", lambda: OptunaSearchCV(_clf(), n_trials=0).fit(X, Y),
     ValueError, r"'n_trials' parameter of OptunaSearchCV must be an int"),
    # -- model files
    ("save-unfitted", lambda: save(_clf(), "never-written.kerasopt"),
     NotFittedError, r"not fitted yet"),
    ("save-foreign-estimator",
     lambda: save(LogisticRegression().fit(X, Y), "never-written.kerasopt"),
     TypeError, r"Received: LogisticRegression\. For other objects use skops"),
    ("load-missing-file", lambda: load("no/such/file.kerasopt"), FileNotFoundError,
     r"no/such/file\.kerasopt"),
    ("load-pickle-file", lambda: load(_pickle_file()), ModelFileError,
     r"not a kerasopt model file \(not a zip archive\)"),
    ("load-trusting-everything", lambda: load(_pickle_file(), trusted=True),
     TypeError, r"trusted must be a list of type names"),
]  # fmt: skip


def _pickle_file() -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "model.pkl"
    path.write_bytes(pickle.dumps({"not": "a model"}))
    return path


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in API_CASES],
)
def test_python_api_rejects(make, error, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=message):
        make()
    assert not (tmp_path / "never-written.kerasopt").exists()


# -- command line --------------------------------------------------------------
GOOD_CSV = "a,b,y\n" + "".join(
    f"{i},{'xy'[i % 2]},{'pq'[i % 3 == 0]}\n" for i in range(12)
)

CLI_FILES: dict[str, bytes] = {
    "good.csv": GOOD_CSV.encode(),
    "latin1.csv": "a,name,y\n1,Mélanie,p\n2,Zoë,q\n".encode("latin-1"),
    "semicolon.csv": GOOD_CSV.replace(",", ";").encode(),
    "empty.csv": b"",
    "header.csv": b"a,b,y\n",
    "no-target.csv": b"a,y\n1,\n2,\n3,\n",
    "code.yaml": b"lr: !!python/object/apply:os.system ['touch pwned']\n",
    "list.yaml": b"- 1\n- 2\n",
    "model.pkl": pickle.dumps({"a": 1}),
}

TUNE = ("tune", "good.csv", "-t", "y", "-n", "1", "--epochs", "1")

CLI_CASES: list[tuple[str, tuple[str, ...], int, str]] = [
    ("missing-data-file", ("tune", "nope.csv", "-t", "y"), 1,
     r"Data file 'nope\.csv' not found"),
    ("target-missing", ("tune", "good.csv", "-t", "Y"), 1,
     r"Target column 'Y' not found.*Columns: a, b, y"),
    ("non-utf8-csv", ("tune", "latin1.csv", "-t", "y"), 1,
     r"UnicodeDecodeError.*re-save it as UTF-8"),
    ("wrong-delimiter", ("tune", "semicolon.csv", "-t", "y"), 1,
     r"one column 'a;b;y'.*';' as delimiter"),
    ("empty-file", ("tune", "empty.csv", "-t", "y"), 1,
     r"Cannot read 'empty\.csv' as CSV: EmptyDataError"),
    ("header-only", ("tune", "header.csv", "-t", "y"), 1,
     r"'header\.csv' has no rows \(columns: \['a', 'b', 'y'\]\)"),
    ("all-missing-target", ("tune", "no-target.csv", "-t", "y"), 1,
     r"Target column 'y' has 0 distinct values.*Choose another --target"),
    ("code-in-space-file", (*TUNE, "--space", "code.yaml"), 1,
     r"Cannot parse the space file 'code\.yaml'.*python/object/apply"),
    ("space-file-not-a-mapping", (*TUNE, "--space", "list.yaml"), 1,
     r"must hold a mapping of parameter names.*holds list"),
    ("bad-storage-url", (*TUNE, "--storage", "postgres//x"), 1,
     r"postgres URL without its '://'.*Did you mean 'postgres://x'\?"),
    ("zero-trials", ("tune", "good.csv", "-t", "y", "-n", "0"), 2,
     r"--n-trials"),
    ("one-fold", ("tune", "good.csv", "-t", "y", "--cv", "1"), 2, r"--cv"),
    ("bad-duration", ("tune", "good.csv", "-t", "y", "--timeout", "soon"), 2,
     r"'soon' is not a duration"),
    ("unknown-sampler", (*TUNE, "--sampler", "tpee"), 1,
     r"Unknown sampler='tpee'\. Did you mean 'tpe'\?"),
    ("predict-with-pickle", ("predict", "model.pkl", "good.csv"), 1,
     r"'model\.pkl' is not a kerasopt model file"),
    ("predict-missing-model", ("predict", "none.kerasopt", "good.csv"), 1,
     r"Model file 'none\.kerasopt' not found"),
    ("unknown-study", ("show", "nostudy", "--storage", "sqlite:///x.db"), 1,
     r"No study named 'nostudy'.*Studies: \(none\)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CLI_CASES],
)
def test_cli_rejects(args, exit_code, message, tmp_path, monkeypatch):
    import re

    from typer.testing import CliRunner

    from kerasopt.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KERASOPT_STORAGE", raising=False)
    for name, content in CLI_FILES.items():
        (tmp_path / name).write_bytes(content)
    result = CliRunner().invoke(app, list(args))
    output = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == exit_code, result.output
    assert re.search(message, output), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "pwned").exists()
