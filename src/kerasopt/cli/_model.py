"""``kerasopt export`` and ``kerasopt predict``: model files in and out, ensembles.

``kerasopt tune --ensemble K`` keeps each trial's out-of-fold predictions
(float32, rows x classes) in a folder beside the storage file
(``kerasopt.db.oof/<study>/``), or in ``~/.cache/kerasopt/oof/<study>/`` for a
database server, where each machine keeps those of the trials it ran. ``tune
--output`` and ``export --ensemble K`` choose up to K of those trials and refit
their weighted soft-voting ensemble (:func:`kerasopt.search.refit_ensemble`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from .._utils import cache_dir
from ..exceptions import DataError
from . import _render
from ._common import (
    IdColumnOpt,
    QuietOpt,
    SepOpt,
    StorageOpt,
    StudyArg,
    build_pipeline,
    check_named,
    import_backend,
    load_data,
    open_study,
    resolve_metric,
    storage_file,
    storage_url,
    warnings_as_notes,
)

__all__ = [
    "EnsembleOpt",
    "MODEL_FILE",
    "ensemble_dir",
    "export",
    "fit_ensemble",
    "model_path",
    "predict",
    "save_model",
]

#: File name of the model inside a folder given as ``-o model/``.
MODEL_FILE = "model.kerasopt"
#: Advice in the library's errors naming a parameter the command line lacks:
#: a model to predict with has its column kinds already.
_PYTHON_ONLY = re.compile(r",? or declare the column categorical \(categorical=\)")

EnsembleOpt = Annotated[
    int,
    typer.Option(
        "--ensemble",
        min=1,
        help="Ensemble of up to K trials, chosen greedily on out-of-fold "
        "predictions (kept by `tune --ensemble K`), weighted soft voting. 1: the "
        "best trial alone.",
    ),
]


def ensemble_dir(url: str, study_name: str) -> Path:
    """The folder of a study's out-of-fold predictions on this machine."""
    path = storage_file(url)
    if path is None:  # a server: this machine's cache
        base = cache_dir("oof")
    else:
        base = path.with_name(path.name + ".oof")
    return base / quote(study_name, safe="")


def fit_ensemble(
    pipeline: Any, study: Any, X: Any, y: Any, *, folder: Path, size: int, scoring: Any
) -> Any:
    """The refit ensemble of up to ``size`` trials; a clear error without predictions."""
    from ..search import refit_ensemble

    if not any(folder.glob("trial_*.npy")):
        raise DataError(
            f"Study {study.study_name!r} kept no out-of-fold predictions in "
            f"{str(folder)!r}: only trials run by `kerasopt tune --ensemble K` keep "
            "them. Run tune with --ensemble (it resumes the study), or drop --ensemble."
        )
    return refit_ensemble(
        pipeline, study, X, y, ensemble_dir=folder, ensemble_size=size, scoring=scoring
    )


def model_path(path: Path, *, creating: bool) -> Path:
    """A folder (existing, or ``name/``) means ``folder/model.kerasopt``.

    To read, the ``--output`` folder of ``kerasopt tune`` means its
    ``model/model.kerasopt`` (where ``tune`` saves the model).
    """
    tuned = path / "model" / MODEL_FILE
    if not creating and not (path / MODEL_FILE).is_file() and tuned.is_file():
        return tuned
    if path.is_dir() or (creating and str(path).endswith(("/", "\\"))):
        return path / MODEL_FILE
    if creating and not path.suffix:
        return path / MODEL_FILE
    return path


