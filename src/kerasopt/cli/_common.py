"""What several commands share: options, errors, storages, quiet imports, inputs.

* :func:`handle_errors` is the one place where exceptions become exit codes:
  user errors (bad data, bad space, unknown study, unreachable storage) print
  one line and exit with 1; ``--debug`` adds the traceback. Usage errors exit
  with 2 before a command runs (typer/click).
* Storages: ``--storage``, else ``KERASOPT_STORAGE``, else ``kerasopt.db`` in
  the working directory; passwords are masked in every message.
* Library chatter stays off the terminal: :func:`quiet_libraries` runs before
  any command, so before TensorFlow, JAX or Keras is imported, and their C++
  and Python loggers (``failed call to cuInit``, ``Unable to register cuDNN
  factory``, "no GPU/TPU found", tf.function retracing warnings) stay silent.
  Optuna's per-trial lines give way to the progress bar; its warnings (a
  failed trial) still show, but not the traceback of a Ctrl-C.
* Inputs of ``tune`` and ``export``: the table, the target's task, the metric,
  the pipeline every trial clones.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib
import importlib.util
import logging
import os
import re
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .._utils import did_you_mean, exception_chain, native_stderr_silenced
from ..exceptions import DataError, KerasoptError, StorageError
from . import _render

__all__ = [
    "DEFAULT_STORAGE",
    "IdColumnOpt",
    "JsonOpt",
    "QuietOpt",
    "SepOpt",
    "StorageOpt",
    "StudyArg",
    "Task",
    "build_pipeline",
    "check_named",
    "default_study_name",
    "handle_errors",
    "import_backend",
    "interrupt_guard",
    "load_data",
    "open_storage",
    "open_study",
    "parse_duration",
    "quiet_libraries",
    "quiet_optuna",
    "resolve_metric",
    "settings",
    "stop_if_interrupted",
    "storage_file",
    "storage_url",
    "warnings_as_notes",
]



# -------------------------------------------------------------------- options
#: Where studies live when neither ``--storage`` nor ``KERASOPT_STORAGE`` is set.
DEFAULT_STORAGE = "kerasopt.db"

StorageOpt = Annotated[
    str | None,
    typer.Option(
        "--storage",
        envvar="KERASOPT_STORAGE",
        help=(
            "Optuna storage: a URL (sqlite:///x.db, postgresql://user:pw@host/db), "
            "a .db file or a .log journal file. Default: "
            f"{DEFAULT_STORAGE} in the working directory."
        ),
        show_default=False,
    ),
]
StudyArg = Annotated[
    str,
    typer.Argument(help="Study name (see `kerasopt studies`).", show_default=False),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only errors (and --json).")
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print a machine-readable JSON summary.")
]
SepOpt = Annotated[
    str | None,
    typer.Option(
        "--sep",
        help="Column delimiter of a CSV/TSV file, e.g. ';'. Default: ',' (tab for "
        ".tsv).",
        show_default=False,
    ),
]
IdColumnOpt = Annotated[
    str | None,
    typer.Option(
        "--id-column",
        help="Column that identifies rows: never a feature; predict copies it into "
        "its output.",
        show_default=False,
    ),
]


# --------------------------------------------------------------------- errors
#: Process-wide CLI settings set by the app callback.
settings: dict[str, Any] = {"debug": False, "secrets": []}

_USER_ERRORS = (KerasoptError, ValueError, OSError, ImportError, KeyError)

F = TypeVar("F", bound=Callable[..., Any])


def _scrub(text: str) -> str:
    if not settings["secrets"]:
        return text
    from ..search._storages import scrub

    for url in settings["secrets"]:
        text = scrub(text, url)
    return text


def _lost_storage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database of an RDB storage stopped answering."""
    # Looked up, not imported: a command that never opened a database has not
    # imported optuna's storages or SQLAlchemy, and need not.
    kinds = [
        getattr(sys.modules.get(module), name, None)
        for module, name in (
            ("optuna.exceptions", "StorageInternalError"),
            ("sqlalchemy.exc", "OperationalError"),
            ("sqlalchemy.exc", "InterfaceError"),
        )
    ]
    kinds = tuple(kind for kind in kinds if kind is not None)
    # Optuna can fail with an unrelated error (e.g. UnboundLocalError while it
    # records a trial) whose __context__ is the lost connection: follow the chain.
    return any(isinstance(error, kinds) for error in exception_chain(exc))


