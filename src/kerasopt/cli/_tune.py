"""``kerasopt tune``: an Optuna study on a table, resumable and shareable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import DataError, StorageError
from . import _render
from ._common import (
    JsonOpt,
    QuietOpt,
    StorageOpt,
    default_study_name,
    open_storage,
    parse_duration,
)
from ._inputs import Task, build_pipeline, load_data, read_space_file

__all__ = ["tune"]


#: Trials of a study when neither --n-trials nor --timeout is given.
DEFAULT_N_TRIALS = 20


def _check_metric(metric: str | None) -> None:
    from sklearn.metrics import get_scorer_names

    from .._naming import did_you_mean

    names = get_scorer_names()
    if metric is not None and metric not in names:
        raise ValueError(
            f"Unknown --metric {metric!r}.{did_you_mean(metric, names)} Use a "
            "scikit-learn scorer name, such as accuracy, balanced_accuracy, f1_macro, "
            "roc_auc, r2, neg_mean_absolute_error or neg_root_mean_squared_error."
        )


def _cv(cv: int, validation_fraction: float | None, task: str, seed: int | None) -> Any:
    if validation_fraction is None:
        return cv
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

    splitter = StratifiedShuffleSplit if task == "classification" else ShuffleSplit
    return splitter(n_splits=1, test_size=validation_fraction, random_state=seed)


def _prepare_study(storage: Any, name: str, attrs: dict[str, Any], label: str) -> Any:
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


def _sampler_seed(seed: int | None, n_existing: int) -> int | None:
    # A resumed study must not replay the random start-up draws of the first
    # run: mix in how many trials are there already.
    if seed is None or n_existing == 0:
        return seed
    import numpy as np

    return int(np.random.SeedSequence([seed, n_existing]).generate_state(1)[0])


def tune(
    data: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV or Parquet file (CSV may be compressed).", show_default=False
        ),
    ],
    target: Annotated[
        str,
        typer.Option("--target", "-t", help="Column to predict.", show_default=False),
    ],
    task: Annotated[
        Task, typer.Option(help="Inferred from the target when 'auto'.")
    ] = Task.auto,
    n_trials: Annotated[
        int | None,
        typer.Option(
            "--n-trials",
            "-n",
            min=1,
            help="Finished trials the study should hold in total (all workers "
            f"together). Default: {DEFAULT_N_TRIALS}, or no limit with --timeout.",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option(
            help="Stop starting trials after this long: 600, 90s, 10m, 1h.",
            show_default=False,
        ),
    ] = None,
    cv: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 3,
    validation_fraction: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=0.99,
            help="Score on one held-out share of the rows instead of --cv folds.",
            show_default=False,
        ),
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            help="scikit-learn scorer name (accuracy, roc_auc, r2, "
            "neg_mean_absolute_error...). Default: accuracy / R^2.",
            show_default=False,
        ),
    ] = None,
    space: Annotated[
        Path | None,
        typer.Option(
            help="Search space file (YAML, TOML or JSON) of Optuna distributions "
            "by parameter name.",
            show_default=False,
        ),
    ] = None,
    epochs: Annotated[
        int,
        typer.Option(
            min=1, help="Most epochs a trial trains (early stopping may stop sooner)."
        ),
    ] = 100,
    storage: StorageOpt = None,
    study_name: Annotated[
        str | None,
        typer.Option(help="Default: <data file stem>-<target>.", show_default=False),
    ] = None,
    n_jobs: Annotated[
        int, typer.Option(help="Worker processes on this machine (-1: all cores).")
    ] = 1,
    seed: Annotated[
        int | None,
        typer.Option(
            help="Seed of the sampler and of each trial's model.", show_default=False
        ),
    ] = None,
    sampler: Annotated[str, typer.Option(help="tpe, random, cmaes or qmc.")] = "tpe",
    pruner: Annotated[
        str, typer.Option(help="median, hyperband, successive_halving or none.")
    ] = "median",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for summary.json, trials.csv and the refitted best model.",
            show_default=False,
        ),
    ] = None,
    heartbeat_interval: Annotated[
        int,
        typer.Option(
            min=1,
            help="Seconds between heartbeats of a running trial (database storages).",
        ),
    ] = 10,
    grace_period: Annotated[
        int,
        typer.Option(
            min=2,
            help="Seconds without heartbeat after which another worker fails a "
            "trial and runs it again.",
        ),
    ] = 60,
    quiet: QuietOpt = False,
    json_: JsonOpt = False,
) -> None:
    """Tune a Keras model on a table with an Optuna study.

    Re-running the same command resumes the study until it holds --n-trials
    finished trials. Processes on several machines pointed at one --storage
    (PostgreSQL, MySQL) or on one machine at one journal file (study.log)
    share the study: the trial count is met in total, and the trial of a
    worker that dies is failed after --grace-period and run again.

    Examples:

      kerasopt tune penguins.csv --target species --n-trials 40 --timeout 10m

      kerasopt tune houses.parquet -t price --metric neg_mean_absolute_error

      kerasopt tune big.csv -t y --storage postgresql://user@host/db
    """
    seconds = parse_duration(timeout)  # usage errors before the slow imports
    if n_trials is None and seconds is None:
        n_trials = DEFAULT_N_TRIALS
    from ..data import infer_task
    from ..search import OptunaSearchCV, make_pruner, make_sampler
    from ._quiet import quiet_optuna
    from ._workers import budget

    quiet_optuna()
    # Names are checked before any study row is written.
    make_sampler(sampler)
    make_pruner(pruner)
    _check_metric(metric)
    content = read_space_file(space) if space is not None else None
    X, y = load_data(data, target, quiet or json_)
    task_name = infer_task(y, task.value)
    store, label = open_storage(
        storage, create=True, heartbeat=(heartbeat_interval, grace_period)
    )
    name = study_name or default_study_name(data, target)
    attrs = {
        "data": str(data.resolve()),
        "target": target,
        "task": task_name,
        "metric": metric or ("accuracy" if task_name == "classification" else "r2"),
        "epochs": epochs,
        "features": [str(c) for c in X.columns],
    }
    study = _prepare_study(store, name, attrs, label)
    if content is not None:
        study.set_user_attr("space", content)
    deadline = None if seconds is None else time.time() + seconds
    show = not (quiet or json_)
    if show:
        _render.note(
            f"Study {name!r} in {label}: {task_name} of {target!r}, "
            f"{len(X)} rows, {X.shape[1]} columns."
        )
    pipeline = build_pipeline(task_name, epochs)
    with _render.TrialProgress(n_trials, deadline=deadline, enabled=show) as progress:
        progress.start(study)
        search = OptunaSearchCV(
            pipeline,
            content,
            n_trials=n_trials,
            timeout=seconds,
            cv=_cv(cv, validation_fraction, task_name, seed),
            scoring=metric,
            refit=False,
            sampler=make_sampler(sampler, _sampler_seed(seed, len(study.trials))),
            pruner=pruner,
            storage=store,
            study_name=name,
            n_jobs=n_jobs,
            random_state=seed,
            # A rich progress bar cannot travel to worker processes.
            callbacks=budget(n_trials) + ([progress] if n_jobs == 1 else []),
        )
        _run(search, study, store, X, y, grace_period, deadline)
        progress.start(study)
    from ..reporting import study_summary, trials_frame

    summary = study_summary(study)
    summary["storage"] = label
    if output is not None:
        _write_outputs(output, study, summary, pipeline, X, y)
    if json_:
        _render.print_json(summary)
    elif not quiet:
        _render.study_view(summary, trials_frame(study, top=5))


def _run(
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
    import warnings

    from optuna.exceptions import UpdateFinishedTrialError

    from ._workers import finished, settle

    while True:
        try:
            with warnings.catch_warnings():  # OptunaSearchCV's note on Ctrl-C
                warnings.filterwarnings("ignore", "The search was interrupted")
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
        waiting = settle(study, storage, grace, deadline)
        if not waiting:
            return
        left = None if deadline is None else deadline - time.time()
        if left is not None and left <= 0:
            return
        search.set_params(n_trials=finished(study) + waiting, timeout=left)


def _write_outputs(
    folder: Path, study: Any, summary: dict[str, Any], pipeline: Any, X: Any, y: Any
) -> None:
    import json

    from .._atomic import atomic_write_text
    from ..reporting import trials_frame
    from ..search import refit_best
    from ._model import save_model

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        folder / "summary.json", json.dumps(summary, indent=2, default=str)
    )
    atomic_write_text(folder / "trials.csv", trials_frame(study).to_csv(index=False))
    save_model(refit_best(pipeline, study, X, y), folder / "model")
