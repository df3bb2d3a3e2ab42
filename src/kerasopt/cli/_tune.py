"""``kerasopt tune``: an Optuna study on a table, resumable and shareable."""

from __future__ import annotations

import enum
import os
import time
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from ..exceptions import DataError, InvalidSearchSpaceError
from . import _render
from ._common import (
    JsonOpt,
    QuietOpt,
    StorageOpt,
    default_study_name,
    open_storage,
    parse_duration,
)

__all__ = ["build_pipeline", "load_data", "read_space_file", "tune"]


#: Trials of a study when neither --n-trials nor --timeout is given.
DEFAULT_N_TRIALS = 20


class Task(str, enum.Enum):
    auto = "auto"
    classification = "classification"
    regression = "regression"


def load_data(path: Path, target: str, quiet: bool) -> tuple[Any, Any]:
    """Read ``path``; data warnings (dropped rows) become notes."""
    from ..data import load_dataset

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        X, y = load_dataset(path, target)
    if not quiet:
        for warning in caught:
            _render.note(str(warning.message))
    return X, y


def build_pipeline(task: str, epochs: int) -> Any:
    """The estimator every trial clones: preprocessing + Keras MLP."""
    from ..estimators import KerasClassifier, KerasRegressor
    from ..preprocessing import make_tabular_pipeline

    cls = KerasClassifier if task == "classification" else KerasRegressor
    return make_tabular_pipeline(cls(epochs=epochs, verbose=0))


def read_space_file(path: Path) -> dict[str, Any]:
    """Parse a YAML (.yaml/.yml), TOML (.toml) or JSON space file."""
    if not path.is_file():
        raise FileNotFoundError(f"Search space file {str(path)!r} not found.")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            content = yaml.safe_load(text)
        elif suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            content = tomllib.loads(text)
        elif suffix == ".json":
            import json

            content = json.loads(text)
        else:
            raise InvalidSearchSpaceError(
                f"Cannot tell the format of the space file {str(path)!r}: use a "
                ".yaml, .yml, .toml or .json suffix."
            )
    except InvalidSearchSpaceError:
        raise
    except Exception as exc:  # each parser has its own error types
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InvalidSearchSpaceError(
            f"Cannot parse the space file {str(path)!r}: {type(exc).__name__}: {first}"
        ) from None
    if not isinstance(content, dict):
        raise InvalidSearchSpaceError(
            f"The space file {str(path)!r} must hold a mapping of parameter names to "
            f"specifications, but holds {type(content).__name__}."
        )
    from ..search import load_search_space

    load_search_space(content)  # errors name the key before any data is read
    return content


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


def quiet_libraries() -> None:
    # The progress bar replaces Optuna's per-trial log lines; TensorFlow's
    # retracing warnings say nothing a CLI user can act on.
    import logging

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
        float,
        typer.Option(min=0.1, help="Seconds between heartbeats of the running trial."),
    ] = 10.0,
    grace_period: Annotated[
        float,
        typer.Option(
            min=0.5,
            help="Seconds without heartbeat after which another worker fails and "
            "retries a trial.",
        ),
    ] = 60.0,
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
    from ._workers import HeartbeatSampler, TrialBudget, fail_stale_trials

    quiet_libraries()
    # Names are checked before any study row is written.
    make_sampler(sampler)
    make_pruner(pruner)
    _check_metric(metric)
    content = read_space_file(space) if space is not None else None
    X, y = load_data(data, target, quiet or json_)
    task_name = infer_task(y, task.value)
    store, label = open_storage(storage, create=True)
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
    fail_stale_trials(study, grace_period)
    deadline = None if seconds is None else time.time() + seconds
    budget = TrialBudget(n_trials, grace_period, deadline)
    show = not (quiet or json_)
    if show:
        _render.note(
            f"Study {name!r} in {label}: {task_name} of {target!r}, "
            f"{len(X)} rows, {X.shape[1]} columns."
        )
    pipeline = build_pipeline(task_name, epochs)
    sampler_seed = _sampler_seed(seed, len(study.trials))
    heartbeat = HeartbeatSampler(
        make_sampler(sampler, sampler_seed), heartbeat_interval, n_trials
    )
    with _render.TrialProgress(n_trials, deadline=deadline, enabled=show) as progress:
        progress.start(study)
        if budget.settle(study):
            search = OptunaSearchCV(
                pipeline,
                content,
                n_trials=n_trials,
                timeout=seconds,
                cv=_cv(cv, validation_fraction, task_name, seed),
                scoring=metric,
                refit=False,
                sampler=heartbeat,
                pruner=pruner,
                storage=store if n_jobs == 1 else storage_text(storage),
                study_name=name,
                n_jobs=n_jobs,
                random_state=seed,
                callbacks=[budget, progress] if n_jobs == 1 else [budget],
            )
            while True:
                try:
                    search.fit(X, y)
                    break
                except Exception:
                    if not heartbeat.lost_trial(study):
                        raise
                    _render.note(
                        "Another worker failed this worker's trial for lack of "
                        "heartbeats (see --grace-period); it was queued again. "
                        "Going on."
                    )
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


def storage_text(storage: str | None) -> str:
    """The storage as text that worker processes can open again."""
    from ._common import storage_url

    return storage_url(storage)


def refit_best(study: Any, pipeline: Any, X: Any, y: Any) -> Any:
    """Fit ``pipeline`` with the best trial's parameters on all the data."""
    from ..reporting import best_params

    trial = study.best_trial
    params = best_params(trial)
    pipeline.set_params(**params)
    random_state = trial.user_attrs.get("random_state")
    if random_state is not None:
        pipeline.set_params(**{f"{pipeline.steps[-1][0]}__random_state": random_state})
    return pipeline.fit(X, y)


def _write_outputs(
    folder: Path, study: Any, summary: dict[str, Any], pipeline: Any, X: Any, y: Any
) -> None:
    import json

    from .._atomic import atomic_write_text
    from ..reporting import trials_frame
    from ._model import save_model

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        folder / "summary.json", json.dumps(summary, indent=2, default=str)
    )
    atomic_write_text(folder / "trials.csv", trials_frame(study).to_csv(index=False))
    save_model(refit_best(study, pipeline, X, y), folder / "model")
