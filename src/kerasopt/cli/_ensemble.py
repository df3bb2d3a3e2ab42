"""``--ensemble K``: where a study's out-of-fold predictions live, and its ensemble.

``kerasopt tune --ensemble K`` keeps each trial's out-of-fold predictions
(float32, rows x classes) in a folder beside the storage file
(``kerasopt.db.oof/<study>/``), or in ``~/.cache/kerasopt/oof/<study>/`` for a
database server, where each machine keeps those of the trials it ran. ``tune
--output`` and ``export --ensemble K`` choose up to K of those trials and refit
their weighted soft-voting ensemble (:func:`kerasopt.search.refit_ensemble`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from .._utils import cache_dir
from ..exceptions import DataError
from ._common import storage_file

__all__ = ["ENSEMBLE_ATTR", "EnsembleOpt", "ensemble_dir", "fit_ensemble", "record"]

#: The study user attribute holding the last chosen ensemble (for show/report).
ENSEMBLE_ATTR = "ensemble"

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


def ensemble_dir(storage_url: str, study_name: str) -> Path:
    """The folder of a study's out-of-fold predictions on this machine."""
    path = storage_file(storage_url)
    if path is None:  # a server: this machine's cache
        base = cache_dir("oof")
    else:
        base = path.with_name(path.name + ".oof")
    return base / quote(study_name, safe="")


def record(study: Any, search: Any) -> None:
    """Store the search's ensemble in the study, for ``show`` and ``report``."""
    value = {
        "score": float(search.ensemble_score_),
        "weights": {str(k): float(w) for k, w in search.ensemble_weights_.items()},
    }
    study.set_user_attr(ENSEMBLE_ATTR, value)


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
