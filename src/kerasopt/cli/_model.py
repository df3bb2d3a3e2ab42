"""``kerasopt export`` and ``kerasopt predict``: model files in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import DataError
from . import _render
from ._common import (
    IdColumnOpt,
    QuietOpt,
    SepOpt,
    StorageOpt,
    StudyArg,
    open_storage,
    open_study,
    storage_url,
)
from ._ensemble import EnsembleOpt, ensemble_dir, fit_ensemble

__all__ = ["MODEL_FILE", "export", "model_path", "predict", "save_model"]

#: File name of the model inside a folder given as ``-o model/``.
MODEL_FILE = "model.kerasopt"


def model_path(path: Path, *, creating: bool) -> Path:
    """A folder (existing, or ``name/``) means ``folder/model.kerasopt``."""
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
    from ..search import refit_best
    from ._inputs import build_pipeline, load_data
    from ._quiet import import_backend

    import_backend()

    store, label = open_storage(storage)
    study = open_study(store, label, study_name)
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
    pipeline = build_pipeline(attrs["task"], attrs["epochs"])
    if ensemble == 1:
        model = refit_best(pipeline, study, X, y)
        what = "the best pipeline"
    else:
        from ._metric import resolve_metric

        scoring, _ = resolve_metric(
            attrs.get("metric"), attrs["task"], y, attrs.get("pos_label")
        )
        folder = ensemble_dir(storage_url(storage), study_name)
        model = fit_ensemble(
            pipeline, study, X, y, folder=folder, size=ensemble, scoring=scoring
        )
        members = ", ".join(
            f"{name.removeprefix('trial_')} ({weight:.2f})"
            for name, weight in zip(model.named_estimators_, model.weights)
        )
        what = f"an ensemble of trials {members}"
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
            help="Model file or folder from `kerasopt export`.", show_default=False
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

    from .. import load
    from ..data import check_columns, read_table
    from ._inputs import check_named
    from ._quiet import import_backend

    import_backend()

    path = model_path(model, creating=False)
    if not path.is_file():
        raise FileNotFoundError(f"Model file {str(path)!r} not found.")
    fitted = load(path)
    frame = read_table(data, sep)
    result = pd.DataFrame(index=frame.index)
    if id_column is not None:
        check_named(frame, [id_column], "--id-column")
        result[id_column] = frame[id_column]
    expected = getattr(fitted, "feature_names_in_", None)
    X = frame if expected is None else check_columns(frame, list(expected))
    result["prediction"] = fitted.predict(X)
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