def _root_cause(exc: BaseException) -> str:
    *_, root = exception_chain(exc)
    return f"{type(root).__name__}: {root}".splitlines()[0]


def handle_errors(command: F) -> F:
    """Turn the exceptions a user can fix into one line and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            _render.interrupted("Interrupted.")
            raise typer.Exit(130) from None
        except _USER_ERRORS as exc:
            if settings["debug"]:
                _render.note(_scrub(traceback.format_exc()))
            message = str(exc) if not isinstance(exc, KeyError) else str(exc.args[0])
            _render.error(_scrub(message or type(exc).__name__))
            raise typer.Exit(1) from None
        except Exception as exc:
            if not _lost_storage(exc):
                raise
            if settings["debug"]:
                _render.note(_scrub(traceback.format_exc()))
            _render.error(
                _scrub(
                    f"Lost the connection to the storage ({_root_cause(exc)}). "
                    "Finished trials are kept in the study: run the same command "
                    "again once the database answers (`kerasopt tune` resumes, and "
                    "a trial left running is failed after --grace-period and retried)."
                )
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------- storages
def storage_url(storage: str | None) -> str:
    """The storage to open: ``--storage``, ``$KERASOPT_STORAGE`` or the default."""
    url = storage or DEFAULT_STORAGE
    settings["secrets"].append(url)
    return url


def storage_file(url: str) -> Path | None:
    """The file of a SQLite or journal-file storage URL; None for a server."""
    path = url.removeprefix("sqlite:///")
    return None if "://" in path else Path(path)


def open_storage(
    storage: str | None,
    *,
    create: bool = False,
    heartbeat: tuple[int, int] | None = None,
) -> tuple[Any, str]:
    """Open the storage; return it and a label safe to print (password masked).

    Without ``create``, a SQLite or journal file that does not exist is
    read as an empty storage, with a note, rather than created
    (``kerasopt studies`` in the wrong folder should not leave a
    ``kerasopt.db`` behind). ``heartbeat`` is ``(interval, grace period)`` in
    seconds, for RDB storages (see :func:`kerasopt.search.resolve_storage`).
    """
    from ..search import mask_password, resolve_storage

    url = storage_url(storage)
    label = mask_password(url)
    path = storage_file(url)
    if not create and path is not None and not path.exists():
        import optuna

        _render.note(
            f"{path} does not exist in {Path.cwd()}: no study yet. Run `kerasopt "
            "tune` here first, or pass --storage (or set KERASOPT_STORAGE)."
        )
        return optuna.storages.InMemoryStorage(), label
    interval, grace = heartbeat or (None, None)
    return resolve_storage(url, heartbeat_interval=interval, grace_period=grace), label


def open_study(storage_option: str | None, name: str) -> tuple[Any, str]:
    """Open the storage and load the study ``name`` from it.

    Returns the study and the storage's label (see :func:`open_storage`);
    unknown names list the studies there.
    """
    import optuna

    storage, label = open_storage(storage_option)
    names = optuna.get_all_study_names(storage)
    if name not in names:
        raise StorageError(
            f"No study named {name!r} in {label}.{did_you_mean(name, names)} Studies: "
            f"{', '.join(names) or '(none)'}. Pass --storage if the study lives "
            "elsewhere."
        )
    return optuna.load_study(study_name=name, storage=storage), label


# ----------------------------------------------------------- durations, names
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(
    text: str | None, *, option: str = "--timeout", allow_zero: bool = False
) -> float | None:
    """``"90"``, ``"90s"``, ``"10m"``, ``"1h30m"``, ``"2d"`` -> seconds."""
    if text is None:
        return None
    compact = text.strip().lower().replace(" ", "")
    pieces = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in pieces) != compact:
        raise typer.BadParameter(
            f"{text!r} is not a duration: use seconds (600) or a number with a unit "
            "s, m, h or d (10m, 1h30m).",
            param_hint=option,
        )
    seconds = sum(float(n) * _UNITS[u] for n, u in pieces)
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise typer.BadParameter(
            f"must be positive, but got {text!r}.", param_hint=option
        )
    return seconds


def default_study_name(data: Path, target: str) -> str:
    """``penguins.csv.gz`` and ``species`` -> ``penguins-species``."""
    stem = data.name.split(".")[0] or data.stem
    return f"{stem}-{target}"


# ------------------------------------------------------------ quiet libraries
#: Environment read by the backends' C++ code when they are first imported.
_QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # 3: not even "E ... failed call to cuInit"
    "TF_ENABLE_ONEDNN_OPTS": "0",  # and no "oneDNN custom operations are on"
    "GRPC_VERBOSITY": "ERROR",
    "GLOG_minloglevel": "2",
}
#: Python loggers that print on import or while tracing.
_QUIET_LOGGERS = ("tensorflow", "absl", "jax._src.xla_bridge", "h5py")


#: Set by a Ctrl-C during `kerasopt tune` (see :func:`interrupt_guard`).
_INTERRUPTED = threading.Event()


class _NoInterruptTraceback(logging.Filter):
    """Drop Optuna's "Trial N failed" record (and traceback) of a Ctrl-C."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (
            _INTERRUPTED.is_set()
            or isinstance(exc, KeyboardInterrupt)
            or "KeyboardInterrupt(" in record.getMessage()
        )


