"""The study of a ``kerasopt tune`` run: created or resumed, run, written out."""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from ..exceptions import DataError, StorageError
from . import _render

__all__ = ["make_cv", "prepare_study", "run_trials", "sampler_seed", "write_outputs"]


def make_cv(
    cv: int, validation_fraction: float | None, task: str, seed: int | None
) -> Any:
    """``--cv`` folds, or one ``--validation-fraction`` hold-out split."""
    if validation_fraction is None:
        return cv
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

    splitter = StratifiedShuffleSplit if task == "classification" else ShuffleSplit
    return splitter(n_splits=1, test_size=validation_fraction, random_state=seed)


def prepare_study(storage: Any, name: str, attrs: dict[str, Any], label: str) -> Any:
    """Create the study or resume it, refusing one tuned on something else."""
    import optuna

    study = optuna.create_study(
        storage=storage, study_name=name, direction="maximize", load_if_exists=True
    )
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise StorageError(
            f"Study {name!r} in {label} minimizes, but `kerasopt tune` maximizes a "
            "scikit-learn score. Pass another --study-name."
        )
    for key in ("target", "task"):
        old = study.user_attrs.get(key)
        if old is not None and old != attrs[key]:
            raise DataError(
                f"Study {name!r} in {label} was tuned with {key}={old!r}, not "
                f"{attrs[key]!r}. Pass another --study-name to start a new study."
            )
    for key, value in attrs.items():
        if study.user_attrs.get(key) != value:
            study.set_user_attr(key, value)
    return study


def sampler_seed(seed: int | None, n_existing: int) -> int | None:
    """``--seed`` for a new study; mixed with the trial count when resuming.

    A resumed study must not replay the random start-up draws of the first run.
    """
    if n_existing == 0:
        return seed
    from .._utils import derive_seed

    return derive_seed(seed, n_existing)


#: Library warnings a CLI user cannot act on: Ctrl-C is reported by the
#: command itself; --validation-fraction is a single split on purpose.
_SILENT = ("The search was interrupted", ".*Optuna's Terminator")


@contextlib.contextmanager
def _warnings_as_notes() -> Iterator[None]:
    """Show the search's warnings once each, as notes without file paths."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", category=UserWarning)
        for message in _SILENT:
            warnings.filterwarnings("ignore", message)
        try:
            yield
        finally:
            for message in dict.fromkeys(str(w.message) for w in caught):
                _render.note(message)


def run_trials(
    search: Any,
    study: Any,
    storage: Any,
    X: Any,
    y: Any,
    grace: float,
    deadline: float | None,
) -> None:
    """Run trials until the study is done, re-running those of dead workers.

    A Ctrl-C ends the command with one line and exit code 130.
    """
    from optuna.exceptions import UpdateFinishedTrialError

    from ..search._study import settle

    from ._workers import finished

    while True:
        try:
            with _warnings_as_notes():
                search.fit(X, y)
            interrupted = search.interrupted_
        except KeyboardInterrupt:
            interrupted = True
        except UpdateFinishedTrialError:
            _render.note(
                "Another worker failed this worker's trial for lack of heartbeats "
                "(see --grace-period); it was queued again. Going on."
            )
            continue
        if interrupted:
            _render.error(
                f"interrupted after {finished(study)} trials; run the same command "
                "to resume"
            )
            raise typer.Exit(130)
        waiting = settle(study, storage, deadline)
        left = None if deadline is None else deadline - time.time()
        if not waiting or (left is not None and left <= 0):
            return
        search.set_params(n_trials=finished(study) + waiting, timeout=left)


def write_outputs(
    folder: Path,
    study: Any,
    summary: dict[str, Any],
    pipeline: Any,
    X: Any,
    y: Any,
    ensemble: tuple[Path, int, Any] | None = None,
) -> None:
    """``--output``: summary.json, trials.csv and the refitted model.

    ``ensemble`` is ``(predictions folder, size, scoring)`` for ``--ensemble``.
    """
    import json

    from .._atomic import atomic_write_text
    from ..reporting import trials_frame
    from ..search import refit_best
    from ._ensemble import fit_ensemble
    from ._model import save_model

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        folder / "summary.json", json.dumps(summary, indent=2, default=str)
    )
    atomic_write_text(folder / "trials.csv", trials_frame(study).to_csv(index=False))
    if ensemble is None:
        model = refit_best(pipeline, study, X, y)
    else:
        where, size, scoring = ensemble
        model = fit_ensemble(
            pipeline, study, X, y, folder=where, size=size, scoring=scoring
        )
    save_model(model, folder / "model")
