"""What several commands share: the storage option, opening studies, errors.

:func:`handle_errors` is the one place where exceptions become exit codes:
user errors (bad data, bad space, unknown study, unreachable storage) print
one line and exit with 1; ``--debug`` adds the traceback. Usage errors exit
with 2 before a command runs (typer/click).
"""

from __future__ import annotations

import functools
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .._utils import exception_chain
from ..exceptions import KerasoptError, StorageError
from . import _render

__all__ = [
    "DEFAULT_STORAGE",
    "JsonOpt",
    "IdColumnOpt",
    "QuietOpt",
    "SepOpt",
    "StorageOpt",
    "StudyArg",
    "handle_errors",
    "open_storage",
    "open_study",
    "parse_duration",
    "settings",
    "storage_file",
    "storage_url",
]

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
            _render.error("Interrupted.")
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


def open_study(storage: Any, label: str, name: str) -> Any:
    """Load the study ``name``; unknown names list the studies there."""
    import optuna

    from .._utils import did_you_mean

    names = optuna.get_all_study_names(storage)
    if name not in names:
        raise StorageError(
            f"No study named {name!r} in {label}.{did_you_mean(name, names)} Studies: "
            f"{', '.join(names) or '(none)'}. Pass --storage if the study lives "
            "elsewhere."
        )
    return optuna.load_study(study_name=name, storage=storage)


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