def save_model(model: Any, path: Path) -> Path:
    """Save ``model`` with :func:`kerasopt.save`; return the file written."""
    from .. import save

    target = model_path(path, creating=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    import_backend(saving=True)
    save(model, target)
    return target


def export(
    study_name: StudyArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help=f"Model file, or a folder to hold {MODEL_FILE}.",
            show_default=False,
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            help="Training data; default: the file the study was tuned on.",
            show_default=False,
        ),
    ] = None,
    sep: SepOpt = None,
    storage: StorageOpt = None,
    ensemble: EnsembleOpt = 1,
    quiet: QuietOpt = False,
) -> None:
    """Refit the best pipeline of a study on all the data and save it.

    With --ensemble K, refit a weighted soft-voting ensemble of up to K
    trials instead, chosen on the out-of-fold predictions that `kerasopt tune
    --ensemble` kept.

    The file holds the trained model, its parameters, classes, feature names
    and library versions, in a format that loading does not execute.

    Examples:

      kerasopt export penguins-species -o model/

      kerasopt export penguins-species -o penguins.kerasopt --data all.csv

      kerasopt export churn-churn --ensemble 5 -o churn-model/
    """
    if data is not None:
        from ..data import check_file

        check_file(data)  # before the slow imports
    from ..search import refit_best

    import_backend()
    study, _ = open_study(storage, study_name)
    attrs = study.user_attrs
    missing = [key for key in ("target", "task", "epochs") if key not in attrs]
    if missing:
        raise DataError(
            f"Study {study_name!r} was not created by `kerasopt tune` (it lacks "
            f"{', '.join(missing)}); refit it from Python with OptunaSearchCV instead."
        )
    source = data or Path(attrs["data"])
    if data is None and not source.is_file():
        raise FileNotFoundError(
            f"Study {study_name!r} was tuned on {str(source)!r}, which is not there "
            "any more: pass --data with that file's new path (or another file with "
            "the same columns)."
        )
    X, y = load_data(source, attrs["target"], quiet, sep or attrs.get("sep"))
    X = X.drop(columns=[c for c in attrs.get("unused", {}) if c in X.columns])
    try:
        study.best_trial  # noqa: B018 - raises when no trial completed
    except ValueError:
        raise DataError(
            f"Study {study_name!r} has no complete trial yet: run `kerasopt tune` "
            "first."
        ) from None
    pipeline = build_pipeline(
        attrs["task"], attrs["epochs"], attrs.get("class_weight")
    )
    if not quiet:  # as long as one trial's fit, or K of them
        what = "the best pipeline" if ensemble == 1 else f"up to {ensemble} trials"
        _render.note(
            f"Refitting {what} of {study_name!r} on {len(X)} rows of {source}..."
        )
    with warnings_as_notes():  # a classifier predicting one class says so
        if ensemble == 1:
            model = refit_best(pipeline, study, X, y)
            what = "the best pipeline"
        else:
            scoring, _ = resolve_metric(
                attrs.get("metric"), attrs["task"], y, attrs.get("pos_label")
            )
            folder = ensemble_dir(storage_url(storage), study_name)
            model = fit_ensemble(
                pipeline, study, X, y, folder=folder, size=ensemble, scoring=scoring
            )
            shares: dict[str, float] = {}  # a trial's seeds share its weight
            for name, weight in zip(model.named_estimators_, model.weights):
                trial = name.removeprefix("trial_").split("_seed")[0]
                shares[trial] = shares.get(trial, 0.0) + weight
            members = ", ".join(f"{t} ({w:.2f})" for t, w in shares.items())
            what = f"an ensemble of trials {members} ({len(model.weights)} fits)"
    written = save_model(model, output)
    if not quiet:
        _render.note(f"Saved {what} of {study_name!r} to {written}.")


def _write_table(frame: Any, path: Path | None) -> None:
    import sys

    from .._atomic import atomic_write, atomic_write_text

    if path is None:
        sys.stdout.write(frame.to_csv(index=False))
        return
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        with atomic_write(path, "wb") as fh:
            frame.to_parquet(fh, index=False)
        return
    sep = "\t" if name.endswith((".tsv", ".tab")) else ","
    atomic_write_text(path, frame.to_csv(index=False, sep=sep))


def predict(
    model: Annotated[
        Path,
        typer.Argument(
            help="Model file, or a folder from `kerasopt export` or the --output "
            "folder of `kerasopt tune`.",
            show_default=False,
        ),
    ],
    data: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV or Parquet file with the feature columns.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="CSV, TSV or Parquet file to write; default: CSV on stdout.",
            show_default=False,
        ),
    ] = None,
    proba: Annotated[
        bool,
        typer.Option(
            "--proba", help="Add one probability column per class (classifiers)."
        ),
    ] = False,
    sep: SepOpt = None,
    id_column: IdColumnOpt = None,
) -> None:
    """Predict with an exported model: one output row per input row.

    Columns the model was not trained on are ignored; missing ones are an
    error that lists them. --id-column copies a column (an ID) into the
    output, first.

    Examples:

      kerasopt predict model/ new.csv -o predictions.csv --proba

      kerasopt predict model/ new.csv --id-column customer_id --sep ';'
    """
    import pandas as pd

    from ..data import check_file

    # Mistyped paths fail here, before the imports and the work of predicting.
    path = model_path(model, creating=False)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found.")
    check_file(data)
    if output is not None and not output.parent.is_dir():
        raise FileNotFoundError(
            f"Cannot write {str(output)!r}: the folder {str(output.parent)!r} does "
            "not exist. Create it first or choose another path."
        )
    from .. import load
    from ..data import check_columns, read_table

    import_backend()
    fitted = load(path)
    frame = read_table(data, sep)
    result = pd.DataFrame(index=frame.index)
    if id_column is not None:
        check_named(frame, [id_column], "--id-column")
        result[id_column] = frame[id_column]
    expected = getattr(fitted, "feature_names_in_", None)
    X = frame if expected is None else check_columns(frame, list(expected))
    try:
        result["prediction"] = fitted.predict(X)
    except DataError as exc:  # advice for Python users, not for this command
        raise DataError(_PYTHON_ONLY.sub("", str(exc))) from None
    if proba:
        if not hasattr(fitted, "predict_proba"):
            raise DataError(
                "--proba needs a classifier, but the model is a regressor. "
                "Drop --proba."
            )
        probabilities = fitted.predict_proba(X)
        for k, label in enumerate(fitted.classes_):
            result[f"proba_{label}"] = probabilities[:, k]
    _write_table(result, output)