_FILTER = _NoInterruptTraceback()


def quiet_libraries() -> None:
    """Silence TensorFlow / JAX logging; call before importing them.

    Variables the user has set are kept (``TF_CPP_MIN_LOG_LEVEL=0`` still
    shows everything).
    """
    for name, value in _QUIET_ENV.items():
        os.environ.setdefault(name, value)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    # The logger that writes "Trial N failed with ..." (a logger's own filter
    # sees the records made on it).
    failed_trials = logging.getLogger("optuna.study._optimize")
    if _FILTER not in failed_trials.filters:
        failed_trials.addFilter(_FILTER)


def quiet_optuna() -> None:
    """Optuna's per-trial INFO lines off (the progress bar shows them)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _on_sigint(signum: int, frame: object) -> None:
    _INTERRUPTED.set()
    signal.default_int_handler(signum, frame)


def stop_if_interrupted(study: Any, trial: Any) -> None:
    """Optuna callback: a Ctrl-C that Python dropped stops the search here.

    The ``KeyboardInterrupt`` of a Ctrl-C is raised wherever Python is; in a
    garbage-collection callback (SQLAlchemy registers some) Python reports it
    as "Exception ignored" and goes on, and the search would run to its end.
    :func:`interrupt_guard` recorded the Ctrl-C: once the trial ends, this
    raises it again.
    """
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


def _drop_interrupts(unraisable: Any, report: Callable[[Any], None]) -> None:
    if not issubclass(unraisable.exc_type, KeyboardInterrupt):
        report(unraisable)


@contextlib.contextmanager
def interrupt_guard() -> Iterator[None]:
    """While trials run, a Ctrl-C also hushes Optuna's report of that trial.

    Wherever the interrupt lands (in Keras, in the objective), the trial it
    stops is not worth a warning: the command prints one line instead. An
    interrupt Python dropped (see :func:`stop_if_interrupted`) prints nothing
    either.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_drop_interrupts, report=hook)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.unraisablehook = hook
        _INTERRUPTED.clear()


def import_backend(*, saving: bool = False) -> None:
    """Import the estimators (and so Keras and its backend) without chatter.

    TensorFlow's C++ code logs "Could not find cuda drivers", "oneDNN custom
    operations are on" and the like at import, before its log level is read;
    an error there still surfaces as a Python exception. ``saving``: also
    TensorFlow when it is installed, whatever the backend, as Keras' model
    serializer imports it then.
    """
    with native_stderr_silenced():
        importlib.import_module("kerasopt.estimators")
        if saving and importlib.util.find_spec("tensorflow") is not None:
            importlib.import_module("tensorflow")
        tensorflow = sys.modules.get("tensorflow")
        if tensorflow is not None:
            # TensorFlow looks for devices at its first operation, not at import,
            # and logs "failed call to cuInit" as an error on a machine without a
            # GPU: look for them here, while descriptor 2 is silenced.
            tensorflow.config.list_physical_devices()


