"""``kerasopt tune``: an Optuna study on a table, resumable and shareable.

The command reads the table and the options, builds an
:class:`~kerasopt.OptunaSearchCV` and fits it; the search creates or resumes
the study, counts the trial budget and runs the workers. What the CLI adds
watches the search (:func:`kerasopt.search._study.observing`): it refuses a
study tuned on another target, records what the study was tuned on (data,
target, task, metric, columns: what ``export`` needs), and shows progress.

Several ``kerasopt tune`` processes pointed at one study share it:

* **Budget.** Each process stops once the study holds ``--n-trials``
  finished (complete + pruned) trials. It looks after each trial, so workers
  that are all mid-trial when the count is reached finish those trials too:
  the study may hold up to ``workers - 1`` trials more than asked.
* **Dead workers, RDB storages** (SQLite, PostgreSQL, MySQL). The storage
  records a heartbeat of each running trial (``--heartbeat-interval``); a trial
  silent for ``--grace-period`` seconds is failed by the next worker that
  starts a trial and queued again with the same parameters (Optuna's retry
  callback, see :func:`kerasopt.search.resolve_storage`). A worker whose own
  share is done waits up to ``--grace-period`` for the trials still running
  elsewhere, so a trial of a worker that died near the end is failed and
  re-run rather than left RUNNING.
* **Dead workers, journal files.** Optuna keeps no heartbeat there: a killed
  process leaves its trial RUNNING. It does not count toward the budget (the
  other workers still finish the study), and ``kerasopt fail-stale`` marks it
  FAILED.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from .._utils import exception_chain
from ..exceptions import (
    DataError,
    InvalidSearchSpaceError,
    SingleClassWarning,
    StorageError,
)
from . import _render
from ._common import (
    IdColumnOpt,
    JsonOpt,
    QuietOpt,
    SepOpt,
    StorageOpt,
    Task,
    build_pipeline,
    check_named,
    default_study_name,
    import_backend,
    interrupt_guard,
    load_data,
    open_storage,
    parse_duration,
    quiet_optuna,
    resolve_metric,
    stop_if_interrupted,
    storage_url,
    warnings_as_notes,
)
from ._model import EnsembleOpt, ensemble_dir, fit_ensemble, save_model

__all__ = ["tune"]


#: Trials of a study when neither --n-trials nor --timeout is given.
DEFAULT_N_TRIALS = 20
#: The study user attribute holding the last chosen ensemble (for show/report).
ENSEMBLE_ATTR = "ensemble"


class InitialTrials(str, enum.Enum):
    """``kerasopt tune --initial-trials`` (``initial_trials`` of OptunaSearchCV)."""

    portfolio = "portfolio"
    estimator = "estimator"
    none = "none"



# --------------------------------------------------------------------- inputs
def unused_columns(
    X: Any, drop: list[str], id_column: str | None
) -> dict[str, str]:
    """The columns not to learn from, each with the reason.

    ``--drop`` and ``--id-column`` ones, then those the preprocessing would
    drop by itself (IDs, dates, durations, a saved index: see
    :func:`kerasopt.preprocessing.drop_reason`). Decided once on the whole
    table, so that every trial and the exported model use the same columns.
    """
    from ..preprocessing import drop_reason

    check_named(X, drop, "--drop")
    if id_column is not None:
        check_named(X, [id_column], "--id-column")
    reasons = {str(c): "--drop" for c in drop}
    if id_column is not None:
        reasons[id_column] = "--id-column"
    for column in X.columns:
        if str(column) not in reasons:
            reason = drop_reason(column, X[column])
            if reason is not None:
                reasons[str(column)] = reason
    return reasons


def _parse(path: Path, text: str) -> Any:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        return yaml.safe_load(text)
    if suffix == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        return tomllib.loads(text)
    if suffix == ".json":
        import json

        return json.loads(text)
    raise InvalidSearchSpaceError(
        f"Cannot tell the format of the space file {str(path)!r}: use a "
        ".yaml, .yml, .toml or .json suffix."
    )


def read_space_file(path: Path) -> dict[str, Any]:
    """Parse a YAML (.yaml/.yml), TOML (.toml) or JSON space file."""
    try:
        content = _parse(path, path.read_text(encoding="utf-8"))
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


class ClassWeight(str, enum.Enum):
    """``kerasopt tune --class-weight``."""

    balanced = "balanced"


def _say_if_no_better_than_a_constant(
    summary: dict[str, Any], scoring: Any, metric: str, y: Any, task: str
) -> None:
    """A note when the best trial scores no better than a constant prediction.

    On a 95/5 target, a model that predicts the majority class everywhere
    scores 0.95 accuracy and looks fine; this says so instead.
    """
    from ..search._scoring import constant_score

    best = summary["best_value"]
    if best is None:
        return
    baseline = constant_score(scoring, y, classification=task == "classification")
    if best > baseline + 1e-9:
        return
    if task == "classification":
        _render.note(
            f"The best trial's {metric} ({best:.4g}) does not beat predicting the "
            f"majority class for every row ({baseline:.4g}): the model does not "
            "tell the classes apart. On an imbalanced target, tune with "
            "--class-weight balanced and a --metric such as balanced_accuracy, "
            "roc_auc or neg_log_loss."
        )
    else:
        _render.note(
            f"The best trial's {metric} ({best:.4g}) does not beat predicting the "
            f"mean for every row ({baseline:.4g}): check the features, or tune "
            "longer (--n-trials, --epochs)."
        )


# ---------------------------------------------------------------------- folds
def make_cv(
    cv: int, validation_fraction: float | None, task: str, seed: int | None
) -> Any:
    """``--cv`` shuffled folds, or one shuffled ``--validation-fraction`` split.

    A command line cannot pass a splitter, and a plain ``cv=3`` would give
    scikit-learn's unshuffled blocks of rows: on a file sorted by date or by
    target every fold would test on rows unlike those it trained on. So the
    rows are shuffled, with ``--seed`` (0 without it, so that every run and
    worker of a study scores its trials on the same folds), and classification
    folds keep the class proportions.
    """
    from sklearn.model_selection import (
        KFold,
        ShuffleSplit,
        StratifiedKFold,
        StratifiedShuffleSplit,
    )

    classification = task == "classification"
    seed = 0 if seed is None else seed
    if validation_fraction is None:
        folds = StratifiedKFold if classification else KFold
        return folds(n_splits=cv, shuffle=True, random_state=seed)
    split = StratifiedShuffleSplit if classification else ShuffleSplit
    return split(n_splits=1, test_size=validation_fraction, random_state=seed)


# -------------------------------------------------------------------- the run
class _TuneRun:
    """What ``kerasopt tune`` does while its search runs (a search observer).

    Once the search has opened the study: refuse one that minimizes or was
    tuned on another target or task, record what this run tunes on, say so,
    and start the progress bar, which the search then refreshes.
    """

    def __init__(
        self, attrs: dict[str, Any], label: str, intro: str | None,
        unused: dict[str, str],
    ) -> None:  # fmt: skip
        self.attrs = attrs
        self.label = label
        self.intro = intro
        self.unused = unused
        self.study: Any = None
        self.bar = _render.TrialProgress(enabled=intro is not None)

    def opened(self, study: Any) -> None:
        """Check and annotate the study; raise before any trial if it is not ours."""
        name = study.study_name
        if study.direction.name != "MAXIMIZE":
            raise StorageError(
                f"Study {name!r} in {self.label} minimizes, but `kerasopt tune` "
                "maximizes a scikit-learn score. Pass another --study-name."
            )
        for key in ("target", "task"):
            old = study.user_attrs.get(key)
            if old is not None and old != self.attrs[key]:
                raise DataError(
                    f"Study {name!r} in {self.label} was tuned with {key}={old!r}, "
                    f"not {self.attrs[key]!r}. Pass another --study-name to start "
                    "a new study."
                )
        for key, value in self.attrs.items():
            if study.user_attrs.get(key) != value:
                study.set_user_attr(key, value)
        self.study = study
        if self.intro is not None:
            _render.note(self.intro)
            _render.unused_columns(self.unused)
        self.bar.start()

    def progress(self, progress: Any) -> None:
        """Refresh the progress bar."""
        self.bar(progress)

    def finished(self) -> int:
        """Trials of the study that count toward --n-trials (0 before it opened)."""
        from ..search._study import COUNTED

        if self.study is None:
            return 0
        return len(self.study.get_trials(deepcopy=False, states=COUNTED))


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


# ---------------------------------------------------------------- the command
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
    cv: Annotated[
        int,
        typer.Option(
            min=2,
            help="Cross-validation folds: rows shuffled with --seed, classes "
            "stratified.",
        ),
    ] = 3,
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
    class_weight: Annotated[
        ClassWeight | None,
        typer.Option(
            help="balanced: weigh each class by the inverse of its frequency "
            "(imbalanced classification targets; judge them by roc_auc, "
            "neg_log_loss or balanced_accuracy).",
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
    initial_trials: Annotated[
        InitialTrials,
        typer.Option(
            help="First trials of a new study: the default model's own "
            "configuration, then (default space only) strong configurations "
            "from the literature ('portfolio'); the own one only ('estimator'); "
            "or none, all drawn by the sampler.",
        ),
    ] = InitialTrials.portfolio,
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
            help="Seed of the sampler, the folds and each trial's model.",
            show_default=False,
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
    from ..data import check_file, infer_task

    check_file(data)  # a mistyped path fails at once, before the slow imports
    if space is not None and not space.is_file():
        raise FileNotFoundError(f"Search space file {str(space)!r} not found.")
    from ..search import OptunaSearchCV, make_pruner
    from ..search._study import check_sampler, observing

    quiet_optuna()
    import_backend()  # first: nothing else may import it with its chatter
    # Names are checked before any study row is written.
    check_sampler(sampler)
    pruner_ = make_pruner(pruner)
    content = read_space_file(space) if space is not None else None
    show = not (quiet or json_)
    X, y = load_data(data, target, not show, sep)
    task_name = infer_task(y, task.value)
    if class_weight is not None and task_name != "classification":
        raise typer.BadParameter(
            f"is for classification, but {target!r} is a {task_name} target. "
            "Drop --class-weight.",
            param_hint="--class-weight",
        )
    weights = None if class_weight is None else class_weight.value
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
        "class_weight": weights,
        "epochs": epochs,
        "features": [str(c) for c in X.columns],
        "unused": unused,
        "sep": sep,
        **({} if content is None else {"space": content}),
    }
    intro = (
        f"Study {name!r} in {label}: {task_name} of {target!r} scored by "
        f"{metric_name}, {len(X)} rows, {X.shape[1]} feature columns."
    )
    run = _TuneRun(attrs, label, intro if show else None, unused)
    pipeline = build_pipeline(task_name, epochs, weights)
    folder = ensemble_dir(storage_url(storage), name)
    search = OptunaSearchCV(
        pipeline,
        content,
        initial_trials=(
            None if initial_trials is InitialTrials.none else initial_trials.value
        ),
        n_trials=n_trials,
        timeout=seconds,
        cv=make_cv(cv, validation_fraction, task_name, seed),
        scoring=scoring,
        refit=False,
        sampler=sampler,
        pruner=pruner_,
        storage=store,
        study_name=name,
        n_jobs=n_jobs,
        random_state=seed,
        callbacks=[stop_if_interrupted],
        ensemble_size=ensemble,
        ensemble_dir=folder if ensemble > 1 else None,
    )
    try:
        # Each trial's classifier may warn that it predicts one class: the
        # command says once, at the end, whether the best beats the majority.
        quiet_trials = warnings_as_notes(timeout, silent=(SingleClassWarning,))
        with interrupt_guard(), observing(run), quiet_trials:
            search.fit(X, y)
        interrupted = search.interrupted_
    except KeyboardInterrupt:
        interrupted = True
    except Exception as exc:
        # A Ctrl-C landing inside Optuna's bookkeeping can surface as another
        # error (Optuna 5.1 raises UnboundLocalError when it lands while a
        # trial's result is stored): still the user's interrupt.
        if not any(isinstance(e, KeyboardInterrupt) for e in exception_chain(exc)):
            raise
        interrupted = True
    finally:
        run.bar.stop()
    if interrupted:
        _render.interrupted(
            f"interrupted after {run.finished()} trials; run the same command to "
            "resume"
        )
        raise typer.Exit(130)
    from ..reporting import study_summary, trials_frame

    study = search.study_
    if ensemble > 1:
        study.set_user_attr(
            ENSEMBLE_ATTR,
            {
                "score": float(search.ensemble_score_),
                "weights": {
                    str(k): float(w) for k, w in search.ensemble_weights_.items()
                },
            },
        )
    summary = study_summary(study)
    summary["storage"] = label
    if show:
        _say_if_no_better_than_a_constant(summary, scoring, metric_name, y, task_name)
    if output is not None:
        if show:  # as long as one trial's fit, or K of them
            what = "the best pipeline" if ensemble == 1 else (
                f"an ensemble of up to {ensemble} trials"
            )
            _render.note(f"Refitting {what} on {len(X)} rows for --output {output}...")
        members = (folder, ensemble, scoring) if ensemble > 1 else None
        write_outputs(output, study, summary, pipeline, X, y, members)
    if json_:
        _render.print_json(summary)
    elif not quiet:
        _render.study_view(summary, trials_frame(study, top=5))
