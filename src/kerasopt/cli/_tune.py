"""``kerasopt tune``: an Optuna study on a table, resumable and shareable."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from . import _render
from ._common import (
    IdColumnOpt,
    JsonOpt,
    QuietOpt,
    SepOpt,
    StorageOpt,
    default_study_name,
    open_storage,
    parse_duration,
    storage_url,
)
from ._ensemble import EnsembleOpt, ensemble_dir, record
from ._inputs import Task, build_pipeline, load_data, read_space_file, unused_columns
from ._study import make_cv, prepare_study, run_trials, sampler_seed, write_outputs

__all__ = ["tune"]


#: Trials of a study when neither --n-trials nor --timeout is given.
DEFAULT_N_TRIALS = 20


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
            help="scikit-learn scorer name (accuracy, f1_macro, roc_auc, r2, "
            "neg_mean_absolute_error...), checked against the target before the "
            "first trial. Default: accuracy / R^2.",
            show_default=False,
        ),
    ] = None,
    pos_label: Annotated[
        str | None,
        typer.Option(
            help="Positive class of a binary --metric (f1, precision, recall, "
            "jaccard, average_precision, neg_brier_score), e.g. 'Y'.",
            show_default=False,
        ),
    ] = None,
    sep: SepOpt = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(
            "--drop",
            help="Column not to learn from (repeat for more). IDs, dates and "
            "saved indexes are dropped without it, with a note.",
            show_default=False,
        ),
    ] = None,
    id_column: IdColumnOpt = None,
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
    ensemble: EnsembleOpt = 1,
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

      kerasopt tune churn.csv -t churn --ensemble 5 -o churn-model/
    """
    seconds = parse_duration(timeout)  # usage errors before the slow imports
    if n_trials is None and seconds is None:
        n_trials = DEFAULT_N_TRIALS
    from ..data import infer_task
    from ..search import OptunaSearchCV, make_pruner, make_sampler
    from ._metric import resolve_metric
    from ._quiet import import_backend, interrupt_guard, quiet_optuna
    from ._workers import budget

    quiet_optuna()
    import_backend()  # first: nothing else may import it with its chatter
    # Names are checked before any study row is written.
    make_sampler(sampler)
    make_pruner(pruner)
    content = read_space_file(space) if space is not None else None
    show = not (quiet or json_)
    X, y = load_data(data, target, not show, sep)
    task_name = infer_task(y, task.value)
    scoring, metric_name = resolve_metric(metric, task_name, y, pos_label)
    unused = unused_columns(X, drop or [], id_column)
    X = X.drop(columns=list(unused))
    store, label = open_storage(
        storage, create=True, heartbeat=(heartbeat_interval, grace_period)
    )
    name = study_name or default_study_name(data, target)
    attrs = {
        "data": str(data.resolve()),
        "target": target,
        "task": task_name,
        "metric": metric_name,
        "pos_label": pos_label,
        "epochs": epochs,
        "features": [str(c) for c in X.columns],
        "unused": unused,
        "sep": sep,
    }
    study = prepare_study(store, name, attrs, label)
    if content is not None:
        study.set_user_attr("space", content)
    deadline = None if seconds is None else time.time() + seconds
    if show:
        _render.note(
            f"Study {name!r} in {label}: {task_name} of {target!r} scored by "
            f"{metric_name}, {len(X)} rows, {X.shape[1]} feature columns."
        )
        _render.unused_columns(unused)
    pipeline = build_pipeline(task_name, epochs)
    folder = ensemble_dir(storage_url(storage), name)
    progress = _render.TrialProgress(n_trials, deadline=deadline, enabled=show)
    with interrupt_guard(), progress:
        progress.start(study)
        search = OptunaSearchCV(
            pipeline,
            content,
            n_trials=n_trials,
            timeout=seconds,
            cv=make_cv(cv, validation_fraction, task_name, seed),
            scoring=scoring,
            refit=False,
            sampler=make_sampler(sampler, sampler_seed(seed, len(study.trials))),
            pruner=pruner,
            storage=store,
            study_name=name,
            n_jobs=n_jobs,
            random_state=seed,
            ensemble_size=ensemble,
            ensemble_dir=folder if ensemble > 1 else None,
            # A rich progress bar cannot travel to worker processes: with
            # n_jobs > 1 it follows the study from here.
            callbacks=budget(n_trials) + ([progress] if n_jobs == 1 else []),
        )
        following = progress.following(study) if n_jobs != 1 else nullcontext()
        with following:
            run_trials(search, study, store, X, y, grace_period, deadline)
        progress.start(study)
    from ..reporting import study_summary, trials_frame

    if ensemble > 1:
        record(study, search)
    summary = study_summary(study)
    summary["storage"] = label
    if output is not None:
        members = (folder, ensemble, scoring) if ensemble > 1 else None
        write_outputs(output, study, summary, pipeline, X, y, members)
    if json_:
        _render.print_json(summary)
    elif not quiet:
        _render.study_view(summary, trials_frame(study, top=5))