# ------------------------------------------------------------------- warnings
#: Library warnings a CLI user cannot act on: Ctrl-C is reported by the
#: command itself; --validation-fraction is a single split on purpose.
_SILENT = ("The search was interrupted", ".*Optuna's Terminator")


@contextlib.contextmanager
def warnings_as_notes(
    timeout: str | None = None, *, silent: tuple[type[Warning], ...] = ()
) -> Iterator[None]:
    """Show the library's warnings once each, as notes without file paths.

    The search's own word for a timeout becomes the command's (``--timeout``);
    warnings of a ``silent`` category are dropped (the command says it its way).
    """
    from ..search._study import TimeoutReached

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.filterwarnings("always", category=UserWarning)
        for message in _SILENT:
            warnings.filterwarnings("ignore", message)
        for category in silent:
            warnings.filterwarnings("ignore", category=category)
        try:
            yield
        finally:
            notes = [
                f"--timeout {timeout} reached: the study holds {w.message.count()}. "
                "Run the same command to continue."
                if isinstance(w.message, TimeoutReached)
                else str(w.message)
                for w in caught
            ]
            for message in dict.fromkeys(notes):
                _render.note(message)


# --------------------------------------------------------------------- inputs
class Task(str, enum.Enum):
    """``kerasopt tune --task``."""

    auto = "auto"
    classification = "classification"
    regression = "regression"


def load_data(
    path: Path, target: str, quiet: bool, sep: str | None = None
) -> tuple[Any, Any]:
    """Read ``path``; data warnings (dropped rows) become notes."""
    from ..data import load_dataset

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        X, y = load_dataset(path, target, sep)
    if not quiet:
        for warning in caught:
            _render.note(str(warning.message))
    return X, y


def check_named(X: Any, columns: list[str], option: str) -> None:
    """Fail on a name in ``columns`` (given by ``option``) that ``X`` lacks."""
    names = [str(c) for c in X.columns]
    for column in columns:
        if column not in names:
            raise DataError(
                f"{option} {column!r} is not a column of the data."
                f"{did_you_mean(column, names)} Columns: {', '.join(names)}."
            )


def build_pipeline(task: str, epochs: int, class_weight: str | None = None) -> Any:
    """The estimator every trial clones: preprocessing + Keras MLP.

    Columns are chosen before (``kerasopt tune`` leaves out the unusable
    ones): the pipeline drops none by itself, so no trial warns about them.
    ``class_weight`` is ``--class-weight`` (classification only).
    """
    from ..estimators import KerasClassifier, KerasRegressor
    from ..preprocessing import make_tabular_pipeline

    if task == "classification":
        estimator = KerasClassifier(
            epochs=epochs, verbose=0, class_weight=class_weight
        )
    else:
        estimator = KerasRegressor(epochs=epochs, verbose=0)
    return make_tabular_pipeline(estimator, auto_drop=False)


def resolve_metric(
    metric: str | None, task: str, y: Any, pos_label: str | None
) -> tuple[Any, str]:
    """The ``scoring`` for OptunaSearchCV and the metric's name for the study.

    Parameters
    ----------
    metric : str or None
        ``--metric``: a scikit-learn scorer name; ``None`` means accuracy
        (classification) or R² (regression).
    task : {"classification", "regression"}
    y : pandas.Series
        The target.
    pos_label : str or None
        ``--pos-label``: the positive class of a binary metric.

    Returns
    -------
    scoring : str, callable or None
    name : str

    Raises
    ------
    ValueError
        With the fix, when the metric is unknown, cannot score this target or
        the positive label is missing, unknown or not used by the metric.
    """
    from ..search._scoring import check_scoring_target

    name = metric or ("accuracy" if task == "classification" else "r2")
    scoring = check_scoring_target(
        name, y, classification=task == "classification", pos_label=pos_label,
        scoring_name="--metric", pos_label_name="--pos-label",
    )  # fmt: skip
    return scoring, scoring if isinstance(scoring, str) else name
